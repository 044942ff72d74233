//! Vectorisable inner kernels of the binary-unit hot path.
//!
//! * [`LaneRng`]: eight independent xoshiro256++ generators stepped in lock-step (struct of
//!   arrays), so that the compiler can advance all lanes with SIMD instructions; each step yields
//!   sixteen 24-bit uniforms. The lanes of a chain block are seeded from that block's
//!   `(seed, stream, block)` stream ([`crate::rng`]), so results stay independent of the thread count.
//! * Binary sampling compares a 24-bit uniform `r` with `p`: `r < ⌊p·2²⁴⌋` (tabulated path) or
//!   `r·2⁻²⁴·(1 + e^{−a}) < 1` (general path); both have the 2⁻²⁴ resolution of an `f32` uniform.
//!
//! Each kernel has an `#[inline(always)]` body compiled twice: once for the baseline target and
//! once inside an `avx2` function chosen at run time. Integer and IEEE float operations give
//! bit-identical results on both paths (no FMA contraction, no reassociation).

use crate::real::Real;
use crate::rng::Stream;
use rand::Rng;

/// Number of generator lanes.
pub(crate) const LANES: usize = 8;
const TWO24: f64 = 16_777_216.0;

/// Eight xoshiro256++ generators in struct-of-arrays layout.
pub(crate) struct LaneRng {
    s: [[u64; LANES]; 4],
}

impl LaneRng {
    /// Lanes seeded from 32 draws of a block stream (SplitMix-scrambled, never all-zero).
    pub(crate) fn from_stream(rng: &mut Stream) -> Self {
        let mut s = [[0u64; LANES]; 4];
        for w in s.iter_mut() {
            for x in w.iter_mut() {
                *x = rng.next_u64() | 1;
            }
        }
        LaneRng { s }
    }
}

#[inline(always)]
fn step(s: &mut [[u64; LANES]; 4], r: &mut [u64; LANES]) {
    for l in 0..LANES {
        let (s0, s1, s2, s3) = (s[0][l], s[1][l], s[2][l], s[3][l]);
        r[l] = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        let t = s1 << 17;
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let s1 = s1 ^ s2;
        let s0 = s0 ^ s3;
        s[0][l] = s0;
        s[1][l] = s1;
        s[2][l] = s2 ^ t;
        s[3][l] = s3.rotate_left(45);
    }
}

/// Fill `out` with 24-bit uniforms (values in `0..2²⁴`).
#[inline(always)]
fn fill_body(s: &mut [[u64; LANES]; 4], out: &mut [u32]) {
    let mut r = [0u64; LANES];
    for chunk in out.chunks_mut(2 * LANES) {
        step(s, &mut r);
        let mut pair = [0u32; 2 * LANES];
        for l in 0..LANES {
            pair[2 * l] = (r[l] as u32) >> 8;
            pair[2 * l + 1] = (r[l] >> 40) as u32;
        }
        chunk.copy_from_slice(&pair[..chunk.len()]);
    }
}

/// Tabulated binary update of a block: row `k` of `v` gets `one` where `r < thr_row` else `lo`,
/// `thr_row` the threshold row of the hidden configuration `cfg[k]`.
#[inline(always)]
fn table_body<F: Real>(
    s: &mut [[u64; LANES]; 4],
    buf: &mut [u32],
    thr: &[u32],
    cfg: &[usize],
    v: &mut [F],
    one: F,
    lo: F,
) {
    let nv = buf.len();
    for (row, &c) in v.chunks_exact_mut(nv).zip(cfg) {
        fill_body(s, buf);
        let t = &thr[c * nv..(c + 1) * nv];
        for ((y, &th), &x) in row.iter_mut().zip(t).zip(buf.iter()) {
            *y = if x < th { one } else { lo };
        }
    }
}

/// General binary update of a block: `a = bscale·(input + bias)`, `one` if `u(1 + e^{−a}) < 1`.
#[inline(always)]
fn sigmoid_body<F: Real>(
    s: &mut [[u64; LANES]; 4],
    buf: &mut [u32],
    inp: &[F],
    bias: &[F],
    bscale: F,
    out: &mut [F],
    lo: F,
) {
    let w = bias.len();
    let one = F::one();
    let sc = F::from_f64(1.0 / TWO24);
    for (irow, orow) in inp.chunks_exact(w).zip(out.chunks_exact_mut(w)) {
        fill_body(s, buf);
        for (((x, y), &b), &r) in irow.iter().zip(orow.iter_mut()).zip(bias).zip(buf.iter()) {
            let a = bscale * (*x + b);
            let u = F::from_f64(r as f64) * sc;
            *y = if u * (one + (-a).exp_fast()) < one { one } else { lo };
        }
    }
}

/// `out[k, μ] = scale · Σ_i v[k, i] wt[μ, i]` with eight partial sums in a fixed order.
#[inline(always)]
fn dot_body<F: Real>(v: &[F], wt: &[F], nv: usize, scale: F, out: &mut [F]) {
    let hw = wt.len() / nv;
    for (row, orow) in v.chunks_exact(nv).zip(out.chunks_exact_mut(hw)) {
        for (wrow, o) in wt.chunks_exact(nv).zip(orow.iter_mut()) {
            let mut acc = [F::zero(); 8];
            let mut a8 = row.chunks_exact(8);
            let mut w8 = wrow.chunks_exact(8);
            for (a, b) in (&mut a8).zip(&mut w8) {
                for j in 0..8 {
                    acc[j] += a[j] * b[j];
                }
            }
            let mut tail = F::zero();
            for (a, b) in a8.remainder().iter().zip(w8.remainder()) {
                tail += *a * *b;
            }
            let s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            *o = scale * (s + tail);
        }
    }
}

