//! Paper 001 App. D, eqs. (6)–(7), §5: Mattis mapping `β = w²/16` (`w_c = 4`) for {0,1} units, the
//! susceptibility law `4/(w_c² − w²)`, the mean-field FSS ansatz and the relaxation law. The
//! reference is an exact enumeration of a rank-1 {0,1} RBM, written here directly in {0,1}
//! variables (no ±1 mapping used): the hidden layer is summed exactly, and the visible layer is
//! summed over the numbers of active units on the + and − sites of the pattern.

use theory::meanfield::{
    MeanFieldFss, W_CRIT_01, cw_relaxation_time, mattis_beta_01, mattis_beta_ising, mattis_w_01,
    rank1_rbm_fss_scaling_function_01, relaxation_law, susceptibility_law_01,
};

fn ln_binom_table(n: usize) -> Vec<f64> {
    let mut t = vec![0.0f64; n + 1];
    for k in 1..=n {
        t[k] = t[k - 1] + ((n - k + 1) as f64 / k as f64).ln();
    }
    t
}

/// `N_v Var(u·v/√N_v)` for the {0,1} RBM with `W = w u ūᵀ`, `u = ξ/√N_v`, `ū = ζ/√N_h`,
/// biases `b = −W1/2`, `c = −Wᵀ1/2`. ξ has `nv_plus` entries +1 (the rest −1), ζ has `nh_plus`.
fn exact_01_susceptibility(w: f64, nv: usize, nv_plus: usize, nh: usize, nh_plus: usize) -> f64 {
    let nv_minus = nv - nv_plus;
    let nh_minus = nh - nh_plus;
    let (snv, snh) = ((nv as f64).sqrt(), (nh as f64).sqrt());
    let u1 = (nv_plus as f64 - nv_minus as f64) / snv; // u·1
    let ub1 = (nh_plus as f64 - nh_minus as f64) / snh; // ū·1
    let (lp, lm) = (ln_binom_table(nv_plus), ln_binom_table(nv_minus));
    let softplus = |x: f64| if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() };
    let mut entries = Vec::with_capacity((nv_plus + 1) * (nv_minus + 1));
    let mut lmax = f64::MIN;
    for (kp, lpk) in lp.iter().enumerate() {
        for (km, lmk) in lm.iter().enumerate() {
            let uv = (kp as f64 - km as f64) / snv; // u·v
            // Σ_h exp(vᵀWh + b·v + c·h) = exp(b·v) Π_a (1 + exp(w ū_a (u·v) + c_a)).
            let bv = -0.5 * w * ub1 * uv;
            let f_plus = w / snh * (uv - 0.5 * u1);
            let lw = lpk + lmk + bv + nh_plus as f64 * softplus(f_plus) + nh_minus as f64 * softplus(-f_plus);
            lmax = lmax.max(lw);
            entries.push((uv / snv, lw));
        }
    }
    let (mut z, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (m, lw) in entries {
        let p = (lw - lmax).exp();
        z += p;
        s1 += p * m;
        s2 += p * m * m;
    }
    nv as f64 * (s2 / z - (s1 / z).powi(2))
}

#[test]
fn rank1_01_rbm_follows_the_susceptibility_law_with_wc_4() {
    assert_eq!(W_CRIT_01, 4.0);
    for &w in &[2.0, 3.0, 3.5] {
        let law = susceptibility_law_01(w, W_CRIT_01).unwrap();
        let beta = mattis_beta_01(w).unwrap();
        // Unbalanced patterns (60 % / 70 % +1), so the field-cancelling biases matter.
        let e = |n: usize| (exact_01_susceptibility(w, n, 6 * n / 10, n, 7 * n / 10) / law - 1.0).abs();
        let (e1, e2) = (e(1000), e(4000));
        println!("w={w}: law {law:.5}; rel. dev. {e1:.2e} (N=1000), {e2:.2e} (N=4000)");
        // Finite-size corrections are O(1/(N(1 − β)²)) (the m⁴ terms of the marginal).
        assert!(e2 < 2.0 / (4000.0 * (1.0 - beta).powi(2)), "w={w}: {e2}");
        assert!(e2 < e1 / 3.0);
    }
    // FIGURES.md P001-C3 quotes 0.5710 (exact CW, N = 4000) vs 0.5714 at w = 3.
    assert!((susceptibility_law_01(3.0, 4.0).unwrap() - 4.0 / 7.0).abs() < 1e-15);
}

