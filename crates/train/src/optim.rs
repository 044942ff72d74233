//! Parameter updates: fixed-rate SGD (ascent) and Adam. Biases with [`model::BiasMode::Frozen`]
//! or `Off` are never changed.

use crate::config::Optimizer;
use crate::grad::Grad;
use model::{BiasMode, Rbm, Real};

/// Optimiser state (Adam moments; empty for SGD), part of a [`crate::Checkpoint`].
#[derive(Debug, Clone, PartialEq)]
pub struct OptState<F: Real> {
    /// Number of steps taken.
    pub t: u64,
    /// Adam first moments.
    pub m: Option<Grad<F>>,
    /// Adam second moments.
    pub s: Option<Grad<F>>,
}

impl<F: Real> Default for OptState<F> {
    fn default() -> Self {
        OptState { t: 0, m: None, s: None }
    }
}

/// Apply one ascent step with gradient `g` to `rbm`.
pub fn step<F: Real>(opt: &Optimizer, state: &mut OptState<F>, rbm: &mut Rbm<F>, g: &Grad<F>) {
    state.t += 1;
    let upd_v = rbm.visible.bias_mode == BiasMode::Trainable;
    let upd_h = rbm.hidden.bias_mode == BiasMode::Trainable;
    match *opt {
        Optimizer::Sgd { lr } => {
            let lr = F::from_f64(lr);
            rbm.weights.scaled_add(lr, &g.w);
            if upd_v {
                rbm.visible.bias.scaled_add(lr, &g.vbias);
            }
            if upd_h {
                rbm.hidden.bias.scaled_add(lr, &g.hbias);
            }
        }
        Optimizer::Adam { lr, beta1, beta2, eps } => {
            let m = state.m.get_or_insert_with(|| Grad::zeros_like(rbm));
            let s = state.s.get_or_insert_with(|| Grad::zeros_like(rbm));
            let t = state.t as i32;
            let c1 = 1.0 - beta1.powi(t);
            let c2 = 1.0 - beta2.powi(t);
            let (b1, b2) = (F::from_f64(beta1), F::from_f64(beta2));
            let (o1, o2) = (F::from_f64(1.0 - beta1), F::from_f64(1.0 - beta2));
            let (lr_t, e) = (F::from_f64(lr * c2.sqrt() / c1), F::from_f64(eps * c2.sqrt()));
            let adam = |p: &mut [F], m: &mut [F], s: &mut [F], g: &[F]| {
                for (((p, m), s), &g) in p.iter_mut().zip(m.iter_mut()).zip(s.iter_mut()).zip(g.iter()) {
                    *m = b1 * *m + o1 * g;
                    *s = b2 * *s + o2 * g * g;
                    *p += lr_t * *m / (s.sqrt() + e);
                }
            };
            adam(
                rbm.weights.as_slice_mut().expect("contiguous"),
                m.w.as_slice_mut().expect("contiguous"),
                s.w.as_slice_mut().expect("contiguous"),
                g.w.as_slice().expect("contiguous"),
            );
            if upd_v {
                adam(
                    rbm.visible.bias.as_slice_mut().expect("contiguous"),
                    m.vbias.as_slice_mut().expect("contiguous"),
                    s.vbias.as_slice_mut().expect("contiguous"),
                    g.vbias.as_slice().expect("contiguous"),
                );
            }
            if upd_h {
                adam(
                    rbm.hidden.bias.as_slice_mut().expect("contiguous"),
                    m.hbias.as_slice_mut().expect("contiguous"),
                    s.hbias.as_slice_mut().expect("contiguous"),
                    g.hbias.as_slice().expect("contiguous"),
                );
            }
        }
    }
}
