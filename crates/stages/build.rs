//! Computes code fingerprints at build time: a BLAKE3 digest of every numeric crate's
//! sources, of each stage-kind module, of the pipeline table writer, of Cargo.lock and of
//! `rustc -vV`. A stage kind's fingerprint combines the pieces it depends on, so editing
//! one crate invalidates only the stages built on it.

use std::fs;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn digest(paths: &[PathBuf], root: &Path) -> String {
    let mut h = blake3::Hasher::new();
    for p in paths {
        let rel = p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/");
        h.update(rel.as_bytes());
        h.update(&[0]);
        h.update(blake3::hash(&fs::read(p).unwrap_or_default()).as_bytes());
    }
    h.finalize().to_hex().to_string()
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let crates = manifest.parent().expect("crates/").to_path_buf();
    let root = crates.parent().expect("workspace root").to_path_buf();
    let mut out = String::new();
    out.push_str("/// (crate, digest of its src/ and Cargo.toml)\npub const CRATES: &[(&str, &str)] = &[\n");
    for c in ["data", "model", "train", "theory", "analysis"] {
        let dir = crates.join(c);
        let mut files = Vec::new();
        files_under(&dir.join("src"), &mut files);
        files.push(dir.join("Cargo.toml"));
        println!("cargo:rerun-if-changed={}", dir.join("src").display());
        println!("cargo:rerun-if-changed={}", dir.join("Cargo.toml").display());
        out.push_str(&format!("    ({c:?}, {:?}),\n", digest(&files, &root)));
    }
    out.push_str("];\n/// (`crate/src/…` path of one source file of a numeric crate, digest)\npub const CRATE_FILES: &[(&str, &str)] = &[\n");
    for c in ["data", "model", "train", "theory", "analysis"] {
        let mut files = Vec::new();
        files_under(&crates.join(c).join("src"), &mut files);
        for f in &files {
            let rel = f.strip_prefix(&crates).unwrap_or(f).to_string_lossy().replace('\\', "/");
            out.push_str(&format!("    ({rel:?}, {:?}),\n", digest(std::slice::from_ref(f), &root)));
        }
    }
    out.push_str("];\n/// (module path under stages/src, digest)\npub const FILES: &[(&str, &str)] = &[\n");
    let mut files = Vec::new();
    files_under(&manifest.join("src"), &mut files);
    println!("cargo:rerun-if-changed={}", manifest.join("src").display());
    for f in &files {
        let rel = f.strip_prefix(manifest.join("src")).unwrap_or(f).to_string_lossy().replace('\\', "/");
        out.push_str(&format!("    ({rel:?}, {:?}),\n", digest(std::slice::from_ref(f), &root)));
    }
    out.push_str("];\n");
    let table = crates.join("pipeline/src/table.rs");
    println!("cargo:rerun-if-changed={}", table.display());
    out.push_str(&format!(
        "/// Digest of the Parquet writer.\npub const TABLE_WRITER: &str = {:?};\n",
        digest(&[table], &root)
    ));
    let lock = root.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    out.push_str(&format!(
        "/// Digest of Cargo.lock.\npub const LOCK: &str = {:?};\n",
        blake3::hash(&fs::read(&lock).unwrap_or_default()).to_hex().to_string()
    ));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let v = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    out.push_str(&format!("/// `rustc -vV`.\npub const RUSTC: &str = {v:?};\n"));
    fs::write(PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("fingerprints.rs"), out)
        .expect("write fingerprints");
}
