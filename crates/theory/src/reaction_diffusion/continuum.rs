//! Continuum reaction–diffusion equations of paper 002: eqs. (38)–(39) (one hidden
//! unit) and (52)–(53) (two), on a periodic domain `[0, L)`, the stationary profile
//! (44) with `b± = 8 ± 4√2` (45), and the linear stability of that profile (47).
//!
//! # Scheme
//!
//! Pseudo-spectral in space (n = 2^k Fourier modes, `b = ∫w²` by the trapezoid rule,
//! which is spectrally accurate for periodic functions) and semi-implicit Euler in
//! time: the Laplacian is implicit, the reaction terms explicit,
//! `ŵ^{n+1}_k = (ŵ^n_k + Δt N̂(w^n)_k)/(1 + Δt k²)`. A fixed point of the scheme is an
//! exact stationary state of the spatially discretised PDE (for any Δt), so stationary
//! profiles are spectrally accurate; the explicit reaction requires
//! `Δt · max(3w²) ≲ 1`. The two fields of (52) are packed into the real and imaginary
//! parts of one complex FFT (the implicit operator is real and even in k).

use super::fft::{Fft, wavenumbers};
use super::{Profile, TracePoint};
use crate::error::{Error, Result, ensure};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The two solutions `(b₋, b₊) = (8 − 4√2, 8 + 4√2)` of the self-consistency
/// `b = 4√(b − 2)` (paper 002 eq. 45), obtained as the roots of `b² − 16b + 32 = 0`.
pub fn b_roots() -> (f64, f64) {
    let disc = (16.0f64 * 16.0 - 4.0 * 32.0).sqrt();
    ((16.0 - disc) / 2.0, (16.0 + disc) / 2.0)
}

fn check_b(b: f64) -> Result<()> {
    ensure(b > 2.0, "b", b, "the localised profile (eq. 44) needs b > 2")
}

/// Peak height `w(0) = √(2(b − 2))` of the stationary profile (paper 002 eq. 43).
/// Errors if `b <= 2`.
pub fn sech_peak(b: f64) -> Result<f64> {
    check_b(b)?;
    Ok((2.0 * (b - 2.0)).sqrt())
}

/// FWHM `2 acosh(2)/√(b − 2)` of the stationary profile (44). Errors if `b <= 2`.
pub fn sech_fwhm(b: f64) -> Result<f64> {
    check_b(b)?;
    Ok(2.0 * 2f64.acosh() / (b - 2.0).sqrt())
}

/// `∫w² = 4√(b − 2)` of the profile (44) on the infinite line (right-hand side of
/// paper 002 eq. 45). Errors if `b <= 2`.
pub fn sech_norm2(b: f64) -> Result<f64> {
    check_b(b)?;
    Ok(4.0 * (b - 2.0).sqrt())
}

/// Stationary profile `w(x) = √(2(b−2)) / cosh((x − centre)√(b−2))` of paper 002 eq. (44),
/// sampled at `positions` on a ring of length `length` (minimal-image distance to the
/// centre; exact on the infinite line, off by `O(e^{−L√(b−2)/2})` on the ring).
///
/// Errors: `b <= 2`, `length <= 0`, non-finite positions or centre.
pub fn sech_profile(b: f64, positions: &[f64], centre: f64, length: f64) -> Result<Profile> {
    check_b(b)?;
    ensure(length > 0.0, "length", length, "domain length must be > 0")?;
    ensure(centre.is_finite(), "centre", centre, "must be finite")?;
    if positions.iter().any(|x| !x.is_finite()) {
        return Err(Error::NonFinite("positions"));
    }
    let (amp, kappa) = ((2.0 * (b - 2.0)).sqrt(), (b - 2.0).sqrt());
    let value = positions
        .iter()
        .map(|x| {
            let d = (x - centre).rem_euclid(length);
            let d = d.min(length - d);
            amp / (d * kappa).cosh()
        })
        .collect();
    Ok(Profile { position: positions.to_vec(), value })
}

