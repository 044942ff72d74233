//! Annealed importance sampling (AIS) estimates of `ln Z`, forward and reverse.
//!
//! Path (re-derived for general unit types): `θ_s = (sW, (1−s) b_A + s b_B, c)`, `s ∈ [0,1]`, where
//! `b_B = b + B` is the target's effective visible bias and `b_A` the base model's visible bias
//! (default `b_B`). At `s = 0` the units are independent and `ln Z_A = Σ_i Γ_β^v(b_{A,i}) + Σ_μ Γ_β^h(c_μ)`.
//! The unnormalised visible marginal along the path is
//! `f_s(v) = −β(U_v(v) − b_s·v) + Σ_μ Γ_β^h(s (vW)_μ + c_μ)`, evaluated with one GEMM per step.
//!
//! * Forward AIS (Neal 2001; Salakhutdinov & Murray 2008): `v_0 ~ p_A`; for `k = 1..K`,
//!   `ln w += f_{s_k}(v) − f_{s_{k−1}}(v)`, then one Gibbs step `h ~ p_{s_k}(h|v)`, `v ~ p_{s_k}(v|h)`.
//!   `Ẑ = Z_A · mean(w)` is unbiased, so `E[ln Ẑ] ≤ ln Z` (stochastic lower bound).
//! * Reverse AIS (Burda, Grosse & Salakhutdinov 2015): start from samples of the target, walk the
//!   path backwards, `ln w += f_{s_{k−1}}(v) − f_{s_k}(v)`; `mean(w)` estimates `Z_A/Z_B` without
//!   bias, so `ln Z_A − ln mean(w)` is a stochastic upper bound when the start is exact.
//!
//! The standard error of `ln mean(w)` is the delta-method value `sd(w)/(mean(w)√n)`.
//! Schedule: `s_k = (σ(δ(2k/K − 1)) − σ(−δ))/(σ(δ) − σ(−δ))`, δ = 4 (denser near both ends).

use crate::error::{Result, param, shape};
use crate::gibbs::{BlockRng, CHAIN_BLOCK, Scratch, View, sample_independent, sample_layer, visible_step};
use crate::rbm::Rbm;
use crate::real::Real;
use ndarray::linalg::general_mat_mul;
use ndarray::parallel::prelude::*;
use ndarray::{Array1, Array2, ArrayView2, Axis, s};

/// AIS settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AisConfig {
    /// Number of independent AIS runs (chains).
    pub n_chains: usize,
    /// Number of intermediate distributions K.
    pub n_steps: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Visible bias of the base model (default: the target's `b + B`).
    pub base_visible_bias: Option<Array1<f64>>,
}

impl Default for AisConfig {
    fn default() -> Self {
        AisConfig { n_chains: 256, n_steps: 1000, seed: 0, base_visible_bias: None }
    }
}

/// Result of an AIS run.
#[derive(Debug, Clone, PartialEq)]
pub struct AisResult {
    /// Estimate of `ln Z`.
    pub log_z: f64,
    /// Delta-method standard error of `log_z`.
    pub std_err: f64,
    /// `ln Z_A` of the base model.
    pub log_z_base: f64,
    /// Final log importance weight of each chain.
    pub log_weights: Array1<f64>,
    /// Effective sample size `(Σw)²/Σw²`.
    pub ess: f64,
    /// Single-chain Jensen bound `ln Z_A ± mean(ln w)`: forward runs give a lower bound and reverse
    /// runs (from exact samples) an upper bound, in expectation, with a gap equal to a KL divergence
    /// between the forward and backward path laws (Burda et al. 2015, Sec. 3).
    pub log_z_bound: f64,
    /// Standard error of `log_z_bound`, `sd(ln w)/√n`.
    pub bound_std_err: f64,
}

