//! Paper 001 §4.2 / App. C: two correlated patterns `ξ^{1,2} = η ± η̃`.
//! * saddle points against explicit-pattern residuals and fixed-point iteration of the printed
//!   coupled equations; regimes switching at `T = 1 ± κ`;
//! * the P001-F1R numbers (r, p, rates `r²(1+κ)/2`, `p²(1−κ)/2`);
//! * the four-lump data correlation `r²η_iη_j + p²η̃_iη̃_j` from the lumps themselves;
//! * eq. (12) and the predicted singular values against RK4 on the explicit N-dimensional ODE;
//! * the rates against the *exact* finite-N gradient of a two-hidden-unit BG-RBM trained on exact
//!   teacher statistics (exact block enumeration for the data, exact 2-D quadrature for the model).

use theory::meanfield::{
    HopfieldInit, HopfieldRegime, bg_random_setup, hopfield_linear_dynamics, hopfield_saddle, hopfield_transition_times,
};

/// Explicit patterns: η on the first N(1+κ)/2 sites, η̃ on the rest, random signs.
fn patterns(n: usize, kappa: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let ne = (n as f64 * 0.5 * (1.0 + kappa)).round() as usize;
    assert!(((ne as f64) / n as f64 - 0.5 * (1.0 + kappa)).abs() < 1e-12, "N(1+κ)/2 must be an integer");
    let (_, s) = bg_random_setup(n, 1.0, seed).unwrap();
    let eta = (0..n).map(|i| if i < ne { s[i] } else { 0.0 }).collect();
    let etat = (0..n).map(|i| if i >= ne { s[i] } else { 0.0 }).collect();
    (eta, etat)
}

#[test]
fn saddle_points_solve_the_explicit_equations_and_regimes_switch_at_one_plus_minus_kappa() {
    let n = 1000usize;
    for &kappa in &[0.1, 0.3, 0.4, 0.7] {
        let (eta, etat) = patterns(n, kappa, 9);
        let xi1: Vec<f64> = eta.iter().zip(&etat).map(|(a, b)| a + b).collect();
        let xi2: Vec<f64> = eta.iter().zip(&etat).map(|(a, b)| a - b).collect();
        let d = 1e-3;
        let cases = [
            ((1.0 + kappa) * (1.0 + d), HopfieldRegime::Paramagnetic),
            ((1.0 + kappa) * (1.0 - d), HopfieldRegime::Symmetric),
            ((1.0 - kappa) * (1.0 + d), HopfieldRegime::Symmetric),
            ((1.0 - kappa) * (1.0 - d), HopfieldRegime::FourLumps),
            (1.0, HopfieldRegime::Symmetric),
            (0.5 * (1.0 - kappa), HopfieldRegime::FourLumps),
            (1.3 * (1.0 + kappa), HopfieldRegime::Paramagnetic),
        ];
        for &(t, regime) in &cases {
            let s = hopfield_saddle(kappa, t).unwrap();
            assert_eq!(s.regime, regime, "kappa={kappa} T={t}");
            match regime {
                HopfieldRegime::Paramagnetic => assert!(s.m1 == 0.0 && s.m2 == 0.0),
                HopfieldRegime::Symmetric => assert!(s.m1 > 0.0 && s.m1 == s.m2),
                HopfieldRegime::FourLumps => assert!(s.m1 > s.m2 && s.m2 > 0.0),
            }
            // Every stationary point solves m_μ = (1/N)Σ_i ξ^μ_i tanh(β(m₁ξ¹_i + m₂ξ²_i)) with explicit patterns.
            let beta = 1.0 / t;
            for fp in &s.fixed_points {
                let (mut r1, mut r2) = (fp.m1, fp.m2);
                for i in 0..n {
                    let th = (beta * (fp.m1 * xi1[i] + fp.m2 * xi2[i])).tanh();
                    r1 -= xi1[i] * th / n as f64;
                    r2 -= xi2[i] * th / n as f64;
                }
                assert!(r1.abs() < 1e-12 && r2.abs() < 1e-12, "kappa={kappa} T={t}: residual {r1} {r2}");
            }
        }
        // Away from the boundaries: damped iteration of the printed coupled equations from
        // random starts lands on the stable points, and only on them.
        for &t in &[0.5 * (1.0 - kappa), 1.0, 1.3 * (1.0 + kappa)] {
            let s = hopfield_saddle(kappa, t).unwrap();
            let beta = 1.0 / t;
            let (ce, ct) = (0.5 * (1.0 + kappa), 0.5 * (1.0 - kappa));
            let (starts, _) = bg_random_setup(16, 0.7, 77).unwrap();
            for st in starts.chunks(2) {
                let (mut m1, mut m2) = (st[0], st[1]);
                for _ in 0..20_000 {
                    let (a, b) = ((beta * (m1 + m2)).tanh(), (beta * (m1 - m2)).tanh());
                    let (n1, n2) = (ce * a + ct * b, ce * a - ct * b);
                    m1 = 0.5 * (m1 + n1);
                    m2 = 0.5 * (m2 + n2);
                }
                let hit = s.fixed_points.iter().find(|f| (f.m1 - m1).abs() < 1e-9 && (f.m2 - m2).abs() < 1e-9);
                assert!(hit.is_some_and(|f| f.stable), "kappa={kappa} T={t}: iteration ended at ({m1}, {m2})");
            }
        }
    }
}

