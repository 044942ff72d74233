//! Hopfield model with `P` patterns, sampled exactly by pattern classes (paper 001 §4.2, App. C).
//!
//! The measure is `P(v) ∝ exp(β/(2N) Σ_μ (ξ^μ·v)²)` on `v ∈ {±1}^N`, patterns
//! `ξ^μ ∈ {−1, 0, +1}^N` (paper 001 §4.2, `H = −(1/2N) Σ_μ (Σ_i ξ^μ_i v_i)²`; for `P = 1` this is the
//! Curie–Weiss model of [`crate::curie_weiss`]).
//!
//! # Exact sampler (derivation)
//! Give site `i` its pattern column `c_i = (ξ^1_i, …, ξ^P_i)`. Sites with `c_i = 0` do not enter
//! the energy and are independent uniform ±1. For the others let `g_i = ±1` be the sign of the
//! first non-zero entry of `c_i` and group the sites into classes `c` with equal key `σ_c = g_i c_i`.
//! With `s_i = g_i v_i` and `M_c = Σ_{i∈c} s_i = 2k_c − N_c`,
//! `ξ^μ·v = Σ_c σ_{μc} M_c`, so the weight depends only on the class counts `k_c`:
//! `P(k) ∝ Π_c C(N_c, k_c) · exp(β/(2N) Σ_{c,c'} G_{cc'} M_c M_{c'})`, `G_{cc'} = σ_c·σ_{c'}`,
//! and, given `k`, each class's aligned set is uniform. Classes that are not linked through a
//! non-zero `G_{cc'}` are independent, so the law factorises over the connected components of `G`;
//! each component's joint count law is enumerated exactly (at most [`MAX_JOINT_STATES`] states,
//! otherwise [`crate::Error::Intractable`]: for `P ≥ 3` random patterns the classes are linked and
//! the joint state space grows like `(N/2^{P−1})^{2^{P−1}}`).
//!
//! For paper 001's correlated pair `ξ^{1,2} = η ± η̃` the two classes (support of `η`, support
//! of `η̃`) are orthogonal (`G = diag(2, 2)`), so the measure factorises into two independent
//! Curie–Weiss blocks of sizes `N(1±κ)/2` at inverse temperatures `β_c = 2β N_c / N = β(1±κ)`.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use rand::RngExt;

use crate::Encoding;
use crate::counts::{Discrete, ln_binomial_row, scatter_signs};
use crate::curie_weiss::random_spins;
use crate::error::{Error, Result, invalid};
use crate::rng::{fill_rows, stream_rng};

/// Largest joint count space enumerated for one component of linked classes.
pub const MAX_JOINT_STATES: usize = 1 << 22;

#[derive(Debug, Clone)]
struct Class {
    key: Vec<i8>,
    sites: Vec<usize>,
    gauge: Vec<i8>,
}

#[derive(Debug, Clone)]
struct Component {
    classes: Vec<usize>,
    law: Discrete,
    /// `⟨M_c M_c'⟩` for the classes of this component (row-major, `classes.len()²`).
    second: Vec<f64>,
}

/// Hopfield teacher with its exact class decomposition.
#[derive(Debug, Clone)]
pub struct Hopfield {
    patterns: Array2<i8>,
    beta: f64,
    classes: Vec<Class>,
    /// For each class, `(component, position within component)`.
    class_home: Vec<(usize, usize)>,
    /// For each site, `(class, gauge)`, or `None` for a pattern-free site.
    site_class: Vec<Option<(usize, i8)>>,
    free: Vec<usize>,
    components: Vec<Component>,
}