/// Periodic grid `x_j = j L / n`, `j = 0..n`, on which the PDEs (38) and (52) are solved.
/// Errors: `length <= 0`, `n_grid` not a power of two `>= 4`.
pub fn grid(length: f64, n_grid: usize) -> Result<Vec<f64>> {
    ensure(length > 0.0, "length", length, "domain length must be > 0")?;
    ensure(n_grid >= 4 && n_grid.is_power_of_two(), "n_grid", n_grid as f64, "must be a power of two >= 4")?;
    Ok((0..n_grid).map(|j| j as f64 * length / n_grid as f64).collect())
}

/// Options of the semi-implicit spectral PDE integrator.
#[derive(Debug, Clone, Copy)]
pub struct PdeOptions {
    /// Domain length L (periodic).
    pub length: f64,
    /// Number of grid points / Fourier modes (power of two).
    pub n_grid: usize,
    /// Time step.
    pub dt: f64,
    /// Final time (the run stops earlier if `stop_when_stationary` and the residual < `tol`).
    pub t_max: f64,
    /// Stationarity tolerance on `max|∂w/∂t|`.
    pub tol: f64,
    /// Residual and trace are recorded every `check_every` steps.
    pub check_every: usize,
    /// Stop as soon as the residual drops below `tol`.
    pub stop_when_stationary: bool,
}

impl Default for PdeOptions {
    fn default() -> Self {
        Self {
            length: 40.0,
            n_grid: 256,
            dt: 0.01,
            t_max: 2000.0,
            tol: 1e-8,
            check_every: 100,
            stop_when_stationary: true,
        }
    }
}

impl PdeOptions {
    fn validate(&self) -> Result<()> {
        grid(self.length, self.n_grid)?;
        ensure(self.dt > 0.0, "dt", self.dt, "time step must be > 0")?;
        ensure(self.t_max > 0.0, "t_max", self.t_max, "must be > 0")?;
        ensure(self.tol > 0.0, "tol", self.tol, "must be > 0")?;
        ensure(self.check_every >= 1, "check_every", self.check_every as f64, "must be >= 1")
    }
}

/// Result of a PDE integration.
#[derive(Debug, Clone)]
pub struct PdeRun {
    /// Final fields, one per hidden unit: `position` = grid point x, `value` = w_μ(x).
    pub profiles: Vec<Profile>,
    /// `b_μ = ∫w_μ²` at the end.
    pub b: Vec<f64>,
    /// `c = ∫w_1 w_2` at the end (0 for one field).
    pub c: f64,
    /// Final time.
    pub t: f64,
    /// Final `max|∂w/∂t|`.
    pub residual: f64,
    /// Whether the residual fell below `tol`.
    pub converged: bool,
    /// Checkpoints every `check_every` steps (including t = 0 and the end).
    pub trace: Vec<TracePoint>,
}

/// Work buffers and plan for the PDE.
struct Solver {
    fft: Fft,
    k2: Vec<f64>,
    h: f64,
    re: Vec<f64>,
    im: Vec<f64>,
    n1: Vec<f64>,
    n2: Vec<f64>,
}

impl Solver {
    fn new(opts: &PdeOptions) -> Self {
        let n = opts.n_grid;
        let k2 = wavenumbers(n, opts.length).iter().map(|k| k * k).collect();
        Self {
            fft: Fft::new(n),
            k2,
            h: opts.length / n as f64,
            re: vec![0.0; n],
            im: vec![0.0; n],
            n1: vec![0.0; n],
            n2: vec![0.0; n],
        }
    }

    /// Integrals `(b_1, b_2, c)`.
    fn integrals(&self, w1: &[f64], w2: &[f64]) -> (f64, f64, f64) {
        let (mut b1, mut b2, mut c) = (0.0, 0.0, 0.0);
        for (a, b) in w1.iter().zip(w2) {
            b1 += a * a;
            b2 += b * b;
            c += a * b;
        }
        (b1 * self.h, b2 * self.h, c * self.h)
    }

