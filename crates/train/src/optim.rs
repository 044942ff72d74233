//! Parameter updates: fixed-rate SGD (ascent) and Adam. Biases with [`model::BiasMode::Frozen`]
//! or `Off` are never changed; double-well thresholds θ_μ of the hidden layer change only with
//! [`model::ThetaMode::Trainable`] and a gradient that carries them.

use crate::config::Optimizer;
use crate::grad::Grad;
use model::{BiasMode, Rbm, Real, ThetaMode};
use ndarray::Array1;

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

/// The θ gradient when the hidden thresholds are trainable and `g` carries one of the right length.
fn theta_grad<'g, F: Real>(rbm: &Rbm<F>, g: &'g Grad<F>) -> Option<&'g Array1<F>> {
    let n = rbm.hidden.theta.as_ref()?.len();
    (rbm.hidden.theta_mode == ThetaMode::Trainable).then_some(())?;
    g.theta.as_ref().filter(|t| t.len() == n)
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
            if let (Some(gt), Some(t)) = (theta_grad(rbm, g), rbm.hidden.theta.as_mut()) {
                t.scaled_add(lr.to_f64(), &gt.mapv(|x| x.to_f64()));
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
            if let (Some(gt), Some(t)) = (theta_grad(rbm, g), rbm.hidden.theta.as_mut()) {
                // θ is stored in f64; its Adam moments in F like the other blocks.
                let n = t.len();
                let mt = m.theta.get_or_insert_with(|| Array1::zeros(n));
                let st = s.theta.get_or_insert_with(|| Array1::zeros(n));
                let old = t.mapv(F::from_f64);
                let mut p = old.clone();
                adam(
                    p.as_slice_mut().expect("contiguous"),
                    mt.as_slice_mut().expect("contiguous"),
                    st.as_slice_mut().expect("contiguous"),
                    gt.as_slice().expect("contiguous"),
                );
                // Add the F-rounded increment to the f64 value, so f64 storage loses nothing.
                for (x, (&new, &o)) in t.iter_mut().zip(p.iter().zip(old.iter())) {
                    *x += (new - o).to_f64();
                }
            }
        }
    }
}
