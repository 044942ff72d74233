//! A layer: `n_units` units of one [`Units`] type plus their bias vector.
//!
//! Configurations of a layer are rows of width [`Layer::width`] (`n_units`, or `n_units·P` for
//! Potts one-hot units, unit `i` occupying columns `i·P .. (i+1)·P`).

use crate::error::{Error, Result, param, shape};
use crate::real::Real;
use crate::units::{UnitType, Units};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Whether a layer's bias is learned, held fixed, or absent (fixed at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BiasMode {
    /// Learned by the trainers.
    Trainable,
    /// Kept at its current value by the trainers.
    Frozen,
    /// Identically zero (paper 002: `b_i = c_μ = 0`); the trainers never change it.
    Off,
}

/// Whether the per-unit thresholds `θ_μ` of a double-well layer are learned (paper 002, Sec. 2.2:
/// the trained parameters are `{w, b, c/θ}`) or held at their current values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThetaMode {
    /// Kept at their current values by the trainers (the default, and the only mode for other unit types).
    Frozen,
    /// Learned by the trainers (gradient `β(⟨E[|h_μ| | v]⟩_model − ⟨E[|h_μ| | v]⟩_data)`, see [`crate::units`]).
    Trainable,
}

/// A layer of identical units with a bias per column.
///
/// A double-well layer may carry one threshold per unit, `theta[μ] = θ_μ` in `U_μ(h) = h²/2 + θ_μ|h|`
/// (paper 002, Sec. 2.1); without it every unit uses the θ stored in [`Units::DoubleWell`]. Every
/// conditional, Γ, sampler and enumeration of the crate goes through [`Layer::unit`], which returns
/// the unit type of unit `μ` with its own θ.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer<F: Real> {
    /// Unit type.
    pub units: Units,
    /// Number of units.
    pub n_units: usize,
    /// Bias of each column (length [`Layer::width`]); the `−b·x` part of the energy.
    pub bias: Array1<F>,
    /// Trainable, frozen or off.
    pub bias_mode: BiasMode,
    /// Per-unit thresholds `θ_μ` of a double-well layer (length `n_units`); `None`: all units use the
    /// θ of `units`. Set with [`Layer::with_theta`].
    pub theta: Option<Array1<f64>>,
    /// Whether the trainers update `theta` ([`ThetaMode::Trainable`] implies `theta.is_some()`).
    pub theta_mode: ThetaMode,
}

impl<F: Real> Layer<F> {
    /// A layer of `n_units` units with zero trainable bias.
    pub fn new(units: Units, n_units: usize) -> Result<Self> {
        units.validate()?;
        if n_units == 0 {
            return Err(param("n_units", "a layer needs at least one unit"));
        }
        let w = n_units * units.width();
        Ok(Layer {
            units,
            n_units,
            bias: Array1::zeros(w),
            bias_mode: BiasMode::Trainable,
            theta: None,
            theta_mode: ThetaMode::Frozen,
        })
    }

