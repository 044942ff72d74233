//! Cache behaviour: nothing is computed twice, one changed sweep value recomputes only
//! its point and what depends on it, and keys ignore spelling, key order and comments.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn keys(file: &Path) -> Vec<(String, String)> {
    let spec = pipeline::load(file, "quick").unwrap();
    let plan = pipeline::plan::build(&spec, &stages::registry(), None).unwrap();
    // (stage, key): labels show coordinates as written, keys must not depend on it.
    let mut v: Vec<(String, String)> = plan.tasks.iter().map(|t| (t.stage.clone(), t.key.clone())).collect();
    v.sort();
    v
}

#[test]
fn second_run_computes_nothing_and_one_point_change_recomputes_only_it() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let f = pipeline("small.yaml");
    let f = f.to_str().unwrap();
    let o = rbmlab(&res, &["run", f]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(summary(&o, "small"), Summary { tasks: 13, hits: 0, computed: 13, failed: 0, quarantined: 0 });
    let o = rbmlab(&res, &["run", f, "-j", "2"]);
    assert_eq!(summary(&o, "small"), Summary { tasks: 13, hits: 13, computed: 0, failed: 0, quarantined: 0 });
    // `plan` agrees without running.
    let p = rbmlab(&res, &["plan", f]);
    assert!(out(&p).contains("13 tasks, 13 hits, 0 to compute"), "{}", out(&p));

    // Change one sweep value: its 3 seeds × 2 stages + the gathering check recompute.
    let v = variant(&pipeline("small.yaml"), tmp.path(), "small.yaml", &[("snr: [0.5, 2.0]", "snr: [0.5, 2.5]")]);
    let p = rbmlab(&res, &["plan", v.to_str().unwrap(), "--tasks"]);
    let plan_out = out(&p);
    assert!(plan_out.contains("13 tasks, 6 hits, 7 to compute"), "{plan_out}");
    assert!(plan_out.contains("never computed for this point"), "{plan_out}");
    assert!(plan_out.contains("upstream"), "{plan_out}");
    let o = rbmlab(&res, &["run", v.to_str().unwrap()]);
    assert_eq!(summary(&o, "small"), Summary { tasks: 13, hits: 6, computed: 7, failed: 0, quarantined: 0 });

    // explain names a changed parameter.
    let w = variant(&pipeline("small.yaml"), tmp.path(), "small2.yaml", &[("d: 120", "d: 121")]);
    let e = rbmlab(&res, &["explain", w.to_str().unwrap(), "samples", "--point", "snr=0.5", "--point", "seed=0"]);
    assert!(out(&e).contains("params.d changed 120 → 121"), "{}", out(&e));
    let e = rbmlab(&res, &["explain", w.to_str().unwrap(), "spectrum", "--point", "snr=0.5", "--point", "seed=0"]);
    assert!(out(&e).contains("upstream missed"), "{}", out(&e));
}

#[test]
fn keys_ignore_number_spelling_key_order_and_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let base = keys(&pipeline("small.yaml"));
    let a = variant(&pipeline("small.yaml"), tmp.path(), "a.yaml", &[("snr: [0.5, 2.0]", "snr: [0.5, 2]")]);
    assert_eq!(keys(&a), base, "2 and 2.0 must give one key");
    let b = variant(
        &pipeline("small.yaml"),
        tmp.path(),
        "b.yaml",
        &[
            (
                "  samples:\n    kind: spiked_covariance\n    foreach: grid\n",
                "  samples:   # a comment\n    foreach: grid\n    kind: spiked_covariance   # another\n",
            ),
            ("params:\n  d: 120\n", "# leading comment\nparams: {d: 120.0}\n"),
        ],
    );
    assert_eq!(keys(&b), base, "reordering keys, flow style and comments change no key");
    let c = variant(&pipeline("small.yaml"), tmp.path(), "c.yaml", &[("snr: [0.5, 2.0]", "snr: [0.5, 2.0000001]")]);
    let changed: BTreeSet<_> =
        keys(&c).into_iter().collect::<BTreeSet<_>>().difference(&base.iter().cloned().collect()).cloned().collect();
    assert_eq!(changed.len(), 7, "a real change changes the keys of that point and its dependents");
}

/// Golden vector: a fixed stage with a pinned code version has this exact key. If it
/// changes, the key recipe changed: bump `KEY_SCHEMA` and update this value on purpose.
#[test]
fn golden_key_of_a_pinned_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("golden.yaml");
    std::fs::write(
        &f,
        "version: 1\npipeline: golden\nstages:\n  s:\n    kind: spiked_top_eigen\n    code_version: '1'\n    params: {d: 10, alpha: 2, snr: 1.5, seed: 7}\n",
    )
    .unwrap();
    let k = keys(&f);
    if pipeline::key::platform() == "x86_64-linux" {
        assert_eq!(k[0].1, GOLDEN);
    }
}

const GOLDEN: &str = "7e5250c5abbcac2ea64b74a405d5ce6543ee44910d7686e80e6d423f34d4cb39";
