//! Batched block Gibbs sampling over many chains.
//!
//! A chain state is a pair `(v, h)` with `h ~ p(h | v)` (the hidden layer is always fresh, so the
//! stale-hidden-state bug of rbms issue #31 cannot occur). One sweep is `v ← p(v | h)` then
//! `h ← p(h | v)`, i.e. two matrix products (ndarray GEMM, matrixmultiply backend) and one fused
//! elementwise pass per layer (input + bias → β → activation → uniform → compare → write) with no
//! allocation inside the sweep loop.
//!
//! Chains are processed in blocks of [`CHAIN_BLOCK`] rows, in parallel with rayon; block `b` of a
//! call draws from the stream `(seed, stream, b)` ([`crate::rng`]). Results are identical for any
//! number of threads.
//!
//! Fast path: for binary (Bernoulli/Ising) visible and hidden layers with at most
//! [`TABLE_MAX_HIDDEN`] hidden units, `p(v_i = 1 | h)` takes only `2^M` values per site; they are
//! tabulated once per call as 24-bit thresholds and the visible update becomes one 24-bit random
//! number and one integer comparison per unit (exact up to the 2⁻²⁴ resolution of an `f32`
//! uniform). For at most [`SMALL_DOT`] hidden columns the hidden inputs are direct dot products
//! (no GEMM packing). Binary units draw their uniforms from eight SIMD lanes ([`crate::lanes`]).

use crate::error::{Result, param, shape};
use crate::layer::Layer;
use crate::rbm::Rbm;
use crate::real::Real;
use crate::rng::{Stream, stream};
use crate::units::{DoubleWell, Units};
use ndarray::linalg::general_mat_mul;
use ndarray::parallel::prelude::*;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, s};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Number of chains per block (fixed, so that results do not depend on the thread count).
pub const CHAIN_BLOCK: usize = 64;
/// Largest binary hidden layer for which the tabulated visible update is used.
pub const TABLE_MAX_HIDDEN: usize = 6;
/// Largest hidden width for which hidden inputs are computed by direct dot products.
pub const SMALL_DOT: usize = 8;

/// A set of Markov chains: visible rows `v` and hidden rows `h ~ p(h|v)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chains<F: Real> {
    /// Visible states, `n_chains × visible width`.
    pub v: Array2<F>,
    /// Hidden states, `n_chains × hidden width`.
    pub h: Array2<F>,
}

impl<F: Real> Chains<F> {
    /// Number of chains.
    pub fn n_chains(&self) -> usize {
        self.v.nrows()
    }

    /// Chains started at the given visible rows (validated), with `h ~ p(h|v)` drawn from `(seed, stream)`.
    pub fn from_visible(rbm: &Rbm<F>, v: Array2<F>, seed: u64, stream_id: u64) -> Result<Self> {
        rbm.validate_visible(v.view())?;
        let h = Array2::zeros((v.nrows(), rbm.hidden.width()));
        let mut c = Chains { v, h };
        resample_hidden(rbm, &mut c, seed, stream_id)?;
        Ok(c)
    }

    /// Chains started from the independent-unit law with zero input (uniform for binary and
    /// Potts units, `N(0, 1/(βγ))` for Gaussian units), then `h ~ p(h|v)`.
    pub fn random(rbm: &Rbm<F>, n_chains: usize, seed: u64, stream_id: u64) -> Result<Self> {
        if n_chains == 0 {
            return Err(param("n_chains", "need at least one chain"));
        }
        let zero = Array1::zeros(rbm.visible.width());
        let v = sample_independent(&rbm.visible, &zero, rbm.beta, n_chains, seed, stream_id)?;
        Self::from_visible(rbm, v, seed, stream_id)
    }
}

/// Parameters as seen by the samplers: `W` may be scaled (AIS), biases are effective ones.
pub(crate) struct View<'a, F: Real> {
    pub w: ArrayView2<'a, F>,
    pub w_scale: F,
    pub vis: Units,
    pub hid: Units,
    /// Per-unit double-well thresholds of the visible / hidden layer ([`Layer::theta`]).
    pub vtheta: Option<&'a [f64]>,
    pub htheta: Option<&'a [f64]>,
    pub vbias: &'a [F],
    pub hbias: &'a [F],
    pub beta: F,
}

/// Thresholds `⌊p(v_i = 1 | h = config)·2²⁴⌋` for every binary hidden configuration.
pub(crate) struct Table {
    /// `2^M × N_v` 24-bit thresholds.
    thr: Vec<u32>,
    nv: usize,
    hid_ising: bool,
}