impl Hopfield {
    /// Hopfield model `P(v) ∝ exp(β/(2N) Σ_μ (ξ^μ·v)²)` (paper 001 §4.2) with patterns as the rows
    /// of `patterns` (`P × N`, entries in {−1, 0, 1}). Fails with [`Error::Intractable`] when a
    /// component of linked pattern classes has more than [`MAX_JOINT_STATES`] joint count states.
    pub fn new(patterns: Array2<i8>, beta: f64) -> Result<Self> {
        let (p, n) = patterns.dim();
        if p == 0 || n == 0 {
            return invalid(format!("Hopfield needs P ≥ 1 patterns and N ≥ 1 sites, got P = {p}, N = {n}"));
        }
        if !(beta.is_finite() && beta >= 0.0) {
            return invalid(format!("Hopfield inverse temperature must be finite and ≥ 0, got {beta}"));
        }
        if let Some(x) = patterns.iter().find(|x| !(-1..=1).contains(*x)) {
            return invalid(format!("Hopfield pattern entries must be in {{-1, 0, 1}}, found {x}"));
        }
        // Group sites by gauge-fixed pattern column.
        let mut by_key: BTreeMap<Vec<i8>, Class> = BTreeMap::new();
        let mut free = Vec::new();
        for i in 0..n {
            let col: Vec<i8> = patterns.column(i).to_vec();
            match col.iter().find(|&&x| x != 0) {
                None => free.push(i),
                Some(&g) => {
                    let key: Vec<i8> = col.iter().map(|x| x * g).collect();
                    let cl = by_key.entry(key.clone()).or_insert(Class { key, sites: vec![], gauge: vec![] });
                    cl.sites.push(i);
                    cl.gauge.push(g);
                }
            }
        }
        // Order classes (and hence components) by their first site.
        let mut classes: Vec<Class> = by_key.into_values().collect();
        classes.sort_by_key(|c| c.sites[0]);
        let nc = classes.len();
        let gram = |a: usize, b: usize| -> f64 {
            classes[a].key.iter().zip(&classes[b].key).map(|(x, y)| (*x as f64) * (*y as f64)).sum()
        };
        // Connected components of the Gram graph (union–find).
        let mut parent: Vec<usize> = (0..nc).collect();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for a in 0..nc {
            for b in (a + 1)..nc {
                if gram(a, b) != 0.0 {
                    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                    parent[ra] = rb;
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for a in 0..nc {
            let r = find(&mut parent, a);
            groups.entry(r).or_default().push(a);
        }
        let nf = n as f64;
        let mut components = Vec::new();
        let mut class_home = vec![(0, 0); nc];
        let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
        groups.sort_by_key(|m| m[0]);
        for members in groups {
            let sizes: Vec<usize> = members.iter().map(|&c| classes[c].sites.len()).collect();
            let mut states: usize = 1;
            for &s in &sizes {
                states = states.checked_mul(s + 1).filter(|&t| t <= MAX_JOINT_STATES).ok_or_else(|| {
                    Error::Intractable(format!(
                        "{} linked pattern classes of sizes {:?} need more than {MAX_JOINT_STATES} joint count \
                         states (patterns that are neither few nor mutually orthogonal have no exact \
                         class factorisation)",
                        members.len(),
                        sizes
                    ))
                })?;
            }
            let g: Vec<f64> =
                members.iter().flat_map(|&a| members.iter().map(move |&b| (a, b))).map(|(a, b)| gram(a, b)).collect();
            let lnc: Vec<Vec<f64>> = sizes.iter().map(|&s| ln_binomial_row(s)).collect();
            let q = members.len();
            let mut logw = Vec::with_capacity(states);
            let mut k = vec![0usize; q];
            let mut mag = vec![0.0f64; q];
            for _ in 0..states {
                let mut lw = 0.0;
                for c in 0..q {
                    lw += lnc[c][k[c]];
                    mag[c] = 2.0 * k[c] as f64 - sizes[c] as f64;
                }
                let mut quad = 0.0;
                for a in 0..q {
                    for b in 0..q {
                        quad += g[a * q + b] * mag[a] * mag[b];
                    }
                }
                logw.push(lw + beta * quad / (2.0 * nf));
                advance(&mut k, &sizes);
            }
            let law = Discrete::from_log_weights(&logw);
            let mut second = vec![0.0; q * q];
            let mut k = vec![0usize; q];
            for &pr in law.pmf() {
                for a in 0..q {
                    mag[a] = 2.0 * k[a] as f64 - sizes[a] as f64;
                }
                for a in 0..q {
                    for b in 0..q {
                        second[a * q + b] += pr * mag[a] * mag[b];
                    }
                }
                advance(&mut k, &sizes);
            }
            for (pos, &c) in members.iter().enumerate() {
                class_home[c] = (components.len(), pos);
            }
            components.push(Component { classes: members, law, second });
        }
        let mut site_class = vec![None; n];
        for (c, cl) in classes.iter().enumerate() {
            for (&i, &g) in cl.sites.iter().zip(&cl.gauge) {
                site_class[i] = Some((c, g));
            }
        }
        Ok(Self { patterns, beta, classes, class_home, site_class, free, components })
    }

    /// Number of sites `N`.
    pub fn n(&self) -> usize {
        self.patterns.ncols()
    }

    /// Inverse temperature `β`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The patterns, one per row.
    pub fn patterns(&self) -> &Array2<i8> {
        &self.patterns
    }

    /// Sizes of the independent blocks of linked classes, ordered by their first site: each entry
    /// lists the class sizes of one component (e.g. `[[N(1+κ)/2], [N(1−κ)/2]]` for the correlated pair).
    pub fn block_sizes(&self) -> Vec<Vec<usize>> {
        self.components.iter().map(|c| c.classes.iter().map(|&k| self.classes[k].sites.len()).collect()).collect()
    }

    /// Exact overlap second moments `Q_{μν} = ⟨(ξ^μ·v)(ξ^ν·v)⟩ / N²` (`P × P`), from the exact
    /// class-count laws (cross-component terms vanish by the ±v symmetry of each component).
    pub fn overlap_second_moments(&self) -> Array2<f64> {
        let p = self.patterns.nrows();
        let n2 = (self.n() as f64).powi(2);
        let mut q = Array2::<f64>::zeros((p, p));
        for comp in &self.components {
            let m = comp.classes.len();
            for (a, &ca) in comp.classes.iter().enumerate() {
                for (b, &cb) in comp.classes.iter().enumerate() {
                    let mm = comp.second[a * m + b];
                    for mu in 0..p {
                        for nu in 0..p {
                            q[(mu, nu)] += self.classes[ca].key[mu] as f64 * self.classes[cb].key[nu] as f64 * mm;
                        }
                    }
                }
            }
        }
        // Free sites contribute Σ_i ξ^μ_i ξ^ν_i = 0 since their columns vanish.
        q / n2
    }

    /// Exact `⟨v_i v_j⟩` (±1 units). Zero across independent blocks and for pattern-free sites.
    pub fn site_correlation(&self, i: usize, j: usize) -> Result<f64> {
        let n = self.n();
        if i >= n || j >= n {
            return invalid(format!("site index ({i}, {j}) out of range for N = {n}"));
        }
        if i == j {
            return Ok(1.0);
        }
        let (Some((ci, gi)), Some((cj, gj))) = (self.site_class[i], self.site_class[j]) else {
            return Ok(0.0);
        };
        let ((ki, pi), (kj, pj)) = (self.class_home[ci], self.class_home[cj]);
        if ki != kj {
            return Ok(0.0);
        }
        let comp = &self.components[ki];
        let m = comp.classes.len();
        let mm = comp.second[pi * m + pj];
        let g = (gi * gj) as f64;
        if ci == cj {
            let nc = self.classes[ci].sites.len() as f64;
            Ok(g * (mm - nc) / (nc * (nc - 1.0)))
        } else {
            let (na, nb) = (self.classes[ci].sites.len() as f64, self.classes[cj].sites.len() as f64);
            Ok(g * mm / (na * nb))
        }
    }

    /// Draws `n_samples` exact, independent configurations (one per row) in the requested
    /// encoding. Parallel over blocks of rows; the result depends only on `(seed, self)`.
    pub fn sample(&self, n_samples: usize, seed: u64, encoding: Encoding) -> Result<Array2<i8>> {
        let n = self.n();
        let mut out = Array2::<i8>::zeros((n_samples, n));
        let sizes: Vec<Vec<usize>> = self.block_sizes();
        fill_rows(
            &mut out,
            seed,
            || {
                let bufs: Vec<Vec<usize>> = self.classes.iter().map(|c| (0..c.sites.len()).collect()).collect();
                (bufs, Vec::<usize>::new())
            },
            |(bufs, counts), rng, _, mut row| {
                for (comp, sz) in self.components.iter().zip(&sizes) {
                    let mut state = comp.law.sample(rng);
                    counts.clear();
                    for &s in sz {
                        counts.push(state % (s + 1));
                        state /= s + 1;
                    }
                    for (pos, &c) in comp.classes.iter().enumerate() {
                        let cl = &self.classes[c];
                        scatter_signs(&mut bufs[c], counts[pos], rng, |p, s| {
                            row[cl.sites[p]] = encoding.encode(s * cl.gauge[p]);
                        });
                    }
                }
                for &i in &self.free {
                    row[i] = encoding.encode(if rng.random::<bool>() { 1 } else { -1 });
                }
            },
        );
        Ok(out)
    }
}

/// Mixed-radix increment of the count vector `k` (digit `c` runs over `0..=sizes[c]`).
fn advance(k: &mut [usize], sizes: &[usize]) {
    for c in 0..k.len() {
        k[c] += 1;
        if k[c] <= sizes[c] {
            return;
        }
        k[c] = 0;
    }
}

/// Paper 001's correlated pattern pair `ξ^{1,2} = η ± η̃` (§4.2 and App. C): `η` is uniform ±1 on
/// the first `N(1+κ)/2` sites (rounded) and 0 elsewhere, `η̃` is uniform ±1 on the remaining sites.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatedPair {
    /// `η` (±1 on its support, 0 elsewhere).
    pub eta: Array1<i8>,
    /// `η̃` (±1 on its support, 0 elsewhere).
    pub eta_tilde: Array1<i8>,
    /// The correlation parameter `κ ∈ [0, 1]` (`ξ¹·ξ² = N κ` up to rounding).
    pub kappa: f64,
    /// Size of the support of `η`, `round(N(1+κ)/2)`.
    pub n_eta: usize,
}

impl CorrelatedPair {
    /// Draws `η` and `η̃` from stream `(seed, 0)` (paper 001 App. C).
    pub fn new(n: usize, kappa: f64, seed: u64) -> Result<Self> {
        if n == 0 {
            return invalid("correlated pair needs N ≥ 1");
        }
        if !(0.0..=1.0).contains(&kappa) {
            return invalid(format!("κ must lie in [0, 1], got {kappa}"));
        }
        let n_eta = ((n as f64) * (1.0 + kappa) / 2.0).round() as usize;
        let mut rng = stream_rng(seed, 0);
        let s = random_spins(n, &mut rng);
        let eta = Array1::from_shape_fn(n, |i| if i < n_eta { s[i] } else { 0 });
        let eta_tilde = Array1::from_shape_fn(n, |i| if i < n_eta { 0 } else { s[i] });
        Ok(Self { eta, eta_tilde, kappa, n_eta })
    }

    /// The two patterns `ξ¹ = η + η̃`, `ξ² = η − η̃` as rows of a `2 × N` matrix.
    pub fn patterns(&self) -> Array2<i8> {
        let n = self.eta.len();
        Array2::from_shape_fn((2, n), |(mu, i)| {
            if mu == 0 { self.eta[i] + self.eta_tilde[i] } else { self.eta[i] - self.eta_tilde[i] }
        })
    }

    /// Effective Curie–Weiss inverse temperatures of the `η` and `η̃` blocks,
    /// `(2β N_η/N, 2β N_η̃/N)`, equal to `β(1 ± κ)` up to the rounding of `N_η`.
    pub fn block_betas(&self, beta: f64) -> (f64, f64) {
        let n = self.eta.len() as f64;
        (2.0 * beta * self.n_eta as f64 / n, 2.0 * beta * (n - self.n_eta as f64) / n)
    }

    /// The Hopfield model with these two patterns at inverse temperature `β`; its exact sampler
    /// uses two independent Curie–Weiss blocks.
    pub fn hopfield(&self, beta: f64) -> Result<Hopfield> {
        Hopfield::new(self.patterns(), beta)
    }
}
