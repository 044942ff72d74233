//! The 805-SNP human-genome data set (HGD; Yelmen et al. 2021, used by paper 001 §5) and paper
//! 001's size reduction.
//!
//! Files (inside `hgd/` of the data directory): `805_SNP_1000G_real.hapt.zip` holds one text
//! member with one haplotype per line, `Real <ID>_<A|B> x_1 … x_805` (`x ∈ {0, 1}`), and
//! `805_SNP_1000G_real.labels.tsv` maps each row to its sample, population and super-population.
//!
//! # Size reduction (paper 001 §5)
//! The paper reduces `N_v` by a 1-D "convolution … with a kernel of size s = 3. The output is one if
//! the sum of the three input values … is above the threshold 2 … A stride of 2". We read
//! "above the threshold 2" as `sum ≥ 2` — a majority vote of three sites, which keeps the density of
//! ones and the haplotype structure — rather than `sum > 2` (an AND of the three sites, which would
//! empty most windows); [`reduce_sites`] takes the threshold as a parameter so `3` gives the strict
//! reading. Windows start at `0, 2, 4, …` without padding, so `N → ⌊(N − 3)/2⌋ + 1`
//! (805 → 402 → 200 → 99 …), matching the sizes quoted in ../notes.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use crate::checksum::{Checksums, read_checked};
use crate::error::{Error, Result, invalid};

/// Relative path of the zipped haplotype file.
pub const HAPT_ZIP: &str = "hgd/805_SNP_1000G_real.hapt.zip";
/// Relative path of the row → population table.
pub const LABELS_TSV: &str = "hgd/805_SNP_1000G_real.labels.tsv";

/// The HGD haplotypes with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Hgd {
    /// One haplotype per row, sites in {0, 1} (5008 × 805 for the shipped file).
    pub haplotypes: Array2<u8>,
    /// Haplotype identifier of each row (`<sample>_<A|B>`).
    pub ids: Vec<String>,
    /// 1000 Genomes population code of each row (e.g. `GBR`).
    pub population: Vec<String>,
    /// Continental super-population of each row (`AFR`, `AMR`, `EAS`, `EUR`, `SAS`).
    pub super_population: Vec<String>,
}

/// Parses the haplotype text: every line `Real <ID> x_1 … x_L`, with the same `L` on every line.
/// `source` names the file in errors ([`Error::RowWidth`], [`Error::Format`]).
pub fn parse_hapt(text: &str, source: &Path) -> Result<(Array2<u8>, Vec<String>)> {
    let mut ids = Vec::new();
    let mut data: Vec<u8> = Vec::with_capacity(text.len() / 2);
    let mut width = None;
    for (ln, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut tok = line.split_ascii_whitespace();
        let (Some(_tag), Some(id)) = (tok.next(), tok.next()) else {
            return Err(Error::Format {
                path: source.to_path_buf(),
                msg: format!("line {}: missing `<tag> <id>` prefix", ln + 1),
            });
        };
        let before = data.len();
        for t in tok {
            data.push(match t {
                "0" => 0,
                "1" => 1,
                _ => {
                    return Err(Error::Format {
                        path: source.to_path_buf(),
                        msg: format!("line {}: site value `{t}` is not 0 or 1", ln + 1),
                    });
                }
            });
        }
        let found = data.len() - before;
        let expected = *width.get_or_insert(found);
        if found != expected || found == 0 {
            return Err(Error::RowWidth { path: source.to_path_buf(), line: ln + 1, expected, found });
        }
        ids.push(id.to_string());
    }
    let w = width.ok_or_else(|| Error::Format { path: source.to_path_buf(), msg: "no haplotype rows".into() })?;
    let x = Array2::from_shape_vec((ids.len(), w), data).expect("rows have equal width");
    Ok((x, ids))
}

/// Loads the HGD from `root` (verifying both files against `sums` when given) and attaches the
/// population labels, checking that the label table lists the same haplotypes in the same order.
pub fn load_hgd(root: &Path, sums: Option<&Checksums>) -> Result<Hgd> {
    let zip_bytes = read_checked(root, HAPT_ZIP, sums)?;
    let tsv_bytes = read_checked(root, LABELS_TSV, sums)?;
    let zip_path = root.join(HAPT_ZIP);
    let zerr = |msg: String| Error::Format { path: zip_path.clone(), msg };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).map_err(|e| zerr(format!("bad zip archive: {e}")))?;
    let member = archive
        .file_names()
        .find(|n| n.ends_with(".hapt"))
        .map(str::to_string)
        .ok_or_else(|| zerr("no `.hapt` member in the archive".into()))?;
    let mut text = String::new();
    archive
        .by_name(&member)
        .map_err(|e| zerr(format!("cannot open member {member}: {e}")))?
        .read_to_string(&mut text)
        .map_err(|e| zerr(format!("cannot decompress member {member}: {e}")))?;
    let member_path = PathBuf::from(format!("{}:{member}", zip_path.display()));
    let (haplotypes, ids) = parse_hapt(&text, &member_path)?;

    let tsv_path = root.join(LABELS_TSV);
    let tsv =
        String::from_utf8(tsv_bytes).map_err(|_| Error::Format { path: tsv_path.clone(), msg: "not UTF-8".into() })?;
    let mut population = Vec::with_capacity(ids.len());
    let mut super_population = Vec::with_capacity(ids.len());
    let mut lines = tsv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    lines.next(); // header
    for (ln, line) in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 5 {
            return Err(Error::RowWidth { path: tsv_path, line: ln + 1, expected: 5, found: f.len() });
        }
        let row = population.len();
        if row >= ids.len() || f[1] != ids[row] {
            return Err(Error::Format {
                path: tsv_path,
                msg: format!("line {}: haplotype {} does not match row {row} of the haplotype file", ln + 1, f[1]),
            });
        }
        population.push(f[3].to_string());
        super_population.push(f[4].to_string());
    }
    if population.len() != ids.len() {
        return Err(Error::Format {
            path: tsv_path,
            msg: format!("{} labels for {} haplotypes", population.len(), ids.len()),
        });
    }
    Ok(Hgd { haplotypes, ids, population, super_population })
}

/// Paper 001 §5 size reduction of binary rows: output site `j` is 1 iff
/// `Σ_{t<kernel} x[j·stride + t] ≥ threshold` (module docs: the "≥ 2" reading), for
/// `j = 0 … ⌊(N − kernel)/stride⌋`. Paper values: `kernel = 3, threshold = 2, stride = 2`.
pub fn reduce_sites(x: &Array2<u8>, kernel: usize, threshold: usize, stride: usize) -> Result<Array2<u8>> {
    let n = x.ncols();
    if kernel == 0 || stride == 0 || kernel > n {
        return invalid(format!(
            "reduction needs 1 ≤ kernel ≤ N and stride ≥ 1 (kernel {kernel}, stride {stride}, N {n})"
        ));
    }
    if let Some(v) = x.iter().find(|&&v| v > 1) {
        return invalid(format!("reduction expects {{0,1}} sites, found {v}"));
    }
    let m = (n - kernel) / stride + 1;
    Ok(Array2::from_shape_fn((x.nrows(), m), |(r, j)| {
        let s: usize = (0..kernel).map(|t| x[(r, j * stride + t)] as usize).sum();
        u8::from(s >= threshold)
    }))
}
