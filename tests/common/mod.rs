//! Helpers shared by the end-to-end tests: run the real `rbmlab` binary in a temporary
//! results folder and read back what it printed and wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the built binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rbmlab"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A test pipeline file under tests/pipelines.
pub fn pipeline(name: &str) -> PathBuf {
    root().join("tests").join("pipelines").join(name)
}

/// Runs `rbmlab --results <results> args…`.
pub fn rbmlab(results: &Path, args: &[&str]) -> Output {
    rbmlab_env(results, args, &[])
}

/// Same with extra environment variables.
pub fn rbmlab_env(results: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.arg("--results").arg(results).args(args).env_remove("RBMLAB_PROFILE").env_remove("RBMLAB_RESULTS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rbmlab")
}

/// stdout as text.
pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// stderr as text.
pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Parsed `N tasks: H hits, C computed, F failed` line of a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub tasks: usize,
    pub hits: usize,
    pub computed: usize,
    pub failed: usize,
    pub quarantined: usize,
}

/// Finds the summary line of `pipeline` in stdout.
pub fn summary(o: &Output, pipeline: &str) -> Summary {
    let s = out(o);
    let line = s
        .lines()
        .find(|l| l.starts_with(&format!("{pipeline}: ")))
        .unwrap_or_else(|| panic!("no summary for {pipeline} in:\n{s}\n{}", err(o)));
    let num = |word: &str| -> usize {
        line.split([':', ',', '('])
            .find_map(|part| {
                let part = part.trim();
                part.strip_suffix(word).and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    };
    Summary {
        tasks: num("tasks"),
        hits: num("hits"),
        computed: num("computed"),
        failed: num("failed"),
        quarantined: num("corrupt entries quarantined"),
    }
}

/// Every file under `dir` with the given extension, sorted.
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    fn walk(d: &Path, ext: &str, v: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, ext, v);
            } else if p.extension().is_some_and(|x| x == ext) {
                v.push(p);
            }
        }
    }
    walk(dir, ext, &mut v);
    v.sort();
    v
}

/// Copies a pipeline into `dir` with textual replacements, returning the new path.
pub fn variant(src: &Path, dir: &Path, name: &str, repl: &[(&str, &str)]) -> PathBuf {
    let mut s = std::fs::read_to_string(src).expect("read pipeline");
    for (a, b) in repl {
        assert!(s.contains(a), "variant: `{a}` not found in {}", src.display());
        s = s.replace(a, b);
    }
    let p = dir.join(name);
    std::fs::write(&p, s).expect("write variant");
    p
}
