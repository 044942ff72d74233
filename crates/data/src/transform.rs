//! Transforms applied to the real data sets: grey → binary (threshold, stochastic), ±1 / {0,1}
//! encodings, the anti-aliased resize of `skimage.transform.resize`, seeded splits and subsets,
//! and the one-hot encoding of Potts states.
//!
//! # Resize (what `skimage.transform.resize(image, (H, W), anti_aliasing=True)` does, order 1)
//! With `f_a = n_in,a / n_out,a` the scale factor of axis `a`:
//! 1. grey levels are floats in [0, 1] (skimage's `img_as_float` divides `uint8` by 255);
//! 2. when some axis shrinks, a Gaussian pre-filter with `σ_a = max(0, (f_a − 1)/2)` along each
//!    axis (scipy `gaussian_filter`: kernel `∝ exp(−x²/2σ²)` on `x = −r … r`, `r = ⌊4σ + 0.5⌋`,
//!    normalised to sum 1; axes with σ = 0 untouched), boundary mode "mirror"
//!    (`… c b | a b c … | b a …`, skimage's `mode='reflect'`);
//! 3. bilinear interpolation at the pixel-area-aligned coordinates
//!    `x_in = (x_out + 0.5)·f_a − 0.5` (scipy `zoom(..., order=1, grid_mode=True)`), with the same
//!    mirror boundary for coordinates outside `[0, n_in − 1]`;
//! 4. the result is clipped to the input's `[min, max]`.
//!
//! The test `resize_matches_skimage_reference` compares against numbers produced by
//! scikit-image 0.26 itself.

use ndarray::{Array2, ArrayView2, Axis, Zip};
use rand::RngExt;
use rayon::prelude::*;

use crate::error::{Result, invalid};
use crate::rng::{fill_rows, stream_rng};

/// Grey level → [0, 1] (division by 255, as skimage's `img_as_float`).
pub fn grey_to_unit(x: &Array2<u8>) -> Array2<f64> {
    x.mapv(|g| g as f64 / 255.0)
}

/// Deterministic binarisation of grey levels: `1` iff `g/255 > threshold` (MNIST at 0.5 keeps
/// grey levels ≥ 128). `threshold` must lie in [0, 1).
pub fn binarize_threshold(x: &Array2<u8>, threshold: f64) -> Result<Array2<u8>> {
    if !(0.0..1.0).contains(&threshold) {
        return invalid(format!("binarisation threshold must lie in [0, 1), got {threshold}"));
    }
    let lut: Vec<u8> = (0..=255u32).map(|g| u8::from(g as f64 / 255.0 > threshold)).collect();
    let mut out = Array2::<u8>::zeros(x.raw_dim());
    Zip::from(&mut out).and(x).par_for_each(|o, &g| *o = lut[g as usize]);
    Ok(out)
}

/// Deterministic binarisation of values in [0, 1] (e.g. resized images): `1` iff `x > threshold`.
pub fn binarize_unit_threshold(x: &Array2<f64>, threshold: f64) -> Array2<u8> {
    x.mapv(|v| u8::from(v > threshold))
}

/// Stochastic binarisation: pixel `(r, i)` is 1 with probability `g/255`, independently; rows are
/// drawn in seeded blocks so the result depends only on `(x, seed)`.
pub fn binarize_stochastic(x: &Array2<u8>, seed: u64) -> Array2<u8> {
    let lut: Vec<f64> = (0..=255u32).map(|g| g as f64 / 255.0).collect();
    let mut out = Array2::<u8>::zeros(x.raw_dim());
    fill_rows(
        &mut out,
        seed,
        || (),
        |_, rng, r, mut row| {
            for (o, &g) in row.iter_mut().zip(x.row(r)) {
                *o = u8::from(rng.random::<f64>() < lut[g as usize]);
            }
        },
    );
    out
}

