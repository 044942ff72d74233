//! Real data sets read from the shared data directory (skipped with a message when absent):
//! MNIST / Fashion-MNIST label counts and pixel mean, HGD size, mean and labels, ORL faces,
//! checksum verification, the loading-time budget, and every bad-input error.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use std::path::Path;
use std::time::Instant;

use data::Error;
use data::checksum::Checksums;
use data::hgd::{load_hgd, reduce_sites};
use data::mnist::{ImageSet, Split, load_images};
use data::orl::load_orl;
use data::transform::binarize_threshold;

#[test]
fn mnist_train_labels_and_mean_pixel() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let sums = Checksums::read(&root).unwrap();
    let t0 = Instant::now();
    let m = load_images(&root, ImageSet::Mnist, Split::Train, Some(&sums)).unwrap();
    let t_load = t0.elapsed().as_secs_f64();
    let b = binarize_threshold(&m.images, 0.5).unwrap();
    let t_all = t0.elapsed().as_secs_f64();
    println!("TIMING: MNIST train verify+load {t_load:.2} s, + binarise {t_all:.2} s");
    assert_eq!(m.images.dim(), (60_000, 784));
    assert_eq!((m.rows, m.cols), (28, 28));
    let mut counts = [0usize; 10];
    for &l in &m.labels {
        counts[l as usize] += 1;
    }
    assert_eq!(counts, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    let mean = m.images.iter().map(|&g| g as f64).sum::<f64>() / m.images.len() as f64;
    println!("MNIST train mean pixel {mean:.4}");
    assert!((mean - 33.318).abs() < 5e-4);
    // Binarisation at 0.5 keeps exactly the grey levels ≥ 128.
    let ones = b.iter().filter(|&&v| v == 1).count();
    assert_eq!(ones, m.images.iter().filter(|&&g| g >= 128).count());
    let test = load_images(&root, ImageSet::Mnist, Split::Test, Some(&sums)).unwrap();
    assert_eq!(test.images.nrows(), 10_000);
}

#[test]
fn every_listed_file_verifies() {
    let Some(root) = common::data_dir() else { return };
    let sums = Checksums::read(&root).unwrap();
    let n = sums.verify_all(&root).unwrap();
    // 4 + 4 MNIST/Fashion idx files, 1 copyright, 4 HGD files, 400 faces + README.
    assert_eq!(n, 414);
}

#[test]
fn fashion_mnist_is_balanced() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let sums = Checksums::read(&root).unwrap();
    for (split, n) in [(Split::Train, 60_000usize), (Split::Test, 10_000)] {
        let f = load_images(&root, ImageSet::FashionMnist, split, Some(&sums)).unwrap();
        assert_eq!(f.images.dim(), (n, 784));
        let mut counts = [0usize; 10];
        f.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert!(counts.iter().all(|&c| c == n / 10), "{counts:?}");
    }
}

#[test]
fn hgd_shape_mean_labels_and_reduction() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let sums = Checksums::read(&root).unwrap();
    let h = load_hgd(&root, Some(&sums)).unwrap();
    assert_eq!(h.haplotypes.dim(), (5008, 805));
    let mean = h.haplotypes.iter().map(|&v| v as f64).sum::<f64>() / h.haplotypes.len() as f64;
    println!("HGD mean {mean:.5}");
    assert!((mean - 0.4677).abs() < 5e-5);
    assert_eq!(h.ids[0], "HG00096_A");
    // 1000 Genomes phase 3: 2504 individuals (AFR 661, AMR 347, EAS 504, EUR 503, SAS 489), two haplotypes each.
    for (sp, n) in [("AFR", 661), ("AMR", 347), ("EAS", 504), ("EUR", 503), ("SAS", 489)] {
        assert_eq!(h.super_population.iter().filter(|s| *s == sp).count(), 2 * n, "{sp}");
    }
    assert_eq!(h.population.iter().filter(|p| *p == "GBR").count(), 2 * 91);
    // Paper 001 reduction: 805 → 402 → 200.
    let r1 = reduce_sites(&h.haplotypes, 3, 2, 2).unwrap();
    let r2 = reduce_sites(&r1, 3, 2, 2).unwrap();
    assert_eq!((r1.ncols(), r2.ncols()), (402, 200));
    // Spot check against a direct majority vote of sites 2j, 2j+1, 2j+2.
    for (r, j) in [(0usize, 0usize), (17, 100), (5007, 401)] {
        let s: u8 = (0..3).map(|t| h.haplotypes[(r, 2 * j + t)]).sum();
        assert_eq!(r1[(r, j)], u8::from(s >= 2));
    }
}