#[test]
fn f1r_numbers() {
    // FIGURES.md §2 (verified there): κ = 0.4, T = 0.5: r = 0.9923, p = 0.6586, rates 0.689, 0.130;
    // κ = 0.3, T = 0.5: r = 0.9883, p = 0.8145.
    let s = hopfield_saddle(0.4, 0.5).unwrap();
    println!("kappa=0.4 T=0.5: r={:.5} p={:.5} rates {:.5} {:.5}", s.r, s.p, s.rate_eta, s.rate_eta_tilde);
    assert!((s.r - 0.9923).abs() < 5e-5 && (s.p - 0.6586).abs() < 5e-5);
    assert!((s.rate_eta - 0.689).abs() < 5e-4 && (s.rate_eta_tilde - 0.130).abs() < 5e-4);
    // Definitions of App. C: r = tanh(β(m⁺+m⁻)), p = tanh(β(m⁺−m⁻)).
    assert!((s.r - (2.0 * (s.m1 + s.m2)).tanh()).abs() < 1e-14);
    assert!((s.p - (2.0 * (s.m1 - s.m2)).tanh()).abs() < 1e-14);
    let s = hopfield_saddle(0.3, 0.5).unwrap();
    assert!((s.r - 0.9883).abs() < 5e-5 && (s.p - 0.8145).abs() < 5e-5);
}

#[test]
fn four_lump_average_gives_the_two_block_correlation() {
    let (n, kappa, t) = (100usize, 0.4, 0.5);
    let s = hopfield_saddle(kappa, t).unwrap();
    let (eta, etat) = patterns(n, kappa, 3);
    let xi1: Vec<f64> = eta.iter().zip(&etat).map(|(a, b)| a + b).collect();
    let xi2: Vec<f64> = eta.iter().zip(&etat).map(|(a, b)| a - b).collect();
    let lumps = [(s.m1, s.m2), (-s.m1, -s.m2), (s.m2, s.m1), (-s.m2, -s.m1)];
    let mut worst = 0.0f64;
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let c: f64 = lumps
                .iter()
                .map(|(a, b)| ((a * xi1[i] + b * xi2[i]) / t).tanh() * ((a * xi1[j] + b * xi2[j]) / t).tanh())
                .sum::<f64>()
                / 4.0;
            let model = s.r * s.r * eta[i] * eta[j] + s.p * s.p * etat[i] * etat[j];
            worst = worst.max((c - model).abs());
        }
    }
    assert!(worst < 1e-14, "max deviation {worst}");
}

