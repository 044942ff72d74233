//! Exact references for small models, by enumerating the smaller discrete layer.
//!
//! Enumerating the visible layer: `ln Z = ln Σ_v exp(−βF(v))` with `F(v)` of [`crate::rbm`];
//! enumerating the hidden layer: `ln Z = ln Σ_h exp(−βF(h))`. Either works for any unit type on the
//! other layer (its Γ is closed form). Moments of the model, used by the exact gradient
//! `∂ ln p(v)/∂W = β(v E[h|v]ᵀ − ⟨v hᵀ⟩)` (and likewise for the biases), are
//! `⟨v hᵀ⟩ = Σ_v p(v) v E[h|v]ᵀ` or `Σ_h p(h) E[v|h] hᵀ`.
//!
//! States are processed in chunks of [`ENUM_CHUNK`] (one GEMM each), chunks in parallel, and the
//! per-chunk log-sum-exp partial sums are reduced in chunk order, so results are deterministic.

use crate::error::{Error, Result, shape};
use crate::layer::Layer;
use crate::rbm::{Rbm, to_f64_row};
use crate::real::Real;
use crate::special::logsumexp;
use crate::units::UnitType;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::RngExt;
use rayon::prelude::*;

/// Largest number of enumerated configurations, `2^MAX_ENUM_LOG2`.
pub const MAX_ENUM_LOG2: f64 = 24.0;
/// States per enumeration chunk.
pub const ENUM_CHUNK: usize = 4096;

/// Which layer is summed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Sum over visible configurations.
    Visible,
    /// Sum over hidden configurations.
    Hidden,
}

/// First and second moments of an RBM (model or data), in f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// `⟨v hᵀ⟩`, shape `(visible width, hidden width)`.
    pub vh: Array2<f64>,
    /// `⟨v⟩`.
    pub v: Array1<f64>,
    /// `⟨h⟩`.
    pub h: Array1<f64>,
}

/// Gradient of the mean log-likelihood with respect to `(W, b, c)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    /// `∂/∂W`.
    pub w: Array2<f64>,
    /// `∂/∂b` (visible bias).
    pub vbias: Array1<f64>,
    /// `∂/∂c` (hidden bias).
    pub hbias: Array1<f64>,
}

/// The discrete layer with fewer configurations, if it has at most `2^MAX_ENUM_LOG2` of them.
pub fn enumeration_side<F: Real>(rbm: &Rbm<F>) -> Result<Side> {
    let v = rbm.visible.log2_n_states();
    let h = rbm.hidden.log2_n_states();
    let side = match (v, h) {
        (Some(a), Some(b)) => {
            if a <= b {
                (Side::Visible, a)
            } else {
                (Side::Hidden, b)
            }
        }
        (Some(a), None) => (Side::Visible, a),
        (None, Some(b)) => (Side::Hidden, b),
        (None, None) => return Err(Error::NotEnumerable("both layers are real-valued".into())),
    };
    if side.1 > MAX_ENUM_LOG2 {
        return Err(Error::NotEnumerable(format!("2^{:.1} configurations exceed 2^{MAX_ENUM_LOG2}", side.1)));
    }
    Ok(side.0)
}

fn check_side<F: Real>(rbm: &Rbm<F>, side: Side) -> Result<&Layer<F>> {
    let l = match side {
        Side::Visible => &rbm.visible,
        Side::Hidden => &rbm.hidden,
    };
    match l.log2_n_states() {
        Some(b) if b <= MAX_ENUM_LOG2 => Ok(l),
        Some(b) => Err(Error::NotEnumerable(format!("2^{b:.1} configurations exceed 2^{MAX_ENUM_LOG2}"))),
        None => Err(Error::NotEnumerable(format!("{side:?} layer is real-valued"))),
    }
}

fn n_states<F: Real>(l: &Layer<F>) -> usize {
    let s = l.units.n_states().expect("discrete");
    s.pow(l.n_units as u32)
}

/// All configurations `start..end` of a discrete layer as rows (see [`Layer::state_row`]).
pub fn states_of<F: Real>(l: &Layer<F>, start: usize, end: usize) -> Array2<f64> {
    let mut x = Array2::zeros((end - start, l.width()));
    for (r, mut row) in x.rows_mut().into_iter().enumerate() {
        l.state_row(start + r, row.as_slice_mut().expect("contiguous"));
    }
    x
}

