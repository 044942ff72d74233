//! Paper 003, Fig. 3 (pipelines/include/paper003_fashion.yaml) end to end at reduced size on the
//! real binary: Fashion-MNIST subsets, GD-equiv and CD trainings with a held-out split and
//! selection by the exact held-out log-likelihood, occlusion and noise reconstructions, image
//! grids and the checks table. The mean-image baseline error is recomputed here from the data
//! tables, independently of the stage; the selected checkpoint is checked against the training
//! curves over all restarts; the paired s.e. of the GD-equiv/CD gap is recomputed from the
//! per-image errors; all FIGURES.md P003-F3 checks (GD-equiv within 15 % of CD, both below
//! 0.7 × the baseline) and the test-set-noise checks must pass.
//! Skipped when the real data are missing (`make data`).

mod common;
use common::*;
use pipeline::table::{col_bool, col_f64, col_fixed_binary, col_i64, col_str, read_parquet};
use std::path::Path;

fn table(res: &Path, stage: &str, out: &str) -> arrow::record_batch::RecordBatch {
    let parts = files_with_ext(&res.join(format!("tables/p003fashion_test/{stage}/{out}")), "parquet");
    assert_eq!(parts.len(), 1, "{stage}.{out}: {parts:?}");
    read_parquet(&parts[0]).unwrap()
}

fn pixels(t: &arrow::record_batch::RecordBatch) -> (usize, Vec<i8>) {
    let (w, bytes) = col_fixed_binary(t, "v").unwrap();
    (w, bytes.into_iter().map(|b| b as i8).collect())
}

