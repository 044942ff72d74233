//! `generate_*` kinds: one per exact teacher of the data crate, each writing the sample table
//! of the module docs plus an `exact` table of the teacher's exact statistics.

use super::common::{code, encoding, int_in, num_in, samples_table, text, to_i8};
use arrow::record_batch::RecordBatch;
use data::curie_weiss::CurieWeiss;
use data::hopfield::CorrelatedPair;
use data::ising::IsingRing;
use data::planted::PlantedRbm;
use data::rng::stream_rng;
use data::xy::XyRing;
use data::{Encoding, null, transform};
use ndarray::{Array1, Array2};
use pipeline::table::TableBuilder;
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use rand::RngExt;

const FILES: &[&str] = &["kinds/data/generate.rs", "kinds/data/common.rs"];
/// Largest number of samples a generator writes in one table.
pub const MAX_SAMPLES: i64 = 50_000_000;
/// Largest number of units per sample.
pub const MAX_UNITS: i64 = 1_000_000;

fn p_n(doc: &'static str) -> ParamSpec {
    ParamSpec::new("n", T::Int, doc)
}
fn p_samples() -> ParamSpec {
    ParamSpec::new("n_samples", T::Int, "number of independent samples (rows)")
}
fn p_beta() -> ParamSpec {
    ParamSpec::new("beta", T::Float, "inverse temperature β ≥ 0")
}
fn p_encoding() -> ParamSpec {
    ParamSpec::new("encoding", T::Str, "unit values: spin (±1) | binary ({0,1})").default(Value::Str("spin".into()))
}
fn p_seed() -> ParamSpec {
    ParamSpec::new("seed", T::Int, "RNG seed (random patterns/weights and samples)")
}
fn p_one_hot() -> ParamSpec {
    ParamSpec::new("one_hot", T::Bool, "write the N·P one-hot bits (column i·P + state) instead of the states")
        .default(Value::Bool(false))
}

fn check_common(p: &Params, n_min: i64) -> Result<(), String> {
    int_in(p, "n", n_min, MAX_UNITS)?;
    int_in(p, "n_samples", 1, MAX_SAMPLES)?;
    int_in(p, "seed", 0, i64::MAX)?;
    if p.contains_key("beta") {
        num_in(p, "beta", 0.0, 300.0)?;
    }
    if p.contains_key("encoding") {
        encoding(text(p, "encoding"))?;
    }
    Ok(())
}

