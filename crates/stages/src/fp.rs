//! Code fingerprints of stage kinds (computed by `build.rs`).

mod generated {
    include!(concat!(env!("OUT_DIR"), "/fingerprints.rs"));
}

/// Fingerprint of a stage kind implemented in `module` (path under `stages/src`, e.g.
/// `kinds/rmt.rs`) on top of the numeric crates `crates`: a BLAKE3 digest of their
/// sources, the table writer, the shared stage helpers, Cargo.lock and rustc. The build profile is
/// not included: Rust does not change floating-point semantics with the optimisation level.
pub fn fingerprint(crates: &[&str], module: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key("rbmlab code fingerprint v1");
    for c in crates {
        let d = generated::CRATES.iter().find(|(n, _)| n == c).map(|(_, d)| *d).unwrap_or("unknown-crate");
        h.update(c.as_bytes());
        h.update(d.as_bytes());
    }
    for f in [module, "codec.rs", "lib.rs", "fp.rs"] {
        let d = generated::FILES.iter().find(|(n, _)| *n == f).map(|(_, d)| *d).unwrap_or("unknown-file");
        h.update(f.as_bytes());
        h.update(d.as_bytes());
    }
    h.update(generated::TABLE_WRITER.as_bytes());
    h.update(generated::LOCK.as_bytes());
    h.update(generated::RUSTC.as_bytes());
    format!("b3:{}", &h.finalize().to_hex()[..32])
}

/// Fingerprint of a kind implemented across several module files (paths under `stages/src`)
/// on top of the numeric crates `crates`: the digest of their individual fingerprints, so an
/// edit to any of the files or crates changes it.
pub fn fingerprint_files(crates: &[&str], files: &[&str]) -> String {
    let mut h = blake3::Hasher::new_derive_key("rbmlab data kinds fingerprint v1");
    for f in files {
        h.update(fingerprint(crates, f).as_bytes());
    }
    format!("b3:{}", &h.finalize().to_hex()[..32])
}
