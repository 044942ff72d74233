//! Paper 000, linear regime (Fig. 1 and the equilibrium formula): the Gaussian–Gaussian RBM
//! matrix ODE against closed forms, finite differences and the mode equations.

use ndarray::Array2;
use theory::linear::{self, LinearRbm};
use theory::ode::OdeOptions;

fn spectrum(nv: usize) -> Vec<f64> {
    let mut v = vec![6.0, 4.0, 3.0, 2.0, 1.5];
    v.resize(nv, 0.5);
    v
}

fn matmul(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    a.dot(b)
}

/// FIGURES.md P000-F1 checks (a)–(c) and F1i: small random start, prescribed spectrum.
#[test]
fn matrix_ode_reaches_equilibrium_in_order_with_likelihood_steps() {
    let (nv, nh) = (60, 12);
    let vars = spectrum(nv);
    let data = linear::synthetic_data(&vars, None, 11).unwrap();
    let rbm = LinearRbm::new(1.0, 1.0).unwrap();
    let w0 = linear::small_random_weights(nv, nh, 1e-3, 12).unwrap();
    let mut times: Vec<f64> = (0..=1000).map(|i| i as f64 * 0.02).collect();
    times.extend((21..=80).map(|i| i as f64));
    let t0 = std::time::Instant::now();
    let tr = rbm.integrate_matrix(&w0, &data.covariance, &times, &OdeOptions::default()).unwrap();
    println!("matrix ODE {nv}x{nh}: {} steps, {:.2} s", tr.steps, t0.elapsed().as_secs_f64());

    // (a) equilibrium formula, computed here independently of the library.
    let last = tr.w.last().unwrap();
    for (a, &v) in vars.iter().take(nh).enumerate() {
        if v > 1.0 {
            let eq = ((v - 1.0) / v).sqrt();
            let rel = (last[a] - eq).abs() / eq;
            println!("mode {}: w = {:.6}, equilibrium {:.6}, rel err {:.2e}", a + 1, last[a], eq, rel);
            assert!(rel < 0.01, "mode {a}: {} vs {eq}", last[a]);
        } else {
            assert!(last[a] < 0.05, "below-threshold mode {a} = {}", last[a]);
        }
    }
    // F1i: alignment with the data principal directions.
    let al = tr.alignment.last().unwrap();
    for (a, &al_a) in al.iter().enumerate().take(5) {
        assert!(al_a > 0.99, "alignment of mode {a}: {al_a}");
    }
    // (b) emergence in decreasing order of data variance.
    let te = linear::emergence_times(&tr, 0.5, 0.1);
    println!("emergence times: {te:?}");
    let te: Vec<f64> = te.iter().take(5).map(|t| t.expect("mode above threshold must emerge")).collect();
    assert!(te.windows(2).all(|p| p[0] < p[1]), "emergence not ordered: {te:?}");
    // Gradient flow: LL non-decreasing.
    let ll = &tr.log_likelihood;
    for i in 1..ll.len() {
        assert!(ll[i] >= ll[i - 1] - 1e-9, "LL decreased at t = {}", tr.time[i]);
    }
    // (c) each emergence sits at a local maximum of dLL/dt (finite differences of LL on the
    // uniform part of the grid), within 10 % of t.
    let dt = 0.02;
    let d: Vec<f64> = (1..1000).map(|i| (ll[i + 1] - ll[i - 1]) / (2.0 * dt)).collect();
    let dmax = d.iter().cloned().fold(0.0, f64::max);
    let peaks: Vec<f64> = (1..d.len() - 1)
        .filter(|&i| d[i] > d[i - 1] && d[i] >= d[i + 1] && d[i] > 1e-4 * dmax)
        .map(|i| (i + 1) as f64 * dt)
        .collect();
    println!("dLL/dt peaks: {peaks:?}");
    assert_eq!(peaks.len(), 5, "one LL step per learned mode");
    for (p, t) in peaks.iter().zip(&te) {
        println!("peak {p:.2} vs emergence {t:.3}: offset {:.1} %", 100.0 * (p - t) / t);
        assert!((p - t).abs() <= 0.1 * t, "peak {p} vs emergence {t}");
    }
    // Steps, not a ramp: between two consecutive peaks dLL/dt drops well below both.
    let at = |t: f64| d[((t / dt).round() as usize).saturating_sub(1).min(d.len() - 1)];
    for p in peaks.windows(2) {
        let valley = (p[0] * p[1]).sqrt();
        let ratio = at(valley) / at(p[0]).min(at(p[1]));
        println!("dLL/dt valley at t = {valley:.2}: {ratio:.3} of the smaller peak");
        assert!(ratio < 0.5, "no plateau between {} and {}", p[0], p[1]);
    }
    // LL at the end equals the closed-form LL of the equilibrium in the aligned frame.
    let eq: Vec<f64> = vars.iter().take(nh).map(|&v| rbm.equilibrium_w(v).unwrap()).collect();
    let ll_eq = rbm.log_likelihood_modes(&eq, &vars).unwrap();
    assert!((ll.last().unwrap() - ll_eq).abs() < 1e-6, "{} vs {ll_eq}", ll.last().unwrap());
}