fn out(items: Vec<(&str, RecordBatch)>) -> Outputs {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn index(n: usize) -> Vec<i64> {
    (0..n as i64).collect()
}

/// Long pattern table `(mu, i, xi)` of a `P × N` pattern matrix (μ from 1).
fn patterns_table(xi: &Array2<i8>, block: Option<&dyn Fn(usize) -> &'static str>) -> anyhow::Result<RecordBatch> {
    let (p, n) = xi.dim();
    let mut b = TableBuilder::new()
        .i64("mu", (0..p * n).map(|r| (r / n) as i64 + 1).collect())
        .i64("i", (0..p * n).map(|r| (r % n) as i64).collect())
        .i64("xi", xi.iter().map(|v| *v as i64).collect());
    if let Some(f) = block {
        b = b.str("block", (0..p * n).map(|r| f(r % n).to_string()).collect());
    }
    b.build()
}

/// Root of `m = tanh(βm)` (0 for β ≤ 1), paper 001 §4.1.
fn m_infinite(beta: f64) -> anyhow::Result<f64> {
    if beta <= 1.0 {
        return Ok(0.0);
    }
    Ok(theory::meanfield::curie_weiss::cw_magnetisation(beta)?)
}

/// Exact overlap law of a Curie–Weiss teacher as a table `(k, overlap, probability)` plus
/// constant columns `mean_abs_overlap`, `mean_sq_overlap`, `m_infinite`.
fn cw_law_table(cw: &CurieWeiss, block: Option<&str>) -> anyhow::Result<TableBuilder> {
    let pmf = cw.overlap_pmf().to_vec();
    let k = pmf.len();
    let mut b = TableBuilder::new();
    if let Some(name) = block {
        b = b.str("block", vec![name.to_string(); k]);
    }
    Ok(b.i64("k", index(k))
        .f64("overlap", cw.overlap_values())
        .f64("probability", pmf)
        .f64("mean_abs_overlap", vec![cw.mean_abs_overlap(); k])
        .f64("mean_sq_overlap", vec![cw.mean_sq_overlap(); k])
        .f64("m_infinite", vec![m_infinite(cw.beta())?; k]))
}

/// `generate_curie_weiss`: Curie–Weiss teacher with a pattern (paper 001 §4.1).
pub struct CurieWeissKind;

impl StageKind for CurieWeissKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_curie_weiss",
            doc: "Exact samples of the Curie–Weiss model P(v) ∝ exp(β(ξ·v)²/2N) with a pattern ξ (paper 001 §4.1), drawn through the exact overlap law. Outputs: samples (sample, v), patterns (mu, i, xi), exact (k, overlap m_k = (2k−N)/N, probability, mean_abs_overlap, mean_sq_overlap, m_infinite = root of m = tanh βm)",
            params: vec![
                p_n("number of spins N ≥ 1"),
                p_beta(),
                p_samples(),
                ParamSpec::new("pattern", T::Str, "pattern ξ: random (uniform ±1 from the seed) | ones")
                    .default(Value::Str("random".into())),
                p_encoding(),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "patterns", "exact"],
            code: code(&["data", "theory"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 1)?;
        match text(p, "pattern") {
            "random" | "ones" => Ok(()),
            o => Err(format!("pattern must be random or ones, got `{o}`")),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, beta, seed) = (ctx.usize("n")?, ctx.f64("beta")?, ctx.seed()?);
        let cw = match ctx.str("pattern")? {
            "ones" => CurieWeiss::new(Array1::from_elem(n, 1), beta)?,
            _ => CurieWeiss::with_random_pattern(n, beta, seed)?,
        };
        let enc = encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)?;
        let s = ctx.usize("n_samples")?;
        let v = cw.sample(s, seed, enc)?;
        let xi = cw.pattern().clone().insert_axis(ndarray::Axis(0));
        Ok(out(vec![
            ("samples", samples_table(index(s), &v, |b| b)?),
            ("patterns", patterns_table(&xi, None)?),
            ("exact", cw_law_table(&cw, None)?.build()?),
        ]))
    }
}

/// `generate_hopfield_pair`: paper 001's correlated pattern pair ξ¹,² = η ± η̃.
pub struct HopfieldPairKind;

