//! A small planted RBM sampled exactly by enumerating its hidden layer (the planted rank-1
//! {0,1} RBM teacher of paper 001's checks, and any RBM with few hidden units).
//!
//! `P(v, h) ∝ exp(vᵀ W h + bᵀ v + cᵀ h)` with visible and hidden units in {0,1} or ±1. Summing out
//! `v` gives `P(h) ∝ exp(cᵀh) Π_i Z_i(b_i + (W h)_i)`, `Z(x) = 1 + e^x` ({0,1}) or `2 cosh x` (±1),
//! a law on the `2^M` hidden states that is enumerated exactly; then `v | h` is a product of
//! independent units with `P(v_i = up) = σ(x)` ({0,1}) or `σ(2x)` (±1), `x = b_i + (W h)_i`.

use ndarray::{Array1, Array2};
use rand::RngExt;

use crate::Encoding;
use crate::counts::Discrete;
use crate::error::{Error, Result, invalid};
use crate::rng::fill_rows;

/// Largest number of hidden units enumerated.
pub const MAX_HIDDEN: usize = 22;

/// A small RBM teacher with its exact hidden-state law.
#[derive(Debug, Clone)]
pub struct PlantedRbm {
    /// Couplings `W` (`N_v × M`).
    pub weights: Array2<f64>,
    /// Visible biases `b` (length `N_v`).
    pub visible_bias: Array1<f64>,
    /// Hidden biases `c` (length `M`).
    pub hidden_bias: Array1<f64>,
    /// Visible unit values.
    pub visible: Encoding,
    /// Hidden unit values.
    pub hidden: Encoding,
    law: Discrete,
}

fn hidden_value(code: usize, mu: usize, enc: Encoding) -> f64 {
    enc.encode(if (code >> mu) & 1 == 1 { 1 } else { -1 }) as f64
}

fn ln_z(x: f64, enc: Encoding) -> f64 {
    match enc {
        // ln(1 + e^x), stable
        Encoding::Binary => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        // ln(2 cosh x), stable
        Encoding::Spin => x.abs() + (-2.0 * x.abs()).exp().ln_1p(),
    }
}

impl PlantedRbm {
    /// Builds the teacher; at most [`MAX_HIDDEN`] hidden units (else [`Error::Intractable`]).
    pub fn new(
        weights: Array2<f64>,
        visible_bias: Array1<f64>,
        hidden_bias: Array1<f64>,
        visible: Encoding,
        hidden: Encoding,
    ) -> Result<Self> {
        let (nv, m) = weights.dim();
        if visible_bias.len() != nv || hidden_bias.len() != m {
            return invalid(format!(
                "bias lengths ({}, {}) do not match W of shape {nv}×{m}",
                visible_bias.len(),
                hidden_bias.len()
            ));
        }
        if m > MAX_HIDDEN {
            return Err(Error::Intractable(format!("{m} hidden units need 2^{m} states (limit {MAX_HIDDEN})")));
        }
        if weights.iter().chain(&visible_bias).chain(&hidden_bias).any(|v| !v.is_finite()) {
            return invalid("RBM parameters must be finite");
        }
        let logw: Vec<f64> = (0..1usize << m)
            .map(|code| {
                let h: Vec<f64> = (0..m).map(|mu| hidden_value(code, mu, hidden)).collect();
                let ch: f64 = hidden_bias.iter().zip(&h).map(|(c, x)| c * x).sum();
                let lv: f64 = (0..nv)
                    .map(|i| {
                        let x = visible_bias[i] + (0..m).map(|mu| weights[(i, mu)] * h[mu]).sum::<f64>();
                        ln_z(x, visible)
                    })
                    .sum();
                ch + lv
            })
            .collect();
        Ok(Self { weights, visible_bias, hidden_bias, visible, hidden, law: Discrete::from_log_weights(&logw) })
    }

    /// Exact marginal law of the hidden layer, indexed by the bit code `Σ_μ [h_μ up] 2^μ`.
    pub fn hidden_pmf(&self) -> &[f64] {
        self.law.pmf()
    }

    /// Draws `n_samples` exact visible configurations (one per row, in `self.visible` encoding).
    pub fn sample(&self, n_samples: usize, seed: u64) -> Result<Array2<i8>> {
        let (nv, m) = self.weights.dim();
        let (up, down) = (self.visible.encode(1), self.visible.encode(-1));
        let gain = if self.visible == Encoding::Spin { 2.0 } else { 1.0 };
        let mut out = Array2::<i8>::zeros((n_samples, nv));
        fill_rows(
            &mut out,
            seed,
            || vec![0.0f64; m],
            |h, rng, _, mut row| {
                let code = self.law.sample(rng);
                for (mu, x) in h.iter_mut().enumerate() {
                    *x = hidden_value(code, mu, self.hidden);
                }
                for i in 0..nv {
                    let x = self.visible_bias[i] + (0..m).map(|mu| self.weights[(i, mu)] * h[mu]).sum::<f64>();
                    let p_up = 1.0 / (1.0 + (-gain * x).exp());
                    row[i] = if rng.random::<f64>() < p_up { up } else { down };
                }
            },
        );
        Ok(out)
    }
}
