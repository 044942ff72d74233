//! Null models: independent units (the Marchenko–Pastur references of papers 000 and 002).

use ndarray::Array2;
use rand::RngExt;

use crate::Encoding;
use crate::error::{Result, invalid};
use crate::rng::fill_rows;

/// `n_samples × n` independent binary units, `+1` (or 1 in {0,1} encoding) with probability
/// `p_up`, else `−1` (or 0). `p_up = 0.5` is the uniform null model.
pub fn independent_binary(n_samples: usize, n: usize, p_up: f64, seed: u64, encoding: Encoding) -> Result<Array2<i8>> {
    if !(0.0..=1.0).contains(&p_up) {
        return invalid(format!("probability of an up unit must be in [0, 1], got {p_up}"));
    }
    let (up, down) = (encoding.encode(1), encoding.encode(-1));
    let mut out = Array2::<i8>::zeros((n_samples, n));
    fill_rows(
        &mut out,
        seed,
        || (),
        |_, rng, _, mut row| {
            for x in row.iter_mut() {
                *x = if rng.random::<f64>() < p_up { up } else { down };
            }
        },
    );
    Ok(out)
}

/// `n_samples × n` independent uniform Potts units with states `0..p` (the null model of paper 002 §4).
pub fn independent_potts(n_samples: usize, n: usize, p: usize, seed: u64) -> Result<Array2<u8>> {
    if !(2..=255).contains(&p) {
        return invalid(format!("Potts null model needs 2 ≤ P ≤ 255 states, got {p}"));
    }
    let mut out = Array2::<u8>::zeros((n_samples, n));
    fill_rows(
        &mut out,
        seed,
        || (),
        |_, rng, _, mut row| {
            for x in row.iter_mut() {
                *x = rng.random_range(0..p) as u8;
            }
        },
    );
    Ok(out)
}