impl StageKind for HopfieldPairKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_hopfield_pair",
            doc: "Exact samples of the Hopfield model with paper 001's correlated pair ξ¹,² = η ± η̃ (§4.2, App. C): two independent Curie–Weiss blocks at β(1±κ). Outputs: samples (sample, v), patterns (mu, i, xi, block), exact (mu, nu, second_moment = ⟨m_μ m_ν⟩ with m_μ = ξ^μ·v/N; n_eta, beta_eta, beta_eta_tilde, m_eta_infinite, m_eta_tilde_infinite), block_law (block, k, overlap, probability: each block's exact overlap law). Four lumps of (m_1, m_2) for T < 1 − κ, two for 1 − κ < T < 1 + κ",
            params: vec![
                p_n("number of spins N ≥ 2"),
                ParamSpec::new("kappa", T::Float, "pattern correlation κ ∈ [0, 1] (ξ¹·ξ² ≈ Nκ)"),
                p_beta(),
                p_samples(),
                p_encoding(),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "patterns", "exact", "block_law"],
            code: code(&["data", "theory"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 2)?;
        num_in(p, "kappa", 0.0, 1.0)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, beta, seed) = (ctx.usize("n")?, ctx.f64("beta")?, ctx.seed()?);
        let pair = CorrelatedPair::new(n, ctx.f64("kappa")?, seed)?;
        let hop = pair.hopfield(beta)?;
        let enc = encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)?;
        let s = ctx.usize("n_samples")?;
        let v = hop.sample(s, seed, enc)?;
        let n_eta = pair.n_eta;
        let (b1, b2) = pair.block_betas(beta);
        let q = hop.overlap_second_moments();
        let rows = 4;
        let exact = TableBuilder::new()
            .i64("mu", vec![1, 1, 2, 2])
            .i64("nu", vec![1, 2, 1, 2])
            .f64("second_moment", vec![q[(0, 0)], q[(0, 1)], q[(1, 0)], q[(1, 1)]])
            .i64("n_eta", vec![n_eta as i64; rows])
            .f64("beta_eta", vec![b1; rows])
            .f64("beta_eta_tilde", vec![b2; rows])
            .f64("m_eta_infinite", vec![m_infinite(b1)?; rows])
            .f64("m_eta_tilde_infinite", vec![m_infinite(b2)?; rows])
            .build()?;
        // Each block is a Curie–Weiss model of its own size at β_b = 2βN_b/N (module docs of
        // data::hopfield), recomputed here independently of the Hopfield class enumeration.
        let mut parts = Vec::new();
        for (name, size, bb) in [("eta", n_eta, b1), ("eta_tilde", n - n_eta, b2)] {
            if size > 0 {
                parts.push(cw_law_table(&CurieWeiss::new(Array1::from_elem(size, 1), bb)?, Some(name))?.build()?);
            }
        }
        let law = arrow::compute::concat_batches(&parts[0].schema(), &parts)?;
        let block = move |i: usize| if i < n_eta { "eta" } else { "eta_tilde" };
        Ok(out(vec![
            ("samples", samples_table(index(s), &v, |b| b)?),
            ("patterns", patterns_table(&pair.patterns(), Some(&block))?),
            ("exact", exact),
            ("block_law", law),
        ]))
    }
}

/// `generate_ising_ring`: 1-D Ising ring with periodic boundary conditions (paper 002 §3).
pub struct IsingRingKind;

impl StageKind for IsingRingKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_ising_ring",
            doc: "Exact samples of the 1-D Ising ring P(v) ∝ exp(β Σ v_i v_{i+1}) with periodic boundaries (paper 002 §3, Fig. 2), by the transfer-matrix conditional chain. Outputs: samples (sample, v), exact (d = 0..N/2, correlation = ⟨v_i v_{i+d}⟩ = (t^d + t^{N−d})/(1 + t^N) with t = tanh β, correlation_length = −1/ln tanh β)",
            params: vec![p_n("number of spins N ≥ 2"), p_beta(), p_samples(), p_encoding(), p_seed()],
            inputs: vec![],
            outputs: vec!["samples", "exact"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 2)
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, seed) = (ctx.usize("n")?, ctx.seed()?);
        let ring = IsingRing::new(n, ctx.f64("beta")?)?;
        let enc = encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)?;
        let s = ctx.usize("n_samples")?;
        let v = ring.sample(s, seed, enc)?;
        let ds: Vec<usize> = (0..=n / 2).collect();
        let exact = TableBuilder::new()
            .i64("d", ds.iter().map(|d| *d as i64).collect())
            .f64("correlation", ds.iter().map(|d| ring.correlation(*d)).collect())
            .f64("correlation_length", vec![ring.correlation_length(); ds.len()])
            .build()?;
        Ok(out(vec![("samples", samples_table(index(s), &v, |b| b)?), ("exact", exact)]))
    }
}

fn potts_samples(x: &Array2<u8>, p: usize, one_hot: bool) -> anyhow::Result<Array2<i8>> {
    if one_hot { to_i8(&transform::one_hot(x, p)?, 1) } else { to_i8(x, (p - 1) as u8) }
}

