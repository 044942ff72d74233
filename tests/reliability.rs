//! Failure behaviour: SIGKILL at random points never leaves an entry that looks complete;
//! concurrent runs publish each entry once; damaged entries are detected, quarantined and
//! recomputed; bad YAML is rejected with file:line:column and key path, writing nothing.

mod common;
use common::*;
use pipeline::store::{Status, Store, Verify};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A way of damaging an entry folder.
type Damage = Box<dyn Fn(&Path)>;

/// Every published entry verifies fully; table views point at published entries only.
fn assert_store_consistent(res: &Path) {
    let Ok(store) = Store::open_existing(res) else { return };
    // The kill test deletes `entries/` to force fresh work; a run killed before it recreated the
    // folder leaves none, which means no published entries.
    let entries = if store.base().join("entries").is_dir() { store.entries().unwrap() } else { Vec::new() };
    for (kind, key) in &entries {
        match store.check(kind, key, Verify::Full) {
            Status::Ok(_) => {}
            other => panic!("entry {kind}/{key} looks published but is {other:?}"),
        }
    }
    for part in files_with_ext(&res.join("tables"), "parquet") {
        let name = part.file_name().unwrap().to_string_lossy().to_string();
        let prefix = name.trim_start_matches("part-").trim_end_matches(".parquet");
        assert!(entries.iter().any(|(_, k)| k.starts_with(prefix)), "view {} has no entry", part.display());
    }
}

/// Kills that must land while a run is still working, and the most attempts made to get them.
const KILLS_NEEDED: usize = 20;
const MIN_ATTEMPTS: usize = 50;
const MAX_ATTEMPTS: usize = 200;

#[test]
fn sigkill_at_random_points_never_leaves_a_complete_looking_entry() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let f = pipeline("small.yaml");
    // Time a full run to spread the kills over it.
    let probe = tmp.path().join("probe");
    let t0 = Instant::now();
    assert!(rbmlab(&probe, &["run", f.to_str().unwrap(), "-j", "2", "--no-figures"]).status.success());
    let full = t0.elapsed().as_secs_f64().max(0.05);
    let res = tmp.path().join("results");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    // A kill counts only when the exit status says SIGKILL ended the process; a run that had
    // already finished exits 0 and is not counted. Run durations vary with machine load and
    // with how much of the pipeline earlier runs published, so keep drawing kill points until
    // enough have landed mid-run (at least MIN_ATTEMPTS draws, as the test always made).
    let (mut killed_midway, mut finished, mut attempts) = (0, 0, 0);
    while attempts < MIN_ATTEMPTS || killed_midway < KILLS_NEEDED {
        assert!(
            attempts < MAX_ATTEMPTS,
            "only {killed_midway} of {attempts} kills landed during a run ({finished} runs finished first; \
             probe run took {full:.3} s, kill delays were drawn in [0, {:.3}] s)",
            1.1 * full
        );
        attempts += 1;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = (state % 1000) as f64 / 1000.0 * full * 1.1;
        let mut child = Command::new(bin())
            .arg("--results")
            .arg(&res)
            .args(["run", f.to_str().unwrap(), "-j", "2", "--no-figures"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_secs_f64(delay));
        let _ = child.kill(); // SIGKILL (harmless if the run has already exited)
        let status = child.wait().unwrap();
        if status.signal() == Some(9) {
            killed_midway += 1;
        } else {
            // Not killed: the run finished by itself, and a run after a kill must succeed.
            assert!(status.success(), "a run that was not killed failed: {status:?}");
            finished += 1;
        }
        assert_store_consistent(&res);
        // Throw away published entries now and then so later kills hit fresh work again.
        if state.is_multiple_of(3) {
            let _ = std::fs::remove_dir_all(res.join("store/v1/entries"));
            let _ = std::fs::remove_dir_all(res.join("tables"));
        }
    }
    eprintln!("{killed_midway} of {attempts} kills landed during a run (probe run {full:.3} s)");
    // The next run finishes with no manual cleanup, and everything verifies.
    let o = rbmlab(&res, &["run", f.to_str().unwrap(), "-j", "2"]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(summary(&o, "small").failed, 0);
    assert_store_consistent(&res);
    let fsck = rbmlab(&res, &["fsck"]);
    assert!(out(&fsck).contains("0 damaged"), "{}", out(&fsck));
    let staging = std::fs::read_dir(res.join("store/v1/staging")).unwrap().count();
    assert_eq!(staging, 0, "stale staging folders are cleaned by the next run");
}

#[test]
fn four_concurrent_runs_publish_each_entry_once() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let f = pipeline("small.yaml");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(bin())
                .arg("--results")
                .arg(&res)
                .args(["run", f.to_str().unwrap(), "-j", "2", "--no-figures"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut computed = 0;
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", err(&o));
        let s = summary(&o, "small");
        assert_eq!(s.failed, 0);
        assert_eq!(s.hits + s.computed, 13);
        computed += s.computed;
    }
    assert_eq!(computed, 13, "every entry computed exactly once across the four processes");
    let store = Store::open_existing(&res).unwrap();
    assert_eq!(store.entries().unwrap().len(), 13);
    assert_store_consistent(&res);
}

#[test]
fn damaged_entries_are_detected_quarantined_and_recomputed() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let f = pipeline("small.yaml");
    let f = f.to_str().unwrap();
    assert!(rbmlab(&res, &["run", f]).status.success());
    let store = Store::open_existing(&res).unwrap();
    let samples: Vec<String> =
        store.entries().unwrap().into_iter().filter(|(k, _)| k == "spiked_covariance").map(|(_, k)| k).collect();
    assert_eq!(samples.len(), 6);
    let damage: [(&str, Damage); 3] = [
        (
            "flipped byte",
            Box::new(|dir: &Path| {
                let p = dir.join("out/samples.parquet");
                let mut b = std::fs::read(&p).unwrap();
                let i = b.len() / 2;
                b[i] ^= 0x40;
                std::fs::write(&p, b).unwrap();
            }),
        ),
        (
            "truncated file",
            Box::new(|dir: &Path| {
                let p = dir.join("out/samples.parquet");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..b.len() / 3]).unwrap();
            }),
        ),
        ("deleted MANIFEST", Box::new(|dir: &Path| std::fs::remove_file(dir.join("MANIFEST.json")).unwrap())),
    ];
    for (i, (what, hurt)) in damage.iter().enumerate() {
        let key = &samples[i];
        let dir = store.entry_dir("spiked_covariance", key);
        let good = std::fs::read(dir.join("out/samples.parquet")).unwrap();
        hurt(&dir);
        // fsck sees it without repairing.
        let o = rbmlab(&res, &["fsck"]);
        assert!(out(&o).contains("1 damaged"), "{what}: {}", out(&o));
        // The next run quarantines and recomputes exactly that entry.
        let o = rbmlab(&res, &["run", f]);
        assert!(o.status.success(), "{what}: {}", err(&o));
        let s = summary(&o, "small");
        assert_eq!((s.computed, s.quarantined, s.failed), (1, 1, 0), "{what}: {}", out(&o));
        assert_eq!(std::fs::read(dir.join("out/samples.parquet")).unwrap(), good, "{what}: recomputed bytes identical");
        assert!(matches!(store.check("spiked_covariance", key, Verify::Full), Status::Ok(_)));
    }
    let q = std::fs::read_dir(res.join("store/v1/quarantine")).unwrap().count();
    assert_eq!(q, 3, "the damaged entries are kept in quarantine for inspection");
}