    /// Reaction terms of (52) into `n1`, `n2` (with `w2 ≡ 0` this is (38)).
    fn reaction(&mut self, w1: &[f64], w2: &[f64]) -> (f64, f64, f64) {
        let (b1, b2, c) = self.integrals(w1, w2);
        for j in 0..w1.len() {
            let (a, b) = (w1[j], w2[j]);
            let r2 = a * a + b * b;
            self.n1[j] = (2.0 - b1) * a - c * b + a * r2;
            self.n2[j] = (2.0 - b2) * b - c * a + b * r2;
        }
        (b1, b2, c)
    }

    /// One semi-implicit step; returns `false` on a non-finite state.
    fn step(&mut self, w1: &mut [f64], w2: &mut [f64], dt: f64, two: bool) -> bool {
        self.reaction(w1, w2);
        for j in 0..w1.len() {
            self.re[j] = w1[j] + dt * self.n1[j];
            self.im[j] = if two { w2[j] + dt * self.n2[j] } else { 0.0 };
        }
        self.fft.forward(&mut self.re, &mut self.im);
        for (k, k2) in self.k2.iter().enumerate() {
            let s = 1.0 / (1.0 + dt * k2);
            self.re[k] *= s;
            self.im[k] *= s;
        }
        self.fft.inverse(&mut self.re, &mut self.im);
        w1.copy_from_slice(&self.re);
        if two {
            w2.copy_from_slice(&self.im);
        }
        w1.iter().all(|x| x.is_finite())
    }

    /// Trace point with the exact residual `max|∂²w + N(w)|` of the discretised PDE.
    fn checkpoint(&mut self, t: f64, w1: &[f64], w2: &[f64], two: bool) -> TracePoint {
        let (b1, b2, c) = self.reaction(w1, w2);
        self.re.copy_from_slice(w1);
        self.im.copy_from_slice(w2);
        self.fft.forward(&mut self.re, &mut self.im);
        for (k, k2) in self.k2.iter().enumerate() {
            self.re[k] *= -k2;
            self.im[k] *= -k2;
        }
        self.fft.inverse(&mut self.re, &mut self.im);
        let mut res = 0.0f64;
        for j in 0..w1.len() {
            res = res.max((self.re[j] + self.n1[j]).abs());
            if two {
                res = res.max((self.im[j] + self.n2[j]).abs());
            }
        }
        let sum_sq = if two { vec![b1, b2] } else { vec![b1] };
        TracePoint { t, sum_sq, overlap: if two { c } else { 0.0 }, residual: res }
    }
}

/// Integrates paper 002 eqs. (38)–(39) (one field) or (52)–(53) (two fields) on the
/// periodic domain `[0, opts.length)` from `initial` (one or two vectors of
/// `opts.n_grid` values on the grid [`grid`]) up to `opts.t_max`, stopping early at
/// stationarity if requested. The `converged` flag reports whether `max|∂w/∂t| < tol`.
///
/// Errors: bad options, a number of fields other than 1 or 2, wrong lengths, non-finite
/// initial values, and `NonFinite` if the solution blows up.
pub fn integrate_pde(initial: &[Vec<f64>], opts: &PdeOptions) -> Result<PdeRun> {
    opts.validate()?;
    let m = initial.len();
    ensure(m == 1 || m == 2, "fields", m as f64, "only one (eq. 38) or two (eq. 52) fields are implemented")?;
    for w in initial {
        ensure(w.len() == opts.n_grid, "initial length", w.len() as f64, "must equal n_grid")?;
        if w.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite("initial field"));
        }
    }
    let two = m == 2;
    let n = opts.n_grid;
    let mut w1 = initial[0].clone();
    let mut w2 = if two { initial[1].clone() } else { vec![0.0; n] };
    let mut solver = Solver::new(opts);
    let n_steps = (opts.t_max / opts.dt).ceil() as usize;
    let mut trace = vec![solver.checkpoint(0.0, &w1, &w2, two)];
    let mut steps = 0usize;
    let stationary = |p: &TracePoint| p.residual < opts.tol;
    while steps < n_steps && !(opts.stop_when_stationary && stationary(trace.last().expect("non-empty"))) {
        let chunk = opts.check_every.min(n_steps - steps);
        for _ in 0..chunk {
            if !solver.step(&mut w1, &mut w2, opts.dt, two) || !w2.iter().all(|x| x.is_finite()) {
                return Err(Error::NonFinite(
                    "reaction-diffusion PDE (finite-time blow-up of the cubic term, or dt too large)",
                ));
            }
        }
        steps += chunk;
        trace.push(solver.checkpoint(steps as f64 * opts.dt, &w1, &w2, two));
    }
    let last = trace.last().expect("non-empty").clone();
    let position = grid(opts.length, n)?;
    let mut profiles = vec![Profile { position: position.clone(), value: w1 }];
    if two {
        profiles.push(Profile { position, value: w2 });
    }
    Ok(PdeRun {
        profiles,
        b: last.sum_sq.clone(),
        c: last.overlap,
        t: last.t,
        residual: last.residual,
        converged: stationary(&last),
        trace,
    })
}