/// `generate_xy_ring`: discretised XY ring, a cosine-kernel Potts ring (paper 002 §4).
pub struct XyRingKind;

impl StageKind for XyRingKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_xy_ring",
            doc: "Exact samples of the discretised XY ring P(v) ∝ exp(β Σ cos(2π(v_i − v_{i+1})/P)), v_i ∈ 0..P (paper 002 §4, Fig. 8), by forward filtering / backward sampling on the ring. Outputs: samples (sample, v: states, or one-hot bits), exact (d = 0..N/2, cos_correlation = finite-ring ⟨cos(2π(v_i − v_{i+d})/P)⟩, cos_correlation_limit = (λ₁/λ₀)^d), eigenvalues (q, lambda = λ_q of paper 002 eq. (29), ratio = λ_q/λ₀)",
            params: vec![
                p_n("number of sites N ≥ 2"),
                ParamSpec::new("states", T::Int, "number of Potts states P, 2..=127"),
                p_beta(),
                p_samples(),
                p_one_hot(),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "exact", "eigenvalues"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 2)?;
        int_in(p, "states", 2, 127)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, pst, seed) = (ctx.usize("n")?, ctx.usize("states")?, ctx.seed()?);
        let ring = XyRing::new(n, pst, ctx.f64("beta")?)?;
        let s = ctx.usize("n_samples")?;
        let v = potts_samples(&ring.sample(s, seed)?, pst, ctx.bool("one_hot")?)?;
        let ds: Vec<usize> = (0..=n / 2).collect();
        let exact = TableBuilder::new()
            .i64("d", ds.iter().map(|d| *d as i64).collect())
            .f64("cos_correlation", ds.iter().map(|d| ring.cos_correlation(*d)).collect())
            .f64("cos_correlation_limit", ds.iter().map(|d| ring.cos_correlation_limit(*d)).collect())
            .build()?;
        let lam = ring.eigenvalues();
        let eig = TableBuilder::new()
            .i64("q", index(pst))
            .f64("ratio", lam.iter().map(|l| l / lam[0]).collect())
            .f64("lambda", lam)
            .build()?;
        Ok(out(vec![("samples", samples_table(index(s), &v, |b| b)?), ("exact", exact), ("eigenvalues", eig)]))
    }
}

/// `generate_null_binary`: independent binary units.
pub struct NullBinaryKind;

impl StageKind for NullBinaryKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_null_binary",
            doc: "Independent binary units, up with probability p_up (the Marchenko–Pastur null model of papers 000 and 002). Outputs: samples (sample, v), exact (i, mean = exact ⟨v_i⟩, variance = exact Var v_i)",
            params: vec![
                p_n("number of units N ≥ 1"),
                p_samples(),
                ParamSpec::new("p_up", T::Float, "probability of an up unit (+1 or 1)").default(Value::Float(0.5)),
                p_encoding(),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "exact"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 1)?;
        num_in(p, "p_up", 0.0, 1.0)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, s, q) = (ctx.usize("n")?, ctx.usize("n_samples")?, ctx.f64("p_up")?);
        let enc = encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)?;
        let v = null::independent_binary(s, n, q, ctx.seed()?, enc)?;
        let (mean, var) = match enc {
            Encoding::Spin => (2.0 * q - 1.0, 4.0 * q * (1.0 - q)),
            Encoding::Binary => (q, q * (1.0 - q)),
        };
        let exact =
            TableBuilder::new().i64("i", index(n)).f64("mean", vec![mean; n]).f64("variance", vec![var; n]).build()?;
        Ok(out(vec![("samples", samples_table(index(s), &v, |b| b)?), ("exact", exact)]))
    }
}

/// `generate_null_potts`: independent uniform Potts units.
pub struct NullPottsKind;

