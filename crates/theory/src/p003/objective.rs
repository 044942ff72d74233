//! The effective high-dimensional RBM objective of paper 003 (Theorem 1, eqs. (5)–(8),
//! (46)–(48)), with and without biases, value and gradient.
//!
//! With `A = X/√d`, `Y = AW + 1cᵀ` (`n × k`):
//!
//! `L_eff(W, b, c) = Σ_μ [bᵀx_μ + φ(y_μ)] − n log Z_eff(W, b, c)`, where (D-1)
//! `log Z_eff = Σ_i κ(b_i) + log E_h exp(cᵀh + mᵀWh/√d + hᵀWᵀD_sWh/(2d))`,
//! `m_i = κ'(b_i)`, `s_i = κ''(b_i)` and `κ(t) = log E_{P_v} e^{tv}` is the visible cumulant.
//! At `b = 0`, `c = 0` and a symmetric visible prior this is eq. (5):
//! `Σ_μ φ(Wᵀx_μ/√d) − n F(WᵀW/d)`.
//!
//! Gradients (THEORY_003 (48), derived there and re-derived here by differentiating (D-1);
//! `⟨·⟩_m` is the tilted law of the model term):
//! * `∇_W = Aᵀ∇φ(Y) − n (m⟨h⟩ᵀ/√d + D_sW⟨hhᵀ⟩/d)`; at zero biases `AᵀF − αWΓ(Q)` (eq. 8);
//! * `∇_c = Σ_μ ∇φ(y_μ) − n⟨h⟩`;
//! * `∂_{b_i} = Σ_μ x_{μi} − n (m_i + s_i (W⟨h⟩)_i/√d + κ'''(b_i) w_iᵀ⟨hhᵀ⟩w_i/(2d))`.
//!
//! Cost: the data term is `O(n d k)` (`XW` and `XᵀF`, computed in one fused pass that reads
//! `X` once, see [`EffObjective::data_term`]) plus `O(n k)` scalar work (the priors are
//! separable); the model term is one `2^k` enumeration
//! (`O(2^k k²)`, independent of `n`) plus `O(d k²)`.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::hidden::{self, HiddenPrior, Tilted};
use super::linalg;
use crate::error::{Error, Result};

/// Prior of one visible unit (zero mean, unit variance as Assumption 1 requires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisiblePrior {
    /// `v = ±1` (Ising/Rademacher visible units): `κ(t) = log cosh t`.
    Rademacher,
    /// `v ~ N(0, 1)`: `κ(t) = t²/2` (Theorem 1 is then exact).
    Gaussian,
}

impl VisiblePrior {
    /// `κ(t) = log E e^{tv}` and its first three derivatives.
    pub fn cumulants(self, t: f64) -> [f64; 4] {
        match self {
            VisiblePrior::Rademacher => {
                let th = t.tanh();
                let s = 1.0 - th * th;
                [HiddenPrior::Rademacher.phi1(t), th, s, -2.0 * th * s]
            }
            VisiblePrior::Gaussian => [0.5 * t * t, t, 1.0, 0.0],
        }
    }
}

/// Parameters of the RBM: weights `W` (`d × k`, row `i` is visible unit `i`), optional
/// visible biases `b` (length `d`) and hidden biases `c` (length `k`). `None` means the
/// bias is absent (fixed at zero, not trained).
#[derive(Debug, Clone, PartialEq)]
pub struct EffParams {
    /// Weights, `d × k`.
    pub w: Array2<f64>,
    /// Visible biases.
    pub b: Option<Array1<f64>>,
    /// Hidden biases.
    pub c: Option<Array1<f64>>,
}

/// Gradient of `L_eff` with the same layout as [`EffParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct EffGrad {
    /// `∂L/∂W`.
    pub w: Array2<f64>,
    /// `∂L/∂b` (present iff the parameters have `b`).
    pub b: Option<Array1<f64>>,
    /// `∂L/∂c` (present iff the parameters have `c`).
    pub c: Option<Array1<f64>>,
}

impl EffGrad {
    /// Frobenius norm over all components.
    pub fn norm(&self) -> f64 {
        let mut s: f64 = self.w.iter().map(|v| v * v).sum();
        if let Some(b) = &self.b {
            s += b.iter().map(|v| v * v).sum::<f64>();
        }
        if let Some(c) = &self.c {
            s += c.iter().map(|v| v * v).sum::<f64>();
        }
        s.sqrt()
    }
}