/// Writes `yaml` to a file, runs it, and checks the error names file:line:column and the key path.
fn bad(yaml: &str, line_col: &str, path: &str, words: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad.yaml");
    std::fs::write(&f, yaml).unwrap();
    let res = tmp.path().join("results");
    let o = rbmlab(&res, &["run", f.to_str().unwrap()]);
    assert!(!o.status.success(), "accepted bad YAML:\n{yaml}");
    let e = err(&o);
    assert!(e.contains(&format!("bad.yaml:{line_col}")), "missing position {line_col} in: {e}");
    assert!(e.contains(&format!("`{path}`")), "missing key path {path} in: {e}");
    assert!(e.contains(words), "missing `{words}` in: {e}");
    assert!(!res.exists(), "nothing may be written for a bad pipeline");
    // plan rejects it the same way.
    let o = rbmlab(&res, &["plan", f.to_str().unwrap()]);
    assert!(!o.status.success());
}

const HEAD: &str =
    "version: 1\npipeline: bad\nsweeps:\n  grid:\n    product: {alpha: [2], snr: [1.0]}\n    seeds: {count: 2}\n";

#[test]
fn bad_yaml_is_rejected_with_position_and_key_path() {
    // Unknown key (with a suggestion).
    bad(
        &format!("{HEAD}stages:\n  s:\n    kind: spiked_top_eigen\n    foreach: grid\n    parms: {{d: 10}}\n"),
        "11:5",
        "stages.s.parms",
        "did you mean `params`",
    );
    // Wrong type.
    bad(
        &format!("{HEAD}stages:\n  s:\n    kind: spiked_top_eigen\n    foreach: grid\n    params: {{d: ten}}\n"),
        "11:17",
        "stages.s.params.d",
        "expected integer",
    );
    // Cycle.
    bad(
        &format!(
            "{HEAD}stages:\n  a:\n    kind: bbp_check\n    inputs: {{top: \"b.checks[*]\"}}\n  b:\n    kind: bbp_check\n    inputs: {{top: \"a.checks[*]\"}}\n"
        ),
        "10:19",
        "stages.a.inputs",
        "dependency cycle: a → b → a",
    );
    // Missing input stage.
    bad(
        &format!("{HEAD}stages:\n  c:\n    kind: bbp_check\n    inputs: {{top: \"nosuch.top[*]\"}}\n"),
        "10:19",
        "stages.c.inputs.top",
        "does not exist",
    );
    // NaN parameter.
    bad(
        "version: 1\npipeline: bad\nstages:\n  s:\n    kind: spiked_top_eigen\n    params: {d: 10, alpha: 2, snr: .nan, seed: 1}\n",
        "6:36",
        "stages.s.params.snr",
        "finite",
    );
    // Impossible parameter value.
    bad(
        "version: 1\npipeline: bad\nstages:\n  s:\n    kind: spiked_top_eigen\n    params: {d: 10, alpha: -2, snr: 1, seed: 1}\n",
        "4:3",
        "stages.s.params",
        "alpha must be > 0",
    );
}
