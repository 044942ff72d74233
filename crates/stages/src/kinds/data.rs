//! Stage kinds of the `data` crate: exact teacher generators, the real-data loader, and the
//! analyses and checks that compare sampled statistics with the generators' exact ones.
//!
//! # Sample tables (one layout for every generator and data set)
//! Output `samples` has **one row per sample** and the columns
//! * `sample` (int64): the sample's index — `0..n_samples` for a generator; for `dataset`,
//!   the row's index in its source (MNIST/Fashion-MNIST: index in the split's idx file, with
//!   test images numbered from 60 000 when `split: all`; HGD: haplotype row; ORL:
//!   `10 (subject − 1) + (image − 1)`), so subsets stay traceable;
//! * `v` (fixed_size_binary, width = number of units): byte `j` of the row is unit `j` as an
//!   `i8` — `±1` (`encoding: spin`, −1 stored as 0xFF), `{0, 1}` (`encoding: binary`), a Potts
//!   state `0..P` (XY ring, null Potts), or the `N·P` one-hot bits (`one_hot: true`, column
//!   `i·P + state`);
//! * `label` where the data have labels: int64 digit / clothing class (MNIST, Fashion-MNIST),
//!   int64 subject `0..40` (ORL), utf8 1000-Genomes population code (HGD, which also has a
//!   utf8 `super_population`);
//! * the stage's parameters as constant columns (added by the runner).
//!
//! Loading in Python: `X = np.frombuffer(b"".join(df.v), np.int8).reshape(len(df), -1)`
//! (pandas / pyarrow read the column as bytes).
//!
//! # Exact companions
//! Every generator also writes `exact` (and, where useful, further small tables) with the
//! teacher's exact statistics for figures and checks to overlay: Curie–Weiss overlap law and
//! `⟨|m|⟩`, Ising-ring `⟨v_i v_{i+d}⟩` for `d = 0..N/2`, XY `⟨cos⟩(d)` and `λ_p`, Hopfield
//! `⟨m_μ m_ν⟩` and the two block laws, null-model and planted-RBM site means.
//!
//! # Real data and the cache key
//! `dataset` reads `<data_dir>/SHA256SUMS` (a relative `data_dir` is resolved against the
//! working directory when the stage runs), checks that the digests it lists for the source's
//! files agree with the digests compiled into this module ([`dataset::PINNED`]), and verifies
//! every file it reads against that list. A missing folder or list is the data crate's
//! "run `make data`" error; a changed file is a checksum error; a deliberately updated data
//! set requires updating [`dataset::PINNED`], which changes the code fingerprint and hence
//! every dependent cache key. So a key always names one exact content of the data, whatever
//! the path; the content id is also written to the `content_sha256` column.

pub mod analysis;
pub mod common;
pub mod dataset;
pub mod generate;

use pipeline::Registry;

/// Registers this module's stage kinds.
pub fn register(r: &mut Registry) {
    r.add(generate::CurieWeissKind);
    r.add(generate::HopfieldPairKind);
    r.add(generate::IsingRingKind);
    r.add(generate::XyRingKind);
    r.add(generate::NullBinaryKind);
    r.add(generate::NullPottsKind);
    r.add(generate::PlantedRbmKind);
    r.add(dataset::DatasetKind);
    r.add(analysis::RingCorrelation);
    r.add(analysis::PatternOverlaps);
    r.add(analysis::CheckRingCorrelation);
    r.add(analysis::CheckOverlapLaw);
    r.add(analysis::CheckOverlapMoments);
    r.add(analysis::CheckSiteMeans);
}
