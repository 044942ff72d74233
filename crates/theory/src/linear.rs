//! Linear-regime spectral dynamics of the Gaussian–Gaussian RBM (paper 000, "Linear
//! instabilities" section and Fig. 1), re-derived because the extracted equations are garbled.
//!
//! # Model
//! Visible `s ∈ R^{N_v}`, hidden `h ∈ R^{N_h}`, no biases (the paper discards them in this
//! section), energy `E(s, h) = |s|²/(2σ_v²) + |h|²/(2σ_h²) − sᵀ W h`. Integrating `h` out gives a
//! centred Gaussian for `s` with precision and covariance
//!
//! ```text
//! P(W) = I/σ_v² − σ_h² W Wᵀ,        Σ_model(W) = P⁻¹ = σ_v² (I − σ_v²σ_h² W Wᵀ)⁻¹,
//! ```
//!
//! normalisable iff `σ_v σ_h w_max < 1` (`w_max` the top singular value of `W`).
//!
//! # Exact log-likelihood and gradient
//! For zero-mean data with second-moment matrix `C = ⟨s sᵀ⟩_data` the mean log-likelihood per
//! sample is `LL = −½ tr(P C) + ½ log det P − (N_v/2) log 2π`, i.e. (Sylvester's identity)
//!
//! ```text
//! LL = −tr C/(2σ_v²) + (σ_h²/2) tr(Wᵀ C W) − (N_v/2) log(2πσ_v²) + ½ log det(I_h − σ_v²σ_h² WᵀW).
//! ```
//!
//! Differentiating (`d log det P = tr(P⁻¹ dP)`) gives `∇_W LL = σ_h² (C − Σ_model) W`. This is
//! exactly the continuous-time version of the learning rule, paper 000 eq. (4), for Gaussian
//! units: `⟨s hᵀ⟩_data = σ_h² C W` (because `E[h|s] = σ_h² Wᵀ s`) and
//! `⟨s hᵀ⟩_model = σ_h² Σ_model W`. The **matrix ODE** integrated here is therefore
//! `dW/dt = σ_h² (C − Σ_model(W)) W` (learning rate absorbed in `t`), a gradient flow, so `LL(t)`
//! is non-decreasing with `dLL/dt = ‖∇_W LL‖_F²`. For speed it is evaluated with the push-through
//! identity `(I − a W Wᵀ)⁻¹ W = W (I − a WᵀW)⁻¹`, `a = σ_v²σ_h²`, so that only an `N_h × N_h`
//! Cholesky factorisation is needed.
//!
//! # Mode equations (paper 000, linear section, re-derived)
//! Write `W = U diag(w) Vᵀ` and express the data in the frame of `U`: `C_{αβ} = u_αᵀ C u_β =
//! ⟨s_α s_β⟩_data`. In the full orthonormal frame `U` (completed to `N_v` columns)
//! `Σ_model` is diagonal with entries `σ_v²/(1 − σ_v²σ_h² w_α²)` (and `σ_v²` on the complement),
//! so `G̃ := Uᵀ (dW/dt) V` has entries `G̃_{αβ} = σ_h² (C_{αβ} − δ_{αβ} Σ_α) w_β`. Hence
//!
//! ```text
//! dw_α/dt = σ_h² w_α ( ⟨s_α²⟩_data − σ_v² / (1 − σ_v²σ_h² w_α²) ).
//! ```
//!
//! When `U` is aligned with the principal directions of the data (`C` diagonal in the frame,
//! with variances `ŵ_α²`), the frame does not rotate and the modes decouple exactly. Setting
//! the bracket to zero gives the **equilibrium** (paper 000, the displayed equilibrium formula):
//!
//! ```text
//! w_α² = (ŵ_α² − σ_v²) / (σ_v² σ_h² ŵ_α²)   if ŵ_α² > σ_v²,      w_α = 0 otherwise,
//! ```
//!
//! which we confirm (the non-zero root is stable exactly when `ŵ_α² > σ_v²`, where `w = 0`
//! loses stability with rate `σ_h²(ŵ_α² − σ_v²)`).
//!
//! **Closed-form solution of the mode ODE** (used as an independent check). With `x = w²`,
//! `A = ŵ² − σ_v²`, `a = σ_v²σ_h²`, `B = a ŵ²`: `dx/dt = 2σ_h² x (A − B x)/(1 − a x)`. Partial
//! fractions, `(1 − a x)/(x (A − B x)) = 1/(A x) + (a σ_v²/A)/(A − B x)`, integrate to
//!
//! ```text
//! 2σ_h² A t = ln(x/x₀) − (σ_v²/ŵ²) ln((A − B x)/(A − B x₀)),
//! ```
//!
//! valid on both sides of the threshold (`A ≠ 0`; the logarithm's argument stays positive along
//! a trajectory). See [`LinearRbm::time_to_reach`].
//!
//! # Rotation generators (paper 000 eqs. 6–8, re-derived)
//! For any flow `dW/dt = G` and the frame `G̃ = U_fullᵀ G V`, differentiating `W = U S Vᵀ` with
//! `Ω^u = Uᵀ dU/dt`, `Ω^v = Vᵀ dV/dt` (skew-symmetric) gives `G̃ = Ω^u S + dS/dt − S Ω^v`, so
//!
//! ```text
//! dw_α/dt = G̃_{αα},
//! Ω^u_{αβ} = (w_β G̃_{αβ} + w_α G̃_{βα}) / (w_β² − w_α²)
//!          = G̃^A_{αβ}/(w_α + w_β) − G̃^S_{αβ}/(w_α − w_β),
//! Ω^v_{αβ} = (w_α G̃_{αβ} + w_β G̃_{βα}) / (w_β² − w_α²)
//!          = −G̃^A_{αβ}/(w_α + w_β) − G̃^S_{αβ}/(w_α − w_β),
//! Ω^u_{kβ} = G̃_{kβ} / w_β   (k outside the rank, k ≥ N_h),
//! ```
//!
//! with `X^S = (X + Xᵀ)/2`, `X^A = (X − Xᵀ)/2` on the `α, β < N_h` block. (The paper writes the
//! same with a factor 2 and `X^S = X + Xᵀ`-type conventions; the extraction is unreadable.) The
//! complement–complement block of `Ω^u` is a gauge freedom and is set to zero. For the linear
//! RBM these become
//!
//! ```text
//! Ω^u_{αβ} = σ_h² C_{αβ} (w_α² + w_β²)/(w_β² − w_α²),   Ω^v_{αβ} = 2σ_h² C_{αβ} w_α w_β/(w_β² − w_α²),
//! Ω^u_{kβ} = σ_h² C_{kβ},
//! ```
//!
//! which vanish once `C` is diagonal in the frame: the frame rotates until it is aligned with
//! the principal components of the data. They are singular at degenerate singular values
//! (the SVD is not unique there), where [`svd_frame_rates`] returns an error.