struct Partial {
    max: f64,
    sum: f64,
    mom: Option<Moments>,
}

/// Per-state log weights `−βF(x)` of a chunk, plus (optionally) the conditional means of the other layer.
fn chunk_logw(r: &Rbm<f64>, side: Side, x: &Array2<f64>, want_means: bool) -> (Vec<f64>, Option<Array2<f64>>) {
    let (this, other, inp) = match side {
        Side::Visible => (&r.visible, &r.hidden, x.dot(&r.weights) + &r.hidden.bias),
        Side::Hidden => (&r.hidden, &r.visible, x.dot(&r.weights.t()) + &r.effective_visible_bias()),
    };
    // A product with one column may come back in column-major layout: the row slices below need rows.
    let inp = inp.as_standard_layout().into_owned();
    let bias = match side {
        Side::Visible => r.effective_visible_bias(),
        Side::Hidden => r.hidden.bias.clone(),
    };
    let beta = r.beta;
    let mut lw = Vec::with_capacity(x.nrows());
    let mut means = want_means.then(|| Array2::zeros(inp.dim()));
    for (k, (xr, ir)) in x.rows().into_iter().zip(inp.rows()).enumerate() {
        let xs = xr.as_slice().expect("contiguous");
        let is = ir.as_slice().expect("contiguous");
        let lin: f64 = xs.iter().zip(bias.iter()).map(|(a, b)| a * b).sum();
        lw.push(-beta * (this.potential_row(xs) - lin) + other.cgf_row(is, beta));
        if let Some(m) = means.as_mut() {
            let mut row = m.row_mut(k);
            other.mean_row(is, beta, row.as_slice_mut().expect("contiguous"));
        }
    }
    (lw, means)
}

fn enumerate(r: &Rbm<f64>, side: Side, want_moments: bool) -> Partial {
    let layer = match side {
        Side::Visible => &r.visible,
        Side::Hidden => &r.hidden,
    };
    let total = n_states(layer);
    let n_chunks = total.div_ceil(ENUM_CHUNK);
    let parts: Vec<Partial> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let (s, e) = (c * ENUM_CHUNK, ((c + 1) * ENUM_CHUNK).min(total));
            let x = states_of(layer, s, e);
            let (lw, means) = chunk_logw(r, side, &x, want_moments);
            let max = lw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let w: Array1<f64> = lw.iter().map(|&l| (l - max).exp()).collect();
            let sum = w.sum();
            let mom = means.map(|m| {
                let xw = &x * &w.view().insert_axis(Axis(1));
                let mw = &m * &w.view().insert_axis(Axis(1));
                let (vh, v, h) = match side {
                    Side::Visible => (xw.t().dot(&m), xw.sum_axis(Axis(0)), mw.sum_axis(Axis(0))),
                    Side::Hidden => (mw.t().dot(&x), mw.sum_axis(Axis(0)), xw.sum_axis(Axis(0))),
                };
                Moments { vh, v, h }
            });
            Partial { max, sum, mom }
        })
        .collect();
    let mut acc = Partial { max: f64::NEG_INFINITY, sum: 0.0, mom: None };
    for p in parts {
        let m = acc.max.max(p.max);
        let (fa, fp) = ((acc.max - m).exp(), (p.max - m).exp());
        acc.sum = acc.sum * if acc.max == f64::NEG_INFINITY { 0.0 } else { fa } + p.sum * fp;
        acc.mom = match (acc.mom, p.mom) {
            (None, pm) => pm.map(|x| scale(x, fp)),
            (Some(a), Some(b)) => {
                Some(Moments { vh: a.vh * fa + b.vh * fp, v: a.v * fa + b.v * fp, h: a.h * fa + b.h * fp })
            }
            (a, None) => a,
        };
        acc.max = m;
    }
    acc
}

fn scale(m: Moments, f: f64) -> Moments {
    Moments { vh: m.vh * f, v: m.v * f, h: m.h * f }
}