impl Table {
    pub(crate) fn build<F: Real>(p: &View<F>) -> Option<Table> {
        let binary = |u: Units| matches!(u, Units::Bernoulli | Units::Ising);
        let m = p.w.ncols();
        if !binary(p.vis) || !binary(p.hid) || m > TABLE_MAX_HIDDEN {
            return None;
        }
        let nv = p.w.nrows();
        let hid_ising = p.hid == Units::Ising;
        let vis_ising = p.vis == Units::Ising;
        let beta = p.beta.to_f64();
        let scale = p.w_scale.to_f64();
        let mut thr = vec![0u32; (1 << m) * nv];
        for cfg in 0..(1usize << m) {
            for i in 0..nv {
                let mut x = p.vbias[i].to_f64();
                for mu in 0..m {
                    let hv = if cfg >> mu & 1 == 1 {
                        1.0
                    } else if hid_ising {
                        -1.0
                    } else {
                        0.0
                    };
                    x += scale * p.w[(i, mu)].to_f64() * hv;
                }
                let a = if vis_ising { 2.0 * beta * x } else { beta * x };
                let prob = crate::special::sigmoid(a);
                thr[cfg * nv + i] = crate::lanes::threshold(prob);
            }
        }
        Some(Table { thr, nv, hid_ising })
    }

    #[inline]
    fn config<F: Real>(&self, h: &[F]) -> usize {
        let mut c = 0;
        for (mu, &x) in h.iter().enumerate() {
            if x > F::zero() {
                c |= 1 << mu;
            }
        }
        let _ = self.hid_ising;
        c
    }
}

/// 32-bit random words, two per 64-bit draw.
pub(crate) struct Bits<'r> {
    rng: &'r mut Stream,
    cache: u64,
    have: bool,
}

impl<'r> Bits<'r> {
    pub(crate) fn new(rng: &'r mut Stream) -> Self {
        Bits { rng, cache: 0, have: false }
    }
    #[inline(always)]
    pub(crate) fn next32(&mut self) -> u32 {
        if self.have {
            self.have = false;
            (self.cache >> 32) as u32
        } else {
            self.cache = self.rng.next_u64();
            self.have = true;
            self.cache as u32
        }
    }
}

#[inline(always)]
fn u32_to_unit<F: Real>(b: u32) -> F {
    // 24-bit resolution for f32 (never rounds up to 1), 32-bit for f64.
    F::uniform_from_bits((b as u64) << 32)
}

/// Fused pass: `out = sample(units | β·(input + bias))` for a block of rows; `theta` gives a
/// double-well layer's per-unit thresholds (column `μ` uses `θ_μ`).
pub(crate) fn sample_layer<F: Real>(
    units: Units,
    theta: Option<&[f64]>,
    bias: &[F],
    beta: F,
    input: ArrayView2<F>,
    mut out: ArrayViewMut2<F>,
    br: &mut BlockRng,
) {
    let width = bias.len();
    let rng = &mut br.rng;
    let inp = input.as_slice().expect("contiguous input");
    let o = out.as_slice_mut().expect("contiguous output");
    let one = F::one();
    let zero = F::zero();
    match units {
        Units::Bernoulli | Units::Ising => {
            // u < σ(a)  ⇔  u·(1 + e^{−a}) < 1, with a = β(I + b) (×2 for ±1 units)
            let two = if units == Units::Ising { F::from_f64(2.0) } else { one };
            let lo = if units == Units::Ising { -one } else { zero };
            crate::lanes::sigmoid_block(br.lanes.state(), &mut br.buf[..width], inp, bias, beta * two, o, lo);
        }
        Units::Gaussian { precision } => {
            let g = precision;
            let sd = 1.0 / (beta.to_f64() * g).sqrt();
            for (irow, orow) in inp.chunks_exact(width).zip(o.chunks_exact_mut(width)) {
                for ((x, y), &b) in irow.iter().zip(orow.iter_mut()).zip(bias) {
                    let z: f64 = StandardNormal.sample(rng);
                    *y = F::from_f64((*x + b).to_f64() / g + sd * z);
                }
            }
        }
        Units::Potts { states } => {
            let mut bits = Bits::new(rng);
            for (irow, orow) in inp.chunks_exact(width).zip(o.chunks_exact_mut(width)) {
                for ((ig, og), bg) in
                    irow.chunks_exact(states).zip(orow.chunks_exact_mut(states)).zip(bias.chunks_exact(states))
                {
                    let mut m = F::from_f64(f64::NEG_INFINITY);
                    for (x, &b) in ig.iter().zip(bg) {
                        let a = beta * (*x + b);
                        if a > m {
                            m = a;
                        }
                    }
                    let mut tot = zero;
                    for ((x, &b), y) in ig.iter().zip(bg).zip(og.iter_mut()) {
                        let e = (beta * (*x + b) - m).exp();
                        tot += e;
                        *y = e;
                    }
                    let u: F = u32_to_unit(bits.next32());
                    let target = u * tot;
                    let mut acc = zero;
                    let mut pick = states - 1;
                    for (a, y) in og.iter().enumerate() {
                        acc += *y;
                        if target < acc {
                            pick = a;
                            break;
                        }
                    }
                    for (a, y) in og.iter_mut().enumerate() {
                        *y = if a == pick { one } else { zero };
                    }
                }
            }
        }
        Units::DoubleWell { theta: t0 } => {
            let bt = beta.to_f64();
            for (irow, orow) in inp.chunks_exact(width).zip(o.chunks_exact_mut(width)) {
                for (mu, ((x, y), &b)) in irow.iter().zip(orow.iter_mut()).zip(bias).enumerate() {
                    let dw = DoubleWell { theta: theta_of(theta, mu).unwrap_or(t0) };
                    *y = F::from_f64(dw.sample_one((*x + b).to_f64(), bt, rng));
                }
            }
        }
    }
}