use faer::Mat;
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result, ensure};
use crate::ode::{self, OdeOptions};

/// Gaussian–Gaussian RBM scales: visible and hidden standard deviations (`σ_v`, `σ_h`) of the
/// energy `|s|²/(2σ_v²) + |h|²/(2σ_h²) − sᵀWh` (paper 000 uses `σ_v = σ_h = 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearRbm {
    /// Visible standard deviation `σ_v > 0`.
    pub sigma_v: f64,
    /// Hidden standard deviation `σ_h > 0`.
    pub sigma_h: f64,
}

/// Rates of the SVD frame under a flow `dW/dt` (paper 000 eqs. 6–8, re-derived; see module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameRates {
    /// `dw_α/dt`, one per singular value (length `N_h`).
    pub dw: Vec<f64>,
    /// `Ω^u = Uᵀ dU/dt`, `N_v × N_v`, skew-symmetric; complement–complement block set to 0.
    pub omega_u: Array2<f64>,
    /// `Ω^v = Vᵀ dV/dt`, `N_h × N_h`, skew-symmetric.
    pub omega_v: Array2<f64>,
}

/// Principal components of a covariance matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Variances `ŵ_α²` (eigenvalues), in decreasing order.
    pub variances: Vec<f64>,
    /// Principal directions as columns (`N_v × N_v`), in the same order.
    pub basis: Array2<f64>,
}

/// Synthetic zero-mean Gaussian data with a prescribed spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticData {
    /// Second-moment matrix `C` (population, or empirical from the samples).
    pub covariance: Array2<f64>,
    /// Population principal directions (columns), a Haar-random orthogonal matrix.
    pub basis: Array2<f64>,
    /// Prescribed population variances (as given).
    pub variances: Vec<f64>,
}

/// Output of [`LinearRbm::integrate_matrix`] / [`LinearRbm::integrate_modes`].
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralTrajectory {
    /// Output times.
    pub time: Vec<f64>,
    /// Singular values of `W` at each time, `w[t][α]`, in decreasing order (mode ODE: by mode).
    pub w: Vec<Vec<f64>>,
    /// Amplitude of `W` along each data principal direction, `w_pca[t][α] = |ū_αᵀ W|`
    /// (equal to the singular value once aligned; mode ODE: the mode amplitude).
    pub w_pca: Vec<Vec<f64>>,
    /// `|u_W^α · ū_α|` between the α-th left singular vector of `W` and the α-th principal
    /// direction of the data (paper 000 Fig. 1 inset); identically 1 for the mode ODE.
    pub alignment: Vec<Vec<f64>>,
    /// Exact mean log-likelihood per sample at each time.
    pub log_likelihood: Vec<f64>,
    /// Equilibrium value of each mode (closed form), length = number of modes.
    pub w_equilibrium: Vec<f64>,
    /// Weights at the last output time (matrix ODE only).
    pub final_weights: Option<Array2<f64>>,
    /// Accepted integrator steps.
    pub steps: usize,
}

/// Long ("tidy") table of a [`SpectralTrajectory`]: one row per (time, mode).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpectralTable {
    /// Time.
    pub time: Vec<f64>,
    /// Mode index α, 1-based (α = 1 is the largest).
    pub mode: Vec<i64>,
    /// Singular value (sorted) at that time.
    pub w: Vec<f64>,
    /// Amplitude along the α-th data principal direction.
    pub w_pca: Vec<f64>,
    /// Closed-form equilibrium of mode α.
    pub w_equilibrium: Vec<f64>,
    /// `|u_W^α · ū_α|`.
    pub alignment: Vec<f64>,
    /// Log-likelihood at that time (repeated over modes).
    pub log_likelihood: Vec<f64>,
}

