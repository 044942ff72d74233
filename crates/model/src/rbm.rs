//! The RBM: two layers, a weight matrix, an inverse temperature and an optional external field.
//!
//! Energy (all papers; paper 002 eqs. (1)–(2) with general potentials on both layers):
//!
//! `E(v, h) = Σ_i U_v(v_i) − (b + B)·v + Σ_μ U_h(h_μ) − c·h − vᵀ W h`,  `p(v, h) = e^{−βE(v,h)} / Z`,
//!
//! with `b`, `c` the visible and hidden biases and `B` an optional external field on the visible
//! layer (paper 001 Fig. 4E adds a field along a learned pattern; it enters like a bias but is never
//! trained). Total inputs: `I^h = Wᵀv + c`, `I^v = W h + b + B`. Marginal free energies, defined so
//! that `p(v) = e^{−βF(v)}/Z` and `p(h) = e^{−βF(h)}/Z`:
//!
//! `F(v) = Σ_i U_v(v_i) − (b + B)·v − β⁻¹ Σ_μ Γ_β^h(I^h_μ(v))`,
//! `F(h) = Σ_μ U_h(h_μ) − c·h − β⁻¹ Σ_i Γ_β^v(I^v_i(h))`,
//!
//! with Γ the unit cumulant generating functions of [`crate::units`].

use crate::error::{Error, Result, param, shape};
use crate::layer::{BiasMode, Layer};
use crate::real::Real;
use crate::units::{UnitType, Units};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// A restricted Boltzmann machine with run-time unit types (see module docs for the energy).
#[derive(Debug, Clone, PartialEq)]
pub struct Rbm<F: Real> {
    /// Visible layer (units and bias `b`).
    pub visible: Layer<F>,
    /// Hidden layer (units and bias `c`).
    pub hidden: Layer<F>,
    /// Weights, shape `(visible.width(), hidden.width())`.
    pub weights: Array2<F>,
    /// Inverse temperature β > 0 (1 for training).
    pub beta: f64,
    /// Optional external field `B` on the visible columns (not trained).
    pub field: Option<Array1<F>>,
}

