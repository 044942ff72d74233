//! Code fingerprints of stage kinds (computed by `build.rs`).

mod generated {
    include!(concat!(env!("OUT_DIR"), "/fingerprints.rs"));
}

/// Fingerprint of a stage kind implemented in `module` (path under `stages/src`, e.g.
/// `kinds/rmt.rs`) on top of the numeric crates `crates`: a BLAKE3 digest of their
/// sources, the table writer, the shared stage helpers, Cargo.lock and rustc. The build profile is
/// not included: Rust does not change floating-point semantics with the optimisation level.
///
/// An entry of `crates` may also name one source file of a numeric crate (`model/src/rng.rs`):
/// a kind that uses only that module of the crate then survives edits elsewhere in it. Such an
/// entry is sound only when the file has no dependencies inside its crate.
pub fn fingerprint(crates: &[&str], module: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key("rbmlab code fingerprint v1");
    for c in crates {
        let table = if c.contains('/') { generated::CRATE_FILES } else { generated::CRATES };
        let d = table.iter().find(|(n, _)| n == c).map(|(_, d)| *d).unwrap_or("unknown-crate");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A per-file entry resolves to that file's digest (not the unknown placeholder), differs
    /// from the whole crate's, and every listed file exists on disk.
    #[test]
    fn per_file_entries_resolve() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(generated::CRATE_FILES.iter().any(|(n, _)| *n == "model/src/rng.rs"));
        for (path, _) in generated::CRATE_FILES {
            assert!(root.join(path).is_file(), "{path} listed but missing");
        }
        let unknown = fingerprint(&["model/src/no_such_file.rs"], "lib.rs");
        let file = fingerprint(&["model/src/rng.rs"], "lib.rs");
        let whole = fingerprint(&["model"], "lib.rs");
        assert_ne!(file, unknown);
        assert_ne!(file, whole);
    }
}
