//! Spiked covariance model (paper 003 §2; rank-1 case used by paper 002 §5.1).
//!
//! Each sample is `x_μ = Σ_a √λ_a c_{μa} u_a + z_μ` with orthonormal directions
//! `u_a ∈ R^d`, unit-variance latent coefficients `c_{μa}` drawn from a prior and
//! unit-variance i.i.d. noise `z_μ`, so that the population covariance is
//! `I + Σ_a λ_a u_a u_aᵀ`. With `spikes` empty and Rademacher noise this is the
//! null model of independent ±1 units.
//!
//! Sampling is split into fixed blocks of [`BLOCK_ROWS`] rows, each with its own RNG
//! stream derived from `(seed, block)`, so the output does not depend on the number of
//! threads.

use ndarray::{Array2, Axis};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Rows per independently seeded block.
pub const BLOCK_ROWS: usize = 256;

/// Distribution of the unit-variance latent coefficients `c`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpikePrior {
    /// `c ~ N(0, 1)`.
    Gaussian,
    /// `c = ±1` with equal probability.
    Rademacher,
    /// `c = ±1/√ρ` with probability `ρ` (each sign `ρ/2`), else 0.
    Sparse(f64),
}

/// Distribution of the unit-variance noise entries `z`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// `z ~ N(0, 1)`.
    Gaussian,
    /// `z = ±1`.
    Rademacher,
}

/// How the spike directions are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Directions {
    /// Gaussian vectors, Gram–Schmidt orthonormalised.
    Gaussian,
    /// Entries `±1/√d` (orthonormalised by Gram–Schmidt when there are several spikes).
    Rademacher,
}

/// Parameters of the spiked covariance generator.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikedConfig {
    /// Dimension `d`.
    pub d: usize,
    /// Number of samples `n`.
    pub n: usize,
    /// Signal-to-noise ratios `λ_a ≥ 0` (diagonal SNR matrix).
    pub snr: Vec<f64>,
    /// Prior of the latent coefficients.
    pub prior: SpikePrior,
    /// Noise distribution.
    pub noise: Noise,
    /// How the directions `u_a` are drawn.
    pub directions: Directions,
    /// Seed of the stage.
    pub seed: u64,
}

/// A sample set with its planted directions.
#[derive(Debug, Clone)]
pub struct SpikedSample {
    /// `n × d` samples, one per row.
    pub x: Array2<f64>,
    /// `k × d` orthonormal spike directions, one per row.
    pub u: Array2<f64>,
}

/// Errors of the spiked generator.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpikedError {
    /// Impossible parameters.
    #[error("invalid spiked-covariance parameter: {0}")]
    Invalid(String),
}

/// Derives an independent stream from `(seed, stream)` (SplitMix64 finaliser on both words).
pub fn stream_rng(seed: u64, stream: u64) -> Xoshiro256PlusPlus {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))))
}