/// The effective objective bound to a data set `X` (`n × d`, one sample per row).
#[derive(Debug, Clone)]
pub struct EffObjective<'a> {
    x: ArrayView2<'a, f64>,
    /// Hidden prior.
    pub hidden: HiddenPrior,
    /// Visible prior.
    pub visible: VisiblePrior,
    k: usize,
    col_sums: Array1<f64>,
}

impl<'a> EffObjective<'a> {
    /// Binds the objective to `x` (`n × d`) for `k` hidden units.
    ///
    /// Errors: empty data, non-finite entries, `k = 0` or `k > 20` for a discrete prior.
    pub fn new(x: ArrayView2<'a, f64>, k: usize, hidden: HiddenPrior, visible: VisiblePrior) -> Result<Self> {
        hidden::check_k(hidden, k)?;
        if x.nrows() == 0 || x.ncols() == 0 {
            return Err(Error::InvalidParameter { name: "x", value: 0.0, reason: "data must be non-empty" });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("data matrix"));
        }
        let col_sums = x.sum_axis(Axis(0));
        Ok(EffObjective { x, hidden, visible, k, col_sums })
    }

    /// Number of samples `n`.
    pub fn n(&self) -> usize {
        self.x.nrows()
    }
    /// Dimension `d`.
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
    /// Number of hidden units `k`.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Sample ratio `α = n/d`.
    pub fn alpha(&self) -> f64 {
        self.n() as f64 / self.d() as f64
    }
    /// The data matrix.
    pub fn data(&self) -> ArrayView2<'a, f64> {
        self.x
    }

    fn check(&self, p: &EffParams) -> Result<()> {
        let (d, k) = (self.d(), self.k);
        if p.w.dim() != (d, k) {
            return Err(Error::InvalidParameter {
                name: "w",
                value: p.w.len() as f64,
                reason: "weights must be d × k",
            });
        }
        if p.b.as_ref().is_some_and(|b| b.len() != d) {
            return Err(Error::InvalidParameter {
                name: "b",
                value: d as f64,
                reason: "visible bias must have length d",
            });
        }
        if p.c.as_ref().is_some_and(|c| c.len() != k) {
            return Err(Error::InvalidParameter {
                name: "c",
                value: k as f64,
                reason: "hidden bias must have length k",
            });
        }
        if p.w.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite("weights"));
        }
        Ok(())
    }

    /// Model term `log Z_eff(W, b, c)` of (D-1) (eq. (4) at zero biases) with the tilted
    /// moments `⟨h⟩_m`, `⟨hhᵀ⟩_m` (paper 003 Theorem 1; the biased form is derived in
    /// THEORY_003 §2.2). Cost `O(d k² + 2^k k²)`.
    pub fn log_z_eff(&self, p: &EffParams) -> Result<(f64, Tilted)> {
        self.check(p)?;
        let (d, k) = (self.d(), self.k);
        let sd = (d as f64).sqrt();
        let mut lin = p.c.as_ref().map_or(vec![0.0; k], |c| c.to_vec());
        let mut quad = vec![0.0; k * k];
        let mut kappa_sum = 0.0;
        for i in 0..d {
            let bi = p.b.as_ref().map_or(0.0, |b| b[i]);
            let [kap, m, s, _] = self.visible.cumulants(bi);
            kappa_sum += kap;
            let wi = p.w.row(i);
            for a in 0..k {
                lin[a] += m * wi[a] / sd;
                for b in a..k {
                    quad[a * k + b] += s * wi[a] * wi[b] / d as f64;
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                quad[a * k + b] = quad[b * k + a];
            }
        }
        let t = hidden::tilted(self.hidden, &lin, &quad)?;
        Ok((kappa_sum + t.log_z, t))
    }

    /// Data term `Σ_μ [bᵀx_μ + φ(Wᵀx_μ/√d + c)]` over `rows` (all rows when `None`) with its
    /// gradients `∂/∂W = Aᵀ∇φ(Y)`, `∂/∂b = Σ_μ x_μ`, `∂/∂c = Σ_μ ∇φ(y_μ)`; paper 003 eqs. (5),
    /// (8) first term, (D-1)/(48) with biases.
    ///
    /// For `k ≤ 4`: one fused, parallel pass over the rows of `X` (module `linalg`,
    /// `fused_pass`): `X` is read once, and the result is bit-identical for any rayon thread
    /// count. For larger `k`: two cache-blocked products. Cost `O(|rows| d k)`.
    pub fn data_term(&self, p: &EffParams, rows: Option<&[usize]>) -> Result<(f64, EffGrad)> {
        self.check(p)?;
        if let Some(r) = rows
            && r.iter().any(|&i| i >= self.n())
        {
            return Err(Error::InvalidParameter {
                name: "rows",
                value: self.n() as f64,
                reason: "row index out of range",
            });
        }
        let (d, k) = (self.d(), self.k);
        if k > linalg::FUSED_MAX_K {
            return Ok(self.data_term_two_pass(p, rows));
        }
        let sd = (d as f64).sqrt();
        let m = rows.map_or(self.n(), <[usize]>::len);
        let wt = transpose(&p.w);
        let c: Vec<f64> = p.c.as_ref().map_or(vec![0.0; k], |c| c.to_vec());
        let hidden = self.hidden;
        let mut g = vec![0.0; m * k];
        let (acc, parts) = linalg::fused_pass(
            self.x,
            rows,
            &wt,
            k,
            &mut g,
            || (0.0, vec![0.0; k]),
            |_, y, (value, gc): &mut (f64, Vec<f64>)| {
                for (a, v) in y.iter_mut().enumerate() {
                    let z = *v / sd + c[a];
                    *value += hidden.phi1(z);
                    let f = hidden.dphi1(z);
                    gc[a] += f;
                    *v = f;
                }
            },
        );
        let mut value = 0.0;
        let mut gc = Array1::<f64>::zeros(k);
        for (v, g) in &parts {
            value += v;
            gc.iter_mut().zip(g).for_each(|(s, x)| *s += x);
        }
        let gw = Array2::from_shape_fn((d, k), |(i, a)| acc[a * d + i] / sd);
        let gb = match &p.b {
            None => None,
            Some(b) => {
                let sums = match rows {
                    None => self.col_sums.clone(),
                    Some(r) => {
                        let mut s = Array1::<f64>::zeros(d);
                        for &i in r {
                            s += &self.x.row(i);
                        }
                        s
                    }
                };
                value += b.dot(&sums);
                Some(sums)
            }
        };
        Ok((value, EffGrad { w: gw, b: gb, c: p.c.as_ref().map(|_| gc) }))
    }

    /// [`EffObjective::data_term`] by two separate products (`Y = XW` then `XᵀF`), used for
    /// `k > FUSED_MAX_K` where the cache-blocked products beat the fused row kernels; `rows`
    /// are already validated. Deterministic (no threads).
    fn data_term_two_pass(&self, p: &EffParams, rows: Option<&[usize]>) -> (f64, EffGrad) {
        let sd = (self.d() as f64).sqrt();
        let sel;
        let xb: ArrayView2<f64> = match rows {
            None => self.x,
            Some(r) => {
                sel = self.x.select(Axis(0), r);
                sel.view()
            }
        };
        let mut y = xb.dot(&p.w);
        y.mapv_inplace(|v| v / sd);
        let mut value = 0.0;
        let mut gc = Array1::<f64>::zeros(self.k);
        for mut row in y.rows_mut() {
            for (a, v) in row.iter_mut().enumerate() {
                let z = *v + p.c.as_ref().map_or(0.0, |c| c[a]);
                value += self.hidden.phi1(z);
                let f = self.hidden.dphi1(z);
                gc[a] += f;
                *v = f;
            }
        }
        let mut gw = xb.t().dot(&y);
        gw.mapv_inplace(|v| v / sd);
        let gb = p.b.as_ref().map(|b| {
            let sums = match rows {
                None => self.col_sums.clone(),
                Some(_) => xb.sum_axis(Axis(0)),
            };
            value += b.dot(&sums);
            sums
        });
        (value, EffGrad { w: gw, b: gb, c: p.c.as_ref().map(|_| gc) })
    }

    /// Model term `n log Z_eff` with its gradient (THEORY_003 (48), model part), scaled by
    /// `n` (the full-data sample count).
    pub fn model_term(&self, p: &EffParams) -> Result<(f64, EffGrad)> {
        let (log_z, t) = self.log_z_eff(p)?;
        let (n, d, k) = (self.n() as f64, self.d(), self.k);
        let sd = (d as f64).sqrt();
        let mut gw = Array2::<f64>::zeros((d, k));
        let mut gb = p.b.as_ref().map(|_| Array1::<f64>::zeros(d));
        let mut wg = vec![0.0; k];
        for i in 0..d {
            let bi = p.b.as_ref().map_or(0.0, |b| b[i]);
            let [_, m, s, k3] = self.visible.cumulants(bi);
            let wi = p.w.row(i);
            let mut wh = 0.0;
            let mut quadform = 0.0;
            for a in 0..k {
                wg[a] = (0..k).map(|b| t.second[a * k + b] * wi[b]).sum();
                wh += wi[a] * t.mean[a];
                quadform += wi[a] * wg[a];
            }
            for a in 0..k {
                gw[[i, a]] = n * (m * t.mean[a] / sd + s * wg[a] / d as f64);
            }
            if let Some(g) = gb.as_mut() {
                g[i] = n * (m + s * wh / sd + k3 * quadform / (2.0 * d as f64));
            }
        }
        let gc = p.c.as_ref().map(|_| Array1::from_iter(t.mean.iter().map(|v| n * v)));
        Ok((n * log_z, EffGrad { w: gw, b: gb, c: gc }))
    }

    /// `L_eff(W, b, c)` (paper 003 eq. (5); (D-2) with biases), total over the `n` samples.
    pub fn value(&self, p: &EffParams) -> Result<f64> {
        let (log_z, _) = self.log_z_eff(p)?;
        let (data, _) = self.data_term(p, None)?;
        Ok(data - self.n() as f64 * log_z)
    }

    /// `L_eff` and its full-batch gradient (paper 003 eqs. (5), (8), (46)–(48)).
    pub fn value_grad(&self, p: &EffParams) -> Result<(f64, EffGrad)> {
        self.value_grad_batch(p, None)
    }

    /// Minibatch estimate of `L_eff` and its gradient: the data term over `rows` is scaled
    /// by `n/|rows|` (unbiased for uniformly drawn rows); the model term is exact.
    /// `rows = None` gives the full-batch value.
    pub fn value_grad_batch(&self, p: &EffParams, rows: Option<&[usize]>) -> Result<(f64, EffGrad)> {
        if rows.is_some_and(|r| r.is_empty()) {
            return Err(Error::InvalidParameter { name: "rows", value: 0.0, reason: "minibatch must be non-empty" });
        }
        let (mut dv, mut dg) = self.data_term(p, rows)?;
        if let Some(r) = rows {
            let scale = self.n() as f64 / r.len() as f64;
            dv *= scale;
            dg.w.mapv_inplace(|v| v * scale);
            if let Some(b) = dg.b.as_mut() {
                b.mapv_inplace(|v| v * scale);
            }
            if let Some(c) = dg.c.as_mut() {
                c.mapv_inplace(|v| v * scale);
            }
        }
        let (mv, mg) = self.model_term(p)?;
        let w = dg.w - &mg.w;
        let b = dg.b.zip(mg.b).map(|(a, b)| a - b);
        let c = dg.c.zip(mg.c).map(|(a, b)| a - b);
        let value = dv - mv;
        if !value.is_finite() {
            return Err(Error::NonFinite("effective objective"));
        }
        Ok((value, EffGrad { w, b, c }))
    }
}

