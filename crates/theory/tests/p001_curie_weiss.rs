//! Paper 001 §4.1, App. A and §5: the Curie–Weiss teacher and its critical laws, each against
//! an independent computation (series expansion, direct iteration, brute-force enumeration,
//! a root scan, the spectral gap of the exact finite-N Glauber master equation).

use theory::meanfield::{
    cw_branches, cw_connected_susceptibility, cw_finite_size, cw_fss_scaling_function, cw_magnetisation,
    cw_relaxation_time, cw_spinodal_field,
};

#[test]
fn magnetisation_known_values_series_and_direct_iteration() {
    // FIGURES.md P001-F1L (verified there with numpy): 1.4 → 0.8145, 1.5 → 0.8586, 2 → 0.9575.
    for &(b, m_ref) in &[(1.4, 0.8145), (1.5, 0.8586), (2.0, 0.9575)] {
        let m = cw_magnetisation(b).unwrap();
        assert!((m - m_ref).abs() < 5e-5, "beta={b}: {m}");
    }
    // Direct fixed-point iteration m ← tanh(βm) from m = 1 (contracting on the stable branch).
    for k in 0..40 {
        let b = 1.05 + 0.2 * k as f64;
        let mut x = 1.0f64;
        for _ in 0..20_000 {
            x = (b * x).tanh();
        }
        let m = cw_magnetisation(b).unwrap();
        assert!((m - x).abs() < 1e-13, "beta={b}: {m} vs iteration {x}");
    }
    // Near β = 1: atanh(m)/m = β gives m² = 3ε − (27/5)ε² + O(ε³), with ε = β − 1.
    for &eps in &[1e-3, 1e-5, 1e-7, 1e-9] {
        let b = 1.0 + eps;
        let eps = b - 1.0; // the ε actually represented
        let m = cw_magnetisation(b).unwrap();
        let series = 3.0 * eps - 27.0 / 5.0 * eps * eps;
        assert!((m * m / series - 1.0).abs() < 30.0 * eps * eps + 1e-12, "eps={eps}: m²={} series={series}", m * m);
    }
    assert_eq!(cw_magnetisation(0.7).unwrap(), 0.0);
    assert_eq!(cw_magnetisation(1.0).unwrap(), 0.0);
    assert!((cw_magnetisation(40.0).unwrap() - 1.0).abs() < 1e-15);
}

/// All roots of `m − tanh(β(m + H))` on (−1, 1) by a sign scan plus bisection.
fn scan_roots(beta: f64, h: f64) -> Vec<f64> {
    let g = |m: f64| m - (beta * (m + h)).tanh();
    let n = 200_000;
    let mut roots = vec![];
    // Grid offset by an irrational amount so that no node hits a root exactly.
    let x0 = -1.0 + 1e-7 * std::f64::consts::PI;
    let mut prev = x0;
    for k in 1..=n {
        let x = x0 + (2.0 - 2e-6) * k as f64 / n as f64;
        if g(prev) * g(x) < 0.0 {
            let (mut a, mut b) = (prev, x);
            for _ in 0..100 {
                let c = 0.5 * (a + b);
                if (g(c) < 0.0) == (g(a) < 0.0) { a = c } else { b = c }
            }
            roots.push(0.5 * (a + b));
        }
        prev = x;
    }
    roots
}

#[test]
fn branches_in_a_field_and_spinodal_match_a_root_scan() {
    for &beta in &[1.3, 2.0] {
        let hsp = cw_spinodal_field(beta).unwrap();
        for &frac in &[0.0, 0.3, 0.9, 0.999, 1.001, 1.5, -0.5, -0.999, -1.001] {
            let h = frac * hsp;
            let br = cw_branches(beta, h).unwrap();
            let scan = scan_roots(beta, h);
            let expect = if frac.abs() < 1.0 { 3 } else { 1 };
            assert_eq!(br.len(), expect, "beta={beta} H/H_sp={frac}");
            assert_eq!(scan.len(), expect, "scan beta={beta} H/H_sp={frac}");
            for (b, s) in br.iter().zip(&scan) {
                assert!((b.m - s).abs() < 1e-10, "beta={beta} H={h}: {} vs {s}", b.m);
            }
            if expect == 3 {
                assert!(br[0].stable && !br[1].stable && br[2].stable);
            } else {
                assert!(br[0].stable);
            }
        }
    }
    // β ≤ 1: a single root whatever the field.
    for &h in &[-0.3, 0.0, 0.2] {
        assert_eq!(cw_branches(0.8, h).unwrap().len(), 1);
        assert_eq!(scan_roots(0.8, h).len(), 1);
    }
    assert!(cw_spinodal_field(1.0).is_err());
}

