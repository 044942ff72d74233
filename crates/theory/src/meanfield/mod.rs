//! Mean-field teachers and thermodynamic-limit learning dynamics of paper 001
//! (Bachtis, Biroli, Decelle, Seoane 2024, *Cascade of phase transitions in the
//! training of energy-based models*), main text §4 and appendices A–D.
//!
//! Everything is `f64`. Units are ±1 spins unless a function name ends in `_01`
//! ({0,1} units of the real-data trainings, paper 001 §5 and App. D).
//!
//! # Submodules
//!
//! | module | content | paper 001 |
//! |---|---|---|
//! | [`curie_weiss`] | `m = tanh βm`, branches in a field, spinodal, exact finite-N statistics, susceptibility, relaxation time, FSS scaling function | §4.1, App. A, eqs. (5)–(7), §5 |
//! | [`bg_rbm`] | binary–Gaussian RBM, one hidden unit: saddle point `h*`, learning ODE, exponential phase, stationary point | eqs. (3), (10), App. A |
//! | [`bb_rbm`] | binary–binary RBM with shared hidden weights: `τ` saddle point, learning ODE, fixed point | App. B, eq. (11) |
//! | [`hopfield`] | two correlated patterns: saddle points `(m₁, m₂)`, `r`, `p`, linear learning of the η/η̃ projections, `t_I`, `t_II` | §4.2, eq. (4), (12), App. C |
//! | [`landscape`] | free energy `F(h₁, h₂)` of a two-hidden-unit BG-RBM on a grid, its local minima | App. C, Fig. 6 right |
//! | [`scaling`] | Mattis mapping `β = w²/16`, `w_c = 4`, susceptibility law, mean-field FSS ansatz, relaxation law | App. D, eqs. (6), (7), §5 |
//!
//! # Conventions and re-derivations
//!
//! The extracted text of paper 001 lost or garbled several equations. What follows
//! re-derives every formula this module implements; where the printed text differs,
//! the difference is stated.
//!
//! ## Curie–Weiss teacher (App. A)
//!
//! `p_CW(s) ∝ exp((β/2N)(Σ_i ξ_i s_i)²)`, `s_i = ±1`. Writing `M = Σ_i ξ_i s_i`, the
//! magnetisation distribution is exactly `P(M) ∝ C(N, (N+M)/2) e^{βM²/2N}`. For
//! `N → ∞` the saddle point gives `m = tanh(βm)`, with a non-zero pair `±m₀(β)` for
//! `β > 1`, and for `i ≠ j`: `⟨s_i s_j⟩ = ξ_iξ_j m²`.
//!
//! ## Binary–Gaussian RBM, one hidden unit (eqs. 3 and 10, App. A)
//!
//! `p(v, h) ∝ exp(h Σ_i w_i v_i − N h²/2)`, so `⟨h | v⟩ = Σ_j w_j v_j / N` and the
//! per-sample log-likelihood gradient is
//! `∂_{w_i} LL = ⟨v_i h⟩_D − ⟨v_i h⟩_RBM = (1/N) Σ_j w_j (⟨v_iv_j⟩_D − ⟨v_iv_j⟩_RBM)`.
//! The diagonal `j = i` contributes `w_i/N` to both terms and cancels exactly. The
//! data term is `ξ_i m² (1/N) Σ_j ξ_j w_j`. Summing over `v` leaves
//! `p(h) ∝ exp(N[(1/N)Σ_k log 2cosh(h w_k) − h²/2])`, whose saddle point is
//! `h* = (1/N) Σ_k w_k tanh(h* w_k)`, and `⟨v_i v_j⟩_RBM = tanh(h*w_i) tanh(h*w_j)`.
//! Hence `⟨v_i h⟩_RBM = tanh(h* w_i) (1/N)Σ_j w_j tanh(h* w_j) = h* tanh(h* w_i)`, and
//!
//! ```text
//! dw_i/dt = ξ_i m² (1/N) Σ_k ξ_k w_k − h* tanh(h* w_i).          (eq. 10, re-derived)
//! ```
//!
//! The printed eq. (3) carries a spurious `Σ_k w_i` in front of the second term. The
//! time unit is that of this gradient: plain SGD with learning rate ε makes
//! `t = ε × (number of updates)`. The figure caption's exponent `m² ε N` belongs to a
//! gradient that is `N` times larger (e.g. weights carrying an extra `1/N`).
//!
//! *Gauge.* With `u_i = ξ_i w_i` the pattern drops out (both terms are odd in `w_i`):
//! `du_i/dt = m² ū − h* tanh(h* u_i)`, `ū = mean(u)`, `h* = mean(u tanh(h* u))`.
//!
//! *Saddle point.* `φ(h) = (1/N)Σ_k w_k tanh(h w_k)` is odd, so `φ(h)/h =
//! mean(w² tanh(h|w|)/(h|w|))` decreases strictly from `q = (1/N)Σ w_k²` at `h = 0`
//! to 0. A non-zero saddle point exists iff `q > 1`, and it is unique.
//! This is the "transition when `N⁻¹Σ w_i² ≈ 1`" of the paper.
//!
//! *Exponential phase.* While `q < 1`, `h* = 0`, so `dū/dt = m² ū` and the components
//! orthogonal to ξ are frozen. Hence `U_ξ = N^{-1/2} Σ ξ_i w_i = U_ξ(0) e^{m² t}`, and
//! `q(t) = q_⊥ + ū(0)² e^{2m²t}`, so the transition time is
//! `t_c = ln((1 − q_⊥)/ū(0)²) / (2m²)`.
//!
//! *Stationary point.* For `w_i = ξ_i w`: `h* = w tanh(h* w)` and stationarity gives
//! `w m² = h* tanh(h* w) = w tanh²(h* w)`. So `tanh(h* w) = m`, i.e. `h* w = βm` (because
//! `atanh m = βm`), and `h* = w m`. Together: **`w = √β`, `h* = √β m`**. The printed
//! "`w m² = h* tanh²(h* w)`" has one `tanh` too many. The conclusion is unchanged.
//!
//! ## Binary–binary RBM with shared hidden weights (App. B, eq. 11)
//!
//! `H = −(1/N_h) Σ_i Σ_a s_i w_i τ_a`, with `N_h = αN`. The prefactor is lost in the extraction. It is fixed here by
//! the printed positive term: each hidden unit sees the field `N_h⁻¹ Σ_j w_j s_j`. The gradient with
//! respect to the shared `w_i` is `(1/N_h)⟨s_i Σ_a τ_a⟩_D − (1/N_h)⟨s_i Σ_a τ_a⟩_RBM`.
//! Data term: `⟨s_i tanh(N_h⁻¹ Σ_j w_j s_j)⟩_CW → ξ_i m tanh((m/α) (1/N)Σ_j ξ_j w_j)`
//! (the field self-averages on each lump ±mξ). Model: with the hidden magnetisation
//! `τ̄ = N_h⁻¹ Σ_a τ_a`, `p(τ̄) ∝ exp(N_h S(τ̄) + Σ_i log 2cosh(w_i τ̄))`, where `S` is the entropy of `N_h` spins at magnetisation τ̄. Its saddle point is
//! `τ = tanh(N_h⁻¹ Σ_j w_j tanh(w_j τ))`, and `(1/N_h)⟨s_iΣ_aτ_a⟩_RBM = τ tanh(w_i τ)`. The printed
//! negative term carries a stray `ξ_i`. So
//!
//! ```text
//! dw_i/dt = ξ_i m tanh((m/α)(1/N)Σ_j ξ_j w_j) − τ tanh(w_i τ),  τ = tanh((1/α)(1/N)Σ_j w_j tanh(w_j τ)).
//! ```
//!
//! `τ > 0` exists iff `q/α > 1`. Here `√(q/α)` is the top singular value of the coupling
//! matrix `J_{ia} = w_i/N_h`, which is the quantity that "crosses 1" in Fig. 5 right. Early phase
//! (τ = 0): `dU/dt = √N m tanh(c U)` with `U = N^{-1/2}Σ ξ_i w_i`, `c = m/(α√N)`, so
//! `sinh(cU(t)) = sinh(cU(0)) e^{m² t/α}` exactly. The rate is **`m²/α`**; per epoch with
//! learning rate η it is `m²η/α` (Fig. 5 left).
//!
//! *Fixed point.* For `w_i = ξ_i w`, write `M = tanh(wτ)` for the model's visible magnetisation. Then
//! `τ = tanh(wM/α)`, and stationarity is `M tanh(wM/α) = m tanh(wm/α)`. Because `x ↦ x tanh(wx/α)` is
//! strictly increasing, `M = m`. So `wτ = atanh m = βm`, which gives the scalar equation
//! **`w tanh(w m/α) = β m`** with `τ = tanh(wm/α)`. That is the printed pair
//! `m tanh(mw/α) = τ tanh(wτ)`, `τ = tanh(w tanh(wτ)/α)`, solved in closed form.
//!
//! ## Two correlated patterns (§4.2, App. C)
//!
//! `ξ^{1,2} = η ± η̃`. The vectors η and η̃ have disjoint supports of sizes
//! `N c_η` and `N c_η̃`, with `c_η = (1+κ)/2` and `c_η̃ = (1−κ)/2`. Hence
//! `H = −(1/2N)Σ_μ(ξ^μ·s)² = −(1/N)[(η·s)² + (η̃·s)²]`. The data are two independent CW
//! blocks with inverse temperatures `β(1+κ)` and `β(1−κ)`. The saddle-point equations
//! `m_μ = (1/N)Σ_i ξ^μ_i tanh(β Σ_ν m_ν ξ^ν_i)` become, with `a = m₁+m₂`, `b = m₁−m₂`,
//! `a = (1+κ) tanh(βa)` and `b = (1−κ) tanh(βb)`. So `a = (1+κ) r`, `b = (1−κ) p`, with
//! `r = m_CW(β(1+κ)) = tanh(β(m⁺+m⁻))` and `p = m_CW(β(1−κ)) = tanh(β(m⁺−m⁻))`. The
//! regimes are: paramagnetic for `T > 1+κ`; symmetric `m₁ = m₂` for `1−κ < T < 1+κ`; four lumps for
//! `T < 1−κ`. The free energy separates: `f = a²/4 + b²/4 − T[c_η log2cosh(βa) + c_η̃ log2cosh(βb)]`.
//! The data correlation for `i ≠ j` is `r² η_iη_j + p² η̃_iη̃_j`.
//!
//! *Linear learning (eq. 12).* While the RBM is paramagnetic, the model term is zero. With
//! `U^μ_η = η·w^μ`: `dU^μ_η/dt = (1/N) r² |η|² U^μ_η = r² c_η U^μ_η`, and likewise
//! `p² c_η̃` along η̃. The rates are **`r²(1+κ)/2`** and **`p²(1−κ)/2`**.
//!
//! *Transition times (re-derived).* Write `w^μ = A_μ η + B_μ η̃ + w^μ_⊥`, where
//! `A_μ = U^μ_η/|η|²`. The RBM marginal is `exp(|Wᵀv|²/2N)`, i.e. a Hopfield model with
//! couplings `WWᵀ/N`. Its paramagnetic phase becomes unstable when the top eigenvalue of the `2 × 2` matrix
//! `G = WᵀW/N` reaches 1, i.e. when the top singular value of `W/√N` crosses 1 (Fig. 6 left).
//! In the span of η and η̃, `G_{μν} = c_η A_μA_ν + c_η̃ B_μB_ν`. Neglecting the
//! cross term (exact for the paper's symmetric initial condition `w^{1,2} = Aη ± Bη̃`),
//! the first transition is at `λ_η(t) = c_η Σ_μ A_μ(t)² = 1` and the second at
//! `λ_η̃(t) = c_η̃ Σ_μ B_μ(t)² = 1`. With the linear solution,
//! `λ_η(t) = λ_η(0) e^{2r²c_η t}`, so
//! **`t_I = −ln λ_η(0) / (r²(1+κ))`** and **`t_II = −ln λ_η̃(0) / (p²(1−κ))`**. Here
//! `λ_η(0) = Σ_μ (U^μ_η(0))² / (N |η|²) = O(1/N)`, which reproduces the
//! `(log N)/(r²(1+κ))` scale of the main text. For the symmetric parametrisation the
//! conditions read `(1+κ)A² = 1` and `(1−κ)B² = 1`. Both hidden units carry `Aη`, so the
//! coupling along η is twice that of a single unit. A reading `((1+κ)/2)A² = 1` of the
//! garbled print would hold for one hidden unit only. The test `p001_landscape` checks the criterion
//! independently, by counting the minima of `F(h₁,h₂)` on a grid.
//!
//! ## Free-energy landscape (App. C, Fig. 6 right)
//!
//! For the BG-RBM with two hidden units, summing over `v` gives
//! `p(h) ∝ exp(−N F(h))` with `F(h₁,h₂) = (h₁²+h₂²)/2 − (1/N)Σ_i log 2cosh(h₁w¹_i + h₂w²_i)`.
//! For block weights `w^μ = a_μ η + b_μ η̃`, `F` depends only on the two block rows
//! `(a₁,a₂)` and `(b₁,b₂)` with weights `c_η` and `c_η̃` (log cosh is even).
//!
//! ## Mattis mapping and critical laws (App. D, eqs. 6–7, §5)
//!
//! For a rank-1 ±1 RBM `E = −w (u·s)(ū·τ)` with unit vectors `u` and `ū`, summing over `τ` gives
//! `Σ_a log 2cosh(w(u·s)ū_a) ≈ w²(u·s)²/2 = N w² m²/2`. This is a CW model with `β = w²`. For {0,1}
//! units, `v = (s+1)/2` and `h = (τ+1)/2` give `vᵀWh = sᵀWτ/4 + (fields)`. With biases that cancel those fields this is
//! the ±1 RBM with `W/4`: **`β = w²/16`, `w_c = 4`**. The visible magnetisation
//! `m_v = u·v/√N` has `N Var(m_v) = N Var(m_s)/4 = 1/(4(1−β))`. Hence the lost eq. (6) is
//! **`χ_m = 4/(w_c² − w²)`** (no free prefactor; `w_c` is the only parameter).
//! Mean-field FSS (eq. 7): `χ = N^{γ/(ν d_u)} φ(N^{1/(ν d_u)}(β − β_c))`, with `γ = 1`,
//! `ν = 1/2`, `d_u = 4`, so both exponents equal 1/2. For the CW model, `φ` is known exactly. Expand
//! `ln P(m) = N[−(1−β)m²/2 − m⁴/12 + …]` and set `y = N^{1/4} m`, `x = N^{1/2}(β−1)`. Then
//! `φ(x) = ∫y² e^{xy²/2 − y⁴/12} dy / ∫e^{xy²/2 − y⁴/12} dy` (Ising units; divide by 4 for {0,1}).
//! Relaxation: the N → ∞ heat-bath (Glauber) dynamics of the magnetisation is
//! `dm/dt = −m + tanh(βm)`, in sweeps. Linearising about the stable state gives
//! `τ_relax = 1/(1 − β(1 − m₀²))`, which is `∝ |β − β_c|^{-νz}` with `νz = 1`.