/// 2 × 2 symmetric eigenvalues (descending).
fn eig2(g: [[f64; 2]; 2]) -> [f64; 2] {
    let ht = 0.5 * (g[0][0] + g[1][1]);
    let d = (0.25 * (g[0][0] - g[1][1]).powi(2) + g[0][1] * g[0][1]).sqrt();
    [ht + d, ht - d]
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Projections and orthogonal Gram matrix of explicit weights.
fn init_from(w: &[Vec<f64>; 2], eta: &[f64], etat: &[f64]) -> HopfieldInit {
    let n = eta.len();
    let (ne, nt) = (dot(eta, eta), dot(etat, etat));
    let perp: Vec<Vec<f64>> = w
        .iter()
        .map(|wm| {
            let (a, b) = (dot(wm, eta) / ne, dot(wm, etat) / nt);
            wm.iter().zip(eta).zip(etat).map(|((x, e), t)| x - a * e - b * t).collect()
        })
        .collect();
    let g = |a: usize, b: usize| dot(&perp[a], &perp[b]) / n as f64;
    HopfieldInit {
        n,
        u_eta: [dot(&w[0], eta), dot(&w[1], eta)],
        u_eta_tilde: [dot(&w[0], etat), dot(&w[1], etat)],
        gram_perp: [[g(0, 0), g(0, 1)], [g(1, 0), g(1, 1)]],
    }
}

fn small_init(n: usize, eta: &[f64], etat: &[f64], seed: u64) -> [Vec<f64>; 2] {
    let (g, _) = bg_random_setup(2 * n, 0.03, seed).unwrap();
    let (a, b) = ([0.02, 0.015], [0.02, -0.025]);
    let mk = |mu: usize| (0..n).map(|i| g[mu * n + i] + a[mu] * eta[i] + b[mu] * etat[i]).collect();
    [mk(0), mk(1)]
}

#[test]
fn linear_solution_and_singular_values_match_direct_integration() {
    let (n, kappa, t) = (400usize, 0.3, 0.5);
    let s = hopfield_saddle(kappa, t).unwrap();
    let (eta, etat) = patterns(n, kappa, 21);
    let mut w = small_init(n, &eta, &etat, 5);
    let init = init_from(&w, &eta, &etat);
    let times = hopfield_transition_times(kappa, t, &init).unwrap();
    let t_end = 1.05 * times.t_ii;
    let ts: Vec<f64> = (0..=200).map(|k| k as f64 * t_end / 200.0).collect();
    let lin = hopfield_linear_dynamics(kappa, t, &init, &ts).unwrap();
    // RK4 on dw/dt = (1/N)(r²ηηᵀ + p²η̃η̃ᵀ)w (the paramagnetic-phase ODE), explicit vectors.
    let nf = n as f64;
    let rhs = |w: &[f64]| -> Vec<f64> {
        let (ue, ut) = (dot(w, &eta), dot(w, &etat));
        (0..n).map(|i| (s.r * s.r * eta[i] * ue + s.p * s.p * etat[i] * ut) / nf).collect()
    };
    let steps_per = 20;
    let mut worst = 0.0f64;
    let (mut t_i_num, mut t_ii_num) = (f64::NAN, f64::NAN);
    let lam = |w: &[Vec<f64>; 2], v: &[f64]| -> f64 {
        let c = dot(v, v) / nf;
        c * w.iter().map(|wm| (dot(wm, v) / dot(v, v)).powi(2)).sum::<f64>()
    };
    let mut prev = (lam(&w, &eta), lam(&w, &etat));
    for k in 1..ts.len() {
        let dt = (ts[k] - ts[k - 1]) / steps_per as f64;
        for _ in 0..steps_per {
            for wm in w.iter_mut() {
                let k1 = rhs(wm);
                let y2: Vec<f64> = wm.iter().zip(&k1).map(|(a, b)| a + 0.5 * dt * b).collect();
                let k2 = rhs(&y2);
                let y3: Vec<f64> = wm.iter().zip(&k2).map(|(a, b)| a + 0.5 * dt * b).collect();
                let k3 = rhs(&y3);
                let y4: Vec<f64> = wm.iter().zip(&k3).map(|(a, b)| a + dt * b).collect();
                let k4 = rhs(&y4);
                for i in 0..n {
                    wm[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                }
            }
        }
        let g = |a: usize, b: usize| dot(&w[a], &w[b]) / nf;
        let sv = eig2([[g(0, 0), g(0, 1)], [g(1, 0), g(1, 1)]]).map(f64::sqrt);
        for mu in 0..2 {
            worst = worst.max((sv[mu] / lin.singular_values[k][mu] - 1.0).abs());
            worst = worst.max((dot(&w[mu], &eta) / lin.u_eta[k][mu] - 1.0).abs());
            worst = worst.max((dot(&w[mu], &etat) / lin.u_eta_tilde[k][mu] - 1.0).abs());
        }
        let now = (lam(&w, &eta), lam(&w, &etat));
        if t_i_num.is_nan() && now.0 >= 1.0 {
            t_i_num = ts[k - 1] + (ts[k] - ts[k - 1]) * (1.0 - prev.0) / (now.0 - prev.0);
        }
        if t_ii_num.is_nan() && now.1 >= 1.0 {
            t_ii_num = ts[k - 1] + (ts[k] - ts[k - 1]) * (1.0 - prev.1) / (now.1 - prev.1);
        }
        prev = now;
    }
    println!(
        "max rel. dev. (singular values, projections) {worst:.2e}; t_I {:.4} vs {t_i_num:.4}; t_II {:.4} vs {t_ii_num:.4}",
        times.t_i, times.t_ii
    );
    assert!(worst < 1e-8);
    // λ grows exponentially, so linear interpolation over a step of t_end/200 is good to ~1e-4 relative.
    assert!((t_i_num / times.t_i - 1.0).abs() < 1e-3 && (t_ii_num / times.t_ii - 1.0).abs() < 1e-3);
    assert!(times.t_ii > times.t_i);
}

fn ln_cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2
}

/// Exact pair correlation of an n-spin CW block at inverse temperature β.
fn block_pair_correlation(beta: f64, n: usize) -> f64 {
    let mut lnc = vec![0.0f64; n + 1];
    for k in 1..=n {
        lnc[k] = lnc[k - 1] + ((n - k + 1) as f64 / k as f64).ln();
    }
    let nf = n as f64;
    let lw: Vec<f64> = (0..=n).map(|k| lnc[k] + beta * (2.0 * k as f64 - nf).powi(2) / (2.0 * nf)).collect();
    let mx = lw.iter().cloned().fold(f64::MIN, f64::max);
    let (mut z, mut s) = (0.0, 0.0);
    for (k, l) in lw.iter().enumerate() {
        let p = (l - mx).exp();
        z += p;
        s += p * (2.0 * k as f64 - nf).powi(2);
    }
    (s / z - nf) / (nf * (nf - 1.0))
}

/// Exact finite-N log-likelihood gradient of a BG-RBM with two hidden units on the two-pattern
/// teacher. Model term by the trapezoidal rule on a grid in the whitened coordinates of the
/// paramagnetic Laplace approximation (valid while λ_max(WᵀW/N) < 1; ln cosh ≤ x²/2 makes the true
/// density's tails lighter than that Gaussian, so ±8σ holds all but e^{-32} of the mass).
fn exact_gradient(w: &[Vec<f64>; 2], eta: &[f64], etat: &[f64], c2: (f64, f64), out: &mut [Vec<f64>; 2]) {
    let n = eta.len();
    let nf = n as f64;
    let g = |a: usize, b: usize| dot(&w[a], &w[b]) / nf;
    // Precision matrix N(I − G) and its inverse's Cholesky factor.
    let p = [[nf * (1.0 - g(0, 0)), -nf * g(0, 1)], [-nf * g(1, 0), nf * (1.0 - g(1, 1))]];
    let det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
    assert!(det > 0.0 && p[0][0] > 0.0, "left the paramagnetic phase");
    let c = [[p[1][1] / det, -p[0][1] / det], [-p[1][0] / det, p[0][0] / det]];
    let l00 = c[0][0].sqrt();
    let l10 = c[1][0] / l00;
    let l11 = (c[1][1] - l10 * l10).sqrt();
    let (zmax, dz) = (8.0f64, 0.4f64);
    let nz = (2.0 * zmax / dz).round() as usize;
    let mut pts = Vec::with_capacity((nz + 1) * (nz + 1));
    for a in 0..=nz {
        for b in 0..=nz {
            let (z1, z2) = (-zmax + dz * a as f64, -zmax + dz * b as f64);
            let h = [l00 * z1, l10 * z1 + l11 * z2];
            let e: f64 = (0..n).map(|k| ln_cosh(h[0] * w[0][k] + h[1] * w[1][k])).sum::<f64>()
                - nf * (h[0] * h[0] + h[1] * h[1]) / 2.0;
            pts.push((h, e));
        }
    }
    let mx = pts.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let z: f64 = pts.iter().map(|p| (p.1 - mx).exp()).sum();
    let wts: Vec<f64> = pts.iter().map(|p| (p.1 - mx).exp() / z).collect();
    let (ue, ut) = ([dot(&w[0], eta), dot(&w[1], eta)], [dot(&w[0], etat), dot(&w[1], etat)]);
    for mu in 0..2 {
        for i in 0..n {
            // Data: (1/N)[w_i + c₂ pattern_i Σ_{j≠i, same block} pattern_j w_j].
            let pos = if eta[i] != 0.0 {
                w[mu][i] + c2.0 * eta[i] * (ue[mu] - eta[i] * w[mu][i])
            } else {
                w[mu][i] + c2.1 * etat[i] * (ut[mu] - etat[i] * w[mu][i])
            } / nf;
            let neg: f64 =
                pts.iter().zip(&wts).map(|((h, _), q)| q * h[mu] * (h[0] * w[0][i] + h[1] * w[1][i]).tanh()).sum();
            out[mu][i] = pos - neg;
        }
    }
}

#[test]
fn exact_finite_n_gradient_grows_at_the_predicted_rates() {
    let (n, kappa, t) = (200usize, 0.3, 0.5);
    let s = hopfield_saddle(kappa, t).unwrap();
    let (eta, etat) = patterns(n, kappa, 31);
    let (ne, nt) = (dot(&eta, &eta) as usize, dot(&etat, &etat) as usize);
    let c2 = (block_pair_correlation((1.0 + kappa) / t, ne), block_pair_correlation((1.0 - kappa) / t, nt));
    let mut w = small_init(n, &eta, &etat, 8);
    let init = init_from(&w, &eta, &etat);
    let nf = n as f64;
    let lam = |w: &[Vec<f64>; 2], v: &[f64]| -> f64 {
        (dot(v, v) / nf) * w.iter().map(|wm| (dot(wm, v) / dot(v, v)).powi(2)).sum::<f64>()
    };
    let dt = 0.05;
    let mut k = [
        [vec![0.0; n], vec![0.0; n]],
        [vec![0.0; n], vec![0.0; n]],
        [vec![0.0; n], vec![0.0; n]],
        [vec![0.0; n], vec![0.0; n]],
    ];
    let (mut ts, mut le, mut lt) = (vec![0.0], vec![lam(&w, &eta)], vec![lam(&w, &etat)]);
    let mut time = 0.0;
    while *le.last().unwrap() < 0.3 {
        for stage in 0..4 {
            let c = [0.0, 0.5, 0.5, 1.0][stage] * dt;
            let y: [Vec<f64>; 2] = if stage == 0 {
                w.clone()
            } else {
                let prev = &k[stage - 1];
                [0, 1].map(|mu| w[mu].iter().zip(&prev[mu]).map(|(a, b)| a + c * b).collect())
            };
            exact_gradient(&y, &eta, &etat, c2, &mut k[stage]);
        }
        for mu in 0..2 {
            for i in 0..n {
                w[mu][i] += dt / 6.0 * (k[0][mu][i] + 2.0 * k[1][mu][i] + 2.0 * k[2][mu][i] + k[3][mu][i]);
            }
        }
        time += dt;
        ts.push(time);
        le.push(lam(&w, &eta));
        lt.push(lam(&w, &etat));
    }
    let slope = |y: &[f64]| {
        let (x, v): (Vec<f64>, Vec<f64>) =
            ts.iter().zip(y).filter(|(t, _)| **t >= 0.5).map(|(t, l)| (*t, l.ln())).unzip();
        let m = x.len() as f64;
        let (mx, mv) = (x.iter().sum::<f64>() / m, v.iter().sum::<f64>() / m);
        0.5 * x.iter().zip(&v).map(|(a, b)| (a - mx) * (b - mv)).sum::<f64>()
            / x.iter().map(|a| (a - mx) * (a - mx)).sum::<f64>()
    };
    let (re, rt) = (slope(&le), slope(&lt));
    // Finite-N linear rates (data term, diagonal included, minus the model's 1/N at small λ):
    // c₂(N_b − 1)/N + 1/N − 1/N. They differ from r² c_η and p² c_η̃ by |c₂ − r²| c and 1/N.
    let (pe, pt) = (c2.0 * (ne as f64 - 1.0) / nf, c2.1 * (nt as f64 - 1.0) / nf);
    // Crossing of λ_η = 0.3: exact run vs the linear solution's prediction.
    let lin_t03 = ((0.3 / init_t0(&init, kappa)).ln()) / (2.0 * s.rate_eta);
    println!(
        "rate eta: exact-N fit {re:.5}, finite-N linear {pe:.5}, theory {:.5}; rate eta~: fit {rt:.5}, finite-N {pt:.5}, \
         theory {:.5}; t(lambda_eta=0.3): exact-N {time:.3} vs theory {lin_t03:.3} (c2 = {:.5}, {:.5}; r² = {:.5}, p² = {:.5})",
        s.rate_eta,
        s.rate_eta_tilde,
        c2.0,
        c2.1,
        s.r * s.r,
        s.p * s.p
    );
    // The model term at λ ≤ 0.3 adds at most λ/(1−λ)/N ≈ 0.43/N ≈ 2e-3 to the 1/N already removed.
    assert!((re - pe).abs() < 3e-3 && (rt - pt).abs() < 3e-3);
    // Against the thermodynamic-limit rates: |c₂ − r²|·c + 1/N-type terms, 4 % here (N_η̃ = 70).
    let bound = |c2: f64, m2: f64, c: f64, rate: f64| ((c2 - m2).abs() * c + 3.0 / nf) / rate;
    assert!((re / s.rate_eta - 1.0).abs() < bound(c2.0, s.r * s.r, 0.5 * (1.0 + kappa), s.rate_eta));
    assert!((rt / s.rate_eta_tilde - 1.0).abs() < bound(c2.1, s.p * s.p, 0.5 * (1.0 - kappa), s.rate_eta_tilde));
    assert!((time / lin_t03 - 1.0).abs() < 0.05 + dt / time);
}

fn init_t0(init: &HopfieldInit, kappa: f64) -> f64 {
    let nf = init.n as f64;
    init.u_eta.iter().map(|u| u * u).sum::<f64>() / (nf * nf * 0.5 * (1.0 + kappa))
}

#[test]
fn bad_input_is_rejected() {
    assert!(hopfield_saddle(1.0, 0.5).is_err());
    assert!(hopfield_saddle(-0.1, 0.5).is_err());
    assert!(hopfield_saddle(0.3, 0.0).is_err());
    assert!(hopfield_saddle(0.3, -1.0).is_err());
    assert!(hopfield_saddle(f64::NAN, 0.5).is_err());
    let big = HopfieldInit { n: 100, u_eta: [100.0, 0.0], u_eta_tilde: [0.1, 0.1], gram_perp: [[0.0; 2]; 2] };
    assert!(hopfield_transition_times(0.3, 0.5, &big).is_err());
    let bad = HopfieldInit { n: 100, u_eta: [0.1, f64::NAN], u_eta_tilde: [0.1, 0.1], gram_perp: [[0.0; 2]; 2] };
    assert!(hopfield_linear_dynamics(0.3, 0.5, &bad, &[0.0, 1.0]).is_err());
    // No η̃ structure in the data (T between 1 − κ and 1 + κ): t_II = ∞, stated explicitly.
    let ok = HopfieldInit { n: 100, u_eta: [1.0, 0.5], u_eta_tilde: [0.3, 0.1], gram_perp: [[0.0; 2]; 2] };
    let tt = hopfield_transition_times(0.3, 1.0, &ok).unwrap();
    assert!(tt.t_i.is_finite() && tt.t_ii == f64::INFINITY);
}
