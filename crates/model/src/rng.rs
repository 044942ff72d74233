//! Seeded random streams.
//!
//! Every random draw of the crate comes from a Xoshiro256++ stream seeded by
//! `seed_from_u64(mix(seed, stream, block))`, where `stream` identifies the call (e.g. the update
//! number of a trainer) and `block` the fixed-size chain block. Results therefore depend only on
//! `(seed, stream, block)`, never on the number of threads, and a run can be resumed from any
//! stream number without storing generator states.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// The generator used everywhere.
pub type Stream = Xoshiro256PlusPlus;

#[inline]
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash `(seed, stream, block)` into one 64-bit seed (three chained SplitMix64 rounds).
pub fn mix(seed: u64, stream: u64, block: u64) -> u64 {
    splitmix(splitmix(splitmix(seed) ^ stream) ^ block.rotate_left(32))
}

/// The random stream for `(seed, stream, block)`.
pub fn stream(seed: u64, stream: u64, block: u64) -> Stream {
    Xoshiro256PlusPlus::seed_from_u64(mix(seed, stream, block))
}
