//! The published tables open in pyarrow/pandas, polars and DuckDB (installed from PyPI into
//! a virtual environment under the build folder), with the expected columns, types and
//! footer metadata. Set RBMLAB_SKIP_INTEROP=1 to skip on a machine without PyPI access.

mod common;
use common::*;
use std::path::PathBuf;
use std::process::Command;

fn venv() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop-venv");
    let py = dir.join("bin/python");
    if !py.exists() {
        let ok = Command::new("python3").args(["-m", "venv"]).arg(&dir).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "python3 -m venv failed (Debian: apt-get install python3-venv)");
    }
    let have = Command::new(&py)
        .args(["-c", "import pyarrow, polars, duckdb, pandas"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !have {
        let ok = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pyarrow",
                "polars",
                "duckdb",
                "pandas",
            ])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "pip install pyarrow polars duckdb pandas failed");
    }
    py
}

#[test]
fn tables_read_in_pyarrow_pandas_polars_and_duckdb() {
    if std::env::var("RBMLAB_SKIP_INTEROP").is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("skipped: RBMLAB_SKIP_INTEROP is set");
        return;
    }
    let py = venv();
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("results");
    let o = rbmlab(&res, &["run", pipeline("small.yaml").to_str().unwrap(), "--no-figures"]);
    assert!(o.status.success(), "{}", err(&o));
    let script = root().join("tests/interop_check.py");
    let o = Command::new(&py).arg(&script).arg(res.join("tables/small")).output().unwrap();
    assert!(o.status.success(), "interop script failed:\n{}\n{}", out(&o), err(&o));
    let s = out(&o);
    for tool in ["pyarrow", "pandas", "polars", "duckdb"] {
        assert!(s.contains(&format!("{tool}: ok")), "{s}");
    }
}