macro_rules! multiversion {
    ($(#[$m:meta])* $name:ident, $avx:ident, $body:ident, <$F:ident>, ($($arg:ident : $ty:ty),*)) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn $avx<$F: Real>($($arg: $ty),*) {
            $body($($arg),*)
        }
        $(#[$m])*
        pub(crate) fn $name<$F: Real>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { $avx($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}

multiversion!(
    /// Tabulated binary update (see `table_body`).
    table_block, table_block_avx2, table_body, <F>,
    (s: &mut [[u64; LANES]; 4], buf: &mut [u32], thr: &[u32], cfg: &[usize], v: &mut [F], one: F, lo: F)
);
multiversion!(
    /// General binary update (see `sigmoid_body`).
    sigmoid_block, sigmoid_block_avx2, sigmoid_body, <F>,
    (s: &mut [[u64; LANES]; 4], buf: &mut [u32], inp: &[F], bias: &[F], bscale: F, out: &mut [F], lo: F)
);
multiversion!(
    /// Small-width products `v Wᵀᵀ` (see `dot_body`).
    dot_block, dot_block_avx2, dot_body, <F>,
    (v: &[F], wt: &[F], nv: usize, scale: F, out: &mut [F])
);

impl LaneRng {
    /// The raw lane states (for the kernels).
    pub(crate) fn state(&mut self) -> &mut [[u64; LANES]; 4] {
        &mut self.s
    }
}

/// Probability → 24-bit threshold `⌊p·2²⁴⌋` (so that `r < thr` has probability `thr/2²⁴`).
pub(crate) fn threshold(p: f64) -> u32 {
    (p * TWO24).floor().clamp(0.0, TWO24) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avx2_and_baseline_kernels_agree_bit_for_bit() {
        let mut rng = crate::rng::stream(1, 2, 3);
        let mut a = LaneRng::from_stream(&mut rng);
        let mut b = LaneRng { s: a.s };
        let (nv, rows) = (37, 5);
        let thr: Vec<u32> = (0..2 * nv).map(|i| threshold((i as f64 * 0.37).sin().abs())).collect();
        let cfg = vec![0, 1, 1, 0, 1];
        let (mut ba, mut bb) = (vec![0u32; nv], vec![0u32; nv]);
        let (mut va, mut vb) = (vec![0f32; nv * rows], vec![0f32; nv * rows]);
        table_body(&mut a.s, &mut ba, &thr, &cfg, &mut va, 1.0, -1.0);
        table_block(&mut b.s, &mut bb, &thr, &cfg, &mut vb, 1.0, -1.0);
        assert_eq!(va, vb);
        let inp: Vec<f32> = (0..nv * rows).map(|i| (i as f32 * 0.13).cos() * 3.0).collect();
        let bias: Vec<f32> = (0..nv).map(|i| i as f32 * 0.01).collect();
        sigmoid_body(&mut a.s, &mut ba, &inp, &bias, 1.3, &mut va, 0.0);
        sigmoid_block(&mut b.s, &mut bb, &inp, &bias, 1.3, &mut vb, 0.0);
        assert_eq!(va, vb);
        let wt: Vec<f32> = (0..3 * nv).map(|i| (i as f32 * 0.7).sin()).collect();
        let (mut oa, mut ob) = (vec![0f32; 3 * rows], vec![0f32; 3 * rows]);
        dot_body(&inp, &wt, nv, 0.5, &mut oa);
        dot_block(&inp, &wt, nv, 0.5, &mut ob);
        assert_eq!(oa, ob);
        // and the dot products equal an f64 reference to f32 accuracy
        for r in 0..rows {
            for m in 0..3 {
                let exact: f64 = (0..nv).map(|i| inp[r * nv + i] as f64 * wt[m * nv + i] as f64).sum::<f64>() * 0.5;
                assert!((oa[r * 3 + m] as f64 - exact).abs() < 1e-5 * (1.0 + exact.abs()));
            }
        }
    }

    #[test]
    fn lane_uniforms_are_uniform() {
        // χ² over 64 equal bins of 2^20 draws: 63 degrees of freedom, 99.9 % quantile ≈ 103.
        let mut rng = crate::rng::stream(5, 0, 0);
        let mut l = LaneRng::from_stream(&mut rng);
        let mut buf = vec![0u32; 1 << 20];
        fill_body(&mut l.s, &mut buf);
        let mut bins = [0f64; 64];
        for &x in &buf {
            assert!(x < 1 << 24);
            bins[(x >> 18) as usize] += 1.0;
        }
        let e = buf.len() as f64 / 64.0;
        let chi2: f64 = bins.iter().map(|o| (o - e).powi(2) / e).sum();
        assert!(chi2 < 103.0, "chi2 = {chi2}");
    }
}
