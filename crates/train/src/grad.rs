//! Log-likelihood gradient from sufficient statistics (paper 002 eqs. (5)–(6), general units).
//!
//! Plain: `g_W = β(⟨v hᵀ⟩_D − ⟨v hᵀ⟩_M)`, `g_b = β(⟨v⟩_D − ⟨v⟩_M)`, `g_c = β(⟨h⟩_D − ⟨h⟩_M)`, with
//! hidden magnetisations `E[h|v]` in place of hidden samples in both terms.
//!
//! Centred (Melchior, Fischer & Wiskott 2016; rbms `centered=True`), centres `v̄ = ⟨v⟩_D`,
//! `h̄ = ⟨h⟩_D` of the minibatch: `g_W = β(Cov_D(v,h) − ⟨(v−v̄)(h−h̄)ᵀ⟩_M)`,
//! `g_b = β(⟨v⟩_D − ⟨v⟩_M) − g_W h̄`, `g_c = β(⟨h⟩_D − ⟨h⟩_M) − g_Wᵀ v̄`.

use model::{Moments, Rbm, Real};
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
}

impl<F: Real> Grad<F> {
    /// Zeros shaped like `rbm`'s parameters.
    pub fn zeros_like(rbm: &Rbm<F>) -> Self {
        Grad {
            w: Array2::zeros(rbm.weights.dim()),
            vbias: Array1::zeros(rbm.visible.width()),
            hbias: Array1::zeros(rbm.hidden.width()),
        }
    }
    /// True when every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.w.iter().chain(self.vbias.iter()).chain(self.hbias.iter()).all(|x| x.is_finite())
    }
}

/// Statistics of visible rows with hidden magnetisations: `⟨v E[h|v]ᵀ⟩`, `⟨v⟩`, `⟨E[h|v]⟩`.
pub fn stats_from_visible<F: Real>(rbm: &Rbm<F>, v: ArrayView2<F>) -> model::Result<Stats<F>> {
    let mh = rbm.hidden_mean(v)?;
    let n = F::from_f64(1.0 / v.nrows() as f64);
    let mut vh = Array2::zeros(rbm.weights.dim());
    general_mat_mul(n, &v.t(), &mh, F::zero(), &mut vh);
    Ok(Stats { vh, v: v.sum_axis(Axis(0)) * n, h: mh.sum_axis(Axis(0)) * n })
}

/// Statistics from exact f64 moments.
pub fn stats_from_moments<F: Real>(m: &Moments) -> Stats<F> {
    Stats { vh: m.vh.mapv(F::from_f64), v: m.v.mapv(F::from_f64), h: m.h.mapv(F::from_f64) }
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
    Grad { w: w * b, vbias: gv * b, hbias: gh * b }
}
