//! Minimal in-place radix-2 complex FFT used by the pseudo-spectral PDE solver.
//!
//! Iterative Cooley–Tukey with precomputed twiddles and bit-reversal table; the
//! forward transform is `X_k = Σ_j x_j e^{−2πi jk/n}`, the inverse includes `1/n`.

/// Precomputed plan for transforms of one power-of-two length.
#[derive(Debug, Clone)]
pub(crate) struct Fft {
    n: usize,
    cos: Vec<f64>,
    sin: Vec<f64>,
    rev: Vec<usize>,
}

impl Fft {
    /// Plan for length `n` (a power of two, checked by the caller).
    pub(crate) fn new(n: usize) -> Self {
        debug_assert!(n.is_power_of_two());
        let half = n / 2;
        let (cos, sin): (Vec<f64>, Vec<f64>) = (0..half)
            .map(|k| {
                let a = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
                (a.cos(), a.sin())
            })
            .unzip();
        let bits = n.trailing_zeros();
        let rev = (0..n).map(|i| if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) }).collect();
        Self { n, cos, sin, rev }
    }

    /// Forward transform in place.
    pub(crate) fn forward(&self, re: &mut [f64], im: &mut [f64]) {
        self.transform(re, im, false);
    }

    /// Inverse transform in place (normalised by `1/n`).
    pub(crate) fn inverse(&self, re: &mut [f64], im: &mut [f64]) {
        self.transform(re, im, true);
        let s = 1.0 / self.n as f64;
        re.iter_mut().for_each(|x| *x *= s);
        im.iter_mut().for_each(|x| *x *= s);
    }

    fn transform(&self, re: &mut [f64], im: &mut [f64], inverse: bool) {
        let n = self.n;
        debug_assert!(re.len() == n && im.len() == n);
        for i in 0..n {
            let j = self.rev[i];
            if j > i {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        let sign = if inverse { -1.0 } else { 1.0 };
        let mut len = 2;
        while len <= n {
            let step = n / len;
            let half = len / 2;
            for start in (0..n).step_by(len) {
                for k in 0..half {
                    let (wr, wi) = (self.cos[k * step], sign * self.sin[k * step]);
                    let (a, b) = (start + k, start + k + half);
                    let tr = wr * re[b] - wi * im[b];
                    let ti = wr * im[b] + wi * re[b];
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
            len <<= 1;
        }
    }
}

/// Angular wavenumbers `k_j = 2π m_j / L` in FFT order (`m_j = j` for `j < n/2`, `j − n` after).
pub(crate) fn wavenumbers(n: usize, length: f64) -> Vec<f64> {
    (0..n)
        .map(|j| {
            let m = if j < n / 2 { j as f64 } else { j as f64 - n as f64 };
            2.0 * std::f64::consts::PI * m / length
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_dft_and_inverts() {
        for n in [1usize, 2, 8, 64] {
            let x: Vec<f64> = (0..n).map(|j| ((j * 7 + 3) % 11) as f64 - 4.0).collect();
            let y: Vec<f64> = (0..n).map(|j| ((j * 5 + 1) % 7) as f64 * 0.3).collect();
            let (mut re, mut im) = (x.clone(), y.clone());
            Fft::new(n).forward(&mut re, &mut im);
            for k in 0..n {
                let (mut sr, mut si) = (0.0, 0.0);
                for j in 0..n {
                    let a = -2.0 * std::f64::consts::PI * (j * k) as f64 / n as f64;
                    sr += x[j] * a.cos() - y[j] * a.sin();
                    si += x[j] * a.sin() + y[j] * a.cos();
                }
                assert!((re[k] - sr).abs() < 1e-9 && (im[k] - si).abs() < 1e-9, "n={n} k={k}");
            }
            Fft::new(n).inverse(&mut re, &mut im);
            for j in 0..n {
                assert!((re[j] - x[j]).abs() < 1e-12 && (im[j] - y[j]).abs() < 1e-12);
            }
        }
    }
}
