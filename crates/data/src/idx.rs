//! Reader of the idx format used by MNIST and Fashion-MNIST (unsigned-byte payloads), plain or
//! gzip-compressed.
//!
//! Layout: a big-endian magic `0x0000 08 nd` (`0x08` = unsigned byte, `nd` = number of
//! dimensions), then `nd` big-endian `u32` sizes, then the row-major payload.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{Error, Result};

/// Magic number of an idx file of unsigned-byte images (3 dimensions: count, rows, columns).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an idx file of unsigned-byte labels (1 dimension: count).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// A decoded idx array of bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct IdxArray {
    /// The dimensions announced in the header.
    pub dims: Vec<usize>,
    /// The row-major payload (`Π dims` bytes).
    pub data: Vec<u8>,
}

/// Decompresses a whole gzip stream; a stream cut short is [`Error::TruncatedGzip`], any other
/// decoding failure [`Error::Gzip`] (`path` names the file in the message).
pub fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() * 5);
    GzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::TruncatedGzip { path: path.to_path_buf() }
        } else {
            Error::Gzip { path: path.to_path_buf(), source: e }
        }
    })?;
    Ok(out)
}

/// Parses an idx byte array whose magic must equal `expected_magic`
/// ([`IMAGES_MAGIC`] or [`LABELS_MAGIC`]). Gzip input (starting with `1f 8b`) is decompressed
/// first. Errors: [`Error::IdxMagic`], [`Error::IdxLength`], gzip errors.
pub fn parse_idx(bytes: &[u8], expected_magic: u32, path: &Path) -> Result<IdxArray> {
    let raw;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        raw = gunzip(bytes, path)?;
        &raw[..]
    } else {
        bytes
    };
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if bytes.len() < 4 {
        return Err(Error::IdxLength { path: path.to_path_buf(), expected: 4, found: bytes.len() });
    }
    let magic = be(&bytes[..4]);
    if magic != expected_magic {
        return Err(Error::IdxMagic { path: path.to_path_buf(), expected: expected_magic, found: magic });
    }
    let nd = (magic & 0xff) as usize;
    let header = 4 + 4 * nd;
    if bytes.len() < header {
        return Err(Error::IdxLength { path: path.to_path_buf(), expected: header, found: bytes.len() });
    }
    let dims: Vec<usize> = (0..nd).map(|k| be(&bytes[4 + 4 * k..8 + 4 * k]) as usize).collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::Format { path: path.to_path_buf(), msg: format!("idx dimensions {dims:?} overflow") })?;
    let payload = &bytes[header..];
    if payload.len() != expected {
        return Err(Error::IdxLength { path: path.to_path_buf(), expected, found: payload.len() });
    }
    Ok(IdxArray { dims, data: payload.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = LABELS_MAGIC.to_be_bytes().to_vec();
        v.extend(n.to_be_bytes());
        v.extend(payload);
        v
    }

    #[test]
    fn parses_plain_and_gzip_and_rejects_bad_input() {
        let p = Path::new("t.idx");
        let raw = labels(3, &[7, 8, 9]);
        let a = parse_idx(&raw, LABELS_MAGIC, p).unwrap();
        assert_eq!(a.dims, vec![3]);
        assert_eq!(a.data, vec![7, 8, 9]);
        // gzip round trip
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut enc, &raw).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(parse_idx(&gz, LABELS_MAGIC, p).unwrap(), a);
        // truncated gzip
        assert!(matches!(parse_idx(&gz[..gz.len() - 10], LABELS_MAGIC, p), Err(Error::TruncatedGzip { .. })));
        // wrong magic: labels read as images
        assert!(matches!(parse_idx(&raw, IMAGES_MAGIC, p), Err(Error::IdxMagic { found: 0x801, .. })));
        // payload shorter than the header says
        assert!(matches!(
            parse_idx(&labels(4, &[1, 2, 3]), LABELS_MAGIC, p),
            Err(Error::IdxLength { expected: 4, found: 3, .. })
        ));
    }
}
