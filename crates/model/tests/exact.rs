//! Exact references: ln Z from both sides and from the joint energy, gradients against finite
//! differences of the exact log-likelihood, the Gaussian–Gaussian closed form against quadrature,
//! and the zero-sum gauge as an exact reparametrisation.

mod common;
use common::*;
use model::exact::{
    Side, exact_gradient, log_likelihood, log_likelihoods, log_partition, log_partition_by, model_moments_by,
    sample_from_distribution, states_of, visible_distribution,
};
use model::{Rbm, Units};
use ndarray::{Array1, Array2};

fn with_field_and_beta(mut r: Rbm<f64>) -> Rbm<f64> {
    let d = Array1::from_shape_fn(r.visible.width(), |i| ((i * 7 % 5) as f64 - 2.0) / 3.0);
    r = r.with_field(d.view(), 0.3).unwrap();
    r.with_beta(0.8).unwrap()
}

#[test]
fn log_z_from_both_sides_and_from_joint_energy() {
    let pairs = [
        (Units::Bernoulli, 6, Units::Ising, 4),
        (Units::Potts { states: 3 }, 4, Units::Bernoulli, 5),
        (Units::Ising, 5, Units::Potts { states: 4 }, 2),
    ];
    for (s, (v, nv, h, nh)) in pairs.into_iter().enumerate() {
        let r = with_field_and_beta(random_rbm(v, nv, h, nh, 0.8, 0.5, s as u64));
        let zv = log_partition_by(&r, Side::Visible).unwrap();
        let zh = log_partition_by(&r, Side::Hidden).unwrap();
        // brute force: ln Σ_{v,h} exp(−βE(v,h)) from the joint energy only
        let vs = states_of(&r.visible, 0, (v.n_states_or(2)).pow(nv as u32));
        let hs = states_of(&r.hidden, 0, (h.n_states_or(2)).pow(nh as u32));
        let mut terms = Vec::new();
        for a in vs.rows() {
            let va = Array2::from_shape_fn((hs.nrows(), vs.ncols()), |(_, j)| a[j]);
            let e = r.energy(va.view(), hs.view()).unwrap();
            terms.extend(e.iter().map(|e| -r.beta * e));
        }
        let zb = model::special::logsumexp(&terms);
        assert!((zv - zb).abs() < 1e-9 && (zh - zb).abs() < 1e-9, "{v:?}x{h:?}: {zv} {zh} {zb}");
        let (_, mv) = model_moments_by(&r, Side::Visible).unwrap();
        let (_, mh) = model_moments_by(&r, Side::Hidden).unwrap();
        for (a, b) in
            mv.vh.iter().zip(mh.vh.iter()).chain(mv.v.iter().zip(mh.v.iter())).chain(mv.h.iter().zip(mh.h.iter()))
        {
            assert!((a - b).abs() < 1e-10, "{v:?}x{h:?}: moments {a} vs {b}");
        }
    }
}

trait OrTwo {
    fn n_states_or(&self, d: usize) -> usize;
}
impl OrTwo for Units {
    fn n_states_or(&self, d: usize) -> usize {
        model::UnitType::n_states(self).unwrap_or(d)
    }
}

/// Finite-difference check of every parameter of `r` against the exact gradient.
fn fd_check(r: &Rbm<f64>, data: &Array2<f64>, tol: f64) {
    let g = exact_gradient(r, data.view()).unwrap();
    let e = 1e-5;
    let ll = |m: &Rbm<f64>| log_likelihood(m, data.view()).unwrap();
    for idx in [(0usize, 0usize), (r.weights.nrows() - 1, r.weights.ncols() - 1), (1, 0)] {
        let (mut p, mut m) = (r.clone(), r.clone());
        p.weights[idx] += e;
        m.weights[idx] -= e;
        let fd = (ll(&p) - ll(&m)) / (2.0 * e);
        assert!(
            (fd - g.w[idx]).abs() < tol,
            "{:?}x{:?} W{idx:?}: FD {fd} vs {}",
            r.visible.units,
            r.hidden.units,
            g.w[idx]
        );
    }
    for i in [0, r.visible.width() - 1] {
        let (mut p, mut m) = (r.clone(), r.clone());
        p.visible.bias[i] += e;
        m.visible.bias[i] -= e;
        let fd = (ll(&p) - ll(&m)) / (2.0 * e);
        assert!((fd - g.vbias[i]).abs() < tol, "b{i}: FD {fd} vs {}", g.vbias[i]);
    }
    for j in [0, r.hidden.width() - 1] {
        let (mut p, mut m) = (r.clone(), r.clone());
        p.hidden.bias[j] += e;
        m.hidden.bias[j] -= e;
        let fd = (ll(&p) - ll(&m)) / (2.0 * e);
        assert!((fd - g.hbias[j]).abs() < tol, "c{j}: FD {fd} vs {}", g.hbias[j]);
    }
}

