//! The crate's error type.

use std::path::PathBuf;

use crate::spiked::SpikedError;

/// Everything that can go wrong in this crate. Each variant names the offending file or
/// parameter so that a pipeline stage can report it verbatim.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of its domain (e.g. `β < 0`, an empty sample, a pattern with bad entries).
    #[error("invalid parameter: {0}")]
    Invalid(String),
    /// The exact sampler would need more states than allowed; the message says which and why.
    #[error("exact sampling is intractable: {0}")]
    Intractable(String),
    /// A data file (or the checksum list) is absent.
    #[error("data file {path} not found: run `make data` to copy the real data sets into the data directory")]
    MissingFile {
        /// The path that was looked for.
        path: PathBuf,
    },
    /// Any other I/O failure while reading a file.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file's SHA-256 differs from the one in `SHA256SUMS`.
    #[error("checksum mismatch for {path}: expected sha256 {expected}, found {found} (re-run `make data`)")]
    ChecksumMismatch {
        /// The file that was hashed.
        path: PathBuf,
        /// Hex digest listed in `SHA256SUMS`.
        expected: String,
        /// Hex digest of the file on disk.
        found: String,
    },
    /// The file is not listed in `SHA256SUMS`, so it cannot be verified.
    #[error("{path} is not listed in {sums}")]
    NotListed {
        /// The file that should have been verified.
        path: PathBuf,
        /// The checksum list that was searched.
        sums: PathBuf,
    },
    /// The gzip stream ends before its trailer.
    #[error("truncated gzip stream in {path}: the file ends before the compressed data does")]
    TruncatedGzip {
        /// The compressed file.
        path: PathBuf,
    },
    /// The gzip stream is corrupt (bad header, bad deflate data or CRC).
    #[error("corrupt gzip stream in {path}: {source}")]
    Gzip {
        /// The compressed file.
        path: PathBuf,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// An idx file starts with the wrong magic number.
    #[error("{path}: wrong idx magic number 0x{found:08x}, expected 0x{expected:08x}")]
    IdxMagic {
        /// The idx file.
        path: PathBuf,
        /// The magic number the reader expects (0x0803 images, 0x0801 labels).
        expected: u32,
        /// The first four bytes of the file, big-endian.
        found: u32,
    },
    /// An idx file's payload does not have the size its header announces.
    #[error("{path}: idx header announces {expected} payload bytes, file has {found}")]
    IdxLength {
        /// The idx file.
        path: PathBuf,
        /// Bytes implied by the header's dimensions.
        expected: usize,
        /// Bytes actually present after the header.
        found: usize,
    },
    /// A text row has the wrong number of fields.
    #[error("{path}, line {line}: expected {expected} fields, found {found}")]
    RowWidth {
        /// The text file (or `archive:member`).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Fields expected (fixed by the first row or by the format).
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A file does not follow its format (bad token, bad header, inconsistent companion file).
    #[error("{path}: {msg}")]
    Format {
        /// The offending file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// Error of the spiked-covariance generator.
    #[error(transparent)]
    Spiked(#[from] SpikedError),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn invalid<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::Invalid(msg.into()))
}

/// Maps an `io::Error` from opening/reading `path` to [`Error::MissingFile`] or [`Error::Io`].
pub(crate) fn io_error(path: &std::path::Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::MissingFile { path: path.to_path_buf() }
    } else {
        Error::Io { path: path.to_path_buf(), source: e }
    }
}