#[test]
fn fashion_mnist_reconstructions_end_to_end() {
    // `make data` fills data/; a fresh clone beside ../shared/data (CI) reads it from there.
    let Some(dir) = [root().join("data"), root().join("../shared/data")]
        .into_iter()
        .find(|d| d.join("SHA256SUMS").is_file() && d.join("fashion-mnist").is_dir())
    else {
        eprintln!("skipped: no data/ or ../shared/data with Fashion-MNIST (run `make data`)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let include = root().join("pipelines/include/paper003_fashion.yaml");
    let file = variant(
        &pipeline("paper003_fashion_test.yaml"),
        tmp.path(),
        "paper003_fashion_test.yaml",
        &[(
            "include: [../../pipelines/include/paper003_fashion.yaml]",
            &format!("include: [\"{}\"]\nparams:\n  data_dir: \"{}\"", include.display(), dir.display()),
        )],
    );
    let o = rbmlab(&res, &["run", file.to_str().unwrap(), "--profile", "tiny", "-t", "tiny", "-j", "2"]);
    assert!(o.status.success(), "{}\n{}", out(&o), err(&o));
    assert_eq!(summary(&o, "p003fashion_test").failed, 0);

    // Training summaries: both machines are ±1/{0,1} RBMs with exact log-likelihoods ≤ 0,
    // trained on 2700 images with 300 held out, `restarts` independent runs each; the selected
    // checkpoint is the curve's row of largest exact held-out log-likelihood over all restarts,
    // and the summary's (restart, update, value) equal that row's.
    for stage in ["fashion_gd", "fashion_cd"] {
        let s = table(&res, stage, "summary");
        assert_eq!(s.num_rows(), 1);
        assert_eq!(col_i64(&s, "d").unwrap()[0], 784);
        assert_eq!((col_i64(&s, "n_train").unwrap()[0], col_i64(&s, "n_val").unwrap()[0]), (2700, 300));
        let ll = col_f64(&s, "ll_exact").unwrap()[0];
        assert!(ll.is_finite() && ll < 0.0, "{stage}: ll_exact {ll}");
        let p = table(&res, stage, "params");
        assert_eq!(p.num_rows(), 784 * 16 + 784 + 16);
        let c = table(&res, stage, "curve");
        let restarts = col_i64(&c, "restarts").unwrap()[0] as usize;
        let (rst, upd, val) =
            (col_i64(&c, "restart").unwrap(), col_i64(&c, "update").unwrap(), col_f64(&c, "ll_val_exact").unwrap());
        assert_eq!(c.num_rows(), 3 * restarts, "{stage}: checkpoints at 0, 1, 2 epochs per restart");
        for r in 0..restarts {
            assert_eq!(rst.iter().filter(|&&x| x == r as i64).count(), 3, "{stage}: restart {r}");
        }
        // Restarts start from different Gaussian weights: their first checkpoints differ.
        if restarts > 1 {
            assert_ne!(val[0], val[3], "{stage}: restarts 0 and 1 start alike");
        }
        let best = (0..c.num_rows()).max_by(|&a, &b| val[a].total_cmp(&val[b])).unwrap();
        assert_eq!(col_i64(&s, "restart").unwrap()[0], rst[best], "{stage}: selected restart");
        assert_eq!(col_i64(&s, "updates").unwrap()[0], upd[best], "{stage}: selected update");
        let sel = col_f64(&s, "ll_val_exact").unwrap()[0];
        assert!((sel - val[best]).abs() < 1e-9 && val[best] > val[0], "{stage}: {sel} vs curve {val:?}");
        eprintln!(
            "{stage}: selected restart {} update {} ll_val_exact {sel:.2} ll_exact {ll:.2}",
            rst[best], upd[best]
        );
    }
    let s = table(&res, "fashion_gd", "summary");
    let (le, lx) = (col_f64(&s, "ll_eff").unwrap()[0], col_f64(&s, "ll_exact").unwrap()[0]);
    eprintln!("GD-equiv selected machine: ll_eff {le:.2} vs ll_exact {lx:.2} (training images)");

    // Errors: 300 images × 2 corruptions × 3 methods; occlusion hides 392 pixels, noise flips 78.
    let e = table(&res, "fashion_reconstruct", "errors");
    assert_eq!(e.num_rows(), 300 * 2 * 3);
    let (corr, meth, ncorr, err_) = (
        col_str(&e, "corruption").unwrap(),
        col_str(&e, "method").unwrap(),
        col_i64(&e, "n_corrupted").unwrap(),
        col_f64(&e, "error").unwrap(),
    );
    for r in 0..e.num_rows() {
        let want = if corr[r] == "occlusion" { 392 } else { 78 };
        assert_eq!(ncorr[r], want);
        assert!((0.0..=1.0).contains(&err_[r]));
    }

    // Independent recomputation of the occlusion baseline: majority pixel of the training
    // images in the bottom half, compared with the test images.
    let (w, tr) = pixels(&table(&res, "fashion_train_data", "samples"));
    let (_, te) = pixels(&table(&res, "fashion_test_data", "samples"));
    let (n_tr, n_te) = (tr.len() / w, te.len() / w);
    let maj: Vec<i8> =
        (0..w).map(|p| if (0..n_tr).map(|r| tr[r * w + p] as i64).sum::<i64>() >= 0 { 1 } else { -1 }).collect();
    let mut wrong = 0usize;
    for r in 0..n_te {
        wrong += (392..784).filter(|&p| te[r * w + p] != maj[p]).count();
    }
    let expected = wrong as f64 / (392 * n_te) as f64;
    let s = table(&res, "fashion_reconstruct", "summary");
    let (sc, sm, me) =
        (col_str(&s, "corruption").unwrap(), col_str(&s, "method").unwrap(), col_f64(&s, "mean_error").unwrap());
    let row = (0..s.num_rows()).find(|&r| sc[r] == "occlusion" && sm[r] == "baseline").unwrap();
    assert!((me[row] - expected).abs() < 1e-12, "baseline {} vs recomputed {expected}", me[row]);
    for r in 0..s.num_rows() {
        eprintln!("{:9} {:8} mean error {:.4}", sc[r], sm[r], me[r]);
    }
    assert!(meth.iter().any(|m| m == "gd_equiv"));

    // Image grids: 5 rows (original, corrupted, GD-equiv, CD, baseline) × 8 images; the
    // originals are the first test images, the occluded ones have a zero bottom half.
    let g = table(&res, "fashion_reconstruct", "occlusion_images");
    assert_eq!(g.num_rows(), 40);
    let (gw, gv) = pixels(&g);
    let rows = col_i64(&g, "row").unwrap();
    for k in 0..40 {
        let im = k % 8;
        if rows[k] == 0 {
            assert_eq!(&gv[k * gw..(k + 1) * gw], &te[im * w..(im + 1) * w]);
        }
        if rows[k] == 1 {
            assert!(gv[k * gw + 392..(k + 1) * gw].iter().all(|&x| x == 0));
        }
    }

    // Independent recomputation of the paired s.e. of the relative gap (GD-equiv − CD)/CD from
    // the per-image errors (delta method, see the stage's `gap_se`), compared with the
    // test-set-noise check rows.
    let img = col_i64(&e, "image").unwrap();
    let mut gap_se = Vec::new();
    for corruption in ["occlusion", "noise"] {
        let per = |m: &str| {
            let mut v: Vec<(i64, f64)> = (0..e.num_rows())
                .filter(|&r| corr[r] == corruption && meth[r] == m)
                .map(|r| (img[r], err_[r]))
                .collect();
            v.sort_by_key(|x| x.0);
            v
        };
        let (g, cd) = (per("gd_equiv"), per("cd"));
        let n = g.len() as f64;
        let (mg, mc) = (g.iter().map(|x| x.1).sum::<f64>() / n, cd.iter().map(|x| x.1).sum::<f64>() / n);
        let ratio = (mg - mc) / mc;
        let z: Vec<f64> = g.iter().zip(&cd).map(|(a, b)| (a.1 - b.1) - ratio * b.1).collect();
        let mz = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| (v - mz).powi(2)).sum::<f64>() / (n - 1.0);
        gap_se.push((var / n).sqrt() / mc);
    }

    // Checks: eight rows (per corruption: gap, its test-set noise, two baseline ratios),
    // finite, all passing.
    let c = table(&res, "fashion_reconstruct", "checks");
    assert_eq!(c.num_rows(), 8);
    let (chk, m, pass) =
        (col_str(&c, "check").unwrap(), col_f64(&c, "measured").unwrap(), col_bool(&c, "is_pass").unwrap());
    let noise_rows: Vec<usize> = (0..8).filter(|&k| chk[k].contains("test-set noise")).collect();
    assert_eq!(noise_rows.len(), 2);
    for (i, &k) in noise_rows.iter().enumerate() {
        assert!((m[k] - gap_se[i]).abs() < 1e-12, "{}: {} vs recomputed {}", chk[k], m[k], gap_se[i]);
    }
    for k in 0..8 {
        assert!(m[k].is_finite(), "{}", chk[k]);
        eprintln!("{} {:.3} {}", if pass[k] { "PASS" } else { "FAIL" }, m[k], chk[k]);
        assert!(pass[k], "{} = {}", chk[k], m[k]);
    }
    let report = std::fs::read_to_string(res.join("figures/p003fashion_test/REPORT.md")).unwrap();
    assert!(report.contains("3a") && report.contains("3b"));
    for f in ["fig03a_fashion_occlusion", "fig03b_fashion_noise", "fig03c_fashion_errors", "fig03d_fashion_training"] {
        assert!(res.join(format!("figures/p003fashion_test/{f}.png")).exists(), "{f}.png");
    }
}