impl<F: Real> Rbm<F> {
    /// Build an RBM from its layers and weights (checks shapes and finiteness), β = 1, no field.
    pub fn new(visible: Layer<F>, hidden: Layer<F>, weights: Array2<F>) -> Result<Self> {
        shape("weight rows (visible width)", visible.width(), weights.nrows())?;
        shape("weight columns (hidden width)", hidden.width(), weights.ncols())?;
        if weights.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("weights".into()));
        }
        Ok(Rbm { visible, hidden, weights, beta: 1.0, field: None })
    }

    /// An RBM with zero weights and biases.
    pub fn zeros(vis: Units, n_vis: usize, hid: Units, n_hid: usize) -> Result<Self> {
        let visible = Layer::new(vis, n_vis)?;
        let hidden = Layer::new(hid, n_hid)?;
        let w = Array2::zeros((visible.width(), hidden.width()));
        Self::new(visible, hidden, w)
    }

    /// Weights drawn i.i.d. from `N(0, std²)` with a seeded Xoshiro256++ stream (`std` is a standard deviation).
    pub fn randomize_weights(&mut self, std: f64, seed: u64) -> Result<()> {
        if !(std >= 0.0 && std.is_finite()) {
            return Err(param("std", format!("weight std must be finite and ≥ 0, got {std}")));
        }
        let mut rng = crate::rng::stream(seed, 0, 0);
        let n = Normal::new(0.0, std).map_err(|e| param("std", e.to_string()))?;
        self.weights.mapv_inplace(|_| F::from_f64(n.sample(&mut rng)));
        Ok(())
    }

    /// Set the inverse temperature (must be positive and finite).
    pub fn with_beta(mut self, beta: f64) -> Result<Self> {
        if !(beta > 0.0 && beta.is_finite()) {
            return Err(param("beta", format!("must be positive and finite, got {beta}")));
        }
        self.beta = beta;
        Ok(self)
    }

    /// Add the external field `strength · direction` on the visible columns (replaces any previous field).
    pub fn with_field(mut self, direction: ArrayView1<F>, strength: f64) -> Result<Self> {
        shape("field direction", self.visible.width(), direction.len())?;
        let f = direction.mapv(|x| F::from_f64(x.to_f64() * strength));
        if f.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("field".into()));
        }
        self.field = Some(f);
        Ok(self)
    }

    /// Visible bias plus external field, `b + B`.
    pub fn effective_visible_bias(&self) -> Array1<F> {
        match &self.field {
            Some(f) => &self.visible.bias + f,
            None => self.visible.bias.clone(),
        }
    }

    /// Convert every array to another float type.
    pub fn cast<G: Real>(&self) -> Rbm<G> {
        Rbm {
            visible: self.visible.cast(),
            hidden: self.hidden.cast(),
            weights: self.weights.mapv(|x| G::from_f64(x.to_f64())),
            beta: self.beta,
            field: self.field.as_ref().map(|f| f.mapv(|x| G::from_f64(x.to_f64()))),
        }
    }

    /// Check a batch of visible configurations (width and support).
    pub fn validate_visible(&self, v: ArrayView2<F>) -> Result<()> {
        self.visible.validate(v)
    }

    /// Check a batch of hidden configurations (width and support).
    pub fn validate_hidden(&self, h: ArrayView2<F>) -> Result<()> {
        self.hidden.validate(h)
    }

    /// True when all parameters are finite.
    pub fn is_finite(&self) -> bool {
        self.weights.iter().all(|x| x.is_finite())
            && self.visible.bias.iter().all(|x| x.is_finite())
            && self.hidden.bias.iter().all(|x| x.is_finite())
            && [&self.visible.theta, &self.hidden.theta].iter().all(|t| t.iter().flatten().all(|x| x.is_finite()))
    }

    /// Total hidden inputs `I^h = v W + c` for a batch of visible rows.
    pub fn hidden_input(&self, v: ArrayView2<F>) -> Result<Array2<F>> {
        shape("visible width", self.visible.width(), v.ncols())?;
        Ok(v.dot(&self.weights) + &self.hidden.bias)
    }

    /// Total visible inputs `I^v = h Wᵀ + b + B` for a batch of hidden rows.
    pub fn visible_input(&self, h: ArrayView2<F>) -> Result<Array2<F>> {
        shape("hidden width", self.hidden.width(), h.ncols())?;
        Ok(h.dot(&self.weights.t()) + &self.effective_visible_bias())
    }

    /// Conditional means `E[h | v]` (hidden magnetisations) for a batch of visible rows.
    pub fn hidden_mean(&self, v: ArrayView2<F>) -> Result<Array2<F>> {
        shape("visible width", self.visible.width(), v.ncols())?;
        let mut i = v.dot(&self.weights);
        crate::gibbs::layer_mean_inplace(
            self.hidden.units,
            self.hidden.theta_slice(),
            self.hidden.bias.as_slice().expect("contiguous"),
            self.beta,
            &mut i,
        );
        Ok(i)
    }

    /// Conditional means `E[v | h]` for a batch of hidden rows.
    pub fn visible_mean(&self, h: ArrayView2<F>) -> Result<Array2<F>> {
        shape("hidden width", self.hidden.width(), h.ncols())?;
        let mut i = h.dot(&self.weights.t());
        let b = self.effective_visible_bias();
        crate::gibbs::layer_mean_inplace(
            self.visible.units,
            self.visible.theta_slice(),
            b.as_slice().expect("contiguous"),
            self.beta,
            &mut i,
        );
        Ok(i)
    }

    /// Conditional absolute means `E[|h_μ| | v]` of a double-well hidden layer, one row per visible
    /// row, each unit with its own `θ_μ` (closed form of [`crate::units::DoubleWell::abs_mean`]; the
    /// per-sample term of the θ gradient, paper 002 eq. (5) with `∂E/∂θ_μ = |h_μ|`). Errors for
    /// other hidden unit types.
    pub fn hidden_abs_mean(&self, v: ArrayView2<F>) -> Result<Array2<F>> {
        if !matches!(self.hidden.units, Units::DoubleWell { .. }) {
            return Err(param("hidden units", "E[|h| | v] is defined here for double-well hidden units only"));
        }
        let i = self.hidden_input(v)?;
        let beta = self.beta;
        Ok(layer_map(&self.hidden, &i, beta, |u, x, b, o| {
            if let Units::DoubleWell { theta } = *u {
                o[0] = crate::units::DoubleWell { theta }.abs_mean(x[0], b);
            }
        }))
    }

    /// Draw `h ~ p(h | v)` row by row (reference implementation; the fast path is [`crate::gibbs`]).
    pub fn sample_hidden<R: Rng + ?Sized>(&self, v: ArrayView2<F>, rng: &mut R) -> Result<Array2<F>> {
        let i = self.hidden_input(v)?;
        Ok(layer_map(&self.hidden, &i, self.beta, |u, x, b, o| u.sample(x, b, rng, o)))
    }

    /// Draw `v ~ p(v | h)` row by row (reference implementation; the fast path is [`crate::gibbs`]).
    pub fn sample_visible<R: Rng + ?Sized>(&self, h: ArrayView2<F>, rng: &mut R) -> Result<Array2<F>> {
        let i = self.visible_input(h)?;
        Ok(layer_map(&self.visible, &i, self.beta, |u, x, b, o| u.sample(x, b, rng, o)))
    }

    /// Joint energy `E(v, h)` of each row pair (module docs), in f64.
    pub fn energy(&self, v: ArrayView2<F>, h: ArrayView2<F>) -> Result<Array1<f64>> {
        shape("visible width", self.visible.width(), v.ncols())?;
        shape("hidden width", self.hidden.width(), h.ncols())?;
        shape("number of rows of h", v.nrows(), h.nrows())?;
        let vw = v.dot(&self.weights);
        let bv = self.effective_visible_bias();
        let mut out = Array1::zeros(v.nrows());
        let mut bufv = vec![0.0; v.ncols()];
        let mut bufh = vec![0.0; h.ncols()];
        for r in 0..v.nrows() {
            to_f64_row(v.row(r), &mut bufv);
            to_f64_row(h.row(r), &mut bufh);
            let mut e = self.visible.potential_row(&bufv) + self.hidden.potential_row(&bufh);
            e -= dot64(v.row(r), bv.view()) + dot64(h.row(r), self.hidden.bias.view());
            e -= dot64(vw.row(r), h.row(r));
            out[r] = e;
        }
        Ok(out)
    }

    /// Free energy `F(v)` of each visible row (module docs; `p(v) = e^{−βF(v)}/Z`).
    pub fn free_energy_visible(&self, v: ArrayView2<F>) -> Result<Array1<f64>> {
        let inp = self.hidden_input(v)?;
        let bv = self.effective_visible_bias();
        let mut out = Array1::zeros(v.nrows());
        let mut bufv = vec![0.0; v.ncols()];
        let mut bufi = vec![0.0; inp.ncols()];
        for r in 0..v.nrows() {
            to_f64_row(v.row(r), &mut bufv);
            to_f64_row(inp.row(r), &mut bufi);
            out[r] = self.visible.potential_row(&bufv)
                - dot64(v.row(r), bv.view())
                - self.hidden.cgf_row(&bufi, self.beta) / self.beta;
        }
        Ok(out)
    }

    /// Free energy `F(h)` of each hidden row (module docs; `p(h) = e^{−βF(h)}/Z`).
    pub fn free_energy_hidden(&self, h: ArrayView2<F>) -> Result<Array1<f64>> {
        let inp = self.visible_input(h)?;
        let mut out = Array1::zeros(h.nrows());
        let mut bufh = vec![0.0; h.ncols()];
        let mut bufi = vec![0.0; inp.ncols()];
        for r in 0..h.nrows() {
            to_f64_row(h.row(r), &mut bufh);
            to_f64_row(inp.row(r), &mut bufi);
            out[r] = self.hidden.potential_row(&bufh)
                - dot64(h.row(r), self.hidden.bias.view())
                - self.visible.cgf_row(&bufi, self.beta) / self.beta;
        }
        Ok(out)
    }

    /// Apply the zero-sum gauge to every Potts layer (rbms issue #27: gauge all parameters, not only W).
    ///
    /// For a Potts visible layer, `W_{(i,a)μ} → W_{(i,a)μ} − m_{iμ}` with `m_{iμ} = mean_a W_{(i,a)μ}`,
    /// the removed part `Σ_i m_{iμ} h_μ` moves into the hidden bias `c_μ`, and `b_{(i,a)}` loses its
    /// mean over `a` (a constant). This is an exact reparametrisation: `p(v,h)` is unchanged.
    /// Symmetrically for a Potts hidden layer. Errors when the layer that would absorb the shift has
    /// a bias that is [`BiasMode::Off`] or [`BiasMode::Frozen`] and the shift is non-zero.
    pub fn apply_zero_sum_gauge(&mut self) -> Result<()> {
        if let Units::Potts { states } = self.visible.units {
            let shift = gauge_rows(&mut self.weights, &mut self.visible.bias, states);
            absorb(&mut self.hidden, shift, "hidden bias")?;
        }
        if let Units::Potts { states } = self.hidden.units {
            let mut wt = self.weights.t().to_owned();
            let shift = gauge_rows(&mut wt, &mut self.hidden.bias, states);
            self.weights.assign(&wt.t());
            absorb(&mut self.visible, shift, "visible bias")?;
        }
        Ok(())
    }
}