/// `ln Z` by enumerating the layer chosen by [`enumeration_side`] (or the closed form of
/// [`crate::linear`] for a Gaussian–Gaussian RBM).
pub fn log_partition<F: Real>(rbm: &Rbm<F>) -> Result<f64> {
    if crate::linear::is_linear(rbm) {
        return crate::linear::log_partition(rbm);
    }
    log_partition_by(rbm, enumeration_side(rbm)?)
}

/// `ln Z` by enumerating the given layer.
pub fn log_partition_by<F: Real>(rbm: &Rbm<F>, side: Side) -> Result<f64> {
    check_side(rbm, side)?;
    let r = rbm.cast::<f64>();
    let p = enumerate(&r, side, false);
    finite(p.max + p.sum.ln(), "log Z")
}

/// `(ln Z, model moments)` exactly (enumeration, or the Gaussian–Gaussian closed form).
pub fn model_moments<F: Real>(rbm: &Rbm<F>) -> Result<(f64, Moments)> {
    if crate::linear::is_linear(rbm) {
        return crate::linear::log_partition_and_moments(rbm);
    }
    model_moments_by(rbm, enumeration_side(rbm)?)
}

/// `(ln Z, model moments)` by enumerating the given layer.
pub fn model_moments_by<F: Real>(rbm: &Rbm<F>, side: Side) -> Result<(f64, Moments)> {
    check_side(rbm, side)?;
    let r = rbm.cast::<f64>();
    let p = enumerate(&r, side, true);
    let m = p.mom.expect("moments requested");
    let z = p.sum;
    let mom = Moments { vh: m.vh / z, v: m.v / z, h: m.h / z };
    Ok((finite(p.max + z.ln(), "log Z")?, mom))
}

/// Data moments with hidden magnetisations: `⟨v E[h|v]ᵀ⟩_D`, `⟨v⟩_D`, `⟨E[h|v]⟩_D` (f64).
pub fn data_moments<F: Real>(rbm: &Rbm<F>, data: ArrayView2<F>) -> Result<Moments> {
    rbm.validate_visible(data)?;
    if data.nrows() == 0 {
        return Err(crate::error::param("data", "no rows"));
    }
    let r = rbm.cast::<f64>();
    let v = data.mapv(|x| x.to_f64());
    let mh = r.hidden_mean(v.view())?;
    let s = v.nrows() as f64;
    Ok(Moments { vh: v.t().dot(&mh) / s, v: v.sum_axis(Axis(0)) / s, h: mh.sum_axis(Axis(0)) / s })
}

/// `ln p(v)` of each row (exact).
pub fn log_likelihoods<F: Real>(rbm: &Rbm<F>, data: ArrayView2<F>) -> Result<Array1<f64>> {
    rbm.validate_visible(data)?;
    let lz = log_partition(rbm)?;
    let f = rbm.free_energy_visible(data)?;
    Ok(f.mapv(|x| -rbm.beta * x - lz))
}

/// Mean `ln p(v)` over the rows of `data` (exact; paper 002 eq. (4)).
pub fn log_likelihood<F: Real>(rbm: &Rbm<F>, data: ArrayView2<F>) -> Result<f64> {
    let l = log_likelihoods(rbm, data)?;
    finite(l.mean().unwrap_or(f64::NAN), "log-likelihood")
}

/// Exact gradient of the mean log-likelihood: `β(⟨·⟩_data − ⟨·⟩_model)` with hidden magnetisations
/// in the data term (paper 002 eqs. (5)–(6), extended to biases and general units).
pub fn exact_gradient<F: Real>(rbm: &Rbm<F>, data: ArrayView2<F>) -> Result<Gradient> {
    let d = data_moments(rbm, data)?;
    let (_, m) = model_moments(rbm)?;
    Ok(gradient_from_moments(rbm.beta, &d, &m))
}