    /// Give each unit of a double-well layer its own threshold `θ_μ` (length `n_units`, finite).
    /// Errors for other unit types.
    pub fn with_theta(mut self, theta: Array1<f64>) -> Result<Self> {
        if !matches!(self.units, Units::DoubleWell { .. }) {
            return Err(param(
                "theta",
                format!("per-unit thresholds need double-well units, not {}", self.units.name()),
            ));
        }
        shape("per-unit theta", self.n_units, theta.len())?;
        if theta.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("per-unit theta".into()));
        }
        self.theta = Some(theta);
        Ok(self)
    }

    /// Set the θ mode. `Trainable` needs a double-well layer and, when no per-unit θ is set yet,
    /// initialises every `θ_μ` to the θ of [`Units::DoubleWell`]. `Frozen` keeps the current values.
    pub fn with_theta_mode(mut self, mode: ThetaMode) -> Result<Self> {
        if mode == ThetaMode::Trainable {
            let Units::DoubleWell { theta } = self.units else {
                return Err(param(
                    "theta_mode",
                    format!("a trainable θ needs double-well units, not {}", self.units.name()),
                ));
            };
            if self.theta.is_none() {
                self.theta = Some(Array1::from_elem(self.n_units, theta));
            }
        }
        self.theta_mode = mode;
        Ok(self)
    }

    /// The unit type of unit `u` (its own θ for a double-well layer with per-unit thresholds).
    #[inline]
    pub fn unit(&self, u: usize) -> Units {
        match (&self.theta, self.units) {
            (Some(t), Units::DoubleWell { .. }) => Units::DoubleWell { theta: t[u] },
            _ => self.units,
        }
    }

    /// The thresholds `θ_μ` of every unit of a double-well layer (per-unit values, or the shared θ
    /// repeated); `None` for other unit types.
    pub fn thetas(&self) -> Option<Array1<f64>> {
        match (&self.theta, self.units) {
            (Some(t), Units::DoubleWell { .. }) => Some(t.clone()),
            (None, Units::DoubleWell { theta }) => Some(Array1::from_elem(self.n_units, theta)),
            _ => None,
        }
    }

    /// Per-unit thresholds as a slice, when set.
    pub(crate) fn theta_slice(&self) -> Option<&[f64]> {
        self.theta.as_ref().map(|t| t.as_slice().expect("contiguous theta"))
    }

    /// Replace the bias (length must be [`Layer::width`], entries finite).
    pub fn with_bias(mut self, bias: Array1<F>) -> Result<Self> {
        shape("layer bias", self.width(), bias.len())?;
        if bias.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("layer bias".into()));
        }
        if self.bias_mode == BiasMode::Off && bias.iter().any(|&x| x != F::zero()) {
            return Err(param("bias", "a layer with BiasMode::Off must have a zero bias"));
        }
        self.bias = bias;
        Ok(self)
    }

    /// Set the bias mode; `Off` also zeroes the bias.
    pub fn with_bias_mode(mut self, mode: BiasMode) -> Self {
        if mode == BiasMode::Off {
            self.bias.fill(F::zero());
        }
        self.bias_mode = mode;
        self
    }

    /// Columns per unit (1, or P for Potts).
    pub fn unit_width(&self) -> usize {
        self.units.width()
    }

    /// Number of columns of a configuration row.
    pub fn width(&self) -> usize {
        self.n_units * self.units.width()
    }

    /// `log2` of the number of configurations of a discrete layer, `None` if real-valued.
    pub fn log2_n_states(&self) -> Option<f64> {
        self.units.n_states().map(|s| self.n_units as f64 * (s as f64).log2())
    }

    /// Check that `x` has [`Layer::width`] columns and every unit's value is in its support.
    pub fn validate(&self, x: ArrayView2<F>) -> Result<()> {
        shape("configuration width", self.width(), x.ncols())?;
        let uw = self.unit_width();
        let mut buf = vec![0.0; uw];
        for (r, row) in x.rows().into_iter().enumerate() {
            for u in 0..self.n_units {
                for k in 0..uw {
                    buf[k] = row[u * uw + k].to_f64();
                }
                if !self.units.in_support(&buf) {
                    let bad = (0..uw).find(|&k| buf[k] != 0.0 && buf[k] != 1.0).unwrap_or(0);
                    return Err(Error::Support {
                        units: self.units.name(),
                        row: r,
                        col: u * uw + bad,
                        value: buf[bad],
                    });
                }
            }
        }
        Ok(())
    }

    /// `Σ_units Γ_β(I_unit)` for one row of total inputs (bias already included).
    pub fn cgf_row(&self, input: &[f64], beta: f64) -> f64 {
        let uw = self.unit_width();
        input.chunks_exact(uw).enumerate().map(|(u, c)| self.unit(u).cgf(c, beta)).sum()
    }

    /// Conditional means of one row given total inputs.
    pub fn mean_row(&self, input: &[f64], beta: f64, out: &mut [f64]) {
        let uw = self.unit_width();
        for (u, (c, o)) in input.chunks_exact(uw).zip(out.chunks_exact_mut(uw)).enumerate() {
            self.unit(u).mean(c, beta, o);
        }
    }

    /// `Σ_units U(x_unit)` of one row (without the bias term).
    pub fn potential_row(&self, x: &[f64]) -> f64 {
        match self.units {
            Units::Bernoulli | Units::Ising | Units::Potts { .. } => 0.0,
            _ => {
                let uw = self.unit_width();
                x.chunks_exact(uw).enumerate().map(|(u, c)| self.unit(u).potential(c)).sum()
            }
        }
    }

    /// `ln Z` of the layer alone (all units independent, input = bias + `extra`), i.e. `Σ Γ_β(b)`.
    pub fn independent_log_partition(&self, extra: Option<ArrayView1<F>>, beta: f64) -> f64 {
        let mut inp: Vec<f64> = self.bias.iter().map(|x| x.to_f64()).collect();
        if let Some(e) = extra {
            for (a, b) in inp.iter_mut().zip(e.iter()) {
                *a += b.to_f64();
            }
        }
        self.cgf_row(&inp, beta)
    }

    /// Write the configuration number `idx` of a discrete layer into `out` (mixed radix, unit 0
    /// least significant; for binary units bit `i` of `idx` gives unit `i`: 0 → 0 / −1, 1 → 1 / +1).
    pub fn state_row(&self, mut idx: usize, out: &mut [f64]) {
        let s = self.units.n_states().expect("state_row on a continuous layer");
        let uw = self.unit_width();
        for c in out.chunks_exact_mut(uw) {
            self.units.state(idx % s, c);
            idx /= s;
        }
    }

    /// Convert the layer to another float type.
    pub fn cast<G: Real>(&self) -> Layer<G> {
        Layer {
            units: self.units,
            n_units: self.n_units,
            bias: self.bias.mapv(|x| G::from_f64(x.to_f64())),
            bias_mode: self.bias_mode,
            theta: self.theta.clone(),
            theta_mode: self.theta_mode,
        }
    }
}

