//! Parameter initialisation (paper 000, MNIST experiments: Gaussian weights, visible fields from the data
//! means, hidden fields 0; paper 002: small Gaussian weights, zero fields).

use crate::config::{Init, VisibleBiasInit};
use crate::error::{Result, hyper};
use model::{Rbm, Real, Units};
use ndarray::{Array1, ArrayView2, Axis};

const CLAMP: f64 = 1e-4;

/// A fresh machine: weights `N(0, init.weight_std²)` (seeded), visible bias by `init.visible_bias`
/// computed on `data`, hidden bias 0, bias modes as given, β = 1.
pub fn init_rbm<F: Real>(
    vis: Units,
    n_vis: usize,
    hid: Units,
    n_hid: usize,
    init: &Init,
    data: ArrayView2<F>,
) -> Result<Rbm<F>> {
    let mut rbm = Rbm::<F>::zeros(vis, n_vis, hid, n_hid)?;
    rbm.validate_visible(data)?;
    if data.nrows() == 0 {
        return Err(hyper("data", "no rows"));
    }
    rbm.randomize_weights(init.weight_std, init.seed)?;
    if init.visible_bias == VisibleBiasInit::DataMean && init.visible_bias_mode != model::BiasMode::Off {
        let mean = data.mapv(|x| x.to_f64()).mean_axis(Axis(0)).expect("non-empty");
        let b = data_mean_bias(vis, &mean);
        rbm.visible = rbm.visible.with_bias(b.mapv(F::from_f64))?;
    }
    rbm.visible = rbm.visible.with_bias_mode(init.visible_bias_mode);
    rbm.hidden = rbm.hidden.with_bias_mode(init.hidden_bias_mode);
    Ok(rbm)
}

/// Bias of the independent-unit model with the given means (see [`VisibleBiasInit::DataMean`]), β = 1.
pub fn data_mean_bias(units: Units, mean: &Array1<f64>) -> Array1<f64> {
    match units {
        Units::Bernoulli => mean.mapv(|m| {
            let m = m.clamp(CLAMP, 1.0 - CLAMP);
            (m / (1.0 - m)).ln()
        }),
        Units::Ising => mean.mapv(|m| m.clamp(-1.0 + 2.0 * CLAMP, 1.0 - 2.0 * CLAMP).atanh()),
        Units::Gaussian { precision } => mean * precision,
        Units::Potts { states } => {
            let mut b = mean.mapv(|f| f.clamp(CLAMP, 1.0).ln());
            for g in b.as_slice_mut().expect("contiguous").chunks_exact_mut(states) {
                let m = g.iter().sum::<f64>() / states as f64;
                g.iter_mut().for_each(|x| *x -= m);
            }
            b
        }
        // no closed-form inverse of the double-well mean; start from zero
        Units::DoubleWell { .. } => Array1::zeros(mean.len()),
    }
}