/// Stochastic binarisation of probabilities in [0, 1]: entry is 1 with probability `x`.
pub fn binarize_unit_stochastic(x: &Array2<f64>, seed: u64) -> Result<Array2<u8>> {
    if let Some(v) = x.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return invalid(format!("stochastic binarisation needs values in [0, 1], found {v}"));
    }
    let mut out = Array2::<u8>::zeros(x.raw_dim());
    fill_rows(
        &mut out,
        seed,
        || (),
        |_, rng, r, mut row| {
            for (o, &p) in row.iter_mut().zip(x.row(r)) {
                *o = u8::from(rng.random::<f64>() < p);
            }
        },
    );
    Ok(out)
}

/// {0, 1} → ±1 (`0 → −1`, `1 → +1`); other values are an error.
pub fn to_spins(x: &Array2<u8>) -> Result<Array2<i8>> {
    if let Some(v) = x.iter().find(|&&v| v > 1) {
        return invalid(format!("±1 encoding expects {{0,1}} entries, found {v}"));
    }
    Ok(x.mapv(|v| 2 * v as i8 - 1))
}

/// ±1 → {0, 1} (`−1 → 0`, `+1 → 1`); other values are an error.
pub fn to_binary(x: &Array2<i8>) -> Result<Array2<u8>> {
    if let Some(v) = x.iter().find(|&&v| v != 1 && v != -1) {
        return invalid(format!("{{0,1}} encoding expects ±1 entries, found {v}"));
    }
    Ok(x.mapv(|v| ((v + 1) / 2) as u8))
}

/// Index of the mirror-extended signal (`… c b | a b c … | b a …`), scipy's "mirror" mode.
#[inline]
fn mirror(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let j = i.rem_euclid(period);
    (if j >= n as isize { period - j } else { j }) as usize
}

/// Normalised Gaussian kernel of scipy's `gaussian_filter` (truncate = 4).
fn gaussian_kernel(sigma: f64) -> Vec<f64> {
    let r = (4.0 * sigma + 0.5) as isize;
    let w: Vec<f64> = (-r..=r).map(|x| (-0.5 * (x as f64 / sigma).powi(2)).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

/// Linear-interpolation taps `(i0, i1, w)` (value `(1−w)·a[i0] + w·a[i1]`) for each output index.
fn linear_taps(n_in: usize, n_out: usize) -> Vec<(usize, usize, f64)> {
    let f = n_in as f64 / n_out as f64;
    let top = (n_in - 1) as f64;
    (0..n_out)
        .map(|o| {
            let mut c = (o as f64 + 0.5) * f - 0.5;
            if n_in == 1 {
                return (0, 0, 0.0);
            }
            if c < 0.0 {
                c = -c;
            }
            if c > top {
                c = 2.0 * top - c;
            }
            let i0 = (c.floor() as usize).min(n_in - 1);
            let w = c - i0 as f64;
            (i0, (i0 + 1).min(n_in - 1), w)
        })
        .collect()
}

fn filter_axis(img: &Array2<f64>, axis: Axis, sigma: f64) -> Array2<f64> {
    let k = gaussian_kernel(sigma);
    let r = (k.len() / 2) as isize;
    let mut out = Array2::<f64>::zeros(img.raw_dim());
    let n = img.len_of(axis);
    for (src, mut dst) in img.lanes(axis).into_iter().zip(out.lanes_mut(axis)) {
        for i in 0..n {
            let mut acc = 0.0;
            for (t, w) in k.iter().enumerate() {
                acc += w * src[mirror(i as isize + t as isize - r, n)];
            }
            dst[i] = acc;
        }
    }
    out
}

/// Resizes one image to `out_rows × out_cols` like `skimage.transform.resize` with
/// `anti_aliasing=True`, `order=1`, `mode='reflect'` (module docs: Gaussian pre-filter with
/// `σ = max(0, (scale − 1)/2)` per axis, then bilinear interpolation, then clipping).
pub fn resize(img: ArrayView2<f64>, out_rows: usize, out_cols: usize) -> Result<Array2<f64>> {
    let (h, w) = img.dim();
    if h == 0 || w == 0 || out_rows == 0 || out_cols == 0 {
        return invalid(format!("resize needs non-empty shapes, got {h}×{w} → {out_rows}×{out_cols}"));
    }
    if let Some(v) = img.iter().find(|v| !v.is_finite()) {
        return invalid(format!("resize input has a non-finite value {v}"));
    }
    let (lo, hi) = img.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let mut x = img.to_owned();
    if out_rows < h || out_cols < w {
        for (axis, n_in, n_out) in [(Axis(0), h, out_rows), (Axis(1), w, out_cols)] {
            let sigma = ((n_in as f64 / n_out as f64) - 1.0) / 2.0;
            if sigma > 1e-15 {
                x = filter_axis(&x, axis, sigma);
            }
        }
    }
    let (tr, tc) = (linear_taps(h, out_rows), linear_taps(w, out_cols));
    Ok(Array2::from_shape_fn((out_rows, out_cols), |(r, c)| {
        let (r0, r1, wr) = tr[r];
        let (c0, c1, wc) = tc[c];
        let top = (1.0 - wc) * x[(r0, c0)] + wc * x[(r0, c1)];
        let bot = (1.0 - wc) * x[(r1, c0)] + wc * x[(r1, c1)];
        ((1.0 - wr) * top + wr * bot).clamp(lo, hi)
    }))
}

/// Resizes every row of `images` (each a row-major `rows × cols` image) with [`resize`], in
/// parallel; returns one `out_rows·out_cols` row per image.
pub fn resize_rows(
    images: ArrayView2<f64>,
    rows: usize,
    cols: usize,
    out_rows: usize,
    out_cols: usize,
) -> Result<Array2<f64>> {
    if images.ncols() != rows * cols {
        return invalid(format!("image rows have {} pixels, not {rows}×{cols}", images.ncols()));
    }
    let resized: Vec<Array2<f64>> = images
        .axis_iter(Axis(0))
        .into_par_iter()
        .map(|row| {
            let img = row.to_shape((rows, cols)).map_err(|e| crate::Error::Invalid(e.to_string()))?;
            resize(img.view(), out_rows, out_cols)
        })
        .collect::<Result<_>>()?;
    let mut out = Array2::<f64>::zeros((images.nrows(), out_rows * out_cols));
    for (mut o, r) in out.axis_iter_mut(Axis(0)).zip(&resized) {
        o.iter_mut().zip(r.iter()).for_each(|(a, b)| *a = *b);
    }
    Ok(out)
}

fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = stream_rng(seed, 0);
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        p.swap(i, j);
    }
    p
}