/// Threshold of double-well column `mu` when per-unit thresholds are given.
#[inline(always)]
fn theta_of(theta: Option<&[f64]>, mu: usize) -> Option<f64> {
    theta.map(|t| t[mu])
}

/// The random sources of one chain block: a scalar stream and eight SIMD lanes seeded from it.
pub(crate) struct BlockRng {
    pub rng: Stream,
    pub lanes: crate::lanes::LaneRng,
    pub buf: Vec<u32>,
    pub cfg: Vec<usize>,
}

impl BlockRng {
    pub(crate) fn new(seed: u64, stream_id: u64, block: u64, width: usize) -> Self {
        let mut rng = stream(seed, stream_id, block);
        let lanes = crate::lanes::LaneRng::from_stream(&mut rng);
        BlockRng { rng, lanes, buf: vec![0; width], cfg: vec![0; CHAIN_BLOCK] }
    }
}

/// Scratch buffers of one block (allocated once per call, reused by every sweep).
pub(crate) struct Scratch<F: Real> {
    pub iv: Array2<F>,
    pub ih: Array2<F>,
}

impl<F: Real> Scratch<F> {
    pub(crate) fn new(rows: usize, vw: usize, hw: usize) -> Self {
        Scratch { iv: Array2::zeros((rows, vw)), ih: Array2::zeros((rows, hw)) }
    }
}

/// `h ← p(h | v)` for one block.
pub(crate) fn hidden_step<F: Real>(
    p: &View<F>,
    wt: Option<&Array2<F>>,
    v: ArrayView2<F>,
    h: ArrayViewMut2<F>,
    ih: &mut Array2<F>,
    br: &mut BlockRng,
) {
    let rows = v.nrows();
    let mut ihs = ih.slice_mut(s![..rows, ..]);
    match wt {
        Some(wt) => crate::lanes::dot_block(
            v.as_slice().expect("contiguous v"),
            wt.as_slice().expect("contiguous Wt"),
            v.ncols(),
            p.w_scale,
            ihs.as_slice_mut().expect("contiguous scratch"),
        ),
        None => general_mat_mul(p.w_scale, &v, &p.w, F::zero(), &mut ihs),
    }
    sample_layer(p.hid, p.htheta, p.hbias, p.beta, ihs.view(), h, br);
}

/// `v ← p(v | h)` for one block (tabulated when `table` is given).
pub(crate) fn visible_step<F: Real>(
    p: &View<F>,
    table: Option<&Table>,
    h: ArrayView2<F>,
    mut v: ArrayViewMut2<F>,
    iv: &mut Array2<F>,
    br: &mut BlockRng,
) {
    if let Some(t) = table {
        let lo = if p.vis == Units::Ising { -F::one() } else { F::zero() };
        let hw = h.ncols();
        let hs = h.as_slice().expect("contiguous h");
        let rows = h.nrows();
        for (c, hrow) in br.cfg.iter_mut().zip(hs.chunks_exact(hw)) {
            *c = t.config(hrow);
        }
        crate::lanes::table_block(
            br.lanes.state(),
            &mut br.buf[..t.nv],
            &t.thr,
            &br.cfg[..rows],
            v.as_slice_mut().expect("contiguous v"),
            F::one(),
            lo,
        );
        return;
    }
    let rows = h.nrows();
    let mut ivs = iv.slice_mut(s![..rows, ..]);
    general_mat_mul(p.w_scale, &h, &p.w.t(), F::zero(), &mut ivs);
    sample_layer(p.vis, p.vtheta, p.vbias, p.beta, ivs.view(), v, br);
}