pub mod bb_rbm;
pub mod bg_rbm;
pub mod curie_weiss;
pub mod hopfield;
pub mod landscape;
pub mod scaling;

mod numerics;

pub use bb_rbm::{
    BbFixedPoint, BbTrajectory, bb_early_projection, bb_fixed_point, bb_growth_rate, bb_rbm_ode, bb_tau,
    bb_transition_time,
};
pub use bg_rbm::{
    BgStationary, BgTrajectory, bg_growth_rate, bg_h_star, bg_random_setup, bg_rbm_ode, bg_stationary_point,
    bg_transition_time,
};
pub use curie_weiss::{
    CwBranch, CwFiniteSize, cw_branches, cw_connected_susceptibility, cw_finite_size, cw_magnetisation,
    cw_relaxation_time, cw_spinodal_field,
};
pub use hopfield::{
    HopfieldFixedPoint, HopfieldInit, HopfieldLinear, HopfieldRegime, HopfieldSaddle, TransitionTimes,
    hopfield_linear_dynamics, hopfield_saddle, hopfield_transition_times,
};
pub use landscape::{Landscape, LandscapeMinimum, SiteRows, free_energy_2h, free_energy_landscape};
pub use scaling::{
    MeanFieldFss, W_CRIT_01, cw_fss_scaling_function, effective_size, mattis_beta_01, mattis_beta_ising, mattis_w_01,
    rank1_rbm_fss_scaling_function_01, relaxation_law, susceptibility_law_01,
};