/// One-hot encode categorical data (`S × N` indices in `0..states`) into `S × (N·states)` rows.
pub fn potts_one_hot<F: Real>(indices: ArrayView2<usize>, states: usize) -> Result<Array2<F>> {
    let (s, n) = indices.dim();
    let mut out = Array2::zeros((s, n * states));
    for ((r, i), &a) in indices.indexed_iter() {
        if a >= states {
            return Err(Error::Support { units: "Potts", row: r, col: i, value: a as f64 });
        }
        out[(r, i * states + a)] = F::one();
    }
    Ok(out)
}

/// Inverse of [`potts_one_hot`]: the index of the active state of each unit.
pub fn potts_indices<F: Real>(one_hot: ArrayView2<F>, states: usize) -> Result<Array2<usize>> {
    if states == 0 || !one_hot.ncols().is_multiple_of(states) {
        return Err(param("states", "one-hot width is not a multiple of the number of states"));
    }
    let n = one_hot.ncols() / states;
    let mut out = Array2::zeros((one_hot.nrows(), n));
    for (r, row) in one_hot.rows().into_iter().enumerate() {
        for i in 0..n {
            let mut found = None;
            for a in 0..states {
                let x = row[i * states + a];
                if x == F::one() && found.is_none() {
                    found = Some(a);
                } else if x != F::zero() {
                    return Err(Error::Support { units: "Potts", row: r, col: i * states + a, value: x.to_f64() });
                }
            }
            out[(r, i)] = found.ok_or(Error::Support { units: "Potts", row: r, col: i * states, value: 0.0 })?;
        }
    }
    Ok(out)
}
