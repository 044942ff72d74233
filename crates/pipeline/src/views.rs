//! Table views (`<results>/tables/<pipeline>/<stage>/<output>/part-<key16>.parquet`, hard
//! links into the store, what users open), `explain`, `fsck` and `gc`.

use crate::key;
use crate::plan::{Plan, Task};
use crate::store::{Status, Store, Verify};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::PathBuf;

/// Refreshes the table views of the plan's stages: links every present output and
/// removes parts that are no longer in the plan. Returns the number of parts linked.
pub fn refresh(plan: &Plan, store: &Store) -> io::Result<usize> {
    let mut n = 0;
    for (stage, ids) in &plan.stages {
        let Some(first) = ids.first() else { continue };
        for out in &plan.tasks[*first].info.outputs {
            let dir = store.results().join("tables").join(&plan.pipeline).join(stage).join(out);
            fs::create_dir_all(&dir)?;
            let mut want = BTreeSet::new();
            for &id in ids {
                let t = &plan.tasks[id];
                let name = format!("part-{}.parquet", &t.key[..16]);
                // Parts of planned keys are never removed (another process may be linking them).
                want.insert(name.clone());
                let src = store.output_path(&t.kind, &t.key, out);
                if !src.exists() {
                    continue;
                }
                let dst = dir.join(&name);
                if dst.exists() {
                    continue;
                }
                let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
                let _ = fs::remove_file(&tmp);
                if fs::hard_link(&src, &tmp).is_err() {
                    fs::copy(&src, &tmp)?;
                }
                fs::rename(&tmp, &dst)?;
                n += 1;
            }
            for e in fs::read_dir(&dir)? {
                let e = e?;
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("part-") && !want.contains(&name) {
                    ignore_missing(fs::remove_file(e.path()))?;
                }
            }
        }
    }
    Ok(n)
}

/// Per-task plan status with the reason of each miss.
#[derive(Debug, Clone)]
pub struct PlanLine {
    /// Task label.
    pub label: String,
    /// Hit or not.
    pub hit: bool,
    /// Why it would run (empty for hits).
    pub reasons: Vec<String>,
}

/// Says, for every task, whether it is in the store and, if not, why not — by diffing
/// the stored pre-image of the last key recorded for the same (stage, point).
pub fn explain(plan: &Plan, store: Option<&Store>) -> Vec<PlanLine> {
    let mut hit = vec![false; plan.tasks.len()];
    let mut out = Vec::new();
    for t in &plan.tasks {
        let h = store.is_some_and(|s| matches!(s.check(&t.kind, &t.key, Verify::Presence), Status::Ok(_)));
        hit[t.id] = h;
        let reasons = if h { vec![] } else { miss_reasons(plan, t, store, &hit) };
        out.push(PlanLine { label: t.label(), hit: h, reasons });
    }
    out
}

fn miss_reasons(plan: &Plan, t: &Task, store: Option<&Store>, hit: &[bool]) -> Vec<String> {
    let Some(store) = store else {
        return vec!["no store yet".into()];
    };
    let upstream_missing: Vec<String> = t
        .inputs
        .values()
        .flatten()
        .filter(|(u, _)| !hit[*u])
        .map(|(u, _)| plan.tasks[*u].label())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if let Status::Corrupt(w) = store.check(&t.kind, &t.key, Verify::Presence) {
        return vec![format!("stored entry is damaged ({w}); it will be quarantined and recomputed")];
    }
    let Some(rec) = store.read_index(&plan.pipeline, &t.stage, &t.point_id()) else {
        let mut r = vec!["never computed for this point".to_string()];
        if !upstream_missing.is_empty() {
            r.push(format!("upstream will run: {}", upstream_missing.join(", ")));
        }
        return r;
    };
    let old_key = rec.get("key").and_then(|k| k.as_str()).unwrap_or_default().to_string();
    let old_kind = rec.get("kind").and_then(|k| k.as_str()).unwrap_or(&t.kind).to_string();
    let Some(old) = store.read_preimage(&old_kind, &old_key) else {
        return vec![format!(
            "previous entry {} is gone from the store (gc or quarantine)",
            &old_key[..old_key.len().min(16)]
        )];
    };
    let mut r: Vec<String> = key::diff(&old, &t.preimage)
        .into_iter()
        .map(|d| if d.starts_with("code.") { format!("code of stage kind `{}` changed ({d})", t.kind) } else { d })
        .filter(|d| !d.starts_with("inputs."))
        .collect();
    if !upstream_missing.is_empty() {
        r.push(format!("upstream missed: {}", upstream_missing.join(", ")));
    } else if key::diff(&old, &t.preimage).iter().any(|d| d.starts_with("inputs.")) {
        r.push("upstream keys changed".into());
    }
    if r.is_empty() {
        r.push("previous entry was removed".into());
    }
    r
}

/// Result of `fsck`.
#[derive(Debug, Clone, Default)]
pub struct FsckReport {
    /// Entries checked.
    pub checked: usize,
    /// Damaged entries (kind, key, reason), quarantined when `repair` was set.
    pub damaged: Vec<(String, String, String)>,
}

/// Verifies every entry (sizes and BLAKE3); quarantines damaged ones when `repair`.
pub fn fsck(store: &Store, repair: bool) -> io::Result<FsckReport> {
    let mut r = FsckReport::default();
    for (kind, key) in store.entries()? {
        r.checked += 1;
        if let Status::Corrupt(w) = store.check(&kind, &key, Verify::Full) {
            if repair {
                store.quarantine(&kind, &key, &w)?;
            }
            r.damaged.push((kind, key, w));
        }
    }
    Ok(r)
}

/// Removes entries not in `live` (keys), plus stale staging; returns removed entry dirs.
pub fn gc(store: &Store, live: &BTreeSet<String>, dry_run: bool) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for (kind, key) in store.entries()? {
        if !live.contains(&key) {
            let d = store.entry_dir(&kind, &key);
            if !dry_run {
                fs::remove_dir_all(&d)?;
            }
            removed.push(d);
        }
    }
    if !dry_run {
        store.clean_stale_staging()?;
    }
    Ok(removed)
}

/// Treats "already gone" as success (another process may have removed it).
fn ignore_missing(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
