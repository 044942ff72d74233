//! SHA-256 verification of the real data files against a `SHA256SUMS` list
//! (the `sha256sum` format of `../shared/data/SHA256SUMS`: `<64 hex digits>  ./relative/path`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result, io_error};

/// Name of the checksum list inside a data directory.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// The parsed checksum list of a data directory.
#[derive(Debug, Clone)]
pub struct Checksums {
    source: PathBuf,
    entries: BTreeMap<String, [u8; 32]>,
}

/// SHA-256 digest of a byte string (FIPS 180-4, via the `sha2` crate).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = Sha256::digest(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(&d);
    out
}

/// Lower-case hex of a digest.
pub fn to_hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn normalise(rel: &str) -> String {
    let rel = rel.trim_start_matches('*');
    rel.strip_prefix("./").unwrap_or(rel).to_string()
}

impl Checksums {
    /// Reads `<root>/SHA256SUMS`. A missing list is [`Error::MissingFile`] (run `make data`).
    pub fn read(root: &Path) -> Result<Self> {
        let path = root.join(SUMS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
        Self::parse(&text, &path)
    }

    /// Parses the text of a checksum list (`source` is only used in error messages).
    pub fn parse(text: &str, source: &Path) -> Result<Self> {
        let mut entries = BTreeMap::new();
        for (ln, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || Error::Format {
                path: source.to_path_buf(),
                msg: format!("line {}: not `<sha256>  <path>`", ln + 1),
            };
            let (hex, rel) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
            let digest = from_hex(hex).ok_or_else(bad)?;
            entries.insert(normalise(rel.trim_start()), digest);
        }
        Ok(Self { source: source.to_path_buf(), entries })
    }

    /// Number of listed files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The expected digest of `rel` (a path relative to the data directory), if listed.
    pub fn expected(&self, rel: &str) -> Option<&[u8; 32]> {
        self.entries.get(&normalise(rel))
    }

    /// Checks `bytes` (the content of `root/rel`) against the listed digest:
    /// [`Error::NotListed`] if absent from the list, [`Error::ChecksumMismatch`] if different.
    pub fn check_bytes(&self, root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = root.join(rel);
        let want =
            self.expected(rel).ok_or_else(|| Error::NotListed { path: path.clone(), sums: self.source.clone() })?;
        let got = sha256(bytes);
        if &got != want {
            return Err(Error::ChecksumMismatch { path, expected: to_hex(want), found: to_hex(&got) });
        }
        Ok(())
    }

    /// Reads and verifies every listed file under `root`; returns how many were checked. Stops at
    /// the first missing file or mismatch (what `make data` should run after copying).
    pub fn verify_all(&self, root: &Path) -> Result<usize> {
        for rel in self.entries.keys() {
            self.verify(root, rel)?;
        }
        Ok(self.entries.len())
    }

    /// Reads and verifies `root/rel`.
    pub fn verify(&self, root: &Path, rel: &str) -> Result<()> {
        read_checked(root, rel, Some(self)).map(|_| ())
    }
}

/// Reads `root/rel` fully; verifies it first when `sums` is given. A missing file is
/// [`Error::MissingFile`] naming the file and `make data`.
pub fn read_checked(root: &Path, rel: &str, sums: Option<&Checksums>) -> Result<Vec<u8>> {
    let path = root.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
    if let Some(s) = sums {
        s.check_bytes(root, rel, &bytes)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_fips_180_test_vectors() {
        // FIPS 180-2 Appendix B.1 ("abc") and the empty string.
        assert_eq!(to_hex(&sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(to_hex(&sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn parses_sha256sum_lines() {
        let t = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ./x/abc.txt\n\
                 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 *empty\n";
        let s = Checksums::parse(t, Path::new("SUMS")).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s.check_bytes(Path::new("/r"), "x/abc.txt", b"abc").is_ok());
        assert!(s.check_bytes(Path::new("/r"), "./empty", b"").is_ok());
        assert!(matches!(s.check_bytes(Path::new("/r"), "x/abc.txt", b"abd"), Err(Error::ChecksumMismatch { .. })));
        assert!(matches!(s.check_bytes(Path::new("/r"), "other", b""), Err(Error::NotListed { .. })));
        assert!(Checksums::parse("zz  a\n", Path::new("SUMS")).is_err());
    }
}
