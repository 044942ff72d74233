//! The ORL (AT&T "Olivetti") faces, the declared stand-in for CelebA (paper 001 §5): CelebA's
//! licence forbids redistribution, so figures that use faces read these 400 grey images
//! (40 subjects × 10, 112 rows × 92 columns) and must say so.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};

use crate::checksum::{Checksums, read_checked};
use crate::error::{Error, Result};

/// Folder of the faces inside the data directory.
pub const ORL_DIR: &str = "orl_faces";
/// Number of subjects (`s1 … s40`).
pub const SUBJECTS: usize = 40;
/// Images per subject (`1.pgm … 10.pgm`).
pub const IMAGES_PER_SUBJECT: usize = 10;

/// A decoded grey image.
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    /// Height.
    pub rows: usize,
    /// Width.
    pub cols: usize,
    /// Row-major grey levels rescaled to 0..=255 when the file's maxval differs from 255.
    pub pixels: Vec<u8>,
}

/// The faces with subject labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Faces {
    /// One image per row (`rows × cols` columns), grey levels 0..=255.
    pub images: Array2<u8>,
    /// Subject index 0..40 (`s<k>` has index `k − 1`).
    pub subject: Array1<u8>,
    /// Image height (112).
    pub rows: usize,
    /// Image width (92).
    pub cols: usize,
}

/// Decodes a binary (`P5`) or ASCII (`P2`) PGM image with `maxval ≤ 255` (`#` comments allowed in
/// the header). `path` names the file in errors.
pub fn parse_pgm(bytes: &[u8], path: &Path) -> Result<GreyImage> {
    let err = |msg: String| Error::Format { path: path.to_path_buf(), msg };
    let mut pos = 0usize;
    let token = |pos: &mut usize| -> Option<String> {
        loop {
            while *pos < bytes.len() && bytes[*pos].is_ascii_whitespace() {
                *pos += 1;
            }
            if *pos < bytes.len() && bytes[*pos] == b'#' {
                while *pos < bytes.len() && bytes[*pos] != b'\n' {
                    *pos += 1;
                }
                continue;
            }
            break;
        }
        let start = *pos;
        while *pos < bytes.len() && !bytes[*pos].is_ascii_whitespace() {
            *pos += 1;
        }
        (start < *pos).then(|| String::from_utf8_lossy(&bytes[start..*pos]).into_owned())
    };
    let magic = token(&mut pos).ok_or_else(|| err("empty file".into()))?;
    if magic != "P5" && magic != "P2" {
        return Err(err(format!("not a PGM image (magic `{magic}`, expected P5 or P2)")));
    }
    let num = |what: &str, pos: &mut usize| -> Result<usize> {
        let t = token(pos).ok_or_else(|| err(format!("header ends before {what}")))?;
        t.parse::<usize>().map_err(|_| err(format!("bad {what} `{t}`")))
    };
    let cols = num("width", &mut pos)?;
    let rows = num("height", &mut pos)?;
    let maxval = num("maxval", &mut pos)?;
    if !(1..=255).contains(&maxval) {
        return Err(err(format!("maxval {maxval} not in 1..=255 (16-bit PGM unsupported)")));
    }
    let n = rows * cols;
    let scale = |v: usize| ((v * 255 + maxval / 2) / maxval) as u8;
    let pixels: Vec<u8> = if magic == "P5" {
        let start = pos + 1; // exactly one whitespace after maxval
        let body = bytes.get(start..).unwrap_or(&[]);
        if body.len() < n {
            return Err(err(format!("pixel data has {} bytes, header announces {n}", body.len())));
        }
        body[..n].iter().map(|&v| if maxval == 255 { v } else { scale(v as usize) }).collect()
    } else {
        let mut px = Vec::with_capacity(n);
        for _ in 0..n {
            let v = num("pixel", &mut pos)?;
            if v > maxval {
                return Err(err(format!("pixel {v} exceeds maxval {maxval}")));
            }
            px.push(scale(v));
        }
        px
    };
    Ok(GreyImage { rows, cols, pixels })
}

/// Relative path of image `image` (1..=10) of subject `subject` (1..=40).
pub fn face_path(subject: usize, image: usize) -> String {
    format!("{ORL_DIR}/s{subject}/{image}.pgm")
}

/// Loads the 400 ORL faces from `root` in the order `s1/1 … s1/10, s2/1 …`, verifying each file
/// against `sums` when given; all images must share one size.
pub fn load_orl(root: &Path, sums: Option<&Checksums>) -> Result<Faces> {
    let mut data = Vec::new();
    let mut subject = Vec::new();
    let mut shape: Option<(usize, usize)> = None;
    for s in 1..=SUBJECTS {
        for i in 1..=IMAGES_PER_SUBJECT {
            let rel = face_path(s, i);
            let path: PathBuf = root.join(&rel);
            let img = parse_pgm(&read_checked(root, &rel, sums)?, &path)?;
            let want = *shape.get_or_insert((img.rows, img.cols));
            if want != (img.rows, img.cols) {
                return Err(Error::Format {
                    path,
                    msg: format!("image is {}×{}, earlier faces are {}×{}", img.rows, img.cols, want.0, want.1),
                });
            }
            data.extend_from_slice(&img.pixels);
            subject.push((s - 1) as u8);
        }
    }
    let (rows, cols) = shape.expect("at least one face");
    let images = Array2::from_shape_vec((subject.len(), rows * cols), data).expect("equal sizes checked");
    Ok(Faces { images, subject: Array1::from(subject), rows, cols })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_p5_and_p2_and_rejects_garbage() {
        let p = Path::new("x.pgm");
        let mut b = b"P5\n# comment\n3 2\n255\n".to_vec();
        b.extend([0u8, 10, 20, 30, 40, 255]);
        let img = parse_pgm(&b, p).unwrap();
        assert_eq!((img.rows, img.cols), (2, 3));
        assert_eq!(img.pixels, vec![0, 10, 20, 30, 40, 255]);
        let a = parse_pgm(b"P2 2 1 15\n0 15\n", p).unwrap();
        assert_eq!(a.pixels, vec![0, 255]);
        assert!(parse_pgm(b"P6 1 1 255\n\x00\x00\x00", p).is_err());
        assert!(parse_pgm(b"P5 4 4 255\n\x00\x00", p).is_err());
    }
}