#[test]
fn finite_size_statistics_match_brute_force_enumeration() {
    // All 2^N configurations at N = 14.
    let n = 14usize;
    for &beta in &[0.5, 1.0, 1.7] {
        let (mut z, mut s2, mut s4, mut s1) = (0.0, 0.0, 0.0, 0.0);
        for c in 0u32..(1 << n) {
            let mm = 2.0 * c.count_ones() as f64 - n as f64;
            let p = (beta * mm * mm / (2.0 * n as f64)).exp();
            let m = mm / n as f64;
            z += p;
            s1 += p * m.abs();
            s2 += p * m * m;
            s4 += p * m.powi(4);
        }
        let f = cw_finite_size(beta, n).unwrap();
        // 2^14-term sums of exponentials: round-off ≈ 1e-12 relative.
        println!("beta={beta}: m2 {} vs brute {}", f.m2, s2 / z);
        assert!((f.m2 / (s2 / z) - 1.0).abs() < 1e-11);
        assert!((f.m4 / (s4 / z) - 1.0).abs() < 1e-11);
        assert!((f.m_abs / (s1 / z) - 1.0).abs() < 1e-11);
    }
}

#[test]
fn susceptibility_from_enumeration_field_derivative_and_closed_form() {
    // β < 1: N⟨m²⟩ → 1/(1 − β) with O(1/N) corrections.
    for &beta in &[0.3, 0.6, 0.9] {
        let chi = cw_connected_susceptibility(beta).unwrap();
        assert!((chi - 1.0 / (1.0 - beta)).abs() < 1e-14);
        let e1 = (cw_finite_size(beta, 4000).unwrap().chi / chi - 1.0).abs();
        let e2 = (cw_finite_size(beta, 16000).unwrap().chi / chi - 1.0).abs();
        println!("beta={beta}: chi_N rel. err {e1:.2e} (N=4000), {e2:.2e} (N=16000)");
        assert!(e2 < e1 / 3.0 && e2 < 20.0 / (16000.0 * (1.0 - beta).powi(2)));
    }
    // β > 1: the connected susceptibility within one lump, N(⟨m²⟩ − ⟨|m|⟩²), and the field
    // derivative (1/β) dm/dH on the stable branch.
    for &beta in &[1.2, 1.5, 2.5] {
        let chi = cw_connected_susceptibility(beta).unwrap();
        let h = 1e-5;
        let up = cw_branches(beta, h).unwrap().last().unwrap().m;
        let dn = cw_branches(beta, -h).unwrap().last().unwrap().m;
        let fd = (up - dn) / (2.0 * h) / beta;
        let f = cw_finite_size(beta, 40_000).unwrap();
        println!("beta={beta}: chi={chi:.6} fd={fd:.6} N(<m²>−<|m|>²)={:.6} (N=40000)", f.chi_abs);
        assert!((fd / chi - 1.0).abs() < 1e-7);
        assert!((f.chi_abs / chi - 1.0).abs() < 0.01);
    }
    assert!(cw_connected_susceptibility(1.0).is_err());
}

/// Second-smallest eigenvalue of the symmetric tridiagonal matrix (diag `d`, off-diagonal `e`),
/// by Sturm-sequence bisection.
fn second_eigenvalue(d: &[f64], e: &[f64]) -> f64 {
    let count_below = |x: f64| {
        let mut c = 0usize;
        let mut q = d[0] - x;
        if q < 0.0 {
            c += 1;
        }
        for i in 1..d.len() {
            let qq = if q == 0.0 { 1e-300 } else { q };
            q = d[i] - x - e[i - 1] * e[i - 1] / qq;
            if q < 0.0 {
                c += 1;
            }
        }
        c
    };
    let (mut a, mut b) = (-1e-9, 10.0);
    for _ in 0..200 {
        let c = 0.5 * (a + b);
        if count_below(c) >= 2 { b = c } else { a = c }
    }
    0.5 * (a + b)
}

