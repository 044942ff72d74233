//! The content-addressed store.
//!
//! ```text
//! <results>/store/v1/entries/<kind>/<kk>/<key>/{out/<output>.parquet, key.json, MANIFEST.json}
//! <results>/store/v1/{staging, locks, quarantine, index, runs}/
//! ```
//! An entry is built in `staging/` (same filesystem), every file fsynced, `MANIFEST.json`
//! (sizes + BLAKE3 of every file) written last, then the directory is renamed into place
//! with `RENAME_NOREPLACE`: the first writer wins and nothing is ever overwritten. An
//! entry counts as present only with a readable MANIFEST; reads verify sizes and digests,
//! and a bad entry is moved to `quarantine/` (never deleted, never read) so it gets
//! recomputed. Per-key lock files only avoid duplicate work: the holder re-checks
//! presence after taking the lock.

use crate::table;
use arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One file of an entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// Path relative to the entry directory.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// BLAKE3 hex digest.
    pub b3: String,
}

/// One output table of an entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputEntry {
    /// Output name.
    pub name: String,
    /// File path relative to the entry directory.
    pub path: String,
    /// Number of rows.
    pub rows: u64,
}

/// The commit record of an entry (written last).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Entry key.
    pub key: String,
    /// Stage kind.
    pub kind: String,
    /// Stage name that first computed it (informational).
    pub stage: String,
    /// Pipeline that first computed it (informational).
    pub pipeline: String,
    /// Files with sizes and digests.
    pub files: Vec<FileEntry>,
    /// Output tables.
    pub outputs: Vec<OutputEntry>,
    /// Unix time of the commit (informational; never part of a key or a table).
    pub created_unix: u64,
    /// Wall time of the computation.
    pub duration_s: f64,
    /// rbmlab version.
    pub rbmlab_version: String,
}

/// How thoroughly to check an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// MANIFEST present and parseable.
    Presence,
    /// Plus the size of every file.
    Sizes,
    /// Plus the BLAKE3 digest of every file.
    Full,
}

/// Result of checking an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Not in the store.
    Missing,
    /// Present and verified at the requested level.
    Ok(Box<Manifest>),
    /// Present but damaged.
    Corrupt(String),
}

/// Outcome of publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Our entry is now in the store.
    Ours,
    /// Another writer published the same key first; ours was discarded.
    AlreadyThere,
}

/// A store rooted at `<results>/store/v1`.
#[derive(Debug, Clone)]
pub struct Store {
    results: PathBuf,
    base: PathBuf,
}

fn hex(h: &blake3::Hash) -> String {
    h.to_hex().to_string()
}

/// BLAKE3 of a file.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut h = blake3::Hasher::new();
    let mut f = File::open(path)?;
    let n = io::copy(&mut f, &mut h)?;
    Ok((n, hex(&h.finalize())))
}

fn fsync_dir(p: &Path) -> io::Result<()> {
    File::open(p)?.sync_all()
}

impl Store {
    /// Opens (creating the folders of) the store under `results`.
    pub fn open(results: &Path) -> io::Result<Store> {
        let base = results.join("store").join("v1");
        for d in ["entries", "staging", "locks", "quarantine", "index", "runs"] {
            fs::create_dir_all(base.join(d))?;
        }
        Ok(Store { results: results.to_path_buf(), base })
    }