/// Overlap matrix `m_ab = |W_{:a}ᵀV_{:b}| / (‖W_{:a}‖‖V_{:b}‖)` between hidden unit `a`
/// (column of `w`, `d × k`) and spike `b` (column of `v`, `d × r`): the figure of merit of
/// every paper-003 figure (THEORY_003 §0). Zero columns give overlap 0.
pub fn overlaps(w: &Array2<f64>, v: &Array2<f64>) -> Array2<f64> {
    let g = w.t().dot(v);
    let nw: Vec<f64> = w.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect();
    let nv: Vec<f64> = v.columns().into_iter().map(|c| c.dot(&c).sqrt()).collect();
    Array2::from_shape_fn(g.dim(), |(a, b)| {
        let den = nw[a] * nv[b];
        if den > 0.0 { g[[a, b]].abs() / den } else { 0.0 }
    })
}

/// `Wᵀ` of a `d × k` matrix as a `k × d` row-major vector (the layout of `linalg::fused_pass`).
pub(crate) fn transpose(w: &Array2<f64>) -> Vec<f64> {
    let (d, k) = w.dim();
    let mut out = vec![0.0; k * d];
    for ((i, a), v) in w.indexed_iter() {
        out[a * d + i] = *v;
    }
    out
}

/// Gram matrix `Q = WᵀW/d`.
pub fn gram(w: &Array2<f64>) -> Array2<f64> {
    w.t().dot(w) / w.nrows() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p003::testdata::spiked;
    use ndarray::Axis;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The two-pass data term as it was computed before the fused kernel: `Y = XW/√d + c`
    /// (ndarray product), `φ`, `∇φ` row by row, then `∇_W = XᵀF/√d`; minibatches by copying
    /// the selected rows.
    fn two_pass(obj: &EffObjective, p: &EffParams, rows: Option<&[usize]>) -> (f64, EffGrad) {
        let xb = match rows {
            None => obj.data().to_owned(),
            Some(r) => obj.data().select(Axis(0), r),
        };
        let sd = (obj.d() as f64).sqrt();
        let mut y = xb.dot(&p.w) / sd;
        let mut value = 0.0;
        let mut gc = Array1::<f64>::zeros(obj.k());
        for mut row in y.rows_mut() {
            for (a, v) in row.iter_mut().enumerate() {
                let z = *v + p.c.as_ref().map_or(0.0, |c| c[a]);
                value += obj.hidden.phi1(z);
                *v = obj.hidden.dphi1(z);
                gc[a] += *v;
            }
        }
        let gw = xb.t().dot(&y) / sd;
        let gb = p.b.as_ref().map(|b| {
            let s = xb.sum_axis(Axis(0));
            value += b.dot(&s);
            s
        });
        (value, EffGrad { w: gw, b: gb, c: p.c.as_ref().map(|_| gc) })
    }

    fn rel(a: &[f64], b: &[f64]) -> f64 {
        let scale = b.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1e-300);
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max) / scale
    }

    fn random_params(d: usize, k: usize, seed: u64) -> EffParams {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut g = || rng.sample::<f64, _>(StandardNormal);
        EffParams {
            w: Array2::from_shape_fn((d, k), |_| g()),
            b: Some(Array1::from_shape_fn(d, |_| 0.1 * g())),
            c: Some(Array1::from_shape_fn(k, |_| 0.3 * g())),
        }
    }

    /// The fused one-pass data term equals the two-pass reference to 1e-12 (relative, max
    /// entry) for full batches and minibatches (repeated rows, several row blocks with a
    /// partial last one, `d` not a multiple of the 8-wide dot), `k ∈ {1, 3}`, discrete priors.
    #[test]
    fn fused_data_term_matches_two_pass_reference() {
        let (n, d) = (1300, 301);
        let (x, _) = spiked(n, d, &[2.0], 4);
        let batch: Vec<usize> = (0..700).map(|i| (i * 37 + 5) % n).collect();
        for (k, prior) in [
            (1, HiddenPrior::Rademacher),
            (3, HiddenPrior::Bernoulli),
            (4, HiddenPrior::Rademacher),
            (6, HiddenPrior::Rademacher),
        ] {
            let obj = EffObjective::new(x.view(), k, prior, VisiblePrior::Rademacher).unwrap();
            let p = random_params(d, k, 9 + k as u64);
            for rows in [None, Some(&batch[..])] {
                let (v, g) = obj.data_term(&p, rows).unwrap();
                let (vr, gr) = two_pass(&obj, &p, rows);
                let ev = (v - vr).abs() / vr.abs();
                let ew = rel(g.w.as_slice().unwrap(), gr.w.as_slice().unwrap());
                let eb = rel(g.b.as_ref().unwrap().as_slice().unwrap(), gr.b.as_ref().unwrap().as_slice().unwrap());
                let ec = rel(g.c.as_ref().unwrap().as_slice().unwrap(), gr.c.as_ref().unwrap().as_slice().unwrap());
                eprintln!(
                    "k={k} {prior:?} batch={}: rel errors value {ev:.1e} W {ew:.1e} b {eb:.1e} c {ec:.1e}",
                    rows.is_some()
                );
                assert!(ev < 1e-12 && ew < 1e-12 && eb < 1e-12 && ec < 1e-12);
            }
        }
    }

    /// The full gradient does not depend on the rayon thread count: bit-identical with 1, 2
    /// and 3 threads, on more rows than one wave of blocks (16 × 512) holds.
    #[test]
    fn value_grad_is_thread_count_independent() {
        let (n, d, k) = (9000, 40, 2);
        let (x, _) = spiked(n, d, &[2.0], 5);
        let obj = EffObjective::new(x.view(), k, HiddenPrior::Rademacher, VisiblePrior::Rademacher).unwrap();
        let p = random_params(d, k, 3);
        let batch: Vec<usize> = (0..8800).map(|i| (i * 7919) % n).collect();
        let run = |threads: usize, rows: Option<&[usize]>| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| obj.value_grad_batch(&p, rows).unwrap())
        };
        for rows in [None, Some(&batch[..])] {
            let one = run(1, rows);
            for t in [2, 3] {
                let other = run(t, rows);
                assert_eq!(one.0.to_bits(), other.0.to_bits(), "value differs with {t} threads");
                assert_eq!(one.1, other.1, "gradient differs with {t} threads");
            }
        }
    }
}
