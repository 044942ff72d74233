//! Log-likelihood gradient from sufficient statistics (paper 002 eqs. (5)–(6), general units).
//!
//! Plain: `g_W = β(⟨v hᵀ⟩_D − ⟨v hᵀ⟩_M)`, `g_b = β(⟨v⟩_D − ⟨v⟩_M)`, `g_c = β(⟨h⟩_D − ⟨h⟩_M)`, with
//! hidden magnetisations `E[h|v]` in place of hidden samples in both terms.
//!
//! Centred (Melchior, Fischer & Wiskott 2016; rbms `centered=True`), centres `v̄ = ⟨v⟩_D`,
//! `h̄ = ⟨h⟩_D` of the minibatch: `g_W = β(Cov_D(v,h) − ⟨(v−v̄)(h−h̄)ᵀ⟩_M)`,
//! `g_b = β(⟨v⟩_D − ⟨v⟩_M) − g_W h̄`, `g_c = β(⟨h⟩_D − ⟨h⟩_M) − g_Wᵀ v̄`.
//!
//! Double-well thresholds (hidden layer with [`model::ThetaMode::Trainable`]): since
//! `∂E/∂θ_μ = |h_μ|`, paper 002 eq. (5) gives `g_θ = β(⟨E[|h_μ| | v]⟩_M − ⟨E[|h_μ| | v]⟩_D)`
//! (re-derived in [`model::units`]), with the closed-form conditional absolute mean in both terms.
//! Centring reparametrises `(W, b, c)` only, so `g_θ` is the same in both forms.

use model::{Moments, Rbm, Real, ThetaMode};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Sufficient statistics `⟨v hᵀ⟩`, `⟨v⟩`, `⟨h⟩` in the storage type.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats<F: Real> {
    /// `⟨v hᵀ⟩`.
    pub vh: Array2<F>,
    /// `⟨v⟩`.
    pub v: Array1<F>,
    /// `⟨h⟩`.
    pub h: Array1<F>,
    /// `⟨E[|h_μ| | v]⟩` of a double-well hidden layer with trainable θ, else `None`.
    pub abs_h: Option<Array1<F>>,
}

/// A gradient (or an update) for `(W, b, c)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grad<F: Real> {
    /// Weights.
    pub w: Array2<F>,
    /// Visible bias.
    pub vbias: Array1<F>,
    /// Hidden bias.
    pub hbias: Array1<F>,
    /// Per-unit double-well thresholds θ_μ of the hidden layer (`Some` only when they are trainable).
    pub theta: Option<Array1<F>>,
}

impl<F: Real> Grad<F> {
    /// Zeros shaped like `rbm`'s parameters.
    pub fn zeros_like(rbm: &Rbm<F>) -> Self {
        Grad {
            w: Array2::zeros(rbm.weights.dim()),
            vbias: Array1::zeros(rbm.visible.width()),
            hbias: Array1::zeros(rbm.hidden.width()),
            theta: theta_trainable(rbm).then(|| Array1::zeros(rbm.hidden.n_units)),
        }
    }
    /// True when every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.w
            .iter()
            .chain(self.vbias.iter())
            .chain(self.hbias.iter())
            .chain(self.theta.iter().flatten())
            .all(|x| x.is_finite())
    }
}

/// Whether the hidden layer has trainable double-well thresholds.
pub fn theta_trainable<F: Real>(rbm: &Rbm<F>) -> bool {
    rbm.hidden.theta_mode == ThetaMode::Trainable
}

/// Statistics of visible rows with hidden magnetisations: `⟨v E[h|v]ᵀ⟩`, `⟨v⟩`, `⟨E[h|v]⟩`, and
/// `⟨E[|h| | v]⟩` when the hidden θ is trainable (module docs).
pub fn stats_from_visible<F: Real>(rbm: &Rbm<F>, v: ArrayView2<F>) -> model::Result<Stats<F>> {
    let mh = rbm.hidden_mean(v)?;
    let n = F::from_f64(1.0 / v.nrows() as f64);
    let mut vh = Array2::zeros(rbm.weights.dim());
    general_mat_mul(n, &v.t(), &mh, F::zero(), &mut vh);
    let abs_h = if theta_trainable(rbm) { Some(rbm.hidden_abs_mean(v)?.sum_axis(Axis(0)) * n) } else { None };
    Ok(Stats { vh, v: v.sum_axis(Axis(0)) * n, h: mh.sum_axis(Axis(0)) * n, abs_h })
}

/// Statistics from exact f64 moments (`abs_h` is left `None`; see [`model::exact::model_hidden_abs_mean`]).
pub fn stats_from_moments<F: Real>(m: &Moments) -> Stats<F> {
    Stats { vh: m.vh.mapv(F::from_f64), v: m.v.mapv(F::from_f64), h: m.h.mapv(F::from_f64), abs_h: None }
}

fn outer<F: Real>(a: &Array1<F>, b: &Array1<F>) -> Array2<F> {
    a.view().insert_axis(Axis(1)).dot(&b.view().insert_axis(Axis(0)))
}

/// The gradient of the mean log-likelihood from data (`pos`) and model (`neg`) statistics (module docs).
pub fn gradient<F: Real>(beta: f64, pos: &Stats<F>, neg: &Stats<F>, centered: bool) -> Grad<F> {
    let b = F::from_f64(beta);
    let mut w = &pos.vh - &neg.vh;
    let mut gv = &pos.v - &neg.v;
    let mut gh = &pos.h - &neg.h;
    if centered {
        let (vb, hb) = (&pos.v, &pos.h);
        // Cov_D − ⟨(v−v̄)(h−h̄)ᵀ⟩_M = (⟨vh⟩_D − ⟨vh⟩_M) + v̄⟨h⟩_Mᵀ + ⟨v⟩_M h̄ᵀ − 2 v̄h̄ᵀ
        w = w + outer(vb, &neg.h) + outer(&neg.v, hb) - outer(vb, hb) * F::from_f64(2.0);
        gv = gv - w.dot(hb);
        gh = gh - w.t().dot(vb);
    }
    let theta = match (&pos.abs_h, &neg.abs_h) {
        (Some(d), Some(m)) => Some((m - d) * b),
        _ => None,
    };
    Grad { w: w * b, vbias: gv * b, hbias: gh * b, theta }
}