/// Aligned start: the matrix ODE stays in the PCA frame and equals the mode ODE (check (d)).
#[test]
fn aligned_matrix_ode_equals_mode_ode() {
    let (nv, nh) = (20, 6);
    // Distinct variances, so that every principal direction is well defined.
    let vars: Vec<f64> = (0..nv).map(|i| if i < 4 { 4.0 - 0.7 * i as f64 } else { 0.6 - 0.01 * i as f64 }).collect();
    let data = linear::synthetic_data(&vars, None, 3).unwrap();
    let rbm = LinearRbm::new(1.2, 0.8).unwrap();
    let w0m: Vec<f64> = (0..nh).map(|a| 0.01 * (1.0 + 0.1 * a as f64)).collect();
    // W0 = Q[:, :nh] diag(w0m) Vᵀ with V a permutation-free orthogonal matrix (identity).
    let w0 = Array2::from_shape_fn((nv, nh), |(i, a)| data.basis[[i, a]] * w0m[a]);
    let times: Vec<f64> = (0..=30).map(|i| i as f64).collect();
    let opts = OdeOptions::default();
    let tm = rbm.integrate_matrix(&w0, &data.covariance, &times, &opts).unwrap();
    let tmode = rbm.integrate_modes(&w0m, &vars, &times, &opts).unwrap();
    let mut worst = 0.0f64;
    for i in 0..times.len() {
        for a in 0..nh {
            worst = worst.max((tm.w_pca[i][a] - tmode.w[i][a]).abs());
        }
        assert!((tm.log_likelihood[i] - tmode.log_likelihood[i]).abs() < 1e-7);
    }
    println!("max |w_matrix − w_mode| = {worst:.2e}");
    assert!(worst < 1e-7);
}

/// The mode ODE against its closed-form solution t(w) (module docs), above and below threshold.
#[test]
fn mode_ode_matches_closed_form_time() {
    let rbm = LinearRbm::new(0.9, 1.1).unwrap();
    let vars = [3.0, 0.5];
    let w0 = [0.01, 0.2];
    let times: Vec<f64> = (0..=40).map(|i| 0.25 * i as f64).collect();
    let tr = rbm
        .integrate_modes(&w0, &vars, &times, &OdeOptions { rtol: 1e-11, atol: 1e-14, ..Default::default() })
        .unwrap();
    let weq = [rbm.equilibrium_w(vars[0]).unwrap(), 0.0];
    let mut checked = 0;
    for (i, &t) in times.iter().enumerate().skip(1) {
        for a in 0..2 {
            // t(w) is ill-conditioned next to the equilibrium: stop once w is within 1e-4 of it.
            if (tr.w[i][a] - weq[a]).abs() < 1e-4 {
                continue;
            }
            checked += 1;
            let tc = rbm.time_to_reach(vars[a], w0[a], tr.w[i][a]).unwrap();
            assert!((tc - t).abs() < 1e-6 * t.max(1.0), "mode {a}: closed form {tc} vs {t}");
        }
    }
    assert!(checked > 40, "too few points checked: {checked}");
    // Threshold of the text: growth iff variance > σ_v².
    assert!(rbm.mode_rate(0.01, 0.81 + 1e-3) > 0.0 && rbm.mode_rate(0.01, 0.81 - 1e-3) < 0.0);
    // Equilibrium is a root of the rate.
    let weq = rbm.equilibrium_w(3.0).unwrap();
    assert!(rbm.mode_rate(weq, 3.0).abs() < 1e-12);
}

