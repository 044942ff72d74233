//! Paper 001 §4.1 / App. A: the thermodynamic-limit learning ODE of the binary–Gaussian
//! RBM (one hidden unit) against direct integration of the *exact* log-likelihood gradient
//! of a finite-N BG-RBM trained on *exact* Curie–Weiss statistics.
//!
//! The finite-N computation here is written independently of `theory::meanfield`:
//! * data term: `⟨v_i v_j⟩_D = ξ_iξ_j c₂(N)` for `i ≠ j`, with `c₂` obtained by summing the exact
//!   magnetisation distribution `P(M) ∝ C(N,(N+M)/2) e^{βM²/2N}` of the CW teacher;
//! * model term: `⟨v_i h⟩_RBM = ∫dh p(h) h tanh(h w_i)` with the exact marginal
//!   `p(h) ∝ exp(Σ_k ln cosh(h w_k) − N h²/2)`, by the trapezoidal rule on a grid finer than
//!   the narrowest possible peak (`1/√N`) and wide enough to hold all but `e^{-50}` of the mass;
//! * time stepping: classic fixed-step RK4.

use theory::meanfield::{
    bg_growth_rate, bg_h_star, bg_random_setup, bg_rbm_ode, bg_stationary_point, bg_transition_time, cw_magnetisation,
};
use theory::ode::OdeOptions;

/// Exact pair correlation `⟨s_i s_j⟩`, `i ≠ j`, of the N-spin CW model in the pattern gauge.
fn exact_cw_pair_correlation(beta: f64, n: usize) -> f64 {
    let mut lnfact = vec![0.0f64; n + 1];
    for j in 1..=n {
        lnfact[j] = lnfact[j - 1] + (j as f64).ln();
    }
    let nf = n as f64;
    let logw: Vec<f64> = (0..=n)
        .map(|k| {
            let mm = 2.0 * k as f64 - nf;
            lnfact[n] - lnfact[k] - lnfact[n - k] + beta * mm * mm / (2.0 * nf)
        })
        .collect();
    let mx = logw.iter().cloned().fold(f64::MIN, f64::max);
    let (mut z, mut s) = (0.0, 0.0);
    for (k, lw) in logw.iter().enumerate() {
        let p = (lw - mx).exp();
        let mm = 2.0 * k as f64 - nf;
        z += p;
        s += p * mm * mm;
    }
    (s / z - nf) / (nf * (nf - 1.0))
}

fn ln_cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
}

/// Exact finite-N BG-RBM gradient machinery.
struct FiniteBg {
    n: usize,
    c2: f64,
    xi: Vec<f64>,
    grid: Vec<f64>,
    logp: Vec<f64>,
}

struct Observables {
    ubar: f64,
    q: f64,
    h_rms: f64,
}

impl FiniteBg {
    fn new(beta: f64, xi: Vec<f64>) -> Self {
        let n = xi.len();
        Self { n, c2: exact_cw_pair_correlation(beta, n), xi, grid: vec![], logp: vec![] }
    }

    /// Fills the h-grid (h ≥ 0; the integrands are even) and the normalised weights.
    fn model_density(&mut self, w: &[f64]) {
        let nf = self.n as f64;
        let a = w.iter().map(|x| x.abs()).sum::<f64>() / nf;
        let l = 2.0 * a + 10.0 / nf.sqrt();
        let dh = 0.4 / nf.sqrt();
        let ng = (l / dh).ceil() as usize;
        self.grid.clear();
        self.logp.clear();
        for g in 0..=ng {
            let h = g as f64 * dh;
            let e: f64 = w.iter().map(|x| ln_cosh(h * x)).sum::<f64>() - nf * h * h / 2.0;
            self.grid.push(h);
            self.logp.push(e);
        }
        let mx = self.logp.iter().cloned().fold(f64::MIN, f64::max);
        let mut z = 0.0;
        for (g, lp) in self.logp.iter_mut().enumerate() {
            // Trapezoid on the symmetric grid: the h = 0 node is counted once, the others twice.
            let wgt = if g == 0 { 1.0 } else { 2.0 };
            *lp = wgt * (*lp - mx).exp();
            z += *lp;
        }
        for lp in self.logp.iter_mut() {
            *lp /= z;
        }
    }