#[test]
fn relaxation_time_matches_glauber_master_equation_gap() {
    // Continuous-time heat-bath dynamics of the N-spin CW model (one sweep per unit time):
    // a spin s flips with rate (1 − s tanh(β(M − s)/N))/2. The chain on k = #up spins is a
    // birth–death process; its generator, symmetrised by detailed balance, is tridiagonal.
    for &beta in &[0.5, 0.8] {
        let n = 3000usize;
        let nf = n as f64;
        let up = |k: usize| {
            // rate k → k + 1: (N − k) down spins flip up, local field (M + 1)/N.
            let mm = 2.0 * k as f64 - nf;
            (nf - k as f64) * 0.5 * (1.0 + (beta * (mm + 1.0) / nf).tanh())
        };
        let down = |k: usize| {
            let mm = 2.0 * k as f64 - nf;
            k as f64 * 0.5 * (1.0 - (beta * (mm - 1.0) / nf).tanh())
        };
        let d: Vec<f64> = (0..=n).map(|k| up(k) * (k < n) as u8 as f64 + down(k)).collect();
        let e: Vec<f64> = (0..n).map(|k| -(up(k) * down(k + 1)).sqrt()).collect();
        let gap = second_eigenvalue(&d, &e);
        let tau = cw_relaxation_time(beta).unwrap();
        println!("beta={beta}: 1/gap = {:.5} (N={n}), mean-field tau = {tau:.5}", 1.0 / gap);
        assert!((1.0 / gap / tau - 1.0).abs() < 5.0 / (nf * (1.0 - beta).powi(2)));
    }
    // In the ordered phase τ = 1/(1 − β(1 − m²)) and it diverges as 1/|β − 1| on both sides.
    let t_lo = cw_relaxation_time(1.0 - 1e-4).unwrap();
    let t_hi = cw_relaxation_time(1.0 + 1e-4).unwrap();
    assert!((t_lo * 1e-4 - 1.0).abs() < 1e-3);
    assert!((t_hi * 1e-4 - 0.5).abs() < 1e-3, "amplitude ratio 2: {}", t_hi * 1e-4);
    assert!(cw_relaxation_time(1.0).is_err());
}

#[test]
fn fss_scaling_function_closed_forms_and_collapse_of_exact_finite_size_data() {
    // φ(0) = √12 Γ(3/4)/Γ(1/4).
    let phi0 = 12f64.sqrt() * 1.225_416_702_465_177_6 / 3.625_609_908_221_908;
    assert!((cw_fss_scaling_function(0.0).unwrap() - phi0).abs() < 1e-12);
    // Asymptotics (Laplace expansions to the first correction): 1/|x| − 1/|x|³ for x → −∞; for x → +∞,
    // y = √(3x) + ε gives ⟨y²⟩ = 3x + 2√(3x)⟨ε⟩ + ⟨ε²⟩ = 3x − 3/(2x) + 1/(2x) = 3x − 1/x.
    let x = -300.0f64;
    assert!((cw_fss_scaling_function(x).unwrap() - (1.0 / 300.0 - 1.0 / 300f64.powi(3))).abs() < 1e-9);
    let x = 300.0f64;
    assert!((cw_fss_scaling_function(x).unwrap() - (3.0 * x - 1.0 / x)).abs() < 1e-6);
    // Collapse: N^{-1/2} χ_N(β = 1 + x N^{-1/2}) → φ(x), with O(N^{-1/2}) corrections.
    for &x in &[-4.0, -1.0, 0.0, 1.5, 4.0] {
        let phi = cw_fss_scaling_function(x).unwrap();
        let err = |n: usize| {
            let nf = n as f64;
            let f = cw_finite_size(1.0 + x / nf.sqrt(), n).unwrap();
            (f.chi / nf.sqrt() / phi - 1.0).abs()
        };
        let (e1, e2) = (err(10_000), err(1_000_000));
        println!("x={x}: phi={phi:.6}; rel. dev. {e1:.2e} (N=1e4), {e2:.2e} (N=1e6)");
        assert!(e2 < 0.01 && e2 < e1 / 5.0);
    }
}

#[test]
fn bad_input_is_rejected() {
    assert!(cw_magnetisation(-1.0).is_err());
    assert!(cw_magnetisation(0.0).is_err());
    assert!(cw_magnetisation(f64::NAN).is_err());
    assert!(cw_branches(1.5, f64::INFINITY).is_err());
    assert!(cw_finite_size(1.0, 1).is_err());
    assert!(cw_fss_scaling_function(f64::NAN).is_err());
}
