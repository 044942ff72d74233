//! Determinism of the parallel samplers and autocorrelation-time estimators.

mod common;
use common::*;
use model::{
    Chains, EquilibriumConfig, Units, autocorrelation, exponential_time, gibbs, integrated_time, sample_equilibrium,
};
use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};

fn run(threads: usize, seed: u64) -> Chains<f32> {
    let r = random_rbm(Units::Bernoulli, 30, Units::Bernoulli, 12, 0.3, 0.2, 1).cast::<f32>();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut c = Chains::random(&r, 300, seed, 0).unwrap();
        gibbs(&r, &mut c, 5, seed, 1).unwrap();
        c
    })
}

#[test]
fn gibbs_is_deterministic_and_thread_count_independent() {
    let a = run(1, 7);
    let b = run(2, 7);
    let c = run(2, 7);
    let d = run(2, 8);
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_ne!(a, d);
}

#[test]
fn autocorrelation_times_of_ar1_process() {
    // x_{t+1} = a x_t + √(1−a²) ξ: ρ(t) = a^t, τ_int = (1+a)/(1−a), τ_exp = −1/ln a.
    let a: f64 = 0.8;
    let (t_len, n) = (20_000, 8);
    let mut g = rng(3);
    let mut x = Array2::zeros((t_len, n));
    for k in 0..n {
        let mut v: f64 = StandardNormal.sample(&mut g);
        for t in 0..t_len {
            x[(t, k)] = v;
            let z: f64 = StandardNormal.sample(&mut g);
            v = a * v + (1.0 - a * a).sqrt() * z;
        }
    }
    let rho = autocorrelation(x.view(), 200).unwrap();
    let (tau, _, ok) = integrated_time(rho.as_slice().unwrap(), 5.0);
    let exact = (1.0 + a) / (1.0 - a);
    // s.e. of τ_int ≈ τ √(2(2W+1)/T) (Sokal), T = 160 000 samples → about 3 %
    assert!(ok && (tau - exact).abs() < 0.1 * exact, "τ_int {tau} vs {exact}");
    let te = exponential_time(rho.as_slice().unwrap(), 0.05).unwrap();
    let exact_e = -1.0 / a.ln();
    assert!((te - exact_e).abs() < 0.1 * exact_e, "τ_exp {te} vs {exact_e}");
}

#[test]
fn equilibrium_sampler_records_thinned_samples() {
    let r = random_rbm(Units::Ising, 8, Units::Ising, 2, 0.4, 0.0, 2);
    let cfg = EquilibriumConfig { n_chains: 100, n_therm: 10, n_samples: 5, thin: 3, seed: 1 };
    let mut seen = Vec::new();
    let fin = sample_equilibrium(&r, &cfg, None, |t, c| {
        seen.push((t, c.v.clone()));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[4].1, fin.v);
    // deterministic replay
    let again = sample_equilibrium(&r, &cfg, None, |_, _| Ok(())).unwrap();
    assert_eq!(again, fin);
    assert!(sample_equilibrium(&r, &EquilibriumConfig { thin: 0, ..cfg }, None, |_, _| Ok(())).is_err());
}