impl StageKind for NullPottsKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_null_potts",
            doc: "Independent uniform Potts units with P states (the null model of paper 002 §4). Outputs: samples (sample, v: states or one-hot bits), exact (state, probability = 1/P)",
            params: vec![
                p_n("number of units N ≥ 1"),
                ParamSpec::new("states", T::Int, "number of Potts states P, 2..=127"),
                p_samples(),
                p_one_hot(),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "exact"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 1)?;
        int_in(p, "states", 2, 127)?;
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (n, pst, s) = (ctx.usize("n")?, ctx.usize("states")?, ctx.usize("n_samples")?);
        let x = null::independent_potts(s, n, pst, ctx.seed()?)?;
        let v = potts_samples(&x, pst, ctx.bool("one_hot")?)?;
        let exact =
            TableBuilder::new().i64("state", index(pst)).f64("probability", vec![1.0 / pst as f64; pst]).build()?;
        Ok(out(vec![("samples", samples_table(index(s), &v, |b| b)?), ("exact", exact)]))
    }
}

/// Largest hidden layer of `generate_planted_rbm` (exact site means cost 2^M N M).
pub const PLANTED_MAX_HIDDEN: i64 = 12;

/// Standard normal draw (Box–Muller, one value per call).
fn normal(rng: &mut rand_xoshiro::Xoshiro256PlusPlus) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn unit_vector(n: usize, rng: &mut rand_xoshiro::Xoshiro256PlusPlus) -> Vec<f64> {
    let v: Vec<f64> = (0..n).map(|_| normal(rng)).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// The teacher's couplings and biases for `structure` (see the kind's doc).
fn planted_parameters(
    nv: usize,
    m: usize,
    w: f64,
    structure: &str,
    visible: Encoding,
    hidden: Encoding,
    seed: u64,
) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let mut rng = stream_rng(seed, 0);
    let weights = match structure {
        "rank1" => {
            let (u, ub) = (unit_vector(nv, &mut rng), unit_vector(m, &mut rng));
            Array2::from_shape_fn((nv, m), |(i, mu)| w * u[i] * ub[mu])
        }
        _ => {
            let s = w / (nv as f64).sqrt();
            Array2::from_shape_fn((nv, m), |_| s * normal(&mut rng))
        }
    };
    // {0,1} units: b = −W1/2, c = −Wᵀ1/2 cancel the fields induced by the other layer's mean
    // (paper 001 check C3); ±1 units need no bias.
    let b = match hidden {
        Encoding::Binary => weights.sum_axis(ndarray::Axis(1)) * -0.5,
        Encoding::Spin => Array1::zeros(nv),
    };
    let c = match visible {
        Encoding::Binary => weights.sum_axis(ndarray::Axis(0)) * -0.5,
        Encoding::Spin => Array1::zeros(m),
    };
    (weights, b, c)
}

/// Exact `⟨v_i⟩` of a planted RBM from its exact hidden law: `Σ_h P(h) E[v_i | h]`.
fn planted_site_means(rbm: &PlantedRbm) -> Vec<f64> {
    let (nv, m) = rbm.weights.dim();
    let (up, down) = (rbm.visible.encode(1) as f64, rbm.visible.encode(-1) as f64);
    let gain = if rbm.visible == Encoding::Spin { 2.0 } else { 1.0 };
    let mut mean = vec![0.0; nv];
    let mut h = vec![0.0; m];
    for (code, &p) in rbm.hidden_pmf().iter().enumerate() {
        for (mu, x) in h.iter_mut().enumerate() {
            *x = rbm.hidden.encode(if (code >> mu) & 1 == 1 { 1 } else { -1 }) as f64;
        }
        for (i, mi) in mean.iter_mut().enumerate() {
            let x = rbm.visible_bias[i] + (0..m).map(|mu| rbm.weights[(i, mu)] * h[mu]).sum::<f64>();
            let pu = 1.0 / (1.0 + (-gain * x).exp());
            *mi += p * (pu * up + (1.0 - pu) * down);
        }
    }
    mean
}