/// Paper 002 Fig. 14(c) numerically: integrates (38)–(39) (`m = 1`) or (52)–(53) (`m = 2`)
/// from white noise of standard deviation `amplitude` at every grid point
/// (`Xoshiro256PlusPlus::seed_from_u64(seed)`) until stationary.
///
/// For two fields the bumps keep repelling each other very slowly once they are more than
/// about one width apart (paper 002 §5.2.3), so the residual lingers around 1e-5: use a
/// `tol` of about 1e-4 there.
///
/// Errors: as [`integrate_pde`], `amplitude <= 0`, and `NotConverged` when the residual
/// is still above `tol` at `t_max`.
pub fn pde_from_noise(m: usize, amplitude: f64, seed: u64, opts: &PdeOptions) -> Result<PdeRun> {
    ensure(amplitude > 0.0, "amplitude", amplitude, "noise amplitude must be > 0")?;
    ensure(m == 1 || m == 2, "fields", m as f64, "only one or two fields are implemented")?;
    opts.validate()?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let init: Vec<Vec<f64>> = (0..m)
        .map(|_| {
            (0..opts.n_grid)
                .map(|_| amplitude * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng))
                .collect()
        })
        .collect();
    let run = integrate_pde(&init, &PdeOptions { stop_when_stationary: true, ..*opts })?;
    if !run.converged {
        return Err(Error::NotConverged {
            solver: "reaction-diffusion PDE to stationarity",
            iterations: (run.t / opts.dt).round() as usize,
            residual: run.residual,
        });
    }
    Ok(run)
}

/// Linear stability of the stationary profile (44) with parameter `b`, see the module
/// docs of `reaction_diffusion` (re-derived; the paper's eq. 47 is a heuristic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityReport {
    /// Profile parameter b.
    pub b: f64,
    /// Largest eigenvalue of the discretised linearised operator among perturbations
    /// even about the peak (amplitude/shape modes).
    pub top_even: f64,
    /// Largest eigenvalue among odd perturbations (contains the translation zero mode).
    pub top_odd: f64,
    /// Re-derived exact criterion: unstable iff `b > 6`.
    pub predicted_unstable: bool,
    /// Paper 002 eq. (47) heuristic: stable iff `b < 8`.
    pub paper_unstable: bool,
}