/// Draws the spike directions and `n` samples of the spiked covariance model.
pub fn sample_spiked(cfg: &SpikedConfig) -> Result<SpikedSample, SpikedError> {
    let k = cfg.snr.len();
    if cfg.d == 0 || cfg.n == 0 {
        return Err(SpikedError::Invalid(format!("d = {} and n = {} must be positive", cfg.d, cfg.n)));
    }
    if k > cfg.d {
        return Err(SpikedError::Invalid(format!("{k} spikes exceed dimension d = {}", cfg.d)));
    }
    if let Some(l) = cfg.snr.iter().find(|l| !(l.is_finite() && **l >= 0.0)) {
        return Err(SpikedError::Invalid(format!("snr must be finite and >= 0, got {l}")));
    }
    if let SpikePrior::Sparse(rho) = cfg.prior
        && !(rho > 0.0 && rho <= 1.0)
    {
        return Err(SpikedError::Invalid(format!("sparse prior density must be in (0, 1], got {rho}")));
    }
    let u = directions(cfg)?;
    let d = cfg.d;
    let mut x = Array2::<f64>::zeros((cfg.n, d));
    let sq: Vec<f64> = cfg.snr.iter().map(|l| l.sqrt()).collect();
    x.axis_chunks_iter_mut(Axis(0), BLOCK_ROWS).into_par_iter().enumerate().for_each(|(b, mut blk)| {
        let mut rng = stream_rng(cfg.seed, 1 + b as u64);
        let mut c = vec![0.0; k];
        for mut row in blk.rows_mut() {
            for v in row.iter_mut() {
                *v = match cfg.noise {
                    Noise::Gaussian => rng.sample(StandardNormal),
                    Noise::Rademacher => {
                        if rng.random::<bool>() {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                };
            }
            for ca in c.iter_mut() {
                *ca = latent(cfg.prior, &mut rng);
            }
            for a in 0..k {
                let s = sq[a] * c[a];
                if s != 0.0 {
                    row.scaled_add(s, &u.row(a));
                }
            }
        }
    });
    Ok(SpikedSample { x, u })
}

fn latent(prior: SpikePrior, rng: &mut Xoshiro256PlusPlus) -> f64 {
    match prior {
        SpikePrior::Gaussian => rng.sample(StandardNormal),
        SpikePrior::Rademacher => {
            if rng.random::<bool>() {
                1.0
            } else {
                -1.0
            }
        }
        SpikePrior::Sparse(rho) => {
            let r: f64 = rng.random();
            if r < rho / 2.0 {
                1.0 / rho.sqrt()
            } else if r < rho {
                -1.0 / rho.sqrt()
            } else {
                0.0
            }
        }
    }
}

fn directions(cfg: &SpikedConfig) -> Result<Array2<f64>, SpikedError> {
    let (k, d) = (cfg.snr.len(), cfg.d);
    let mut rng = stream_rng(cfg.seed, 0);
    let mut u = Array2::<f64>::zeros((k, d));
    for a in 0..k {
        for j in 0..d {
            u[(a, j)] = match cfg.directions {
                Directions::Gaussian => rng.sample(StandardNormal),
                Directions::Rademacher => {
                    if rng.random::<bool>() {
                        1.0
                    } else {
                        -1.0
                    }
                }
            };
        }
        // Gram–Schmidt against the previous directions (twice, for stability).
        for _ in 0..2 {
            for b in 0..a {
                let p = u.row(a).dot(&u.row(b));
                let ub = u.row(b).to_owned();
                u.row_mut(a).scaled_add(-p, &ub);
            }
        }
        let norm = u.row(a).dot(&u.row(a)).sqrt();
        if norm < 1e-12 {
            return Err(SpikedError::Invalid("degenerate spike directions".into()));
        }
        u.row_mut(a).mapv_inplace(|v| v / norm);
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(n: usize, d: usize, snr: Vec<f64>) -> SpikedConfig {
        SpikedConfig {
            d,
            n,
            snr,
            prior: SpikePrior::Rademacher,
            noise: Noise::Gaussian,
            directions: Directions::Gaussian,
            seed: 7,
        }
    }

    #[test]
    fn sample_covariance_converges_entrywise() {
        // Population covariance I + Σ λ_a u_a u_aᵀ; each entry of the sample covariance has
        // variance C_ii C_jj + C_ij² over n for Gaussian-like data; check within 4 s.e.
        let c = SpikedConfig { prior: SpikePrior::Sparse(0.5), ..cfg(40_000, 6, vec![2.0, 0.7]) };
        let s = sample_spiked(&c).unwrap();
        let n = c.n as f64;
        let emp = s.x.t().dot(&s.x) / n;
        let mut pop = Array2::<f64>::eye(c.d);
        for a in 0..2 {
            for i in 0..c.d {
                for j in 0..c.d {
                    pop[(i, j)] += c.snr[a] * s.u[(a, i)] * s.u[(a, j)];
                }
            }
        }
        for i in 0..c.d {
            for j in 0..c.d {
                // Sparse latents have kurtosis 1/ρ; bound the variance generously by 3×Gaussian.
                let se = (3.0 * (pop[(i, i)] * pop[(j, j)] + pop[(i, j)].powi(2)) / n).sqrt();
                assert!((emp[(i, j)] - pop[(i, j)]).abs() < 4.0 * se, "entry ({i},{j})");
            }
        }
        // Directions are orthonormal.
        let g = s.u.dot(&s.u.t());
        assert!((g[(0, 0)] - 1.0).abs() < 1e-12 && g[(0, 1)].abs() < 1e-12);
    }

    #[test]
    fn output_is_independent_of_thread_count() {
        let c = cfg(700, 30, vec![1.5]);
        let one =
            rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| sample_spiked(&c).unwrap());
        let two =
            rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| sample_spiked(&c).unwrap());
        assert_eq!(one.x, two.x);
        assert_eq!(one.u, two.u);
    }

    #[test]
    fn rejects_impossible_parameters() {
        assert!(sample_spiked(&cfg(0, 3, vec![1.0])).is_err());
        assert!(sample_spiked(&cfg(10, 3, vec![f64::NAN])).is_err());
        assert!(sample_spiked(&cfg(10, 1, vec![1.0, 1.0])).is_err());
        let c = SpikedConfig { prior: SpikePrior::Sparse(0.0), ..cfg(10, 3, vec![1.0]) };
        assert!(sample_spiked(&c).is_err());
    }
}
