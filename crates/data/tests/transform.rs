//! Transforms: resize against scikit-image reference numbers, constant and round-trip checks,
//! binarisation, encodings, splits, subsets and one-hot encoding.
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas being checked

mod common;

use data::Encoding;
use data::mnist::{ImageSet, Split, load_images};
use data::transform::*;
use ndarray::{Array2, array};

/// The 9×7 test image `((3i + 5j) mod 11)/10` used to produce the reference numbers.
fn test_image() -> Array2<f64> {
    Array2::from_shape_fn((9, 7), |(i, j)| ((3 * i + 5 * j) % 11) as f64 / 10.0)
}

#[test]
fn resize_matches_skimage_reference() {
    // Produced with scikit-image 0.26.0 / scipy 1.17.1:
    // `skimage.transform.resize(img, shape, anti_aliasing=True)` on `test_image()`.
    let refs: [((usize, usize), Vec<f64>); 3] = [
        (
            (4, 3),
            vec![
                0.46882485675258617,
                0.5639887112557309,
                0.44345485769017906,
                0.46199601286873593,
                0.5154360983021671,
                0.4604288969659348,
                0.5395711030340653,
                0.484563901697833,
                0.5380039871312641,
                0.5565451423098211,
                0.4360112887442692,
                0.5311751432474141,
            ],
        ),
        (
            (3, 2),
            vec![
                0.48661658425800103,
                0.48465196215899276,
                0.4618465787302513,
                0.5381534212697489,
                0.5153480378410074,
                0.5133834157419991,
            ],
        ),
        (
            (5, 7),
            vec![
                0.13454283053911376,
                0.6167662501911316,
                0.6589972061771445,
                0.5345413232723147,
                0.5589972061771444,
                0.4345413232723147,
                0.45899720617714446,
                0.6511109561926094,
                0.09554487072856982,
                0.5511139707262075,
                0.8133419121786221,
                0.4600022609001985,
                0.713341912178622,
                0.3600022609001985,
                0.14443014636896287,
                0.5999962318330024,
                0.044430146368962864,
                0.5,
                0.9555698536310371,
                0.4000037681669975,
                0.855569853631037,
                0.6399977390998013,
                0.2866580878213778,
                0.5399977390998014,
                0.18665808782137783,
                0.4488860292737925,
                0.90445512927143,
                0.3488890438073905,
                0.5410027938228558,
                0.5654586767276851,
                0.4410027938228558,
                0.46545867672768515,
                0.3410027938228558,
                0.38323374980886826,
                0.8654571694608861,
            ],
        ),
    ];
    let img = test_image();
    for ((h, w), want) in refs {
        let got = resize(img.view(), h, w).unwrap();
        for (k, (g, e)) in got.iter().zip(&want).enumerate() {
            assert!((g - e).abs() < 1e-12, "{h}×{w} entry {k}: {g} vs {e}");
        }
    }
    // Upsampling 9×7 → 13×10 (no pre-filter): a few entries and the total.
    let up = resize(img.view(), 13, 10).unwrap();
    assert!((up[(0, 0)] - 0.12115384615384617).abs() < 1e-12);
    assert!((up[(6, 3)] - 0.03000000000000016).abs() < 1e-12);
    assert!((up[(12, 9)] - 0.8788461538461542).abs() < 1e-12);
}

#[test]
fn resize_of_a_constant_image_is_constant() {
    let c = Array2::from_elem((28, 28), 0.3);
    for l in [7usize, 10, 14, 20, 28, 40, 56] {
        let r = resize(c.view(), l, l).unwrap();
        assert_eq!(r.dim(), (l, l));
        assert!(r.iter().all(|v| (v - 0.3).abs() < 1e-15), "L = {l}");
    }
}

#[test]
fn resize_round_trip_stays_close() {
    // Smooth image: a Gaussian blob of width 4 px survives 28 → 14 → 28 almost unchanged.
    let blob = Array2::from_shape_fn((28, 28), |(i, j)| {
        let (x, y) = (i as f64 - 13.0, j as f64 - 15.0);
        (-(x * x + y * y) / (2.0 * 16.0)).exp()
    });
    let rt = resize(resize(blob.view(), 14, 14).unwrap().view(), 28, 28).unwrap();
    let rel = (&rt - &blob).mapv(|v| v * v).sum().sqrt() / blob.mapv(|v| v * v).sum().sqrt();
    println!("blob round trip relative L2 error {rel:.4}");
    assert!(rel < 0.1);
    // MNIST digits (thin strokes lose more): the mean relative L2 error and mean absolute error
    // over the first 100 training images equal scikit-image's (0.41013480086882637, 0.06513797453158655).
    let Some(root) = common::data_dir() else {
        return;
    };
    let m = load_images(&root, ImageSet::Mnist, Split::Train, None).unwrap();
    let (mut rel_sum, mut mae_sum) = (0.0, 0.0);
    for r in 0..100 {
        let img = m.images.row(r).mapv(|g| g as f64 / 255.0).into_shape_with_order((28, 28)).unwrap();
        let rt = resize(resize(img.view(), 14, 14).unwrap().view(), 28, 28).unwrap();
        let d = &rt - &img;
        rel_sum += d.mapv(|v| v * v).sum().sqrt() / img.mapv(|v| v * v).sum().sqrt();
        mae_sum += d.mapv(f64::abs).mean().unwrap();
    }
    println!("MNIST round trip: mean relative L2 {:.5}, mean |Δ| {:.5}", rel_sum / 100.0, mae_sum / 100.0);
    assert!((rel_sum / 100.0 - 0.41013480086882637).abs() < 1e-9);
    assert!((mae_sum / 100.0 - 0.06513797453158655).abs() < 1e-9);
    // Batch version agrees with the single-image one.
    let unit = grey_to_unit(&m.images.slice(ndarray::s![..8, ..]).to_owned());
    let batch = resize_rows(unit.view(), 28, 28, 20, 20).unwrap();
    let one = resize(unit.row(3).into_shape_with_order((28, 28)).unwrap(), 20, 20).unwrap();
    assert_eq!(batch.row(3).to_vec(), one.iter().copied().collect::<Vec<_>>());
}

