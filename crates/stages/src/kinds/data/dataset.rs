//! `dataset`: the real data sets (MNIST, Fashion-MNIST, the 805-SNP human-genome set, the ORL
//! faces) with the papers' transforms, written as the sample table of the module docs.
//!
//! Order of operations: load and verify → split (`train`/`test`: the MNIST files, or a seeded
//! partition with `test_fraction` for HGD and ORL; `all`) → seeded subset of `n_samples` rows
//! (kept in source order) → images: optional resize to `size × size` (skimage-compatible,
//! anti-aliased; see `data::transform`) and binarisation (threshold on g/255, or stochastic with
//! probability g/255); HGD: `reduce` rounds of paper 001's kernel-3 / threshold-2 / stride-2
//! reduction → `encoding`. Seeds: the split uses `seed`, the subset `seed + 1`, stochastic
//! binarisation `seed + 2`.

use super::common::{code, encoding, int_in, num_in, samples_table, text, to_i8};
use anyhow::Context;
use data::checksum::{Checksums, sha256, to_hex};
use data::mnist::{ImageSet, Split};
use data::{Encoding, hgd, mnist, orl, transform};
use ndarray::{Array2, Axis};
use pipeline::{Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};
use std::path::{Path, PathBuf};

const FILES: &[&str] = &["kinds/data/dataset.rs", "kinds/data/common.rs"];

/// Content ids this build accepts, per source: the SHA-256 of the source's `SHA256SUMS` lines
/// (`<hex>  <relative path>\n`, sorted by path) for every file the source can read. They
/// pin the data sets of `../shared/data` (MNIST idx files, Fashion-MNIST idx files, the HGD
/// zip and label table, the 400 ORL images). Updating a data set means updating this table,
/// which changes the code fingerprint and so every dependent cache key.
pub const PINNED: &[(&str, &str)] = &[
    ("mnist", "a70f2fa0439779baa0a5866f97f504238362e3e5a0acb7d96dbf70bdd96c341a"),
    ("fashion_mnist", "7667fd04e49365345c56a7ae8e6f281074016e2702fc54da058ec8da20c9df0b"),
    ("hgd", "36bbbe311d6c15530d3425f8364dd97281ea9b5a3ec81f6dc9917d5be967b99a"),
    ("orl", "c8833e6f5469282678826e89a5e2534dcf7b1e79bd4c627e83c3bec05b4a6ba8"),
];

/// Relative paths (inside the data directory) of every file `source` can read.
pub fn source_files(source: &str) -> Vec<String> {
    match source {
        "mnist" | "fashion_mnist" => {
            let set = image_set(source);
            [Split::Train, Split::Test]
                .into_iter()
                .flat_map(|s| {
                    let (a, b) = mnist::file_names(set, s);
                    [a, b]
                })
                .collect()
        }
        "hgd" => vec![hgd::HAPT_ZIP.to_string(), hgd::LABELS_TSV.to_string()],
        "orl" => {
            (1..=orl::SUBJECTS).flat_map(|s| (1..=orl::IMAGES_PER_SUBJECT).map(move |i| orl::face_path(s, i))).collect()
        }
        _ => vec![],
    }
}

fn image_set(source: &str) -> ImageSet {
    if source == "fashion_mnist" { ImageSet::FashionMnist } else { ImageSet::Mnist }
}

/// Content id of `source` as listed by `sums` (see [`PINNED`]).
pub fn content_id(source: &str, sums: &Checksums, root: &Path) -> anyhow::Result<String> {
    let mut files = source_files(source);
    files.sort();
    let mut lines = String::new();
    for f in &files {
        let d = sums
            .expected(f)
            .ok_or_else(|| data::Error::NotListed { path: root.join(f), sums: root.join(data::checksum::SUMS_FILE) })?;
        lines.push_str(&format!("{}  {f}\n", to_hex(d)));
    }
    Ok(to_hex(&sha256(lines.as_bytes())))
}