    /// Opens without creating anything (for read-only commands); errors if absent.
    pub fn open_existing(results: &Path) -> io::Result<Store> {
        let base = results.join("store").join("v1");
        if !base.is_dir() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("no store under {}", results.display())));
        }
        Ok(Store { results: results.to_path_buf(), base })
    }

    /// The results folder.
    pub fn results(&self) -> &Path {
        &self.results
    }
    /// `<results>/store/v1`.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Directory of an entry.
    pub fn entry_dir(&self, kind: &str, key: &str) -> PathBuf {
        self.base.join("entries").join(kind).join(&key[..2]).join(key)
    }

    /// Checks an entry.
    pub fn check(&self, kind: &str, key: &str, level: Verify) -> Status {
        let dir = self.entry_dir(kind, key);
        if !dir.exists() {
            return Status::Missing;
        }
        if level == Verify::Presence && dir.join("MANIFEST.json").exists() {
            // Cheap path for planning: the commit marker is there; content is verified on use.
            if let Ok(b) = fs::read(dir.join("MANIFEST.json"))
                && let Ok(m) = serde_json::from_slice::<Manifest>(&b)
            {
                return Status::Ok(Box::new(m));
            }
        }
        let m = match fs::read(dir.join("MANIFEST.json")) {
            Err(_) => return Status::Corrupt("MANIFEST.json is missing".into()),
            Ok(b) => match serde_json::from_slice::<Manifest>(&b) {
                Ok(m) => m,
                Err(e) => return Status::Corrupt(format!("MANIFEST.json is unreadable: {e}")),
            },
        };
        if m.key != key {
            return Status::Corrupt(format!("MANIFEST.json names key {} instead of {key}", m.key));
        }
        if level != Verify::Presence {
            for f in &m.files {
                let p = dir.join(&f.path);
                match fs::metadata(&p) {
                    Err(_) => return Status::Corrupt(format!("{} is missing", f.path)),
                    Ok(md) if md.len() != f.bytes => {
                        return Status::Corrupt(format!("{} has {} bytes, expected {}", f.path, md.len(), f.bytes));
                    }
                    Ok(_) => {}
                }
                if level == Verify::Full {
                    match hash_file(&p) {
                        Ok((_, h)) if h == f.b3 => {}
                        Ok(_) => {
                            return Status::Corrupt(format!("{} does not match its BLAKE3 digest", f.path));
                        }
                        Err(e) => return Status::Corrupt(format!("{} is unreadable: {e}", f.path)),
                    }
                }
            }
        }
        Status::Ok(Box::new(m))
    }

    /// Moves a damaged entry to `quarantine/` (kept for inspection) so that it gets recomputed.
    pub fn quarantine(&self, kind: &str, key: &str, reason: &str) -> io::Result<PathBuf> {
        let src = self.entry_dir(kind, key);
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dst = self.base.join("quarantine").join(format!("{key}.{ts}"));
        fs::rename(&src, &dst)?;
        fs::write(dst.join("QUARANTINE_REASON.txt"), reason)?;
        Ok(dst)
    }

    /// Takes the per-key lock (blocking). Released when the guard drops or the process dies.
    pub fn lock(&self, key: &str) -> io::Result<KeyLock> {
        let dir = self.base.join("locks").join(&key[..2]);
        fs::create_dir_all(&dir)?;
        let f = OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(format!("{key}.lock")))?;
        use std::os::fd::AsRawFd;
        loop {
            // SAFETY: flock on a valid, owned file descriptor.
            let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
            if r == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        Ok(KeyLock { _file: f })
    }

    /// Starts a staging directory for `key`.
    pub fn begin(&self, key: &str) -> io::Result<Staging> {
        let nonce =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = self.base.join("staging").join(format!("{key}.{}.{nonce}", std::process::id()));
        fs::create_dir_all(dir.join("out"))?;
        Ok(Staging { dir, files: vec![], outputs: vec![], done: false })
    }

    /// Removes staging folders left behind by processes that no longer run.
    pub fn clean_stale_staging(&self) -> io::Result<usize> {
        let mut n = 0;
        for e in fs::read_dir(self.base.join("staging"))? {
            let e = e?;
            let name = e.file_name().to_string_lossy().to_string();
            let pid: Option<i32> = name.split('.').nth(1).and_then(|p| p.parse().ok());
            // SAFETY: kill with signal 0 only checks for existence.
            let alive = pid.is_some_and(
                |p| unsafe { libc::kill(p, 0) } == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM),
            );
            if !alive {
                fs::remove_dir_all(e.path())?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Reads one output table of a present entry, verifying its digest first.
    pub fn read_output(&self, kind: &str, key: &str, output: &str) -> anyhow::Result<RecordBatch> {
        let dir = self.entry_dir(kind, key);
        let m: Manifest = serde_json::from_slice(&fs::read(dir.join("MANIFEST.json"))?)?;
        let o = m
            .outputs
            .iter()
            .find(|o| o.name == output)
            .ok_or_else(|| anyhow::anyhow!("entry {key} has no output `{output}`"))?;
        let f = m
            .files
            .iter()
            .find(|f| f.path == o.path)
            .ok_or_else(|| anyhow::anyhow!("entry {key}: output file not in manifest"))?;
        let bytes = fs::read(dir.join(&o.path))?;
        anyhow::ensure!(
            bytes.len() as u64 == f.bytes && hex(&blake3::hash(&bytes)) == f.b3,
            "entry {key}: {} is corrupt",
            o.path
        );
        table::read_parquet_bytes(bytes::Bytes::from(bytes))
    }

    /// Path of an output file of an entry.
    pub fn output_path(&self, kind: &str, key: &str, output: &str) -> PathBuf {
        self.entry_dir(kind, key).join("out").join(format!("{output}.parquet"))
    }

    /// Every entry present: (kind, key).
    pub fn entries(&self) -> io::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let root = self.base.join("entries");
        for k in fs::read_dir(&root)? {
            let k = k?;
            let kind = k.file_name().to_string_lossy().to_string();
            for kk in fs::read_dir(k.path())? {
                for e in fs::read_dir(kk?.path())? {
                    out.push((kind.clone(), e?.file_name().to_string_lossy().to_string()));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Records the latest key of a (pipeline, stage, point) for `explain`.
    pub fn write_index(
        &self,
        pipeline: &str,
        stage: &str,
        point_id: &str,
        record: &serde_json::Value,
    ) -> io::Result<()> {
        let dir = self.base.join("index").join(pipeline).join(stage);
        fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{point_id}.{}.tmp", std::process::id()));
        fs::write(&tmp, serde_json::to_vec(record)?)?;
        fs::rename(tmp, dir.join(format!("{point_id}.json")))
    }

    /// Reads an index record.
    pub fn read_index(&self, pipeline: &str, stage: &str, point_id: &str) -> Option<serde_json::Value> {
        let p = self.base.join("index").join(pipeline).join(stage).join(format!("{point_id}.json"));
        serde_json::from_slice(&fs::read(p).ok()?).ok()
    }

    /// Reads the stored pre-image of an entry (also from quarantine is not attempted).
    pub fn read_preimage(&self, kind: &str, key: &str) -> Option<serde_json::Value> {
        serde_json::from_slice(&fs::read(self.entry_dir(kind, key).join("key.json")).ok()?).ok()
    }
}

/// Holds a per-key lock.
pub struct KeyLock {
    _file: File,
}

/// A writer that hashes and counts what passes through.
struct HashingWriter {
    f: File,
    h: blake3::Hasher,
    n: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.f.write(buf)?;
        self.h.update(&buf[..k]);
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.f.flush()
    }
}

/// An entry being built.
pub struct Staging {
    dir: PathBuf,
    files: Vec<FileEntry>,
    outputs: Vec<OutputEntry>,
    done: bool,
}

impl Staging {
    /// Writes one output table as `out/<name>.parquet`.
    pub fn write_table(
        &mut self,
        name: &str,
        batch: &RecordBatch,
        provenance: &serde_json::Value,
    ) -> anyhow::Result<()> {
        let rel = format!("out/{name}.parquet");
        let f = File::create(self.dir.join(&rel))?;
        let mut w = HashingWriter { f, h: blake3::Hasher::new(), n: 0 };
        table::write_parquet(&mut w, batch, provenance)?;
        w.f.sync_all()?;
        self.files.push(FileEntry { path: rel.clone(), bytes: w.n, b3: hex(&w.h.finalize()) });
        self.outputs.push(OutputEntry { name: name.to_string(), path: rel, rows: batch.num_rows() as u64 });
        Ok(())
    }

    /// Writes `key.json`, then `MANIFEST.json`, fsyncs, and renames the entry into place
    /// without replacing an existing one.
    pub fn publish(
        mut self,
        store: &Store,
        mut manifest: Manifest,
        preimage: &serde_json::Value,
    ) -> anyhow::Result<Published> {
        let kj = serde_json::to_vec_pretty(preimage)?;
        let mut f = File::create(self.dir.join("key.json"))?;
        f.write_all(&kj)?;
        f.sync_all()?;
        self.files.push(FileEntry { path: "key.json".into(), bytes: kj.len() as u64, b3: hex(&blake3::hash(&kj)) });
        manifest.files = self.files.clone();
        manifest.outputs = self.outputs.clone();
        let mut f = File::create(self.dir.join("MANIFEST.json"))?;
        f.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        f.sync_all()?;
        fsync_dir(&self.dir.join("out"))?;
        fsync_dir(&self.dir)?;
        let dst = store.entry_dir(&manifest.kind, &manifest.key);
        let parent = dst.parent().expect("entry dir has a parent");
        fs::create_dir_all(parent)?;
        let r = rename_noreplace(&self.dir, &dst);
        match r {
            Ok(()) => {
                fsync_dir(parent)?;
                self.done = true;
                Ok(Published::Ours)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists || e.raw_os_error() == Some(libc::ENOTEMPTY) => {
                Ok(Published::AlreadyThere)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// `renameat2(RENAME_NOREPLACE)`; falls back to an existence check + rename where unsupported.
fn rename_noreplace(src: &Path, dst: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let s = CString::new(src.as_os_str().as_bytes())?;
    let d = CString::new(dst.as_os_str().as_bytes())?;
    // SAFETY: valid NUL-terminated paths; AT_FDCWD directory handles.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, s.as_ptr(), libc::AT_FDCWD, d.as_ptr(), libc::RENAME_NOREPLACE) };
    if r == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            if dst.exists() {
                Err(io::Error::new(io::ErrorKind::AlreadyExists, "entry exists"))
            } else {
                fs::rename(src, dst)
            }
        }
        Some(libc::EEXIST) => Err(io::Error::new(io::ErrorKind::AlreadyExists, "entry exists")),
        _ => Err(e),
    }
}