#[test]
fn binarisation_threshold_and_stochastic() {
    let g = array![[0u8, 127, 128, 255], [64, 191, 200, 10]];
    assert_eq!(binarize_threshold(&g, 0.5).unwrap(), array![[0u8, 0, 1, 1], [0, 1, 1, 0]]);
    assert!(binarize_threshold(&g, 1.0).is_err());
    // Stochastic: P(1) = g/255; check the mean over many rows within 4 s.e.
    let big = Array2::from_shape_fn((4000, 50), |(r, c)| ((r * 7 + c * 13) % 256) as u8);
    let b = binarize_stochastic(&big, 3);
    let p: f64 = big.iter().map(|&x| x as f64 / 255.0).sum::<f64>() / big.len() as f64;
    let q: f64 = big.iter().map(|&x| (x as f64 / 255.0) * (1.0 - x as f64 / 255.0)).sum::<f64>();
    let mean = b.iter().map(|&x| x as f64).sum::<f64>() / b.len() as f64;
    let se = q.sqrt() / big.len() as f64;
    assert!((mean - p).abs() < 4.0 * se, "{mean} vs {p} ± {se}");
    // Pixels at 0 and 255 are deterministic.
    for (x, y) in big.iter().zip(b.iter()) {
        if *x == 0 {
            assert_eq!(*y, 0);
        }
        if *x == 255 {
            assert_eq!(*y, 1);
        }
    }
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| binarize_stochastic(&big, 3));
    assert_eq!(one, b);
    assert!(binarize_unit_stochastic(&array![[0.5, 1.5]], 1).is_err());
    assert_eq!(binarize_unit_threshold(&array![[0.2, 0.7]], 0.5), array![[0u8, 1]]);
}

#[test]
fn encodings_round_trip() {
    let b = array![[0u8, 1, 1], [1, 0, 0]];
    let s = to_spins(&b).unwrap();
    assert_eq!(s, array![[-1i8, 1, 1], [1, -1, -1]]);
    assert_eq!(to_binary(&s).unwrap(), b);
    assert!(to_spins(&array![[2u8]]).is_err());
    assert!(to_binary(&array![[0i8]]).is_err());
    assert_eq!(Encoding::Binary.encode(-1), 0);
    assert_eq!(Encoding::Spin.encode(-1), -1);
}

#[test]
fn split_and_subset_are_seeded_partitions() {
    let (train, test) = train_test_split(1000, 0.2, 9).unwrap();
    assert_eq!((train.len(), test.len()), (800, 200));
    let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1000).collect::<Vec<_>>());
    assert_eq!(train_test_split(1000, 0.2, 9).unwrap().1, test);
    assert_ne!(train_test_split(1000, 0.2, 10).unwrap().1, test);
    assert!(train_test_split(10, 1.5, 0).is_err());
    let s = random_subset(100, 30, 4).unwrap();
    assert_eq!(s.len(), 30);
    assert!(s.windows(2).all(|w| w[0] < w[1]) && *s.last().unwrap() < 100);
    assert!(random_subset(5, 6, 0).is_err());
    // Uniformity: over many seeds each index is chosen with probability k/n.
    let mut hits = [0usize; 10];
    for seed in 0..5000 {
        for i in random_subset(10, 3, seed).unwrap() {
            hits[i] += 1;
        }
    }
    let se = (5000.0f64 * 0.3 * 0.7).sqrt();
    assert!(hits.iter().all(|&h| (h as f64 - 1500.0).abs() < 4.0 * se), "{hits:?}");
}

#[test]
fn one_hot_layout() {
    let x = array![[0u8, 2], [1, 1]];
    let o = one_hot(&x, 3).unwrap();
    assert_eq!(o, array![[1u8, 0, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0]]);
    assert!(one_hot(&x, 2).is_err());
}
