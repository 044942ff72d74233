//! Paper 001 App. C / Fig. 6 right: the free-energy landscape F(h₁, h₂) of a two-hidden-unit
//! BG-RBM. The number of minima found on the grid (1 → 2 → 4) is checked against the transition
//! criteria derived in `theory::meanfield` (top eigenvalue of WᵀW/N crossing 1; for symmetric
//! block weights `(1+κ)A² = 1` then `(1−κ)B² = 1`). The minima positions are checked against 1-D
//! CW equations solved here by bisection.

use theory::meanfield::{SiteRows, bg_random_setup, free_energy_2h, free_energy_landscape};

const KAPPA: f64 = 0.3;

fn bisect(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let fa = f(a);
    for _ in 0..200 {
        let c = 0.5 * (a + b);
        if (f(c) < 0.0) == (fa < 0.0) { a = c } else { b = c }
    }
    0.5 * (a + b)
}

/// Non-zero root `y` of `y = β tanh(y)` (0 for β ≤ 1).
fn cw_root(beta: f64) -> f64 {
    if beta <= 1.0 { 0.0 } else { bisect(|y| y - beta * y.tanh(), 1e-9, beta + 1.0) }
}

#[test]
fn minima_count_and_positions_for_symmetric_block_weights() {
    // (λ_η, λ_η̃) → expected number of minima.
    let cases = [(0.5, 0.2, 1), (0.97, 0.9, 1), (1.03, 0.5, 2), (1.5, 0.97, 2), (2.0, 1.03, 4), (2.5, 1.8, 4)];
    for &(le, lt, expect) in &cases {
        let rows = SiteRows::symmetric_block(KAPPA, le, lt).unwrap();
        let land = free_energy_landscape(&rows, (-2.5, 2.5), (-2.5, 2.5), 201, 201).unwrap();
        let found = land.minima.len();
        println!(
            "lambda=({le}, {lt}): {found} minima {:?}",
            land.minima.iter().map(|m| (m.h1, m.h2)).collect::<Vec<_>>()
        );
        assert_eq!(found, expect, "lambda_eta={le} lambda_eta_tilde={lt}");
        assert!(land.minima.iter().all(|m| m.refined));
        // Along x = (h₁+h₂)/√2, F has the 1-D form x²/2 − c_η log2cosh(√2 A x): with y = √2 A x the
        // minimum solves y = λ_η tanh(y), λ_η = 2c_η A². Likewise along (h₁ − h₂)/√2 with λ_η̃.
        let (a, b) = ((le / (1.0 + KAPPA)).sqrt(), (lt / (1.0 - KAPPA)).sqrt());
        let xs = cw_root(le) / (2f64.sqrt() * a);
        let ys = if lt > 1.0 { cw_root(lt) / (2f64.sqrt() * b) } else { 0.0 };
        for m in &land.minima {
            let (x, y) = ((m.h1 + m.h2) / 2f64.sqrt(), (m.h1 - m.h2) / 2f64.sqrt());
            assert!((x.abs() - xs).abs() < 1e-7, "x = {x} vs {xs}");
            assert!((y.abs() - ys).abs() < 1e-7, "y = {y} vs {ys}");
        }
        // All minima of a symmetric landscape are degenerate.
        let f0 = land.minima[0].f;
        assert!(land.minima.iter().all(|m| (m.f - f0).abs() < 1e-12));
    }
}

#[test]
fn block_rows_reproduce_explicit_site_weights() {
    let n = 500usize;
    let ne = (n as f64 * 0.5 * (1.0 + KAPPA)).round() as usize;
    let (_, s) = bg_random_setup(n, 1.0, 4).unwrap();
    let (a, b) = ([1.1, 0.4], [0.7, -0.9]);
    let w1: Vec<f64> = (0..n).map(|i| s[i] * if i < ne { a[0] } else { b[0] }).collect();
    let w2: Vec<f64> = (0..n).map(|i| s[i] * if i < ne { a[1] } else { b[1] }).collect();
    let explicit = SiteRows::from_weights(&w1, &w2).unwrap();
    let block = SiteRows::two_block(KAPPA, a, b).unwrap();
    let (hs, _) = bg_random_setup(40, 1.0, 5).unwrap();
    for h in hs.chunks(2) {
        let h = [h[0], h[1]];
        assert!((free_energy_2h(&explicit, h) - free_energy_2h(&block, h)).abs() < 1e-12);
    }
}

#[test]
fn first_split_happens_when_the_top_eigenvalue_of_wtw_over_n_crosses_one() {
    // Generic weights (no block structure): random Gaussian rows, rescaled so that
    // λ_max(WᵀW/N) = 0.95 or 1.05. The Hessian of F at 0 is I − WᵀW/N.
    let n = 300usize;
    let (g, _) = bg_random_setup(2 * n, 1.0, 6).unwrap();
    let (w1, w2): (Vec<f64>, Vec<f64>) = (0..n).map(|i| (g[i] + 0.5 * g[n + i], 0.3 * g[n + i])).unzip();
    let nf = n as f64;
    let (g00, g01, g11) = (
        w1.iter().map(|x| x * x).sum::<f64>() / nf,
        w1.iter().zip(&w2).map(|(x, y)| x * y).sum::<f64>() / nf,
        w2.iter().map(|x| x * x).sum::<f64>() / nf,
    );
    let lmax = 0.5 * (g00 + g11) + (0.25 * (g00 - g11).powi(2) + g01 * g01).sqrt();
    let lmin = 0.5 * (g00 + g11) - (0.25 * (g00 - g11).powi(2) + g01 * g01).sqrt();
    for &(target, expect) in &[(0.95, 1usize), (1.05, 2)] {
        let sc = (target / lmax).sqrt();
        let rows = SiteRows::from_weights(
            &w1.iter().map(|x| x * sc).collect::<Vec<_>>(),
            &w2.iter().map(|x| x * sc).collect::<Vec<_>>(),
        )
        .unwrap();
        let land = free_energy_landscape(&rows, (-1.5, 1.5), (-1.5, 1.5), 241, 241).unwrap();
        println!("lambda_max={target} (lambda_min={:.3}): {} minima", lmin * sc * sc, land.minima.len());
        assert_eq!(land.minima.len(), expect);
    }
}

#[test]
fn bad_input_is_rejected() {
    let rows = SiteRows::symmetric_block(KAPPA, 1.5, 0.5).unwrap();
    assert!(free_energy_landscape(&rows, (1.0, -1.0), (-1.0, 1.0), 11, 11).is_err());
    assert!(free_energy_landscape(&rows, (-1.0, 1.0), (-1.0, f64::NAN), 11, 11).is_err());
    assert!(free_energy_landscape(&rows, (-1.0, 1.0), (-1.0, 1.0), 2, 11).is_err());
    let bad = SiteRows { rows: vec![[1.0, 0.0]], weight: vec![0.5] };
    assert!(free_energy_landscape(&bad, (-1.0, 1.0), (-1.0, 1.0), 11, 11).is_err());
    assert!(SiteRows::symmetric_block(1.0, 1.0, 1.0).is_err());
    assert!(SiteRows::symmetric_block(0.3, -1.0, 1.0).is_err());
    assert!(SiteRows::from_weights(&[1.0], &[1.0, 2.0]).is_err());
}