impl SpectralTrajectory {
    /// Flattens the trajectory into the long table (rows ordered by time, then mode).
    pub fn to_table(&self) -> SpectralTable {
        let mut tab = SpectralTable::default();
        for (ti, &t) in self.time.iter().enumerate() {
            for a in 0..self.w[ti].len() {
                tab.time.push(t);
                tab.mode.push(a as i64 + 1);
                tab.w.push(self.w[ti][a]);
                tab.w_pca.push(self.w_pca[ti][a]);
                tab.w_equilibrium.push(self.w_equilibrium.get(a).copied().unwrap_or(0.0));
                tab.alignment.push(self.alignment[ti][a]);
                tab.log_likelihood.push(self.log_likelihood[ti]);
            }
        }
        tab
    }
}

impl LinearRbm {
    /// Builds the model; `σ_v, σ_h` must be finite and > 0.
    pub fn new(sigma_v: f64, sigma_h: f64) -> Result<Self> {
        ensure(sigma_v > 0.0, "sigma_v", sigma_v, "must be finite and > 0")?;
        ensure(sigma_h > 0.0, "sigma_h", sigma_h, "must be finite and > 0")?;
        Ok(Self { sigma_v, sigma_h })
    }

    fn a(&self) -> f64 {
        self.sigma_v * self.sigma_v * self.sigma_h * self.sigma_h
    }

    /// Learning threshold on the data variance, `σ_v²`: modes with `ŵ_α² > σ_v²` grow
    /// (paper 000, linear instabilities).
    pub fn threshold(&self) -> f64 {
        self.sigma_v * self.sigma_v
    }

    /// Right-hand side of the mode equation, `dw/dt = σ_h² w (ŵ² − σ_v²/(1 − σ_v²σ_h² w²))`
    /// (paper 000 linear mode equation, re-derived; see module docs). Returns NaN outside the
    /// normalisable region `σ_vσ_h|w| < 1`.
    pub fn mode_rate(&self, w: f64, data_var: f64) -> f64 {
        let d = 1.0 - self.a() * w * w;
        if d <= 0.0 {
            return f64::NAN;
        }
        self.sigma_h * self.sigma_h * w * (data_var - self.sigma_v * self.sigma_v / d)
    }

    /// Equilibrium singular value of a mode with data variance `ŵ²` (paper 000, equilibrium
    /// formula, confirmed): `√((ŵ² − σ_v²)/(σ_v²σ_h²ŵ²))` above threshold, 0 below.
    ///
    /// Errors: negative or non-finite variance.
    pub fn equilibrium_w(&self, data_var: f64) -> Result<f64> {
        ensure(data_var >= 0.0, "data_var", data_var, "variance must be finite and >= 0")?;
        let s2 = self.threshold();
        if data_var > s2 { Ok(((data_var - s2) / (self.a() * data_var)).sqrt()) } else { Ok(0.0) }
    }

    /// Closed-form time for the mode ODE to go from `w_start` to `w_end` at data variance `ŵ²`
    /// (re-derived in the module docs): `t = [ln(x/x₀) − (σ_v²/ŵ²) ln((A − Bx)/(A − Bx₀))]/(2σ_h²A)`.
    ///
    /// Errors: `ŵ² = σ_v²` (A = 0, use the limit), `ŵ² <= 0`, non-positive amplitudes, or an
    /// end point not reachable from the start (on the other side of the equilibrium).
    pub fn time_to_reach(&self, data_var: f64, w_start: f64, w_end: f64) -> Result<f64> {
        ensure(data_var > 0.0, "data_var", data_var, "variance must be finite and > 0")?;
        ensure(w_start > 0.0, "w_start", w_start, "must be finite and > 0")?;
        ensure(w_end > 0.0, "w_end", w_end, "must be finite and > 0")?;
        let a = self.a();
        let s2 = self.threshold();
        let big_a = data_var - s2;
        ensure(big_a != 0.0, "data_var", data_var, "closed form undefined exactly at threshold")?;
        let b = a * data_var;
        let (x0, x1) = (w_start * w_start, w_end * w_end);
        ensure(a * x0 < 1.0 && a * x1 < 1.0, "w", w_start.max(w_end), "must satisfy σ_vσ_h w < 1")?;
        let (g0, g1) = (big_a - b * x0, big_a - b * x1);
        ensure(g0 * g1 > 0.0, "w_end", w_end, "not reachable: lies beyond the equilibrium")?;
        let t = ((x1 / x0).ln() - (s2 / data_var) * (g1 / g0).ln()) / (2.0 * self.sigma_h * self.sigma_h * big_a);
        ensure(t >= 0.0, "w_end", w_end, "not reachable forward in time from w_start")?;
        Ok(t)
    }

