//! Log-likelihood at checkpoints: exact when enumerable (or Gaussian–Gaussian), AIS otherwise.

use crate::config::LlEval;
use crate::error::Result;
use model::exact::enumeration_side;
use model::{AisConfig, Rbm, Real, ais_forward};
use ndarray::ArrayView2;

/// How a log-likelihood was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlMethod {
    /// Exact `ln Z`.
    Exact,
    /// Forward AIS estimate of `ln Z`.
    Ais,
}

/// Mean log-likelihood of a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct LlEstimate {
    /// Mean `ln p(v)` over the rows, in nats.
    pub mean: f64,
    /// `mean` divided by the number of visible units.
    pub per_unit: f64,
    /// Standard error from the `ln Z` estimate (0 when exact; data-sampling error not included).
    pub std_err: f64,
    /// `ln Z` used.
    pub log_z: f64,
    /// Exact or AIS.
    pub method: LlMethod,
}

/// `ln Z` by the rule of `eval`: `(ln Z, s.e., method)`, or `None` for [`LlEval::None`].
pub fn log_partition<F: Real>(rbm: &Rbm<F>, eval: &LlEval, seed: u64) -> Result<Option<(f64, f64, LlMethod)>> {
    let (chains, steps, force_ais) = match *eval {
        LlEval::None => return Ok(None),
        LlEval::Auto { ais_chains, ais_steps } => (ais_chains, ais_steps, false),
        LlEval::Ais { ais_chains, ais_steps } => (ais_chains, ais_steps, true),
    };
    let exact_ok = model::linear::is_linear(rbm) || enumeration_side(rbm).is_ok();
    if exact_ok && !force_ais {
        return Ok(Some((model::exact::log_partition(rbm)?, 0.0, LlMethod::Exact)));
    }
    let r = ais_forward(rbm, &AisConfig { n_chains: chains, n_steps: steps, seed, base_visible_bias: None })?;
    Ok(Some((r.log_z, r.std_err, LlMethod::Ais)))
}

/// Mean log-likelihood of each data set, sharing one `ln Z` (paper 002 eq. (4)); `None` for [`LlEval::None`].
pub fn log_likelihoods<F: Real>(
    rbm: &Rbm<F>,
    sets: &[ArrayView2<F>],
    eval: &LlEval,
    seed: u64,
) -> Result<Vec<Option<LlEstimate>>> {
    let Some((log_z, se, method)) = log_partition(rbm, eval, seed)? else {
        return Ok(vec![None; sets.len()]);
    };
    let n_units = rbm.visible.n_units as f64;
    sets.iter()
        .map(|d| {
            rbm.validate_visible(*d)?;
            let f = rbm.free_energy_visible(*d)?;
            let mean = f.mapv(|x| -rbm.beta * x).mean().unwrap_or(f64::NAN) - log_z;
            Ok(Some(LlEstimate { mean, per_unit: mean / n_units, std_err: se, log_z, method }))
        })
        .collect()
}