/// The annealing schedule `s_0 = 0 < … < s_K = 1` (module docs).
pub fn schedule(k: usize) -> Vec<f64> {
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let d = 4.0;
    let (lo, hi) = (sig(-d), sig(d));
    (0..=k).map(|i| if i == k { 1.0 } else { (sig(d * (2.0 * i as f64 / k as f64 - 1.0)) - lo) / (hi - lo) }).collect()
}

struct Path<F: Real> {
    ba: Array1<F>,
    bb: Array1<F>,
    sched: Vec<f64>,
    log_z_base: f64,
}

fn path<F: Real>(rbm: &Rbm<F>, cfg: &AisConfig) -> Result<Path<F>> {
    if cfg.n_chains < 2 {
        return Err(param("n_chains", "AIS needs at least 2 chains"));
    }
    if cfg.n_steps == 0 {
        return Err(param("n_steps", "AIS needs at least one step"));
    }
    let bb = rbm.effective_visible_bias();
    let ba = match &cfg.base_visible_bias {
        Some(b) => {
            shape("base visible bias", bb.len(), b.len())?;
            b.mapv(F::from_f64)
        }
        None => bb.clone(),
    };
    let lzv = rbm.visible.cgf_row(&ba.iter().map(|x| x.to_f64()).collect::<Vec<_>>(), rbm.beta);
    let lzh = rbm.hidden.independent_log_partition(None, rbm.beta);
    Ok(Path { ba, bb, sched: schedule(cfg.n_steps), log_z_base: lzv + lzh })
}

/// Runs the AIS walk on every chain; `forward` chooses the direction. Returns the log weights.
fn walk<F: Real>(rbm: &Rbm<F>, p: &Path<F>, v: &mut Array2<F>, forward: bool, seed: u64) -> Array1<f64> {
    let n = v.nrows();
    let (vw, hw) = (rbm.visible.width(), rbm.hidden.width());
    let beta = rbm.beta;
    let k = p.sched.len() - 1;
    let mut logw = Array1::<f64>::zeros(n);
    let hbias = rbm.hidden.bias.as_slice().expect("contiguous").to_vec();
    v.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK)
        .into_par_iter()
        .zip(logw.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK))
        .enumerate()
        .for_each(|(blk, (mut vb, mut lw))| {
            let rows = vb.nrows();
            let mut rng = BlockRng::new(seed, if forward { 1 } else { 2 }, blk as u64, vw.max(hw));
            let mut sc = Scratch::<F>::new(rows, vw, hw);
            let mut h = Array2::<F>::zeros((rows, hw));
            let mut bs = vec![F::zero(); vw];
            let mut cgf_in = vec![0.0f64; hw];
            // f_{s}(v) over the block: visible linear part and hidden Γ at the given s.
            let eval = |vb: &ArrayView2<F>, prod: &Array2<F>, s: f64, cgf_in: &mut Vec<f64>, out: &mut [f64]| {
                for r in 0..rows {
                    let vr = vb.row(r);
                    let mut lin = 0.0;
                    for i in 0..vw {
                        let bsi = (1.0 - s) * p.ba[i].to_f64() + s * p.bb[i].to_f64();
                        lin += bsi * vr[i].to_f64();
                    }
                    for mu in 0..hw {
                        cgf_in[mu] = s * prod[(r, mu)].to_f64() + hbias[mu].to_f64();
                    }
                    out[r] = beta * lin + rbm.hidden.cgf_row(cgf_in, beta);
                }
            };
            let mut fa = vec![0.0; rows];
            let mut fb = vec![0.0; rows];
            let order: Vec<(usize, usize)> = if forward {
                (1..=k).map(|j| (j - 1, j)).collect()
            } else {
                (1..=k).rev().map(|j| (j, j - 1)).collect()
            };
            for (idx, &(from, to)) in order.iter().enumerate() {
                let (s_from, s_to) = (p.sched[from], p.sched[to]);
                let mut prod = sc.ih.slice_mut(s![..rows, ..]).to_owned();
                general_mat_mul(F::one(), &vb.view(), &rbm.weights, F::zero(), &mut prod);
                eval(&vb.view(), &prod, s_from, &mut cgf_in, &mut fa);
                eval(&vb.view(), &prod, s_to, &mut cgf_in, &mut fb);
                for r in 0..rows {
                    lw[r] += fb[r] - fa[r];
                }
                // Reverse AIS needs no transition after the last step.
                if !forward && idx + 1 == order.len() {
                    break;
                }
                // Transition leaving p_{s_to} invariant: h ~ p(h|v), v ~ p(v|h).
                let st = F::from_f64(s_to);
                prod.mapv_inplace(|x| x * st);
                sample_layer(
                    rbm.hidden.units,
                    rbm.hidden.theta_slice(),
                    &hbias,
                    F::from_f64(beta),
                    prod.view(),
                    h.view_mut(),
                    &mut rng,
                );
                for ((b, a), z) in bs.iter_mut().zip(p.ba.iter()).zip(p.bb.iter()) {
                    *b = F::from_f64((1.0 - s_to) * a.to_f64() + s_to * z.to_f64());
                }
                let view = View {
                    w: rbm.weights.view(),
                    w_scale: st,
                    vis: rbm.visible.units,
                    hid: rbm.hidden.units,
                    vtheta: rbm.visible.theta_slice(),
                    htheta: rbm.hidden.theta_slice(),
                    vbias: &bs,
                    hbias: &hbias,
                    beta: F::from_f64(beta),
                };
                visible_step(&view, None, h.view(), vb.view_mut(), &mut sc.iv, &mut rng);
            }
        });
    logw
}

