//! AIS against exact ln Z on enumerable machines; reverse/forward sandwich.

mod common;
use common::*;
use model::exact::{hidden_distribution, log_partition, sample_from_distribution, visible_distribution};
use model::{AisConfig, Units, ais_forward, ais_reverse};

#[test]
fn forward_ais_within_error_bars_and_sandwich() {
    let cases = [
        (Units::Bernoulli, 12, Units::Bernoulli, 10, 0.5),
        (Units::Ising, 10, Units::DoubleWell { theta: 0.5 }, 3, 0.4),
        (Units::Potts { states: 3 }, 6, Units::Gaussian { precision: 2.0 }, 3, 0.5),
    ];
    for (s, (v, nv, h, nh, w)) in cases.into_iter().enumerate() {
        let r = random_rbm(v, nv, h, nh, w, 0.3, 20 + s as u64).cast::<f32>();
        let exact = log_partition(&r).unwrap();
        // long schedule: estimate within 4 s.e.
        let cfg = AisConfig { n_chains: 512, n_steps: 3000, seed: 5, base_visible_bias: None };
        let f = ais_forward(&r, &cfg).unwrap();
        eprintln!("{v:?}x{h:?}: exact {exact:.4}, forward {:.4} ± {:.4} (ess {:.0})", f.log_z, f.std_err, f.ess);
        assert!((f.log_z - exact).abs() < 4.0 * f.std_err, "forward {} ± {} vs {exact}", f.log_z, f.std_err);
        // short schedule: the single-chain Jensen bounds sandwich ln Z by more than 4 s.e. each
        let short = AisConfig { n_chains: 512, n_steps: 20, seed: 6, base_visible_bias: None };
        let (st, p) = visible_distribution(&r).unwrap();
        let x = sample_from_distribution(&st, &p, 512, 9).unwrap();
        let fs = ais_forward(&r, &short).unwrap();
        let rs = ais_reverse(&r, x.view(), &short).unwrap();
        eprintln!(
            "  short: forward bound {:.4} ± {:.4}, reverse bound {:.4} ± {:.4}",
            fs.log_z_bound, fs.bound_std_err, rs.log_z_bound, rs.bound_std_err
        );
        assert!(fs.log_z_bound + 4.0 * fs.bound_std_err < exact, "forward bound {} vs {exact}", fs.log_z_bound);
        assert!(rs.log_z_bound - 4.0 * rs.bound_std_err > exact, "reverse bound {} vs {exact}", rs.log_z_bound);
        // long reverse run also within error bars
        let rl = ais_reverse(&r, x.view(), &cfg).unwrap();
        eprintln!("  long reverse {:.4} ± {:.4}", rl.log_z, rl.std_err);
        assert!((rl.log_z - exact).abs() < 4.0 * rl.std_err);
    }
}

#[test]
fn ais_on_gaussian_visible_uses_hidden_enumeration_reference() {
    let r = random_rbm(Units::Gaussian { precision: 1.0 }, 8, Units::Bernoulli, 6, 0.5, 0.3, 3);
    let exact = log_partition(&r).unwrap();
    let f = ais_forward(&r, &AisConfig { n_chains: 512, n_steps: 2000, seed: 1, base_visible_bias: None }).unwrap();
    assert!((f.log_z - exact).abs() < 4.0 * f.std_err + 0.02, "forward {} ± {} vs {exact}", f.log_z, f.std_err);
    // exact samples of v: h ~ p(h), then v ~ p(v|h)
    let (st, p) = hidden_distribution(&r).unwrap();
    let h = sample_from_distribution(&st, &p, 512, 2).unwrap();
    let v = r.sample_visible(h.view(), &mut rng(3)).unwrap();
    let rs =
        ais_reverse(&r, v.view(), &AisConfig { n_chains: 0, n_steps: 10, seed: 2, base_visible_bias: None }).unwrap();
    let fs = ais_forward(&r, &AisConfig { n_chains: 512, n_steps: 10, seed: 2, base_visible_bias: None }).unwrap();
    assert!(fs.log_z_bound + 4.0 * fs.bound_std_err < exact, "forward bound {} vs {exact}", fs.log_z_bound);
    assert!(rs.log_z_bound - 4.0 * rs.bound_std_err > exact, "reverse bound {} vs {exact}", rs.log_z_bound);
}