/// Model average of the double-well hidden absolute means, `⟨E[|h_μ| | v]⟩_model = Σ_v p(v) E[|h_μ| | v]`,
/// by enumerating the visible layer in chunks (the model term of the θ gradient; see
/// [`crate::units`] for the derivation, paper 002 eq. (5) with `∂E/∂θ_μ = |h_μ|`). Errors unless the
/// hidden units are double-well and the visible layer is enumerable.
pub fn model_hidden_abs_mean<F: Real>(rbm: &Rbm<F>) -> Result<Array1<f64>> {
    check_side(rbm, Side::Visible)?;
    let r = rbm.cast::<f64>();
    let lz = log_partition_by(&r, Side::Visible)?;
    let total = n_states(&r.visible);
    let parts: Vec<Result<Array1<f64>>> = (0..total.div_ceil(ENUM_CHUNK))
        .into_par_iter()
        .map(|c| {
            let (s, e) = (c * ENUM_CHUNK, ((c + 1) * ENUM_CHUNK).min(total));
            let x = states_of(&r.visible, s, e);
            let (lw, _) = chunk_logw(&r, Side::Visible, &x, false);
            let p: Array1<f64> = lw.iter().map(|&l| (l - lz).exp()).collect();
            Ok(r.hidden_abs_mean(x.view())?.t().dot(&p))
        })
        .collect();
    let mut acc = Array1::zeros(r.hidden.n_units);
    for p in parts {
        acc += &p?;
    }
    Ok(acc)
}

/// Data average `⟨E[|h_μ| | v]⟩_data` of the double-well hidden absolute means (the data term of the
/// θ gradient; see [`model_hidden_abs_mean`]).
pub fn data_hidden_abs_mean<F: Real>(rbm: &Rbm<F>, data: ArrayView2<F>) -> Result<Array1<f64>> {
    rbm.validate_visible(data)?;
    if data.nrows() == 0 {
        return Err(crate::error::param("data", "no rows"));
    }
    let r = rbm.cast::<f64>();
    let a = r.hidden_abs_mean(data.mapv(|x| x.to_f64()).view())?;
    Ok(a.sum_axis(Axis(0)) / data.nrows() as f64)
}

/// `β(data − model)` for every parameter block.
pub fn gradient_from_moments(beta: f64, data: &Moments, model: &Moments) -> Gradient {
    Gradient {
        w: (&data.vh - &model.vh) * beta,
        vbias: (&data.v - &model.v) * beta,
        hbias: (&data.h - &model.h) * beta,
    }
}

/// Every configuration of a discrete visible layer and its exact probability `p(v)`.
pub fn visible_distribution<F: Real>(rbm: &Rbm<F>) -> Result<(Array2<F>, Array1<f64>)> {
    distribution(rbm, Side::Visible)
}

/// Every configuration of a discrete hidden layer and its exact probability `p(h)`.
pub fn hidden_distribution<F: Real>(rbm: &Rbm<F>) -> Result<(Array2<F>, Array1<f64>)> {
    distribution(rbm, Side::Hidden)
}

fn distribution<F: Real>(rbm: &Rbm<F>, side: Side) -> Result<(Array2<F>, Array1<f64>)> {
    let layer = check_side(rbm, side)?;
    let r = rbm.cast::<f64>();
    let x = states_of(layer, 0, n_states(layer));
    let (lw, _) = chunk_logw(&r, side, &x, false);
    let lz = logsumexp(&lw);
    let p: Array1<f64> = lw.iter().map(|&l| (l - lz).exp()).collect();
    Ok((x.mapv(F::from_f64), p))
}

/// `n` exact i.i.d. draws from a probability vector over `states` rows (inverse CDF, seeded).
pub fn sample_from_distribution<F: Real>(
    states: &Array2<F>,
    p: &Array1<f64>,
    n: usize,
    seed: u64,
) -> Result<Array2<F>> {
    shape("probabilities", states.nrows(), p.len())?;
    let mut cdf = Vec::with_capacity(p.len());
    let mut acc = 0.0;
    for &q in p {
        acc += q;
        cdf.push(acc);
    }
    let mut rng = crate::rng::stream(seed, u64::MAX, 0);
    let mut out = Array2::zeros((n, states.ncols()));
    for mut row in out.rows_mut() {
        let u: f64 = rng.random::<f64>() * acc;
        let k = cdf.partition_point(|&c| c <= u).min(p.len() - 1);
        row.assign(&states.row(k));
    }
    Ok(out)
}

/// Convert a row of `F` to f64 (re-exported helper for downstream exact computations).
pub fn row_to_f64<F: Real>(x: ndarray::ArrayView1<F>) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    to_f64_row(x, &mut out);
    out
}

fn finite(x: f64, what: &str) -> Result<f64> {
    if x.is_finite() { Ok(x) } else { Err(Error::NonFinite(what.into())) }
}