    /// Model covariance `Σ_model = σ_v² (I − σ_v²σ_h² W Wᵀ)⁻¹` of the visible layer.
    ///
    /// Errors: `σ_vσ_h w_max >= 1` (not normalisable).
    pub fn model_covariance(&self, w: &Array2<f64>) -> Result<Array2<f64>> {
        let (nv, nh) = w.dim();
        let a = self.a();
        // Σ = σ_v² (I + a W (I − a WᵀW)⁻¹ Wᵀ)  (push-through / Woodbury).
        let wv = row_major(w);
        let mut m = vec![0.0; nh * nh];
        gram_complement(&wv, nv, nh, a, &mut m);
        if !cholesky(&mut m, nh) {
            return Err(not_normalisable(self, w));
        }
        let mut x = wv.clone();
        for i in 0..nv {
            chol_solve(&m, nh, &mut x[i * nh..(i + 1) * nh]);
        }
        let s2 = self.threshold();
        let mut out = Array2::<f64>::zeros((nv, nv));
        for i in 0..nv {
            for j in 0..nv {
                let mut acc = 0.0;
                for k in 0..nh {
                    acc += x[i * nh + k] * wv[j * nh + k];
                }
                out[[i, j]] = s2 * (if i == j { 1.0 } else { 0.0 } + a * acc);
            }
        }
        Ok(out)
    }

    /// Exact mean log-likelihood per sample of zero-mean data with second moments `C`
    /// (module docs; FIGURES.md P000-F1 "exact Gaussian log-likelihood").
    ///
    /// Errors: shape mismatch, non-normalisable `W`.
    pub fn log_likelihood(&self, w: &Array2<f64>, c: &Array2<f64>) -> Result<f64> {
        let (nv, nh) = w.dim();
        check_cov(c, nv)?;
        let wv = row_major(w);
        let cv = row_major(c);
        let mut m = vec![0.0; nh * nh];
        gram_complement(&wv, nv, nh, self.a(), &mut m);
        if !cholesky(&mut m, nh) {
            return Err(not_normalisable(self, w));
        }
        Ok(self.ll_from_parts(&wv, &cv, nv, nh, &m))
    }

    fn ll_from_parts(&self, wv: &[f64], cv: &[f64], nv: usize, nh: usize, chol: &[f64]) -> f64 {
        let s2v = self.threshold();
        let s2h = self.sigma_h * self.sigma_h;
        let tr_c: f64 = (0..nv).map(|i| cv[i * nv + i]).sum();
        // tr(Wᵀ C W) = Σ_ij C_ij (W Wᵀ)_ij.
        let mut tr_wcw = 0.0;
        for i in 0..nv {
            for j in 0..nv {
                let mut wwt = 0.0;
                for k in 0..nh {
                    wwt += wv[i * nh + k] * wv[j * nh + k];
                }
                tr_wcw += cv[i * nv + j] * wwt;
            }
        }
        let logdet: f64 = (0..nh).map(|k| 2.0 * chol[k * nh + k].ln()).sum();
        -tr_c / (2.0 * s2v) + 0.5 * s2h * tr_wcw - 0.5 * nv as f64 * (2.0 * std::f64::consts::PI * s2v).ln()
            + 0.5 * logdet
    }

    /// Log-likelihood in the aligned frame: `Σ_α [−½ŵ_α²(1/σ_v² − σ_h²w_α²) + ½ ln(1/σ_v² −
    /// σ_h²w_α²) − ½ ln 2π]` over all `N_v = data_vars.len()` directions, with `w_α = 0` beyond
    /// `w_modes.len()` (paper 000 linear section; exact when `U` is aligned with the data PCA).
    ///
    /// Errors: more modes than directions, negative variance, non-normalisable amplitude.
    pub fn log_likelihood_modes(&self, w_modes: &[f64], data_vars: &[f64]) -> Result<f64> {
        ensure(w_modes.len() <= data_vars.len(), "w_modes", w_modes.len() as f64, "more modes than data directions")?;
        let (s2v, s2h) = (self.threshold(), self.sigma_h * self.sigma_h);
        let mut ll = 0.0;
        for (i, &var) in data_vars.iter().enumerate() {
            ensure(var >= 0.0, "data_vars", var, "variances must be finite and >= 0")?;
            let w = w_modes.get(i).copied().unwrap_or(0.0);
            let p = 1.0 / s2v - s2h * w * w;
            ensure(p > 0.0, "w_modes", w, "must satisfy σ_vσ_h w < 1")?;
            ll += -0.5 * var * p + 0.5 * p.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
        }
        Ok(ll)
    }

    /// Gradient of the exact log-likelihood, `∇_W LL = σ_h² (C − Σ_model(W)) W` (= the
    /// continuous-time learning rule, paper 000 eq. 4, for Gaussian units; module docs).
    ///
    /// Errors: shape mismatch, non-normalisable `W`.
    pub fn gradient(&self, w: &Array2<f64>, c: &Array2<f64>) -> Result<Array2<f64>> {
        let (nv, nh) = w.dim();
        check_cov(c, nv)?;
        let mut ws = MatrixRhs::new(*self, c, nh);
        let wv = row_major(w);
        let mut out = vec![0.0; nv * nh];
        if !ws.eval(&wv, &mut out) {
            return Err(not_normalisable(self, w));
        }
        Ok(Array2::from_shape_vec((nv, nh), out).expect("shape"))
    }