#[test]
fn exact_gradient_matches_finite_differences() {
    let cases = [
        (Units::Bernoulli, 6, Units::Bernoulli, 3),
        (Units::Ising, 6, Units::DoubleWell { theta: 0.7 }, 2),
        (Units::Gaussian { precision: 1.5 }, 4, Units::Ising, 3),
        (Units::Potts { states: 3 }, 4, Units::Gaussian { precision: 3.0 }, 2),
        (Units::Gaussian { precision: 2.0 }, 3, Units::Gaussian { precision: 1.0 }, 2),
    ];
    for (s, (v, nv, h, nh)) in cases.into_iter().enumerate() {
        let w = if matches!(v, Units::Gaussian { .. }) { 0.4 } else { 0.7 };
        let r = with_field_and_beta(random_rbm(v, nv, h, nh, w, 0.4, 10 + s as u64));
        // data: draws from a different machine (so the gradient is far from zero)
        let other = random_rbm(v, nv, h, nh, w, 0.4, 100 + s as u64);
        let data = match v {
            Units::Gaussian { .. } => {
                let hs = Array2::from_shape_fn((50, other.hidden.width()), |(a, b)| ((a + b) % 2) as f64);
                let hs = if h == Units::Ising { hs.mapv(|x| 2.0 * x - 1.0) } else { hs };
                other.sample_visible(hs.view(), &mut rng(1)).unwrap()
            }
            _ => {
                let (st, p) = visible_distribution(&other).unwrap();
                sample_from_distribution(&st, &p, 50, 3).unwrap()
            }
        };
        fd_check(&r, &data, 1e-6);
    }
}

#[test]
fn gaussian_gaussian_log_z_matches_quadrature() {
    // ∫ exp(−βF(v)) dv over a 2-D grid, with F(v) from the generic free energy (Gaussian Γ of the hidden layer).
    let r = with_field_and_beta(random_rbm(
        Units::Gaussian { precision: 2.0 },
        2,
        Units::Gaussian { precision: 1.3 },
        3,
        0.5,
        0.5,
        4,
    ));
    let lz = log_partition(&r).unwrap();
    let n = 801;
    let (lo, hi) = (-9.0, 9.0);
    let dx = (hi - lo) / (n - 1) as f64;
    let pts = Array2::from_shape_fn((n * n, 2), |(k, j)| lo + dx * (if j == 0 { k / n } else { k % n }) as f64);
    let f = r.free_energy_visible(pts.view()).unwrap();
    let terms: Vec<f64> = f.iter().map(|x| -r.beta * x).collect();
    let lq = model::special::logsumexp(&terms) + 2.0 * dx.ln();
    assert!((lz - lq).abs() < 1e-6, "closed form {lz} vs quadrature {lq}");
    // and a non-normalisable machine is reported as such
    let mut bad = r.clone();
    bad.weights.fill(3.0);
    assert!(matches!(log_partition(&bad), Err(model::Error::NotNormalisable(_))));
}

#[test]
fn zero_sum_gauge_leaves_the_distribution_unchanged() {
    let r = random_rbm(Units::Potts { states: 4 }, 3, Units::Bernoulli, 3, 0.9, 0.6, 8);
    let mut g = r.clone();
    g.apply_zero_sum_gauge().unwrap();
    let (states, _) = visible_distribution(&r).unwrap();
    let a = log_likelihoods(&r, states.view()).unwrap();
    let b = log_likelihoods(&g, states.view()).unwrap();
    for (x, y) in a.iter().zip(b.iter()) {
        assert!((x - y).abs() < 1e-10);
    }
    for i in 0..3 {
        for mu in 0..3 {
            let s: f64 = (0..4).map(|k| g.weights[(i * 4 + k, mu)]).sum();
            assert!(s.abs() < 1e-12);
        }
    }
    // with the hidden bias switched off, the gauge is not a symmetry: clear error
    let mut off = r.clone();
    off.hidden = off.hidden.with_bias_mode(model::BiasMode::Off);
    assert!(off.apply_zero_sum_gauge().is_err());
}

#[test]
fn bad_inputs_are_errors() {
    let r = random_rbm(Units::Bernoulli, 4, Units::Bernoulli, 2, 0.5, 0.5, 1);
    let half = Array2::from_elem((2, 4), 0.5);
    assert!(matches!(log_likelihood(&r, half.view()), Err(model::Error::Support { .. })));
    let wide = Array2::zeros((2, 5));
    assert!(matches!(log_likelihood(&r, wide.view()), Err(model::Error::Shape { .. })));
    let gg = Rbm::<f64>::zeros(Units::Gaussian { precision: 1.0 }, 2, Units::DoubleWell { theta: 0.0 }, 1).unwrap();
    assert!(matches!(log_partition(&gg), Err(model::Error::NotEnumerable(_))));
    assert!(Rbm::<f64>::zeros(Units::Potts { states: 1 }, 2, Units::Bernoulli, 1).is_err());
    assert!(Rbm::<f64>::zeros(Units::Gaussian { precision: -1.0 }, 2, Units::Bernoulli, 1).is_err());
    assert!(r.clone().with_beta(0.0).is_err());
    let big = Rbm::<f64>::zeros(Units::Bernoulli, 30, Units::Bernoulli, 30).unwrap();
    assert!(matches!(log_partition(&big), Err(model::Error::NotEnumerable(_))));
}

/// Regression: one hidden unit (a product with a single column used to come back column-major
/// and panic). Closed form for ±1 units without biases: Z = 2 Π_i 2cosh(w_i).
#[test]
fn single_hidden_unit_log_partition_matches_closed_form() {
    let n = 9;
    let mut rbm = model::Rbm::<f64>::zeros(model::Units::Ising, n, model::Units::Ising, 1).unwrap();
    for i in 0..n {
        rbm.weights[(i, 0)] = 0.1 * (i as f64) - 0.3;
    }
    let exact: f64 = 2f64.ln() + (0..n).map(|i| (2.0 * (0.1 * i as f64 - 0.3).cosh()).ln()).sum::<f64>();
    for side in [model::Side::Visible, model::Side::Hidden] {
        let lz = model::exact::log_partition_by(&rbm, side).unwrap();
        assert!((lz - exact).abs() < 1e-10, "{side:?}: {lz} vs {exact}");
    }
}