#[test]
fn orl_faces_load() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let sums = Checksums::read(&root).unwrap();
    let f = load_orl(&root, Some(&sums)).unwrap();
    assert_eq!(f.images.dim(), (400, 112 * 92));
    assert_eq!((f.rows, f.cols), (112, 92));
    for s in 0..40u8 {
        assert_eq!(f.subject.iter().filter(|&&x| x == s).count(), 10);
    }
    // Grey images, not constant.
    let min = *f.images.iter().min().unwrap();
    let max = *f.images.iter().max().unwrap();
    assert!(min < 30 && max > 220, "{min} {max}");
}

fn copy(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(src, dst).unwrap();
}

#[test]
fn bad_inputs_give_specific_errors() {
    let Some(root) = common::data_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // Missing file: the message names the file and `make data`.
    let e = load_images(t, ImageSet::Mnist, Split::Test, None).unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(e, Error::MissingFile { .. })
            && msg.contains("t10k-images-idx3-ubyte.gz")
            && msg.contains("make data"),
        "{msg}"
    );
    let e = Checksums::read(t).unwrap_err();
    assert!(e.to_string().contains("SHA256SUMS") && e.to_string().contains("make data"));

    let (img, lab) = ("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz");
    copy(&root.join(img), &t.join(img));
    copy(&root.join(lab), &t.join(lab));
    std::fs::copy(root.join("SHA256SUMS"), t.join("SHA256SUMS")).unwrap();
    let sums = Checksums::read(t).unwrap();
    assert!(load_images(t, ImageSet::Mnist, Split::Test, Some(&sums)).is_ok());

    // Checksum mismatch: one flipped byte in the label file.
    let mut bytes = std::fs::read(t.join(lab)).unwrap();
    let k = bytes.len() / 2;
    bytes[k] ^= 0x55;
    std::fs::write(t.join(lab), &bytes).unwrap();
    let e = load_images(t, ImageSet::Mnist, Split::Test, Some(&sums)).unwrap_err();
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}");
    println!("mismatch: {e}");

    // Truncated gzip (not verified, so the decoder sees it).
    let good = std::fs::read(root.join(lab)).unwrap();
    std::fs::write(t.join(lab), &good[..good.len() / 2]).unwrap();
    let e = load_images(t, ImageSet::Mnist, Split::Test, None).unwrap_err();
    assert!(matches!(e, Error::TruncatedGzip { .. }), "{e}");
    println!("truncated: {e}");

    // Wrong idx magic: the label file in place of the image file.
    std::fs::write(t.join(lab), &good).unwrap();
    std::fs::copy(root.join(lab), t.join(img)).unwrap();
    let e = load_images(t, ImageSet::Mnist, Split::Test, None).unwrap_err();
    assert!(matches!(e, Error::IdxMagic { expected: 0x803, found: 0x801, .. }), "{e}");
    println!("magic: {e}");
}

#[test]
fn hgd_wrong_row_width_is_reported() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir_all(t.join("hgd")).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(t.join(data::hgd::HAPT_ZIP)).unwrap());
    z.start_file("805_SNP_1000G_real.hapt", zip::write::SimpleFileOptions::default()).unwrap();
    z.write_all(b"Real A_A 0 1 1 0\nReal A_B 1 1 0 0\nReal B_A 1 0 1\n").unwrap();
    z.finish().unwrap();
    std::fs::write(t.join(data::hgd::LABELS_TSV), "row\thaplotype_id\tsample\tpop\tsuper_pop\n").unwrap();
    let e = load_hgd(t, None).unwrap_err();
    assert!(matches!(e, Error::RowWidth { line: 3, expected: 4, found: 3, .. }), "{e}");
    println!("row width: {e}");
}