    /// Frame rates of the linear RBM in closed form (module docs): `dw_α/dt` from the mode
    /// equation with `⟨s_α²⟩ = C_{αα}`, `Ω^u_{αβ} = σ_h² C_{αβ}(w_α² + w_β²)/(w_β² − w_α²)`,
    /// `Ω^v_{αβ} = 2σ_h² C_{αβ} w_α w_β/(w_β² − w_α²)`, `Ω^u_{kβ} = σ_h² C_{kβ}` (paper 000, linear
    /// rotation generators, re-derived). `c_frame = U_fullᵀ C U_full` (`N_v × N_v`), `w_sing` the
    /// `N_h` singular values.
    ///
    /// Errors: shape mismatch, degenerate or zero singular values, non-normalisable amplitude.
    pub fn frame_rates(&self, w_sing: &[f64], c_frame: &Array2<f64>) -> Result<FrameRates> {
        let nh = w_sing.len();
        let nv = c_frame.nrows();
        check_cov(c_frame, nv)?;
        ensure(nh <= nv, "w_sing", nh as f64, "more singular values than visible units")?;
        check_nondegenerate(w_sing)?;
        let s2h = self.sigma_h * self.sigma_h;
        let mut dw = vec![0.0; nh];
        for a in 0..nh {
            dw[a] = self.mode_rate(w_sing[a], c_frame[[a, a]]);
            if !dw[a].is_finite() {
                return Err(Error::InvalidParameter {
                    name: "w_sing",
                    value: w_sing[a],
                    reason: "must satisfy σ_vσ_h w < 1",
                });
            }
        }
        let mut ou = Array2::<f64>::zeros((nv, nv));
        let mut ov = Array2::<f64>::zeros((nh, nh));
        for a in 0..nh {
            for b in 0..nh {
                if a == b {
                    continue;
                }
                let (wa2, wb2) = (w_sing[a] * w_sing[a], w_sing[b] * w_sing[b]);
                ou[[a, b]] = s2h * c_frame[[a, b]] * (wa2 + wb2) / (wb2 - wa2);
                ov[[a, b]] = 2.0 * s2h * c_frame[[a, b]] * w_sing[a] * w_sing[b] / (wb2 - wa2);
            }
            for k in nh..nv {
                ou[[k, a]] = s2h * c_frame[[k, a]];
                ou[[a, k]] = -ou[[k, a]];
            }
        }
        Ok(FrameRates { dw, omega_u: ou, omega_v: ov })
    }

    /// Integrates the matrix ODE `dW/dt = σ_h²(C − Σ_model(W))W` (module docs) from `w0` with
    /// the adaptive Dormand–Prince integrator of [`crate::ode`], and records at every output
    /// time the sorted singular values, the amplitudes along the data principal directions,
    /// the alignment with those directions and the exact log-likelihood.
    ///
    /// Errors: shape mismatch, non-normalisable start, integration failure.
    pub fn integrate_matrix(
        &self,
        w0: &Array2<f64>,
        c: &Array2<f64>,
        times: &[f64],
        opts: &OdeOptions,
    ) -> Result<SpectralTrajectory> {
        let (nv, nh) = w0.dim();
        check_cov(c, nv)?;
        ensure(nh <= nv, "n_h", nh as f64, "need N_h <= N_v")?;
        // Start must be normalisable.
        self.log_likelihood(w0, c)?;
        let pca = data_pca(c)?;
        let w_eq: Vec<f64> =
            pca.variances.iter().take(nh).map(|&v| self.equilibrium_w(v.max(0.0))).collect::<Result<_>>()?;
        let mut ws = MatrixRhs::new(*self, c, nh);
        let y0 = row_major(w0);
        let traj = ode::integrate(
            |_, y, dy| {
                if !ws.eval(y, dy) {
                    dy.iter_mut().for_each(|d| *d = f64::NAN);
                }
            },
            &y0,
            times,
            opts,
        )?;
        let mut out = SpectralTrajectory {
            time: traj.t.clone(),
            w: vec![],
            w_pca: vec![],
            alignment: vec![],
            log_likelihood: vec![],
            w_equilibrium: w_eq,
            final_weights: None,
            steps: traj.steps,
        };
        for y in &traj.y {
            let w = Array2::from_shape_vec((nv, nh), y.clone()).expect("shape");
            let (u, s, _) = svd_thin(&w)?;
            out.log_likelihood.push(self.log_likelihood(&w, c)?);
            let mut amp = vec![0.0; nh];
            let mut al = vec![0.0; nh];
            for a in 0..nh {
                let mut sq = 0.0;
                for k in 0..nh {
                    let p: f64 = (0..nv).map(|i| pca.basis[[i, a]] * w[[i, k]]).sum();
                    sq += p * p;
                }
                amp[a] = sq.sqrt();
                al[a] = (0..nv).map(|i| pca.basis[[i, a]] * u[[i, a]]).sum::<f64>().abs();
            }
            out.w.push(s);
            out.w_pca.push(amp);
            out.alignment.push(al);
        }
        out.final_weights = traj.y.last().map(|y| Array2::from_shape_vec((nv, nh), y.clone()).expect("shape"));
        Ok(out)
    }

