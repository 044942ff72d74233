//! Seeded random streams and the block-parallel row filler shared by every sampler.
//!
//! A sample matrix is cut into fixed blocks of [`BLOCK_ROWS`] rows. Block `b` is filled with its
//! own Xoshiro256++ stream `stream_rng(seed, 1 + b)` (stream 0 is kept for set-up draws such as
//! a random pattern), so the output is a function of `(seed, parameters)` only, never of the
//! number of rayon threads.

use ndarray::{Array2, ArrayViewMut1, Axis};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

pub use crate::spiked::{BLOCK_ROWS, stream_rng};

/// Fills `out` row by row in parallel over blocks of [`BLOCK_ROWS`] rows.
///
/// `init` builds per-block scratch state (called once per block); `row(state, rng, r, view)`
/// writes sample `r` (global row index) into `view` using the block's RNG stream
/// `stream_rng(seed, 1 + block)`.
pub fn fill_rows<T, S, I, F>(out: &mut Array2<T>, seed: u64, init: I, row: F)
where
    T: Send + Sync,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &mut Xoshiro256PlusPlus, usize, ArrayViewMut1<T>) + Sync,
{
    out.axis_chunks_iter_mut(Axis(0), BLOCK_ROWS).into_par_iter().enumerate().for_each(|(b, mut blk)| {
        let mut rng = stream_rng(seed, 1 + b as u64);
        let mut state = init();
        for (j, r) in blk.rows_mut().into_iter().enumerate() {
            row(&mut state, &mut rng, b * BLOCK_ROWS + j, r);
        }
    });
}