#[test]
fn rank1_01_rbm_collapses_on_the_mean_field_scaling_function() {
    // Flat singular vectors, N_v = N_h: r = κ_u + (N_v/N_h) κ_ū = 2.
    let fss = MeanFieldFss::default();
    for &x in &[-3.0, -1.0, 0.0, 1.0] {
        let phi = rank1_rbm_fss_scaling_function_01(x, 2.0).unwrap();
        let scaled = |n: usize| {
            let nf = n as f64;
            let beta = 1.0 + x / nf.powf(fss.x_exponent());
            let w = mattis_w_01(beta).unwrap();
            let chi = exact_01_susceptibility(w, n, 6 * n / 10, n, 7 * n / 10);
            fss.scaled_chi(nf, chi).unwrap()
        };
        let (y1, y2) = (scaled(1000), scaled(4000));
        let (d1, d2) = ((y1 / phi - 1.0).abs(), (y2 / phi - 1.0).abs());
        // The plain CW function (r = 1, hidden layer ignored) is far off: the test discriminates.
        if x >= -1.0 {
            let wrong = rank1_rbm_fss_scaling_function_01(x, 1.0).unwrap();
            assert!((y2 / wrong - 1.0).abs() > 0.1, "x={x}: r = 1 not excluded");
        }
        println!("x={x}: phi_r/4={phi:.5}; rel. dev. {d1:.2e} (N=1000), {d2:.2e} (N=4000)");
        // Corrections to scaling are O(N^{-1/2}): 0.016 at N = 4000, halving per factor 4 in N.
        assert!(d2 < 0.05 && d2 < 0.7 * d1, "x={x}: {d1} {d2}");
    }
}

#[test]
fn mean_field_fss_arithmetic() {
    // P001-C5: γ/(νd_u) = 1/(νd_u) = 1/2; β_c = w_c²/16: 4 → 1, 4.45 → 1.2377, 5.25 → 1.7227.
    let f = MeanFieldFss::default();
    assert_eq!((f.gamma, f.nu, f.d_u), (1.0, 0.5, 4.0));
    assert!((f.chi_exponent() - 0.5).abs() < 1e-15 && (f.x_exponent() - 0.5).abs() < 1e-15);
    for &(wc, bc) in &[(4.0, 1.0), (4.45, 1.2377), (5.25, 1.7227)] {
        assert!((mattis_beta_01(wc).unwrap() - bc).abs() < 5e-5);
        assert!((mattis_w_01(mattis_beta_01(wc).unwrap()).unwrap() - wc).abs() < 1e-14);
    }
    assert_eq!(mattis_beta_ising(1.0).unwrap(), 1.0);
    assert!((f.scaling_variable(400.0, 1.1, 1.0).unwrap() - 2.0).abs() < 1e-12);
    assert!((f.scaled_chi(400.0, 30.0).unwrap() - 1.5).abs() < 1e-12);
    let g = MeanFieldFss::new(1.0, 0.5, 4.0).unwrap();
    assert_eq!(f, g);
    assert!(MeanFieldFss::new(1.0, 0.0, 4.0).is_err());
    // Eq. (6) in its β form: 4/(w_c² − w²) = 1/(4(β_c − β)).
    let (w, wc) = (3.7, 4.45);
    let lhs = susceptibility_law_01(w, wc).unwrap();
    let rhs = 1.0 / (4.0 * (mattis_beta_01(wc).unwrap() - mattis_beta_01(w).unwrap()));
    assert!((lhs / rhs - 1.0).abs() < 1e-14);
}

#[test]
fn relaxation_law_is_the_mean_field_glauber_time() {
    // Paramagnetic side: τ = 1/(1 − β) exactly; ordered side: amplitude 1/2 as β → 1⁺.
    for &b in &[0.2, 0.5, 0.9, 0.999] {
        assert!((relaxation_law(b, 1.0, 1.0).unwrap() / cw_relaxation_time(b).unwrap() - 1.0).abs() < 1e-12);
    }
    let b = 1.0 + 1e-6;
    assert!((relaxation_law(b, 1.0, 0.5).unwrap() / cw_relaxation_time(b).unwrap() - 1.0).abs() < 1e-5);
    // Log–log slope −1 (νz = 1).
    let (b1, b2) = (0.9, 0.99);
    let slope = (cw_relaxation_time(b2).unwrap().ln() - cw_relaxation_time(b1).unwrap().ln())
        / ((1.0f64 - b2).ln() - (1.0f64 - b1).ln());
    assert!((slope + 1.0).abs() < 1e-12);
}

#[test]
fn bad_input_is_rejected() {
    assert!(susceptibility_law_01(4.0, 4.0).is_err());
    assert!(susceptibility_law_01(5.0, 4.0).is_err());
    assert!(susceptibility_law_01(1.0, -4.0).is_err());
    assert!(susceptibility_law_01(f64::NAN, 4.0).is_err());
    assert!(relaxation_law(1.0, 1.0, 1.0).is_err());
    assert!(relaxation_law(0.5, 1.0, 0.0).is_err());
    assert!(mattis_w_01(-0.1).is_err());
    assert!(mattis_beta_01(f64::INFINITY).is_err());
    assert!(rank1_rbm_fss_scaling_function_01(0.0, 0.0).is_err());
    assert!(MeanFieldFss::default().scaled_chi(0.0, 1.0).is_err());
}