/// Zero-sum gauge of the row groups of `w` (groups of `states` rows) and of `bias`; returns the
/// per-column sum of the removed means.
fn gauge_rows<F: Real>(w: &mut Array2<F>, bias: &mut Array1<F>, states: usize) -> Array1<F> {
    let n = w.nrows() / states;
    let mut shift = Array1::<F>::zeros(w.ncols());
    let p = F::from_f64(states as f64);
    for i in 0..n {
        let mut blk = w.slice_mut(s![i * states..(i + 1) * states, ..]);
        let m = blk.sum_axis(Axis(0)) / p;
        blk -= &m;
        shift += &m;
        let mut b = bias.slice_mut(s![i * states..(i + 1) * states]);
        let mb = b.sum() / p;
        b -= mb;
    }
    shift
}

fn absorb<F: Real>(layer: &mut Layer<F>, shift: Array1<F>, what: &'static str) -> Result<()> {
    if layer.bias_mode != BiasMode::Trainable && shift.iter().any(|&x| x != F::zero()) {
        return Err(param(what, "zero-sum gauge needs a trainable bias on the other layer to absorb the shift"));
    }
    layer.bias += &shift;
    Ok(())
}

/// Apply a per-unit f64 function to each row of total inputs of a layer.
pub(crate) fn layer_map<F: Real>(
    layer: &Layer<F>,
    input: &Array2<F>,
    beta: f64,
    mut f: impl FnMut(&Units, &[f64], f64, &mut [f64]),
) -> Array2<F> {
    let uw = layer.unit_width();
    let mut out = Array2::zeros(input.dim());
    let mut bi = vec![0.0; uw];
    let mut bo = vec![0.0; uw];
    for (irow, mut orow) in input.rows().into_iter().zip(out.rows_mut()) {
        for u in 0..layer.n_units {
            for k in 0..uw {
                bi[k] = irow[u * uw + k].to_f64();
            }
            f(&layer.unit(u), &bi, beta, &mut bo);
            for k in 0..uw {
                orow[u * uw + k] = F::from_f64(bo[k]);
            }
        }
    }
    out
}

pub(crate) fn to_f64_row<F: Real>(x: ArrayView1<F>, out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x.iter()) {
        *o = v.to_f64();
    }
}

pub(crate) fn dot64<F: Real>(a: ArrayView1<F>, b: ArrayView1<F>) -> f64 {
    a.iter().zip(b.iter()).map(|(&x, &y)| x.to_f64() * y.to_f64()).sum()
}