    fn gradient(&mut self, w: &[f64], out: &mut [f64]) {
        let nf = self.n as f64;
        let s: f64 = self.xi.iter().zip(w).map(|(x, w)| x * w).sum();
        self.model_density(w);
        for i in 0..self.n {
            let pos = (w[i] + self.c2 * self.xi[i] * (s - self.xi[i] * w[i])) / nf;
            let neg: f64 = self.grid.iter().zip(&self.logp).map(|(h, p)| p * h * (h * w[i]).tanh()).sum();
            out[i] = pos - neg;
        }
    }

    fn observables(&mut self, w: &[f64]) -> Observables {
        let nf = self.n as f64;
        self.model_density(w);
        let h2: f64 = self.grid.iter().zip(&self.logp).map(|(h, p)| p * h * h).sum();
        Observables {
            ubar: self.xi.iter().zip(w).map(|(x, w)| x * w).sum::<f64>() / nf,
            q: w.iter().map(|x| x * x).sum::<f64>() / nf,
            h_rms: h2.sqrt(),
        }
    }
}

fn rk4_step(sys: &mut FiniteBg, w: &mut [f64], dt: f64, k: &mut [Vec<f64>; 4], tmp: &mut [f64]) {
    let n = w.len();
    sys.gradient(w, &mut k[0]);
    for s in 1..4 {
        let c = if s == 3 { dt } else { 0.5 * dt };
        for i in 0..n {
            tmp[i] = w[i] + c * k[s - 1][i];
        }
        let (head, tail) = k.split_at_mut(s);
        let _ = head;
        sys.gradient(tmp, &mut tail[0]);
    }
    for i in 0..n {
        w[i] += dt / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
    }
}

