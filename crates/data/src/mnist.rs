//! MNIST and Fashion-MNIST loaders (idx files, labels kept), as used by papers 000, 001 and 003.

use std::path::Path;

use ndarray::{Array1, Array2};

use crate::checksum::{Checksums, read_checked};
use crate::error::{Error, Result};
use crate::idx::{IMAGES_MAGIC, LABELS_MAGIC, parse_idx};

/// Which of the two 28×28 grey-level digit-like data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageSet {
    /// MNIST handwritten digits (folder `mnist/`).
    Mnist,
    /// Fashion-MNIST clothing images (folder `fashion-mnist/`).
    FashionMnist,
}

impl ImageSet {
    /// Folder name inside the data directory.
    pub fn folder(self) -> &'static str {
        match self {
            ImageSet::Mnist => "mnist",
            ImageSet::FashionMnist => "fashion-mnist",
        }
    }
}

/// Training (60 000 images) or test (10 000 images) part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// `train-*` files.
    Train,
    /// `t10k-*` files.
    Test,
}

/// Grey-level images with their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImages {
    /// One image per row, row-major pixels (`rows × cols` columns), grey levels 0..=255.
    pub images: Array2<u8>,
    /// Class label of each image.
    pub labels: Array1<u8>,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
}

/// Relative paths (inside the data directory) of the image and label files of `set`/`split`.
pub fn file_names(set: ImageSet, split: Split) -> (String, String) {
    let stem = match split {
        Split::Train => "train",
        Split::Test => "t10k",
    };
    (format!("{}/{stem}-images-idx3-ubyte.gz", set.folder()), format!("{}/{stem}-labels-idx1-ubyte.gz", set.folder()))
}

/// Loads `set`/`split` from `root` (a directory laid out like `../shared/data`), verifying both
/// files against `sums` when given. Errors name the file: missing (run `make data`), checksum
/// mismatch, truncated gzip, wrong idx magic, wrong payload size, or image/label count mismatch.
pub fn load_images(root: &Path, set: ImageSet, split: Split, sums: Option<&Checksums>) -> Result<LabelledImages> {
    let (img_rel, lab_rel) = file_names(set, split);
    let img_bytes = read_checked(root, &img_rel, sums)?;
    let lab_bytes = read_checked(root, &lab_rel, sums)?;
    let (img_path, lab_path) = (root.join(&img_rel), root.join(&lab_rel));
    let (img, lab) = rayon::join(
        || parse_idx(&img_bytes, IMAGES_MAGIC, &img_path),
        || parse_idx(&lab_bytes, LABELS_MAGIC, &lab_path),
    );
    let (img, lab) = (img?, lab?);
    let (n, rows, cols) = (img.dims[0], img.dims[1], img.dims[2]);
    if lab.dims[0] != n {
        return Err(Error::Format {
            path: lab_path,
            msg: format!("{} labels for {n} images in {}", lab.dims[0], img_path.display()),
        });
    }
    let images = Array2::from_shape_vec((n, rows * cols), img.data).expect("size checked by parse_idx");
    Ok(LabelledImages { images, labels: Array1::from(lab.data), rows, cols })
}
