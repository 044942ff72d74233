//! Closed forms for the Gaussian–Gaussian (linear) RBM (paper 000, "Linear instabilities" paragraph).
//!
//! With visible precision `γ_v`, hidden precision `γ_h`, biases `b` (+ field `B`) and `c`, summing
//! out `h` gives `ln p(v) = −½ vᵀA v + J·v + K − ln Z` with (re-derived here)
//!
//! `A = β(γ_v 𝟙 − W Wᵀ/γ_h)`, `J = β(b + B + W c/γ_h)`,
//! `K = β|c|²/(2γ_h) + (M/2) ln(2π/(βγ_h))`,
//!
//! so the model is normalisable iff `A` is positive definite, and
//! `ln Z = K + (N/2) ln 2π − ½ ln det A + ½ Jᵀ A⁻¹ J`. The visible law is `N(μ, A⁻¹)` with
//! `μ = A⁻¹J`; since `E[h|v] = (Wᵀv + c)/γ_h`, the moments are
//! `⟨v hᵀ⟩ = ((A⁻¹ + μμᵀ) W + μ cᵀ)/γ_h` and `⟨h⟩ = (Wᵀμ + c)/γ_h`.

use crate::error::{Error, Result};
use crate::exact::Moments;
use crate::rbm::Rbm;
use crate::real::Real;
use crate::units::Units;
use ndarray::{Array1, Array2};

/// Whether both layers are Gaussian.
pub fn is_linear<F: Real>(rbm: &Rbm<F>) -> bool {
    matches!((rbm.visible.units, rbm.hidden.units), (Units::Gaussian { .. }, Units::Gaussian { .. }))
}

/// The visible law `N(μ, Σ)` of a Gaussian–Gaussian RBM: `(μ, Σ = A⁻¹)` (module docs).
pub fn visible_law<F: Real>(rbm: &Rbm<F>) -> Result<(Array1<f64>, Array2<f64>)> {
    let (a, j, _) = parts(rbm)?;
    let l = cholesky(&a).ok_or_else(not_pd)?;
    let sigma = inverse_from_cholesky(&l);
    Ok((sigma.dot(&j), sigma))
}

/// `ln Z` of a Gaussian–Gaussian RBM (module docs).
pub fn log_partition<F: Real>(rbm: &Rbm<F>) -> Result<f64> {
    Ok(log_partition_and_moments(rbm)?.0)
}

/// `(ln Z, moments)` of a Gaussian–Gaussian RBM (module docs).
pub fn log_partition_and_moments<F: Real>(rbm: &Rbm<F>) -> Result<(f64, Moments)> {
    let (a, j, k) = parts(rbm)?;
    let n = a.nrows() as f64;
    let l = cholesky(&a).ok_or_else(not_pd)?;
    let logdet: f64 = 2.0 * l.diag().iter().map(|x| x.ln()).sum::<f64>();
    let sigma = inverse_from_cholesky(&l);
    let mu = sigma.dot(&j);
    let log_z = k + 0.5 * n * (2.0 * std::f64::consts::PI).ln() - 0.5 * logdet + 0.5 * j.dot(&mu);
    let gh = gamma_h(rbm);
    let w = rbm.weights.mapv(|x| x.to_f64());
    let c = rbm.hidden.bias.mapv(|x| x.to_f64());
    let second = &sigma + &outer(&mu, &mu);
    let vh = (second.dot(&w) + outer(&mu, &c)) / gh;
    let h = (w.t().dot(&mu) + &c) / gh;
    Ok((log_z, Moments { vh, v: mu, h }))
}

fn gamma_h<F: Real>(rbm: &Rbm<F>) -> f64 {
    match rbm.hidden.units {
        Units::Gaussian { precision } => precision,
        _ => unreachable!(),
    }
}

fn parts<F: Real>(rbm: &Rbm<F>) -> Result<(Array2<f64>, Array1<f64>, f64)> {
    let (gv, gh) = match (rbm.visible.units, rbm.hidden.units) {
        (Units::Gaussian { precision: a }, Units::Gaussian { precision: b }) => (a, b),
        _ => return Err(crate::error::param("units", "closed forms need Gaussian visible and hidden units")),
    };
    let beta = rbm.beta;
    let w = rbm.weights.mapv(|x| x.to_f64());
    let b = rbm.effective_visible_bias().mapv(|x| x.to_f64());
    let c = rbm.hidden.bias.mapv(|x| x.to_f64());
    let n = w.nrows();
    let m = w.ncols() as f64;
    let mut a = w.dot(&w.t()) * (-beta / gh);
    for i in 0..n {
        a[(i, i)] += beta * gv;
    }
    let j = (b + w.dot(&c) / gh) * beta;
    let k = beta * c.dot(&c) / (2.0 * gh) + 0.5 * m * (2.0 * std::f64::consts::PI / (beta * gh)).ln();
    Ok((a, j, k))
}

fn not_pd() -> Error {
    Error::NotNormalisable(
        "γ_v·1 − W Wᵀ/γ_h is not positive definite (a singular value of W exceeds √(γ_v γ_h))".into(),
    )
}

fn outer(a: &Array1<f64>, b: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((a.len(), b.len()), |(i, j)| a[i] * b[j])
}

/// Lower Cholesky factor of a symmetric matrix, `None` if not positive definite.
pub fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[(j, j)];
        for k in 0..j {
            d -= l[(j, k)] * l[(j, k)];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        l[(j, j)] = d;
        for i in j + 1..n {
            let mut s = a[(i, j)];
            for k in 0..j {
                s -= l[(i, k)] * l[(j, k)];
            }
            l[(i, j)] = s / d;
        }
    }
    Some(l)
}

/// `A⁻¹` from the Cholesky factor `L` of `A` (solves `L Lᵀ X = 𝟙` column by column).
pub fn inverse_from_cholesky(l: &Array2<f64>) -> Array2<f64> {
    let n = l.nrows();
    let mut inv = Array2::<f64>::zeros((n, n));
    let mut y = vec![0.0; n];
    for col in 0..n {
        for i in 0..n {
            let mut s = if i == col { 1.0 } else { 0.0 };
            for k in 0..i {
                s -= l[(i, k)] * y[k];
            }
            y[i] = s / l[(i, i)];
        }
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= l[(k, i)] * inv[(k, col)];
            }
            inv[(i, col)] = s / l[(i, i)];
        }
    }
    inv
}