/// Reads `<root>/SHA256SUMS` and checks that it lists the pinned content of `source`.
fn verified_sums(source: &str, root: &Path) -> anyhow::Result<(Checksums, String)> {
    let sums = Checksums::read(root)?;
    let id = content_id(source, &sums, root)?;
    let want = PINNED.iter().find(|(s, _)| *s == source).map(|(_, d)| *d).unwrap_or("");
    anyhow::ensure!(
        id == want,
        "{} lists a different {source} data set (content id {id}) than the one this build is pinned to ({want}): \
         re-run `make data` to restore the shipped files, or update PINNED in stages/src/kinds/data/dataset.rs \
         if the data set was changed on purpose",
        root.join(data::checksum::SUMS_FILE).display()
    );
    Ok((sums, id))
}

enum Labels {
    Int(Vec<i64>),
    Population(Vec<String>, Vec<String>),
}

impl Labels {
    fn select(&self, idx: &[usize]) -> Labels {
        match self {
            Labels::Int(v) => Labels::Int(idx.iter().map(|&i| v[i]).collect()),
            Labels::Population(p, s) => Labels::Population(
                idx.iter().map(|&i| p[i].clone()).collect(),
                idx.iter().map(|&i| s[i].clone()).collect(),
            ),
        }
    }
}

struct Loaded {
    /// Grey images (0..=255) with their shape, or binary sites.
    grey: Option<(Array2<u8>, usize, usize)>,
    binary: Option<Array2<u8>>,
    labels: Labels,
    index: Vec<i64>,
}

fn load(
    source: &str,
    root: &Path,
    sums: &Checksums,
    split: &str,
    test_fraction: f64,
    seed: u64,
) -> anyhow::Result<Loaded> {
    let seeded_split = |n: usize| -> anyhow::Result<Vec<usize>> {
        let (train, test) = transform::train_test_split(n, test_fraction, seed)?;
        Ok(match split {
            "train" => train,
            "test" => test,
            _ => (0..n).collect(),
        })
    };
    match source {
        "mnist" | "fashion_mnist" => {
            let set = image_set(source);
            let parts: Vec<(Split, i64)> = match split {
                "train" => vec![(Split::Train, 0)],
                "test" => vec![(Split::Test, 0)],
                _ => vec![(Split::Train, 0), (Split::Test, 60_000)],
            };
            let mut imgs = Vec::new();
            let (mut labels, mut index) = (Vec::new(), Vec::new());
            let mut shape = (0, 0);
            for (s, offset) in parts {
                let li = mnist::load_images(root, set, s, Some(sums))?;
                shape = (li.rows, li.cols);
                labels.extend(li.labels.iter().map(|&l| l as i64));
                index.extend((0..li.images.nrows() as i64).map(|i| i + offset));
                imgs.push(li.images);
            }
            let views: Vec<_> = imgs.iter().map(|a| a.view()).collect();
            let images =
                if views.len() == 1 { imgs.pop().expect("one part") } else { ndarray::concatenate(Axis(0), &views)? };
            Ok(Loaded { grey: Some((images, shape.0, shape.1)), binary: None, labels: Labels::Int(labels), index })
        }
        "hgd" => {
            let h = hgd::load_hgd(root, Some(sums))?;
            let idx = seeded_split(h.haplotypes.nrows())?;
            Ok(Loaded {
                grey: None,
                binary: Some(h.haplotypes.select(Axis(0), &idx)),
                labels: Labels::Population(h.population, h.super_population).select(&idx),
                index: idx.iter().map(|&i| i as i64).collect(),
            })
        }
        "orl" => {
            let f = orl::load_orl(root, Some(sums))?;
            let idx = seeded_split(f.images.nrows())?;
            Ok(Loaded {
                grey: Some((f.images.select(Axis(0), &idx), f.rows, f.cols)),
                binary: None,
                labels: Labels::Int(idx.iter().map(|&i| f.subject[i] as i64).collect()),
                index: idx.iter().map(|&i| i as i64).collect(),
            })
        }
        o => anyhow::bail!("unknown source `{o}`"),
    }
}

/// `dataset`: loader + transforms of the real data sets.
pub struct DatasetKind;

const SOURCES: &[&str] = &["mnist", "fashion_mnist", "hgd", "orl"];