    /// Integrates the decoupled mode equations `dw_α/dt = σ_h² w_α(ŵ_α² − σ_v²/(1 − σ_v²σ_h²w_α²))`
    /// (paper 000, linear regime, re-derived) for modes aligned with the data principal
    /// directions; `data_vars` lists the variances of all `N_v` directions (decreasing order
    /// expected), the first `w0.len()` of which carry a mode. The log-likelihood is
    /// [`LinearRbm::log_likelihood_modes`].
    ///
    /// Errors: more modes than variances, invalid variances, non-normalisable start,
    /// integration failure.
    pub fn integrate_modes(
        &self,
        w0: &[f64],
        data_vars: &[f64],
        times: &[f64],
        opts: &OdeOptions,
    ) -> Result<SpectralTrajectory> {
        let k = w0.len();
        self.log_likelihood_modes(w0, data_vars)?;
        let w_eq: Vec<f64> = data_vars.iter().take(k).map(|&v| self.equilibrium_w(v)).collect::<Result<_>>()?;
        let vars = &data_vars[..k];
        let traj = ode::integrate(
            |_, y, dy| {
                for a in 0..k {
                    dy[a] = self.mode_rate(y[a], vars[a]);
                }
            },
            w0,
            times,
            opts,
        )?;
        let mut out = SpectralTrajectory {
            time: traj.t.clone(),
            w: vec![],
            w_pca: vec![],
            alignment: vec![],
            log_likelihood: vec![],
            w_equilibrium: w_eq,
            final_weights: None,
            steps: traj.steps,
        };
        for y in &traj.y {
            out.log_likelihood.push(self.log_likelihood_modes(y, data_vars)?);
            out.w.push(y.iter().map(|v| v.abs()).collect());
            out.w_pca.push(y.iter().map(|v| v.abs()).collect());
            out.alignment.push(vec![1.0; k]);
        }
        Ok(out)
    }
}

/// Rates of the SVD frame for an arbitrary flow (paper 000 eqs. 6–8, re-derived in the module
/// docs). `w_sing`: the `N_h` singular values; `g_frame = U_fullᵀ (dW/dt) V` (`N_v × N_h`).
///
/// Errors: shape mismatch, degenerate or zero singular values.
pub fn svd_frame_rates(w_sing: &[f64], g_frame: &Array2<f64>) -> Result<FrameRates> {
    let (nv, nh) = g_frame.dim();
    ensure(w_sing.len() == nh, "w_sing", w_sing.len() as f64, "length must equal the columns of g_frame")?;
    ensure(nh <= nv, "g_frame", nh as f64, "need N_h <= N_v")?;
    check_nondegenerate(w_sing)?;
    let dw: Vec<f64> = (0..nh).map(|a| g_frame[[a, a]]).collect();
    let mut ou = Array2::<f64>::zeros((nv, nv));
    let mut ov = Array2::<f64>::zeros((nh, nh));
    for a in 0..nh {
        for b in 0..nh {
            if a == b {
                continue;
            }
            let (wa, wb) = (w_sing[a], w_sing[b]);
            let den = wb * wb - wa * wa;
            ou[[a, b]] = (wb * g_frame[[a, b]] + wa * g_frame[[b, a]]) / den;
            ov[[a, b]] = (wa * g_frame[[a, b]] + wb * g_frame[[b, a]]) / den;
        }
        for k in nh..nv {
            ou[[k, a]] = g_frame[[k, a]] / w_sing[a];
            ou[[a, k]] = -ou[[k, a]];
        }
    }
    Ok(FrameRates { dw, omega_u: ou, omega_v: ov })
}

/// Full SVD `W = U_full S Vᵀ` with `U_full` (`N_v × N_v`), the `min(N_v, N_h)` singular values
/// in decreasing order, and `V` (`N_h × N_h`), computed with faer.
///
/// Errors: non-finite entries or SVD failure.
pub fn svd_full(w: &Array2<f64>) -> Result<(Array2<f64>, Vec<f64>, Array2<f64>)> {
    let m = to_faer(w)?;
    let svd = m.svd().map_err(|_| Error::NotConverged { solver: "svd", iterations: 0, residual: f64::NAN })?;
    let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
    let k = w.nrows().min(w.ncols());
    Ok((
        Array2::from_shape_fn((w.nrows(), w.nrows()), |(i, j)| u[(i, j)]),
        (0..k).map(|i| s[i]).collect(),
        Array2::from_shape_fn((w.ncols(), w.ncols()), |(i, j)| v[(i, j)]),
    ))
}