/// Least-squares slope of `ln y` against `t`.
fn log_slope(t: &[f64], y: &[f64]) -> f64 {
    let n = t.len() as f64;
    let ly: Vec<f64> = y.iter().map(|v| v.abs().ln()).collect();
    let (mt, my) = (t.iter().sum::<f64>() / n, ly.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in t.iter().zip(&ly) {
        sxy += (a - mt) * (b - my);
        sxx += (a - mt) * (a - mt);
    }
    sxy / sxx
}

struct RunSummary {
    rate_fit: f64,
    t_cross: f64,
    final_w_rms: f64,
    final_w_xi: f64,
    final_h_rms: f64,
}

/// Integrates the exact finite-N gradient from `w0` and returns the quantities compared with theory.
fn run_finite(beta: f64, w0: &[f64], xi: &[f64], dt: f64, t_end: f64, fit_window: (f64, f64)) -> RunSummary {
    let mut sys = FiniteBg::new(beta, xi.to_vec());
    let n = w0.len();
    let mut w = w0.to_vec();
    let mut k = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
    let mut tmp = vec![0.0; n];
    let steps = (t_end / dt).round() as usize;
    let (mut ts, mut us) = (vec![], vec![]);
    let mut t_cross = f64::NAN;
    let mut q_prev = sys.observables(&w).q;
    for s in 1..=steps {
        rk4_step(&mut sys, &mut w, dt, &mut k, &mut tmp);
        let t = s as f64 * dt;
        let nf = n as f64;
        let ubar = xi.iter().zip(&w).map(|(x, w)| x * w).sum::<f64>() / nf;
        let q = w.iter().map(|x| x * x).sum::<f64>() / nf;
        if t >= fit_window.0 && t <= fit_window.1 {
            ts.push(t);
            us.push(ubar);
        }
        if t_cross.is_nan() && q >= 1.0 {
            t_cross = t - dt * (q - 1.0) / (q - q_prev);
        }
        q_prev = q;
    }
    let obs = sys.observables(&w);
    RunSummary {
        rate_fit: log_slope(&ts, &us),
        t_cross,
        final_w_rms: obs.q.sqrt(),
        final_w_xi: obs.ubar,
        final_h_rms: obs.h_rms,
    }
}

/// Initial condition: a small component along the pattern plus isotropic noise.
fn init(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let (noise, xi) = bg_random_setup(n, 0.05, seed).unwrap();
    let w0 = noise.iter().zip(&xi).map(|(g, x)| g + 0.02 * x).collect();
    (w0, xi)
}

#[test]
fn finite_n_exact_gradient_converges_to_mean_field_ode() {
    let beta = 1.5;
    let m = cw_magnetisation(beta).unwrap();
    let rate = bg_growth_rate(beta).unwrap();
    let st = bg_stationary_point(beta).unwrap();
    let (dt, t_end) = (0.05, 30.0);
    let mut errs = vec![];
    for &(n, seed) in &[(64usize, 11u64), (256, 12)] {
        let (w0, xi) = init(n, seed);
        let tc = bg_transition_time(beta, &w0, &xi).unwrap();
        // Mean-field ODE from the same initial condition.
        let ts: Vec<f64> = (0..=600).map(|i| i as f64 * 0.05).collect();
        let ode = bg_rbm_ode(beta, &w0, &xi, &ts, &OdeOptions::default()).unwrap();
        let fin = run_finite(beta, &w0, &xi, dt, t_end, (0.5, 0.6 * tc));
        // Exponential phase of the ODE itself.
        let (tw, uw): (Vec<f64>, Vec<f64>) =
            ode.t.iter().zip(&ode.w_xi).filter(|(t, _)| **t >= 0.5 && **t <= 0.6 * tc).map(|(t, u)| (*t, *u)).unzip();
        let ode_rate = log_slope(&tw, &uw);
        let last = ode.t.len() - 1;
        println!(
            "N={n}: t_c={tc:.4} finite t(q=1)={:.4}; rate m²={rate:.5} ode {ode_rate:.5} finite {:.5}; \
             w_rms ode {:.5} finite {:.5} (√β={:.5}); w_xi finite {:.5}; h* ode {:.5} finite h_rms {:.5} (√β m={:.5})",
            fin.t_cross,
            fin.rate_fit,
            ode.w_rms[last],
            fin.final_w_rms,
            st.w,
            fin.final_w_xi,
            ode.h_star[last],
            fin.final_h_rms,
            st.h_star
        );
        // ODE: pure exponential with rate m² before t_c, and the closed-form stationary point.
        assert!((ode_rate / rate - 1.0).abs() < 1e-6);
        assert!((ode.w_rms[last] / st.w - 1.0).abs() < 1e-6);
        assert!((ode.h_star[last] / st.h_star - 1.0).abs() < 1e-6);
        assert!((ode.m_model[last] / m - 1.0).abs() < 1e-6);
        assert!(ode.alignment[last] > 1.0 - 1e-9);
        errs.push((
            n,
            exact_cw_pair_correlation(beta, n),
            fin.rate_fit,
            (fin.t_cross / tc - 1.0).abs(),
            fin.final_w_rms,
            fin.final_h_rms,
            fin.final_w_xi / fin.final_w_rms,
        ));
    }
    for &(n, c2, rate_fit, e_tc, w_rms, h_rms, align) in &errs {
        let nf = n as f64;
        // (a) The exact finite-N linear rate: projecting the gradient on ξ at small w gives
        //     c₂ + (1 − c₂)/N (data, diagonal included) − 1/(N(1 − q)) (model, ⟨h²⟩ = 1/(N(1−q))).
        //     q ≤ 0.05 in the fit window, so the q-dependence is below 0.05/N ≤ 1e-3.
        let pred_n = c2 + (1.0 - c2) / nf - 1.0 / nf;
        let h2_exact = beta * (c2 + (1.0 - c2) / nf) + 1.0 / nf;
        println!(
            "N={n}: rate fit {rate_fit:.5} vs finite-N {pred_n:.5}; t_c rel err {e_tc:.4}; |w|/√β−1 = {:.2e}; \
             <h²>/exact−1 = {:.2e}",
            w_rms / st.w - 1.0,
            h_rms * h_rms / h2_exact - 1.0
        );
        assert!((rate_fit - pred_n).abs() < 1e-3, "N={n}: fitted rate {rate_fit} vs finite-N linear rate {pred_n}");
        //     and it tends to m²: |c₂ − m²| ≈ 1.5/N and c₂/N ≈ 0.75/N, i.e. about 3/N relative.
        assert!((rate_fit / rate - 1.0).abs() < 4.0 / nf, "N={n}: rate {rate_fit} vs m² = {rate}");
        // (b) Transition time: the rate shift gives ≈ 3/N relative; the model term 1/(N(1 − q))
        //     slows the approach to q = 1 further. Bound 6/N.
        assert!(e_tc < 6.0 / nf, "N={n}: transition-time error {e_tc}");
        // (c) Exact at any N: with w_i = ξ_i w the RBM marginal is CW with β_model = w², so moment
        //     matching forces w = √β. The residual is the decay of the orthogonal components.
        assert!((w_rms / st.w - 1.0).abs() < 1e-6, "N={n}: stationary |w| = {w_rms} vs √β = {}", st.w);
        // (d) Exact at any N at that point: ⟨h²⟩ = w²⟨m_N²⟩ + 1/N with ⟨m_N²⟩ = c₂ + (1 − c₂)/N,
        //     which tends to h*² = βm².
        assert!((h_rms * h_rms / h2_exact - 1.0).abs() < 1e-6, "N={n}: <h²> = {} vs {h2_exact}", h_rms * h_rms);
        assert!((h_rms / st.h_star - 1.0).abs() < 2.0 / nf, "N={n}: h_rms {h_rms} vs h* {}", st.h_star);
        assert!(align > 0.9999, "N={n}: alignment {align}");
    }
    // Convergence to the mean-field ODE as N grows (errors ∝ 1/N: ratio ≈ 4 from N = 64 to 256).
    let e = |k: usize| ((errs[k].2 / rate - 1.0).abs(), errs[k].3, (errs[k].5 / st.h_star - 1.0).abs());
    assert!(e(1).0 < e(0).0 / 2.5 && e(1).1 < e(0).1 / 2.5 && e(1).2 < e(0).2 / 2.5);
}

#[test]
fn h_star_is_the_maximum_of_the_hidden_marginal() {
    // Brute force: maximise E(h) = (1/N)Σ ln cosh(h w_k) − h²/2 on a fine grid, then golden section.
    for &(scale, seed) in &[(1.3, 1u64), (2.0, 2), (0.9, 3), (1.02, 4)] {
        let (g, xi) = bg_random_setup(300, 1.0, seed).unwrap();
        let w: Vec<f64> = g.iter().zip(&xi).map(|(g, x)| scale * (0.6 * x + 0.8 * g)).collect();
        let nf = w.len() as f64;
        let e = |h: f64| w.iter().map(|x| ln_cosh(h * x)).sum::<f64>() / nf - h * h / 2.0;
        let q = w.iter().map(|x| x * x).sum::<f64>() / nf;
        let hs = bg_h_star(&w).unwrap();
        let best = (0..=40_000).map(|k| k as f64 * 1e-4).fold(0.0f64, |b, h| if e(h) > e(b) { h } else { b });
        let (mut a, mut b) = ((best - 1e-4).max(0.0), best + 1e-4);
        for _ in 0..100 {
            let (c, d) = (b - 0.618_033_988_75 * (b - a), a + 0.618_033_988_75 * (b - a));
            if e(c) > e(d) { b = d } else { a = c }
        }
        let brute = 0.5 * (a + b);
        println!("q={q:.4}: h*={hs:.10} brute={brute:.10}");
        if q <= 1.0 {
            assert_eq!(hs, 0.0);
            assert!(brute < 1e-3);
        } else {
            assert!((hs - brute).abs() < 1e-6 * (1.0 + hs), "h*={hs} brute={brute}");
        }
    }
}

#[test]
fn bad_input_is_rejected() {
    let (w0, xi) = init(10, 5);
    let ts = [0.0, 1.0];
    assert!(bg_rbm_ode(-1.0, &w0, &xi, &ts, &OdeOptions::default()).is_err());
    assert!(bg_rbm_ode(f64::NAN, &w0, &xi, &ts, &OdeOptions::default()).is_err());
    assert!(bg_rbm_ode(1.5, &w0[..9], &xi, &ts, &OdeOptions::default()).is_err());
    let mut badxi = xi.clone();
    badxi[0] = 0.5;
    assert!(bg_rbm_ode(1.5, &w0, &badxi, &ts, &OdeOptions::default()).is_err());
    assert!(bg_rbm_ode(1.5, &w0, &xi, &[1.0, 0.0], &OdeOptions::default()).is_err());
    // Step budget exhausted: reported as an error, not a truncated trajectory.
    let tight = OdeOptions { max_steps: 3, ..OdeOptions::default() };
    assert!(bg_rbm_ode(1.5, &w0, &xi, &[0.0, 50.0], &tight).is_err());
    assert!(bg_stationary_point(0.9).is_err());
    assert!(bg_transition_time(0.8, &w0, &xi).is_err());
    let big: Vec<f64> = xi.iter().map(|x| 2.0 * x).collect();
    assert!(bg_transition_time(1.5, &big, &xi).is_err());
    assert!(bg_h_star(&[]).is_err());
    assert!(bg_h_star(&[1.0, f64::INFINITY]).is_err());
}