impl StageKind for DatasetKind {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "dataset",
            doc: "A real data set from data_dir (filled by `make data`; every file verified against data_dir/SHA256SUMS and the digests pinned in this build) with the papers' transforms: split, seeded subset, resize to L×L (skimage-compatible anti-aliased), binarisation (threshold | stochastic), HGD reduction (kernel 3, threshold ≥ 2, stride 2), ±1/{0,1} encoding. Output samples: sample (index in the source), v (one i8 per unit), label (int64 class for MNIST/Fashion-MNIST, int64 subject for ORL, utf8 population for HGD, plus super_population), content_sha256 (the pinned content id)",
            params: vec![
                ParamSpec::new(
                    "source",
                    T::Str,
                    "mnist | fashion_mnist | hgd | orl (ORL faces: the declared stand-in for CelebA)",
                ),
                ParamSpec::new(
                    "data_dir",
                    T::Str,
                    "data directory (relative paths: from the working directory at run time)",
                )
                .default(Value::Str("data".into())),
                ParamSpec::new("split", T::Str, "train | test | all (MNIST: its files; HGD/ORL: seeded partition)")
                    .default(Value::Str("train".into())),
                ParamSpec::new("test_fraction", T::Float, "HGD/ORL: fraction of rows in the test part")
                    .default(Value::Float(0.2)),
                ParamSpec::new("n_samples", T::Int, "seeded random subset of this many rows (0 = all)")
                    .default(Value::Int(0)),
                ParamSpec::new("binarize", T::Str, "images: threshold | stochastic")
                    .default(Value::Str("threshold".into())),
                ParamSpec::new("threshold", T::Float, "images: unit is 1 iff grey/255 > threshold")
                    .default(Value::Float(0.5)),
                ParamSpec::new("size", T::Int, "images: resize to size × size before binarising (0 = native)")
                    .default(Value::Int(0)),
                ParamSpec::new(
                    "reduce",
                    T::Int,
                    "HGD: rounds of the kernel-3/threshold-2/stride-2 reduction (805 → 402 → 200 → 99)",
                )
                .default(Value::Int(0)),
                ParamSpec::new("encoding", T::Str, "unit values: spin (±1) | binary ({0,1})")
                    .default(Value::Str("binary".into())),
                ParamSpec::new(
                    "seed",
                    T::Int,
                    "seed of the split (seed), subset (seed + 1) and stochastic binarisation (seed + 2)",
                )
                .default(Value::Int(0)),
            ],
            inputs: vec![],
            outputs: vec!["samples"],
            code: code(&["data"], FILES),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let source = text(p, "source");
        if !SOURCES.contains(&source) {
            return Err(format!("source must be one of {}, got `{source}`", SOURCES.join(", ")));
        }
        if !["train", "test", "all"].contains(&text(p, "split")) {
            return Err(format!("split must be train, test or all, got `{}`", text(p, "split")));
        }
        if text(p, "data_dir").is_empty() {
            return Err("data_dir must not be empty".into());
        }
        num_in(p, "test_fraction", 0.0, 1.0)?;
        int_in(p, "n_samples", 0, i64::MAX)?;
        int_in(p, "seed", 0, i64::MAX - 2)?;
        encoding(text(p, "encoding"))?;
        let image = source != "hgd";
        let size = int_in(p, "size", 0, 4096)?;
        let reduce = int_in(p, "reduce", 0, 8)?;
        if image {
            if !["threshold", "stochastic"].contains(&text(p, "binarize")) {
                return Err(format!(
                    "binarize must be threshold or stochastic for grey images (the sample table holds binary units), got `{}`",
                    text(p, "binarize")
                ));
            }
            num_in(p, "threshold", 0.0, 0.999_999)?;
            if reduce > 0 {
                return Err("reduce applies to hgd only".into());
            }
        } else if size > 0 {
            return Err("size (image resize) does not apply to hgd; use reduce".into());
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let source = ctx.str("source")?;
        let dir = ctx.str("data_dir")?;
        let root: PathBuf = if Path::new(dir).is_absolute() {
            PathBuf::from(dir)
        } else {
            std::env::current_dir().context("resolving data_dir")?.join(dir)
        };
        let seed = ctx.seed()?;
        let (sums, id) = verified_sums(source, &root)?;
        let mut l = load(source, &root, &sums, ctx.str("split")?, ctx.f64("test_fraction")?, seed)?;
        let n_all = l.index.len();
        let k = ctx.usize("n_samples")?;
        let sel: Vec<usize> = if k == 0 {
            (0..n_all).collect()
        } else {
            anyhow::ensure!(k <= n_all, "n_samples = {k} but the selected {source} split has {n_all} rows");
            transform::random_subset(n_all, k, seed + 1)?
        };
        if k != 0 {
            l.labels = l.labels.select(&sel);
            l.index = sel.iter().map(|&i| l.index[i]).collect();
        }
        let bits: Array2<u8> = if let Some((g, rows, cols)) = &l.grey {
            let g = if k == 0 { g.view().to_owned() } else { g.select(Axis(0), &sel) };
            let thr = ctx.f64("threshold")?;
            let stochastic = ctx.str("binarize")? == "stochastic";
            match ctx.usize("size")? {
                0 => {
                    if stochastic {
                        transform::binarize_stochastic(&g, seed + 2)
                    } else {
                        transform::binarize_threshold(&g, thr)?
                    }
                }
                size => {
                    let r = transform::resize_rows(transform::grey_to_unit(&g).view(), *rows, *cols, size, size)?;
                    if stochastic {
                        transform::binarize_unit_stochastic(&r, seed + 2)?
                    } else {
                        transform::binarize_unit_threshold(&r, thr)
                    }
                }
            }
        } else {
            let b = l.binary.take().expect("hgd is binary");
            let mut b = if k == 0 { b } else { b.select(Axis(0), &sel) };
            for _ in 0..ctx.usize("reduce")? {
                b = hgd::reduce_sites(&b, 3, 2, 2)?;
            }
            b
        };
        let v = match encoding(ctx.str("encoding")?).map_err(anyhow::Error::msg)? {
            Encoding::Binary => to_i8(&bits, 1)?,
            Encoding::Spin => transform::to_spins(&bits)?,
        };
        let n = v.nrows();
        let t = samples_table(l.index, &v, |b| {
            let b = match l.labels {
                Labels::Int(x) => b.i64("label", x),
                Labels::Population(p, s) => b.str("label", p).str("super_population", s),
            };
            b.str("content_sha256", vec![id; n])
        })?;
        Ok(vec![("samples".into(), t)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_files_cover_each_data_set() {
        assert_eq!(source_files("mnist").len(), 4);
        assert!(source_files("fashion_mnist").iter().all(|f| f.starts_with("fashion-mnist/")));
        assert_eq!(source_files("hgd").len(), 2);
        assert_eq!(source_files("orl").len(), 400);
    }

    #[test]
    fn content_id_is_the_digest_of_the_sorted_sum_lines() {
        // Independent construction of the same digest from a hand-written list.
        let d1 = "11".repeat(32);
        let d2 = "22".repeat(32);
        let text = format!(
            "{d2}  ./hgd/805_SNP_1000G_real.labels.tsv\n{d1}  ./hgd/805_SNP_1000G_real.hapt.zip\n{}  ./other\n",
            "33".repeat(32)
        );
        let sums = Checksums::parse(&text, Path::new("SUMS")).unwrap();
        let expect = format!("{d1}  hgd/805_SNP_1000G_real.hapt.zip\n{d2}  hgd/805_SNP_1000G_real.labels.tsv\n");
        assert_eq!(content_id("hgd", &sums, Path::new("/d")).unwrap(), to_hex(&sha256(expect.as_bytes())));
        // A source whose files are not listed is an error naming the file.
        let e = content_id("mnist", &sums, Path::new("/d")).unwrap_err().to_string();
        assert!(e.contains("mnist/"), "{e}");
    }

    #[test]
    fn pinned_ids_match_the_shared_checksum_list_when_present() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
        let Ok(sums) = Checksums::read(&root) else { return };
        for (s, want) in PINNED {
            assert_eq!(&content_id(s, &sums, &root).unwrap(), want, "{s}");
        }
    }
}