/// Principal components of a symmetric second-moment matrix (eigen-decomposition, decreasing).
///
/// Errors: not square, non-finite or asymmetric beyond 1e-10 (relative), eigen failure.
pub fn data_pca(c: &Array2<f64>) -> Result<Pca> {
    let n = c.nrows();
    check_cov(c, n)?;
    let m = to_faer(c)?;
    let eig = m.self_adjoint_eigen(faer::Side::Lower).map_err(|_| Error::NotConverged {
        solver: "self_adjoint_eigen",
        iterations: 0,
        residual: f64::NAN,
    })?;
    let (u, s) = (eig.U(), eig.S().column_vector());
    // faer sorts increasing: reverse.
    let variances: Vec<f64> = (0..n).rev().map(|i| s[i]).collect();
    let basis = Array2::from_shape_fn((n, n), |(i, j)| u[(i, n - 1 - j)]);
    Ok(Pca { variances, basis })
}

/// Zero-mean Gaussian data with prescribed variances along Haar-random orthogonal directions
/// (FIGURES.md P000-F1 generator): population `C = Q diag(variances) Qᵀ`, or, with
/// `n_samples = Some(S)`, the empirical `C = XᵀX/S` of `S` samples `x = Q diag(√var) z`.
/// Deterministic in `seed` (Xoshiro256++).
///
/// Errors: empty or negative variances, `S = 0`.
pub fn synthetic_data(variances: &[f64], n_samples: Option<usize>, seed: u64) -> Result<SyntheticData> {
    let n = variances.len();
    ensure(n > 0, "variances", 0.0, "need at least one variance")?;
    for &v in variances {
        ensure(v >= 0.0, "variances", v, "must be finite and >= 0")?;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let q = random_orthogonal(n, &mut rng);
    let cov = match n_samples {
        None => Array2::from_shape_fn((n, n), |(i, j)| (0..n).map(|k| q[[i, k]] * variances[k] * q[[j, k]]).sum()),
        Some(s) => {
            ensure(s > 0, "n_samples", 0.0, "must be > 0")?;
            let mut c = Array2::<f64>::zeros((n, n));
            let mut z = vec![0.0; n];
            let mut x = vec![0.0; n];
            for _ in 0..s {
                for (k, zk) in z.iter_mut().enumerate() {
                    *zk = variances[k].sqrt() * rng.sample::<f64, _>(StandardNormal);
                }
                for (i, xi) in x.iter_mut().enumerate() {
                    *xi = (0..n).map(|k| q[[i, k]] * z[k]).sum();
                }
                for i in 0..n {
                    for j in 0..n {
                        c[[i, j]] += x[i] * x[j];
                    }
                }
            }
            c.mapv(|v| v / s as f64)
        }
    };
    Ok(SyntheticData { covariance: cov, basis: q, variances: variances.to_vec() })
}

/// I.i.d. `N(0, std²)` weights, `N_v × N_h`, deterministic in `seed` (the "small random
/// weights" start of paper 000 Fig. 1).
///
/// Errors: negative or non-finite `std`.
pub fn small_random_weights(n_v: usize, n_h: usize, std: f64, seed: u64) -> Result<Array2<f64>> {
    ensure(std >= 0.0, "std", std, "must be finite and >= 0")?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Ok(Array2::from_shape_fn((n_v, n_h), |_| std * rng.sample::<f64, _>(StandardNormal)))
}

/// Emergence time of each mode: the first output time at which `w_pca[.][α]` reaches
/// `fraction` of its final value (linear interpolation between output times); `None` if the
/// final value is below `floor` (mode not learned) or never reached.
pub fn emergence_times(traj: &SpectralTrajectory, fraction: f64, floor: f64) -> Vec<Option<f64>> {
    let Some(last) = traj.w_pca.last() else { return vec![] };
    (0..last.len())
        .map(|a| {
            let target = fraction * last[a];
            if last[a] < floor {
                return None;
            }
            for i in 1..traj.time.len() {
                let (y0, y1) = (traj.w_pca[i - 1][a], traj.w_pca[i][a]);
                if y0 < target && y1 >= target {
                    let f = (target - y0) / (y1 - y0);
                    return Some(traj.time[i - 1] + f * (traj.time[i] - traj.time[i - 1]));
                }
            }
            None
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// private helpers

/// Workspace for the matrix ODE right-hand side (no allocation per call).
struct MatrixRhs {
    rbm: LinearRbm,
    c: Vec<f64>,
    nv: usize,
    nh: usize,
    m: Vec<f64>,
    x: Vec<f64>,
}

impl MatrixRhs {
    fn new(rbm: LinearRbm, c: &Array2<f64>, nh: usize) -> Self {
        let nv = c.nrows();
        Self { rbm, c: row_major(c), nv, nh, m: vec![0.0; nh * nh], x: vec![0.0; nv * nh] }
    }

    /// `out = σ_h² (C W − σ_v² W (I − a WᵀW)⁻¹)`; false when not normalisable.
    fn eval(&mut self, w: &[f64], out: &mut [f64]) -> bool {
        let (nv, nh) = (self.nv, self.nh);
        let a = self.rbm.a();
        gram_complement(w, nv, nh, a, &mut self.m);
        if !cholesky(&mut self.m, nh) {
            return false;
        }
        self.x.copy_from_slice(w);
        for i in 0..nv {
            chol_solve(&self.m, nh, &mut self.x[i * nh..(i + 1) * nh]);
        }
        let s2v = self.rbm.threshold();
        let s2h = self.rbm.sigma_h * self.rbm.sigma_h;
        for i in 0..nv {
            let row = &mut out[i * nh..(i + 1) * nh];
            for (k, o) in row.iter_mut().enumerate() {
                *o = -s2v * self.x[i * nh + k];
            }
            for j in 0..nv {
                let cij = self.c[i * nv + j];
                if cij != 0.0 {
                    for (k, o) in row.iter_mut().enumerate() {
                        *o += cij * w[j * nh + k];
                    }
                }
            }
            for o in row.iter_mut() {
                *o *= s2h;
            }
        }
        true
    }
}

/// `m = I − a WᵀW` (`N_h × N_h`, row-major) from row-major `W`.
fn gram_complement(w: &[f64], nv: usize, nh: usize, a: f64, m: &mut [f64]) {
    m.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..nv {
        let row = &w[i * nh..(i + 1) * nh];
        for p in 0..nh {
            let rp = row[p];
            for q in p..nh {
                m[p * nh + q] += rp * row[q];
            }
        }
    }
    for p in 0..nh {
        for q in p..nh {
            let v = -a * m[p * nh + q] + if p == q { 1.0 } else { 0.0 };
            m[p * nh + q] = v;
            m[q * nh + p] = v;
        }
    }
}

/// In-place Cholesky (lower triangle holds L); false if not positive definite.
fn cholesky(m: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = m[j * n + j];
        for k in 0..j {
            d -= m[j * n + k] * m[j * n + k];
        }
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let l = d.sqrt();
        m[j * n + j] = l;
        for i in j + 1..n {
            let mut s = m[i * n + j];
            for k in 0..j {
                s -= m[i * n + k] * m[j * n + k];
            }
            m[i * n + j] = s / l;
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place with the factor from [`cholesky`].
fn chol_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

fn row_major(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn not_normalisable(rbm: &LinearRbm, w: &Array2<f64>) -> Error {
    let top = svd_thin(w).ok().and_then(|(_, s, _)| s.first().copied()).unwrap_or(f64::NAN);
    Error::InvalidParameter {
        name: "w",
        value: rbm.sigma_v * rbm.sigma_h * top,
        reason: "σ_v σ_h w_max must be < 1 (model not normalisable)",
    }
}

fn check_cov(c: &Array2<f64>, n: usize) -> Result<()> {
    ensure(c.nrows() == n && c.ncols() == n, "c", c.nrows() as f64, "covariance must be N_v × N_v")?;
    let scale = c.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    for i in 0..n {
        for j in 0..i {
            let (a, b) = (c[[i, j]], c[[j, i]]);
            ensure(a.is_finite() && b.is_finite(), "c", a, "entries must be finite")?;
            ensure((a - b).abs() <= 1e-10 * scale, "c", a - b, "covariance must be symmetric")?;
        }
        ensure(c[[i, i]].is_finite(), "c", c[[i, i]], "entries must be finite")?;
    }
    Ok(())
}

fn check_nondegenerate(w: &[f64]) -> Result<()> {
    let scale = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, &a) in w.iter().enumerate() {
        ensure(a > 0.0, "w_sing", a, "singular values must be > 0 for the frame rates")?;
        for &b in &w[..i] {
            ensure(
                (a - b).abs() > 1e-12 * scale,
                "w_sing",
                a,
                "degenerate singular values: the SVD frame is not unique",
            )?;
        }
    }
    Ok(())
}

fn to_faer(a: &Array2<f64>) -> Result<Mat<f64>> {
    if a.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite("matrix entries"));
    }
    Ok(Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[[i, j]]))
}

/// Thin SVD: `U` (`N_v × k`), singular values, `V` (`N_h × k`), `k = min(N_v, N_h)`.
fn svd_thin(w: &Array2<f64>) -> Result<(Array2<f64>, Vec<f64>, Array2<f64>)> {
    let m = to_faer(w)?;
    let svd =
        m.thin_svd().map_err(|_| Error::NotConverged { solver: "thin_svd", iterations: 0, residual: f64::NAN })?;
    let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
    let k = w.nrows().min(w.ncols());
    Ok((
        Array2::from_shape_fn((w.nrows(), k), |(i, j)| u[(i, j)]),
        (0..k).map(|i| s[i]).collect(),
        Array2::from_shape_fn((w.ncols(), k), |(i, j)| v[(i, j)]),
    ))
}

/// Haar-random orthogonal matrix (modified Gram–Schmidt, applied twice, on a Gaussian matrix).
fn random_orthogonal(n: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<f64> {
    let mut q = Array2::from_shape_fn((n, n), |_| rng.sample::<f64, _>(StandardNormal));
    for j in 0..n {
        for _ in 0..2 {
            for k in 0..j {
                let d: f64 = (0..n).map(|i| q[[i, j]] * q[[i, k]]).sum();
                for i in 0..n {
                    q[[i, j]] -= d * q[[i, k]];
                }
            }
        }
        let norm: f64 = (0..n).map(|i| q[[i, j]] * q[[i, j]]).sum::<f64>().sqrt();
        for i in 0..n {
            q[[i, j]] /= norm;
        }
    }
    q
}
