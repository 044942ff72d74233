//! Exact sampler and exact pair statistics of a translation-invariant nearest-neighbour ring
//! with `P` states (shared by the Ising ring and the discretised XY ring of paper 002).
//!
//! The measure is `P(v) ∝ Π_{i} k[(v_{i+1} − v_i) mod P]` on `v ∈ {0..P−1}^N` with periodic
//! boundary conditions (`v_N ≡ v_0`) and a non-negative kernel `k` on `Z_P`.
//!
//! # Forward sampling conditioned on `v_0` (derivation)
//! The measure is invariant under the global shift `v → v + c mod P`, so `v_0` is uniform. Given
//! `v_0`, the ring is a chain `v_0 → v_1 → … → v_{N−1} → v_0`, a Markov chain whose transition is
//! `P(v_{i+1} | v_i, v_0) ∝ K(v_i, v_{i+1}) K^{r}(v_{i+1}, v_0)` with `r = N − 1 − i` the number of
//! bonds from site `i+1` back to site 0 (backward messages of forward-filtering/backward-sampling,
//! which for a ring conditioned on `v_0` are the matrix powers of the transfer matrix `K`).
//! `K` is circulant, so `K^r(a, b) = k_r[(b − a) mod P]` where `k_r = k ⊛ … ⊛ k` (r-fold circular
//! convolution). Normalising `κ_r = k_r / λ_0^r` with `λ_0 = Σ_d k[d]` makes `κ_r` the law of an
//! r-step random walk on `Z_P` (no overflow, no cancellation). The conditional then depends on
//! `d_i = v_i − v_0` only: `P(d_{i+1} = b | d_i = a) ∝ k[b − a] κ_r[−b]`.
//! Once `κ_r` is uniform to machine precision all later rows of the table coincide and are shared.

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Transition tables of a ring sampler, stored as integer CDF thresholds on `u64`.
#[derive(Debug, Clone)]
pub(crate) struct RingSampler {
    n: usize,
    p: usize,
    /// Number of distinct tables (bond distances `r = 1..=rows`; larger `r` uses `rows`).
    rows: usize,
    /// `cdf[((r − 1) * P + a) * P + b]`.
    cdf: Vec<u64>,
    /// Uniform first state.
    first: Vec<u64>,
}

/// `κ_r` for `r = 0..=r_max`: `κ_0 = δ_0`, `κ_r = κ_{r−1} ⊛ (k/λ_0)`; stops early (returns fewer
/// entries) once two successive vectors agree to 1e-17 absolute.
pub(crate) fn walk_laws(k: &[f64], r_max: usize) -> Vec<Vec<f64>> {
    let p = k.len();
    let lam0: f64 = k.iter().sum();
    let step: Vec<f64> = k.iter().map(|x| x / lam0).collect();
    let mut out = Vec::with_capacity(r_max.min(4096) + 1);
    let mut cur = vec![0.0; p];
    cur[0] = 1.0;
    out.push(cur.clone());
    for _ in 1..=r_max {
        let mut next = vec![0.0; p];
        for (d, nx) in next.iter_mut().enumerate() {
            for (e, s) in step.iter().enumerate() {
                *nx += s * cur[(d + p - e) % p];
            }
        }
        let done = next.iter().zip(&cur).all(|(a, b)| (a - b).abs() <= 1e-17);
        cur = next;
        out.push(cur.clone());
        if done {
            break;
        }
    }
    out
}

fn thresholds(w: &[f64]) -> Vec<u64> {
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    let mut t: Vec<u64> = w
        .iter()
        .map(|x| {
            acc += x / total;
            // 2^64 · cdf, saturating.
            let v = acc * 18_446_744_073_709_551_616.0;
            if v >= 18_446_744_073_709_551_615.0 { u64::MAX } else { v as u64 }
        })
        .collect();
    if let Some(l) = t.last_mut() {
        *l = u64::MAX;
    }
    t
}

impl RingSampler {
    /// Tables for a ring of `n ≥ 1` sites with kernel `k` (length `P ≥ 2`, non-negative, `k` not all 0).
    pub(crate) fn new(n: usize, k: &[f64]) -> Self {
        let p = k.len();
        let laws = walk_laws(k, n.saturating_sub(1).max(1));
        let rows = laws.len() - 1; // laws[1..=rows]
        let mut cdf = Vec::with_capacity(rows * p * p);
        let mut w = vec![0.0; p];
        for law in &laws[1..] {
            for a in 0..p {
                for (b, wb) in w.iter_mut().enumerate() {
                    *wb = k[(b + p - a) % p] * law[(p - b) % p];
                }
                cdf.extend(thresholds(&w));
            }
        }
        Self { n, p, rows, cdf, first: thresholds(&vec![1.0; p]) }
    }

    #[inline]
    fn draw(t: &[u64], rng: &mut Xoshiro256PlusPlus) -> usize {
        let x = rng.next_u64();
        let mut j = 0;
        while j + 1 < t.len() && x >= t[j] {
            j += 1;
        }
        j
    }

    /// Draws one configuration, calling `set(i, v_i)` for `i = 0..N` in order.
    #[inline]
    pub(crate) fn sample(&self, rng: &mut Xoshiro256PlusPlus, mut set: impl FnMut(usize, usize)) {
        let p = self.p;
        let v0 = Self::draw(&self.first, rng);
        set(0, v0);
        let mut d = 0usize;
        for i in 0..self.n.saturating_sub(1) {
            let r = (self.n - 1 - i).min(self.rows);
            let base = ((r - 1) * p + d) * p;
            d = Self::draw(&self.cdf[base..base + p], rng);
            let v = v0 + d;
            set(i + 1, if v >= p { v - p } else { v });
        }
    }
}

/// Exact joint law `P(v_i = a, v_{i+d} = b)` on a ring of `n` sites with kernel `k`
/// (`P × P`, row-major): `κ_d[b − a] κ_{n−d}[a − b] / (P κ_n[0])`, i.e.
/// `K^d(a,b) K^{n−d}(b,a) / Tr K^n` in random-walk normalisation.
pub(crate) fn pair_law(n: usize, k: &[f64], d: usize) -> Vec<f64> {
    let p = k.len();
    let laws = walk_laws(k, n);
    let at = |r: usize| &laws[r.min(laws.len() - 1)];
    let (kd, kr, kn) = (at(d), at(n - d), at(n));
    let z = p as f64 * kn[0];
    let mut out = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            out[a * p + b] = kd[(b + p - a) % p] * kr[(a + p - b) % p] / z;
        }
    }
    out
}