/// Spectrum of the linearisation of (38)–(39) about the profile (44) with parameter `b`
/// (paper 002 eqs. 46–47):
/// `𝓛ε = ε'' + (2 − b)ε + 3w²ε − 2w∫wε`, discretised spectrally on `n_grid` points of
/// `[0, length)` (profile centred at `length/2`) and diagonalised with faer separately in
/// the even and odd sectors about the centre. `top_even > 0` means the profile is
/// linearly unstable (for `b = b₊` a positive eigenvalue is expected, for `b₋` none).
/// For `b ≠ b±` the profile is not self-consistent and the operator is the formal
/// linearisation at fixed b, used to test the `b > 6` criterion of the module docs.
///
/// Errors: `b <= 2`, bad grid, or a failed eigendecomposition.
pub fn linear_stability(b: f64, length: f64, n_grid: usize) -> Result<StabilityReport> {
    check_b(b)?;
    let x = grid(length, n_grid)?;
    let n = n_grid;
    let h = length / n as f64;
    let w = sech_profile(b, &x, length / 2.0, length)?.value;
    // Spectral second-derivative matrix: column l = F⁻¹ diag(−k²) F e_l.
    let fft = Fft::new(n);
    let k2: Vec<f64> = wavenumbers(n, length).iter().map(|k| k * k).collect();
    let mut op = faer::Mat::<f64>::zeros(n, n);
    let (mut re, mut im) = (vec![0.0; n], vec![0.0; n]);
    for l in 0..n {
        re.iter_mut().for_each(|v| *v = 0.0);
        im.iter_mut().for_each(|v| *v = 0.0);
        re[l] = 1.0;
        fft.forward(&mut re, &mut im);
        for k in 0..n {
            re[k] *= -k2[k];
            im[k] *= -k2[k];
        }
        fft.inverse(&mut re, &mut im);
        for j in 0..n {
            op[(j, l)] = re[j];
        }
    }
    for j in 0..n {
        op[(j, j)] += 2.0 - b + 3.0 * w[j] * w[j];
        for l in 0..n {
            op[(j, l)] -= 2.0 * h * w[j] * w[l];
        }
    }
    // Symmetrise away round-off of the FFT-built columns.
    let op = faer::Mat::<f64>::from_fn(n, n, |i, j| 0.5 * (op[(i, j)] + op[(j, i)]));
    // Reflection about the centre index c = n/2: j ↦ n − j (mod n).
    let c = n / 2;
    let mut even: Vec<Vec<(usize, f64)>> = vec![vec![(0, 1.0)], vec![(c, 1.0)]];
    let mut odd: Vec<Vec<(usize, f64)>> = Vec::new();
    let s = std::f64::consts::FRAC_1_SQRT_2;
    for j in 1..c {
        even.push(vec![(j, s), (n - j, s)]);
        odd.push(vec![(j, s), (n - j, -s)]);
    }
    let top = |basis: &[Vec<(usize, f64)>]| -> Result<f64> {
        let q =
            faer::Mat::<f64>::from_fn(n, basis.len(), |i, a| basis[a].iter().filter(|e| e.0 == i).map(|e| e.1).sum());
        let red = q.transpose() * &op * &q;
        let ev = red.self_adjoint_eigenvalues(faer::Side::Lower).map_err(|_| Error::NotConverged {
            solver: "faer self-adjoint eigendecomposition (profile stability)",
            iterations: 0,
            residual: f64::NAN,
        })?;
        ev.last().copied().ok_or(Error::NonFinite("empty spectrum"))
    };
    Ok(StabilityReport {
        b,
        top_even: top(&even)?,
        top_odd: top(&odd)?,
        predicted_unstable: b > 6.0,
        paper_unstable: b >= 8.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_roots_solve_the_self_consistency() {
        let (bm, bp) = b_roots();
        assert!((bm - (8.0 - 4.0 * 2f64.sqrt())).abs() < 1e-12);
        assert!((bp - (8.0 + 4.0 * 2f64.sqrt())).abs() < 1e-12);
        for b in [bm, bp] {
            assert!((b - 4.0 * (b - 2.0).sqrt()).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(sech_peak(2.0).is_err());
        assert!(grid(10.0, 100).is_err());
        assert!(integrate_pde(&[vec![0.0; 8]], &PdeOptions { n_grid: 8, dt: -1.0, ..Default::default() }).is_err());
        assert!(integrate_pde(&[vec![0.0; 7]], &PdeOptions { n_grid: 8, ..Default::default() }).is_err());
        assert!(pde_from_noise(3, 0.01, 1, &PdeOptions::default()).is_err());
    }
}