fn summarize(log_z_base: f64, logw: Array1<f64>, sign: f64) -> AisResult {
    let n = logw.len() as f64;
    let m = logw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Array1<f64> = logw.mapv(|l| (l - m).exp());
    let mean = w.sum() / n;
    let var = w.mapv(|x| (x - mean).powi(2)).sum() / (n - 1.0);
    let ess = w.sum().powi(2) / w.mapv(|x| x * x).sum();
    let lme = m + mean.ln();
    let ml = logw.sum() / n;
    let sl = (logw.mapv(|l| (l - ml).powi(2)).sum() / (n - 1.0)).sqrt();
    AisResult {
        log_z_bound: log_z_base + sign * ml,
        bound_std_err: sl / n.sqrt(),
        log_z: log_z_base + sign * lme,
        std_err: var.sqrt() / (mean * n.sqrt()),
        log_z_base,
        log_weights: logw,
        ess,
    }
}

/// Forward AIS estimate of `ln Z` (module docs; a stochastic lower bound).
pub fn ais_forward<F: Real>(rbm: &Rbm<F>, cfg: &AisConfig) -> Result<AisResult> {
    let p = path(rbm, cfg)?;
    let mut v = sample_independent(&rbm.visible, &p.ba, rbm.beta, cfg.n_chains, cfg.seed, 0)?;
    let logw = walk(rbm, &p, &mut v, true, cfg.seed);
    Ok(summarize(p.log_z_base, logw, 1.0))
}

/// Reverse AIS estimate of `ln Z` from samples `v_start` of the target (a stochastic upper bound
/// when `v_start` are exact samples; module docs). `cfg.n_chains` is ignored: one run per row.
pub fn ais_reverse<F: Real>(rbm: &Rbm<F>, v_start: ArrayView2<F>, cfg: &AisConfig) -> Result<AisResult> {
    rbm.validate_visible(v_start)?;
    let cfg2 = AisConfig { n_chains: v_start.nrows(), ..cfg.clone() };
    let p = path(rbm, &cfg2)?;
    let mut v = v_start.to_owned();
    let logw = walk(rbm, &p, &mut v, false, cfg.seed);
    Ok(summarize(p.log_z_base, logw, -1.0))
}