/// `Wᵀ` in standard layout when the hidden layer is narrow enough for direct dot products.
pub(crate) fn small_transpose<F: Real>(p: &View<F>) -> Option<Array2<F>> {
    (p.w.ncols() <= SMALL_DOT).then(|| p.w.t().as_standard_layout().into_owned())
}

fn check_chains<F: Real>(rbm: &Rbm<F>, c: &Chains<F>) -> Result<()> {
    shape("chain visible width", rbm.visible.width(), c.v.ncols())?;
    shape("chain hidden width", rbm.hidden.width(), c.h.ncols())?;
    shape("chain count (h rows)", c.v.nrows(), c.h.nrows())?;
    Ok(())
}

pub(crate) fn view_of<'a, F: Real>(rbm: &'a Rbm<F>, vbias: &'a Array1<F>) -> View<'a, F> {
    View {
        w: rbm.weights.view(),
        w_scale: F::one(),
        vis: rbm.visible.units,
        hid: rbm.hidden.units,
        vtheta: rbm.visible.theta_slice(),
        htheta: rbm.hidden.theta_slice(),
        vbias: vbias.as_slice().expect("contiguous bias"),
        hbias: rbm.hidden.bias.as_slice().expect("contiguous bias"),
        beta: F::from_f64(rbm.beta),
    }
}

/// Run `k` sweeps (`v ← p(v|h)`, `h ← p(h|v)`) on every chain, block `b` drawing from stream
/// `(seed, stream_id, b)`. `k = 0` is allowed and does nothing.
pub fn gibbs<F: Real>(rbm: &Rbm<F>, chains: &mut Chains<F>, k: usize, seed: u64, stream_id: u64) -> Result<()> {
    check_chains(rbm, chains)?;
    let vb = rbm.effective_visible_bias();
    let p = view_of(rbm, &vb);
    let table = Table::build(&p);
    let (vw, hw) = (rbm.visible.width(), rbm.hidden.width());
    let wt = small_transpose(&p);
    chains
        .v
        .axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK)
        .into_par_iter()
        .zip(chains.h.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK))
        .enumerate()
        .for_each(|(b, (mut v, mut h))| {
            let mut br = BlockRng::new(seed, stream_id, b as u64, vw.max(hw));
            let mut sc = Scratch::new(v.nrows(), vw, hw);
            for _ in 0..k {
                visible_step(&p, table.as_ref(), h.view(), v.view_mut(), &mut sc.iv, &mut br);
                hidden_step(&p, wt.as_ref(), v.view(), h.view_mut(), &mut sc.ih, &mut br);
            }
        });
    Ok(())
}

/// Redraw `h ~ p(h|v)` for every chain (stream `(seed, stream_id, b)`), e.g. after the parameters changed.
pub fn resample_hidden<F: Real>(rbm: &Rbm<F>, chains: &mut Chains<F>, seed: u64, stream_id: u64) -> Result<()> {
    check_chains(rbm, chains)?;
    let vb = rbm.effective_visible_bias();
    let p = view_of(rbm, &vb);
    let hw = rbm.hidden.width();
    chains
        .v
        .axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK)
        .into_par_iter()
        .zip(chains.h.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK))
        .enumerate()
        .for_each(|(b, (v, mut h))| {
            let mut br = BlockRng::new(seed, stream_id, b as u64 ^ 0x5555_0000_0000, hw);
            let mut sc = Scratch::new(v.nrows(), 0, hw);
            hidden_step(&p, None, v.view(), h.view_mut(), &mut sc.ih, &mut br);
        });
    Ok(())
}

/// Independent draws from a layer alone with the given total input per column (no weights):
/// `n` rows sampled from `Π_i p(x_i | bias_i)`. Used for AIS base models and random chain starts.
pub fn sample_independent<F: Real>(
    layer: &Layer<F>,
    input: &Array1<F>,
    beta: f64,
    n: usize,
    seed: u64,
    stream_id: u64,
) -> Result<Array2<F>> {
    shape("independent-layer input", layer.width(), input.len())?;
    let mut x = Array2::zeros((n, layer.width()));
    let bias = input.as_slice().expect("contiguous").to_vec();
    x.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK).into_par_iter().enumerate().for_each(|(b, mut xb)| {
        let mut br = BlockRng::new(seed, stream_id, b as u64 | (1 << 62), bias.len());
        let zero = Array2::zeros(xb.dim());
        sample_layer(layer.units, layer.theta_slice(), &bias, F::from_f64(beta), zero.view(), xb.view_mut(), &mut br);
    });
    Ok(x)
}

