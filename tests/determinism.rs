//! Same seed → byte-identical tables, whatever the number of threads or parallel jobs.

mod common;
use common::*;

#[test]
fn same_seed_gives_identical_tables_with_1_or_2_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let f = pipeline("small.yaml");
    let runs = [("a", "1", "1"), ("b", "2", "2"), ("c", "2", "1")];
    let mut tables = Vec::new();
    for (name, threads, jobs) in runs {
        let res = tmp.path().join(name);
        let o = rbmlab_env(
            &res,
            &["run", f.to_str().unwrap(), "-j", jobs, "--no-figures"],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(o.status.success(), "{}", err(&o));
        let parts = files_with_ext(&res.join("tables"), "parquet");
        assert_eq!(parts.len(), 19, "13 entries, 19 output tables");
        let named: Vec<(String, Vec<u8>)> = parts
            .iter()
            .map(|p| (p.strip_prefix(&res).unwrap().display().to_string(), std::fs::read(p).unwrap()))
            .collect();
        tables.push(named);
    }
    assert_eq!(tables[0], tables[1], "1 thread vs 2 threads");
    assert_eq!(tables[0], tables[2], "jobs do not change tables");
    // A different seed does change the samples.
    let v = variant(&f, tmp.path(), "s.yaml", &[("seeds: {count: 3, base: 0}", "seeds: {count: 3, base: 10}")]);
    let res = tmp.path().join("d");
    assert!(rbmlab(&res, &["run", v.to_str().unwrap(), "--no-figures"]).status.success());
    let other: Vec<Vec<u8>> = files_with_ext(&res.join("tables/small/samples/samples"), "parquet")
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for (_, b) in tables[0].iter().filter(|(n, _)| n.contains("samples/samples")) {
        assert!(!other.contains(b));
    }
}
