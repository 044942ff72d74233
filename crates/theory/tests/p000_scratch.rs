use theory::replica::*;
fn show(s: &RsSolver) {
    for f in s.fixed_points().unwrap() { println!("   m={:?} q={:.4} conv={} it={} res={:.1e} rho={:.4} stable={} f={:.6} {:?}", f.params.m_v.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>(), f.params.q_v, f.converged, f.iterations, f.residual, f.spectral_radius, f.stable, f.free_energy, f.phase); }
}
#[test]
fn explore() {
    for law in [ComponentLaw::Uniform, ComponentLaw::Bernoulli, ComponentLaw::Gaussian] {
        for sigma in [0.0, 0.3] {
            let ens = SpikedEnsemble { w: vec![3.0, 2.9, 2.8], sigma, kappa: 1.0, law_u: law, law_v: law };
            let s = RsSolver::new(&ens, &SolverOptions::default()).unwrap();
            println!("{law:?} sigma={sigma}");
            show(&s);
            let extra = vec![OrderParams{ m_v: vec![0.5,0.5,0.0], m_h: vec![0.5,0.5,0.0], q_v: 0.5, q_h: 0.5}, OrderParams{ m_v: vec![0.5,0.5,0.5], m_h: vec![0.5,0.5,0.5], q_v: 0.8, q_h: 0.8}, OrderParams{ m_v: vec![0.5,0.5,0.5], m_h: vec![0.5,0.5,0.5], q_v: 0.8, q_h: 0.8}];
            for f in s.fixed_points_from(&extra).unwrap() { println!("  x m={:?} q={:.4} conv={} it={} rho={:.4} stable={} f={:.6}", f.params.m_v.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>(), f.params.q_v, f.converged, f.iterations, f.spectral_radius, f.stable, f.free_energy); }
        }
    }
    let spec = PhaseDiagramSpec { kappa: 1.0, law_u: ComponentLaw::Gaussian, law_v: ComponentLaw::Gaussian, mode_ratios: vec![1.0],
        inv_sigma: (1..=10).map(|i| 0.2 * i as f64).collect(), w_over_sigma: (0..10).map(|i| 0.25 * i as f64).collect() };
    let pd = phase_diagram(&spec, &SolverOptions::default()).unwrap();
    for i in 0..100 { if !pd.converged[i] { println!("not conv: T={} J={} {:?} m={} q={}", pd.inv_sigma[i], pd.w_over_sigma[i], pd.phase[i], pd.m[i], pd.q[i]); } }
}