/// Exact LL: gradient by central finite differences, and the value against an eigen route.
#[test]
fn log_likelihood_gradient_and_value_are_consistent() {
    let (nv, nh) = (8, 3);
    let data = linear::synthetic_data(&[3.0, 2.0, 1.5, 1.0, 0.8, 0.6, 0.4, 0.3], Some(500), 5).unwrap();
    let c = data.covariance;
    let rbm = LinearRbm::new(1.0, 0.7).unwrap();
    let w = linear::small_random_weights(nv, nh, 0.2, 6).unwrap();
    let g = rbm.gradient(&w, &c).unwrap();
    let h = 1e-6;
    let mut worst = 0.0f64;
    for i in 0..nv {
        for k in 0..nh {
            let mut wp = w.clone();
            wp[[i, k]] += h;
            let mut wm = w.clone();
            wm[[i, k]] -= h;
            let fd = (rbm.log_likelihood(&wp, &c).unwrap() - rbm.log_likelihood(&wm, &c).unwrap()) / (2.0 * h);
            worst = worst.max((fd - g[[i, k]]).abs());
        }
    }
    println!("max |FD − gradient| = {worst:.2e}");
    assert!(worst < 1e-7);
    // Σ_model (I − σ_v²σ_h² W Wᵀ)/σ_v² = I.
    let sig = rbm.model_covariance(&w).unwrap();
    let a = rbm.sigma_v.powi(2) * rbm.sigma_h.powi(2);
    let p = Array2::from_shape_fn((nv, nv), |(i, j)| {
        (if i == j { 1.0 } else { 0.0 }) - a * (0..nh).map(|k| w[[i, k]] * w[[j, k]]).sum::<f64>()
    });
    let id = matmul(&sig, &p) / rbm.sigma_v.powi(2);
    for i in 0..nv {
        for j in 0..nv {
            assert!((id[[i, j]] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
        }
    }
    // LL = −½ tr(Σ⁻¹C) − ½ Σ ln(2π λ_i(Σ)) through the eigen-decomposition of Σ.
    let e = linear::data_pca(&sig).unwrap();
    let mut ll = 0.0;
    for k in 0..nv {
        let qk = e.basis.column(k);
        let cq: f64 = (0..nv).map(|i| (0..nv).map(|j| qk[i] * c[[i, j]] * qk[j]).sum::<f64>()).sum();
        ll += -0.5 * cq / e.variances[k] - 0.5 * (2.0 * std::f64::consts::PI * e.variances[k]).ln();
    }
    let got = rbm.log_likelihood(&w, &c).unwrap();
    assert!((got - ll).abs() < 1e-10, "{got} vs {ll}");
}

/// Rotation generators (paper 000 eqs. 6–8): closed form for the linear RBM = generic SVD
/// formula = finite differences of the SVD of W ± εG.
#[test]
fn rotation_generators_match_svd_finite_differences() {
    let (nv, nh) = (7, 3);
    let data = linear::synthetic_data(&[4.0, 3.0, 2.0, 1.2, 0.9, 0.5, 0.2], Some(50), 8).unwrap();
    let c = data.covariance;
    let rbm = LinearRbm::new(1.0, 1.0).unwrap();
    let w = linear::small_random_weights(nv, nh, 0.25, 9).unwrap();
    let g = rbm.gradient(&w, &c).unwrap();
    let (u, s, v) = linear::svd_full(&w).unwrap();
    let g_frame = u.t().dot(&g).dot(&v);
    let c_frame = u.t().dot(&c).dot(&u);
    let generic = linear::svd_frame_rates(&s, &g_frame).unwrap();
    let lin = rbm.frame_rates(&s, &c_frame).unwrap();
    for a in 0..nh {
        assert!((generic.dw[a] - lin.dw[a]).abs() < 1e-12);
        for b in 0..nh {
            assert!((generic.omega_v[[a, b]] - lin.omega_v[[a, b]]).abs() < 1e-10);
        }
        for k in 0..nv {
            assert!((generic.omega_u[[k, a]] - lin.omega_u[[k, a]]).abs() < 1e-10);
        }
    }
    // Finite differences of the SVD along the flow.
    let eps = 1e-6;
    let aligned = |m: &Array2<f64>| {
        let (mut up, sp, mut vp) = linear::svd_full(m).unwrap();
        for a in 0..nh {
            let d: f64 = (0..nv).map(|i| up[[i, a]] * u[[i, a]]).sum();
            if d < 0.0 {
                for i in 0..nv {
                    up[[i, a]] = -up[[i, a]];
                }
                for j in 0..nh {
                    vp[[j, a]] = -vp[[j, a]];
                }
            }
        }
        (up, sp, vp)
    };
    let (up, sp, vp) = aligned(&(&w + &(&g * eps)));
    let (um, sm, vm) = aligned(&(&w - &(&g * eps)));
    let du_pred = u.dot(&generic.omega_u);
    let dv_pred = v.dot(&generic.omega_v);
    let mut worst = 0.0f64;
    for a in 0..nh {
        worst = worst.max(((sp[a] - sm[a]) / (2.0 * eps) - generic.dw[a]).abs());
        for i in 0..nv {
            worst = worst.max(((up[[i, a]] - um[[i, a]]) / (2.0 * eps) - du_pred[[i, a]]).abs());
        }
        for j in 0..nh {
            worst = worst.max(((vp[[j, a]] - vm[[j, a]]) / (2.0 * eps) - dv_pred[[j, a]]).abs());
        }
    }
    println!("max |FD − generator| = {worst:.2e}");
    assert!(worst < 1e-6);
    // Skew symmetry.
    for a in 0..nv {
        for b in 0..nv {
            assert!((generic.omega_u[[a, b]] + generic.omega_u[[b, a]]).abs() < 1e-12);
        }
    }
}

#[test]
fn table_has_one_row_per_time_and_mode() {
    let rbm = LinearRbm::new(1.0, 1.0).unwrap();
    let tr = rbm.integrate_modes(&[0.01, 0.02], &[3.0, 2.0, 0.5], &[0.0, 1.0, 2.0], &OdeOptions::default()).unwrap();
    let tab = tr.to_table();
    assert_eq!(tab.time.len(), 6);
    assert_eq!(tab.mode, vec![1, 2, 1, 2, 1, 2]);
    assert_eq!(tab.log_likelihood[0], tab.log_likelihood[1]);
}

#[test]
fn bad_input_is_an_error() {
    assert!(LinearRbm::new(0.0, 1.0).is_err());
    assert!(LinearRbm::new(-1.0, 1.0).is_err());
    assert!(LinearRbm::new(1.0, f64::NAN).is_err());
    let rbm = LinearRbm::new(1.0, 1.0).unwrap();
    assert!(rbm.equilibrium_w(-1.0).is_err());
    // Not normalisable: w_max >= 1/(σ_v σ_h).
    let mut w = Array2::<f64>::zeros((4, 2));
    w[[0, 0]] = 1.5;
    let c = Array2::<f64>::eye(4);
    assert!(rbm.log_likelihood(&w, &c).is_err());
    assert!(rbm.gradient(&w, &c).is_err());
    assert!(rbm.model_covariance(&w).is_err());
    assert!(rbm.integrate_matrix(&w, &c, &[0.0, 1.0], &OdeOptions::default()).is_err());
    // Asymmetric covariance / wrong shape.
    let mut ca = Array2::<f64>::eye(4);
    ca[[0, 1]] = 0.3;
    assert!(rbm.log_likelihood(&Array2::zeros((4, 2)), &ca).is_err());
    assert!(rbm.log_likelihood(&Array2::zeros((3, 2)), &c).is_err());
    // Degenerate singular values: frame not defined.
    assert!(linear::svd_frame_rates(&[1.0, 1.0], &Array2::zeros((3, 2))).is_err());
    assert!(linear::svd_frame_rates(&[1.0, 0.0], &Array2::zeros((3, 2))).is_err());
    // Beyond the equilibrium / exactly at threshold.
    assert!(rbm.time_to_reach(3.0, 0.01, 0.9).is_err());
    assert!(rbm.time_to_reach(1.0, 0.01, 0.02).is_err());
    assert!(linear::synthetic_data(&[1.0, -0.5], None, 0).is_err());
    assert!(rbm.log_likelihood_modes(&[0.1, 0.2, 0.3], &[1.0, 1.0]).is_err());
}