/// In place: `x ← E[unit | β(x + bias)]` for every row (conditional means / magnetisations),
/// elementwise in `F` for binary, Gaussian and Potts units, parallel over row blocks. `theta` gives
/// a double-well layer's per-unit thresholds (column `μ` uses `θ_μ`; `None`: the θ of `units`).
pub fn layer_mean_inplace<F: Real>(units: Units, theta: Option<&[f64]>, bias: &[F], beta: f64, x: &mut Array2<F>) {
    let width = bias.len();
    let b = F::from_f64(beta);
    let one = F::one();
    x.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK).into_par_iter().for_each(|mut blk| {
        let s = blk.as_slice_mut().expect("contiguous");
        match units {
            Units::Bernoulli => {
                for row in s.chunks_exact_mut(width) {
                    for (y, &c) in row.iter_mut().zip(bias) {
                        *y = one / (one + (-(b * (*y + c))).exp_fast());
                    }
                }
            }
            Units::Ising => {
                let two = F::from_f64(2.0);
                for row in s.chunks_exact_mut(width) {
                    for (y, &c) in row.iter_mut().zip(bias) {
                        *y = two / (one + (-(two * b * (*y + c))).exp_fast()) - one;
                    }
                }
            }
            Units::Gaussian { precision } => {
                let g = F::from_f64(precision);
                for row in s.chunks_exact_mut(width) {
                    for (y, &c) in row.iter_mut().zip(bias) {
                        *y = (*y + c) / g;
                    }
                }
            }
            Units::Potts { states } => {
                for row in s.chunks_exact_mut(width) {
                    for (g, bg) in row.chunks_exact_mut(states).zip(bias.chunks_exact(states)) {
                        let mut m = F::from_f64(f64::NEG_INFINITY);
                        for (y, &c) in g.iter_mut().zip(bg) {
                            *y = b * (*y + c);
                            if *y > m {
                                m = *y;
                            }
                        }
                        let mut tot = F::zero();
                        for y in g.iter_mut() {
                            *y = (*y - m).exp();
                            tot += *y;
                        }
                        for y in g.iter_mut() {
                            *y /= tot;
                        }
                    }
                }
            }
            Units::DoubleWell { theta: t0 } => {
                let mut o = [0.0];
                for row in s.chunks_exact_mut(width) {
                    for (mu, (y, &c)) in row.iter_mut().zip(bias).enumerate() {
                        let dw = DoubleWell { theta: theta_of(theta, mu).unwrap_or(t0) };
                        crate::units::UnitType::mean(&dw, &[(*y + c).to_f64()], beta, &mut o);
                        *y = F::from_f64(o[0]);
                    }
                }
            }
        }
    });
}

/// Run `k` sweeps in the order `h ← p(h|v)`, `v ← p(v|h)` (the PCD/CD/Rdm update of the trainers:
/// `2k` matrix products, the hidden layer is not refreshed after the last visible update, so
/// `chains.h` is the hidden state that generated the final `v`, not a fresh sample; use
/// [`resample_hidden`] or hidden magnetisations for statistics).
pub fn gibbs_from_visible<F: Real>(
    rbm: &Rbm<F>,
    chains: &mut Chains<F>,
    k: usize,
    seed: u64,
    stream_id: u64,
) -> Result<()> {
    check_chains(rbm, chains)?;
    let vb = rbm.effective_visible_bias();
    let p = view_of(rbm, &vb);
    let table = Table::build(&p);
    let (vw, hw) = (rbm.visible.width(), rbm.hidden.width());
    let wt = small_transpose(&p);
    chains
        .v
        .axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK)
        .into_par_iter()
        .zip(chains.h.axis_chunks_iter_mut(Axis(0), CHAIN_BLOCK))
        .enumerate()
        .for_each(|(b, (mut v, mut h))| {
            let mut br = BlockRng::new(seed, stream_id, b as u64 ^ 0xaaaa_0000_0000, vw.max(hw));
            let mut sc = Scratch::new(v.nrows(), vw, hw);
            for _ in 0..k {
                hidden_step(&p, wt.as_ref(), v.view(), h.view_mut(), &mut sc.ih, &mut br);
                visible_step(&p, table.as_ref(), h.view(), v.view_mut(), &mut sc.iv, &mut br);
            }
        });
    Ok(())
}