/// `generate_planted_rbm`: a small planted RBM sampled through its exact hidden law.
pub struct PlantedRbmKind;

impl StageKind for PlantedRbmKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "generate_planted_rbm",
            doc: "Exact samples of a small planted RBM P(v,h) ∝ exp(vᵀWh + bᵀv + cᵀh), hidden layer enumerated exactly (≤ 12 units). structure rank1: W = w u ūᵀ with random unit vectors u, ū (paper 001 check C3); gaussian: W_iμ ~ N(0, w²/N). {0,1} layers get the centring biases b = −W1/2, c = −Wᵀ1/2, ±1 layers none. Outputs: samples (sample, v), weights (i, mu, w), biases (layer, i, bias), exact (i, mean = exact ⟨v_i⟩), hidden_law (code = Σ_μ [h_μ up] 2^μ, probability)",
            params: vec![
                p_n("number of visible units N ≥ 1"),
                ParamSpec::new("n_hidden", T::Int, "number of hidden units M, 1..=12"),
                ParamSpec::new("w", T::Float, "coupling strength (rank1: ‖W‖; gaussian: entry std × √N)"),
                ParamSpec::new("structure", T::Str, "rank1 | gaussian").default(Value::Str("rank1".into())),
                p_samples(),
                ParamSpec::new("encoding", T::Str, "visible units: spin (±1) | binary ({0,1})")
                    .default(Value::Str("binary".into())),
                ParamSpec::new("hidden_encoding", T::Str, "hidden units: spin (±1) | binary ({0,1})")
                    .default(Value::Str("binary".into())),
                p_seed(),
            ],
            inputs: vec![],
            outputs: vec!["samples", "weights", "biases", "exact", "hidden_law"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        check_common(p, 1)?;
        int_in(p, "n_hidden", 1, PLANTED_MAX_HIDDEN)?;
        num_in(p, "w", -1e3, 1e3)?;
        encoding(text(p, "hidden_encoding"))?;
        match text(p, "structure") {
            "rank1" | "gaussian" => Ok(()),
            o => Err(format!("structure must be rank1 or gaussian, got `{o}`")),
        }
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let (nv, m, seed) = (ctx.usize("n")?, ctx.usize("n_hidden")?, ctx.seed()?);
        let vis = encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)?;
        let hid = encoding(ctx.str("hidden_encoding")?).map_err(anyhow::Error::msg)?;
        let (w, b, c) = planted_parameters(nv, m, ctx.f64("w")?, ctx.str("structure")?, vis, hid, seed);
        let rbm = PlantedRbm::new(w, b, c, vis, hid)?;
        let s = ctx.usize("n_samples")?;
        let v = rbm.sample(s, seed)?;
        let weights = TableBuilder::new()
            .i64("i", (0..nv * m).map(|r| (r / m) as i64).collect())
            .i64("mu", (0..nv * m).map(|r| (r % m) as i64).collect())
            .f64("w", rbm.weights.iter().copied().collect())
            .build()?;
        let biases = TableBuilder::new()
            .str("layer", (0..nv + m).map(|r| if r < nv { "visible" } else { "hidden" }.to_string()).collect())
            .i64("i", (0..nv).chain(0..m).map(|r| r as i64).collect())
            .f64("bias", rbm.visible_bias.iter().chain(rbm.hidden_bias.iter()).copied().collect())
            .build()?;
        let exact = TableBuilder::new().i64("i", index(nv)).f64("mean", planted_site_means(&rbm)).build()?;
        let law = rbm.hidden_pmf().to_vec();
        let hidden_law = TableBuilder::new().i64("code", index(law.len())).f64("probability", law).build()?;
        Ok(out(vec![
            ("samples", samples_table(index(s), &v, |b| b)?),
            ("weights", weights),
            ("biases", biases),
            ("exact", exact),
            ("hidden_law", hidden_law),
        ]))
    }
}