/// Seeded random partition of `0..n` into `(train, test)` with `round(n·test_fraction)` test
/// indices; both lists are sorted (original order preserved inside each part).
pub fn train_test_split(n: usize, test_fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(0.0..=1.0).contains(&test_fraction) {
        return invalid(format!("test fraction must lie in [0, 1], got {test_fraction}"));
    }
    let p = permutation(n, seed);
    let k = (n as f64 * test_fraction).round() as usize;
    let mut test = p[..k].to_vec();
    let mut train = p[k..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    Ok((train, test))
}

/// Seeded uniformly random subset of `k` of the indices `0..n`, sorted.
pub fn random_subset(n: usize, k: usize, seed: u64) -> Result<Vec<usize>> {
    if k > n {
        return invalid(format!("cannot choose {k} of {n} samples"));
    }
    let mut s = permutation(n, seed)[..k].to_vec();
    s.sort_unstable();
    Ok(s)
}

/// One-hot encoding of Potts states `x ∈ {0..P−1}^{S×N}` into `S × (N·P)` with column `i·P + v`
/// set for state `v` of site `i` (the layout of paper 002 §4's one-hot covariance).
pub fn one_hot(x: &Array2<u8>, p: usize) -> Result<Array2<u8>> {
    if p == 0 {
        return invalid("one-hot encoding needs P ≥ 1");
    }
    if let Some(v) = x.iter().find(|&&v| v as usize >= p) {
        return invalid(format!("Potts state {v} out of range for P = {p}"));
    }
    let (s, n) = x.dim();
    let mut out = Array2::<u8>::zeros((s, n * p));
    Zip::from(out.rows_mut()).and(x.rows()).par_for_each(|mut o, r| {
        for (i, &v) in r.iter().enumerate() {
            o[i * p + v as usize] = 1;
        }
    });
    Ok(out)
}
