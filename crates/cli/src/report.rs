//! The generated check report: every output named `checks` of the plan (one row per
//! check, with an `is_pass` column), plus the compute cost of every stage and of every
//! figure, written to `<results>/figures/<pipeline>/REPORT.md` from the tables — never by
//! hand.
//!
//! A `checks` table may carry an optional bool column `is_binding` (absent = binding).
//! Rows with `is_binding = false` are checks that the paper's numbers only support at the
//! paper's sizes while the stage ran below them (the stage says why in `expected`): they
//! are shown, marked `info`, and not counted in the pass total.
//!
//! An optional string column `role` marks rows whose `role` is `claim`: a claim of the paper
//! that the issue asks to measure honestly rather than to assume (e.g. paper 003's "the RBM
//! detects the spike exactly at BBP"). Such rows are listed at the top of the report as
//! "reproduced" / "NOT reproduced", counted apart from the binding checks, and never hidden.

use crate::commands::Loaded;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use pipeline::store::{Status, Store, Verify};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Pass/fail counts of one report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Binding checks that pass.
    pub pass: usize,
    /// Binding checks in all.
    pub binding: usize,
    /// Informational (non-binding) rows.
    pub info: usize,
    /// Paper claims under test (`role = claim`).
    pub claims: usize,
    /// Paper claims the measurement reproduces.
    pub claims_reproduced: usize,
}

/// Writes the report if the pipeline has checks; returns its path if it did.
///
/// `by` names the command that wrote it (`rbmlab run`, or `rbmlab report` for a report of
/// the store as it stands, computing nothing); the header also counts the plan's tasks whose
/// entries the store holds, so a report of a long run in progress says how far it got.
pub fn write(l: &Loaded, store: &Store, results: &Path, by: &str) -> anyhow::Result<Option<PathBuf>> {
    let mut body = String::new();
    let mut any = false;
    let mut tally = Tally::default();
    let mut failing: Vec<String> = Vec::new();
    let mut claims: Vec<(bool, String)> = Vec::new();
    for (stage, ids) in &l.plan.stages {
        let Some(&first) = ids.first() else { continue };
        if !l.plan.tasks[first].info.outputs.contains(&"checks") {
            continue;
        }
        any = true;
        writeln!(body, "## `{stage}`\n")?;
        let mut header_done = false;
        for &id in ids {
            let t = &l.plan.tasks[id];
            let Ok(b) = store.read_output(&t.kind, &t.key, "checks") else {
                writeln!(body, "(missing: {} is not in the store: not computed yet, or it failed)\n", t.label())?;
                continue;
            };
            let names: Vec<String> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
            if !header_done {
                writeln!(body, "| status | {} |", names.join(" | "))?;
                writeln!(body, "|---|{}|", names.iter().map(|_| "---").collect::<Vec<_>>().join("|"))?;
                header_done = true;
            }
            let opts = FormatOptions::default();
            let fmts: Vec<ArrayFormatter> =
                b.columns().iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &opts)).collect::<Result<_, _>>()?;
            let pass = pipeline::table::col_bool(&b, "is_pass").ok();
            let binding = pipeline::table::col_bool(&b, "is_binding").ok();
            let label = pipeline::table::col_str(&b, "check").ok();
            let role = pipeline::table::col_str(&b, "role").ok();
            for r in 0..b.num_rows() {
                let cells: Vec<String> = fmts.iter().map(|f| short(&f.value(r).to_string())).collect();
                let is_binding = binding.as_ref().is_none_or(|c| c[r]);
                let is_claim = role.as_ref().is_some_and(|c| c[r] == "claim");
                let status = match (&pass, is_binding) {
                    (None, _) => "—",
                    (Some(p), _) if is_claim => {
                        let what = label.as_ref().map_or_else(|| format!("row {r}"), |c| c[r].clone());
                        tally.claims += 1;
                        claims.push((p[r], format!("`{stage}` ({}): {what}", t.label())));
                        if p[r] {
                            tally.claims_reproduced += 1;
                            "reproduced"
                        } else {
                            "**NOT reproduced**"
                        }
                    }
                    (Some(_), false) => {
                        tally.info += 1;
                        "info"
                    }
                    (Some(p), true) => {
                        tally.binding += 1;
                        if p[r] {
                            tally.pass += 1;
                            "pass"
                        } else {
                            let what = label.as_ref().map_or_else(|| format!("row {r}"), |c| c[r].clone());
                            failing.push(format!("`{stage}` ({}): {what}", t.label()));
                            "**FAIL**"
                        }
                    }
                };
                writeln!(body, "| {status} | {} |", cells.join(" | "))?;
            }
        }
        writeln!(body)?;
    }
    if !any {
        return Ok(None);
    }
    let mut md = String::new();
    writeln!(md, "# {} — generated report (profile `{}`)\n", l.spec.name, l.spec.profile)?;
    // Every task's recorded time, looked up once (the cost tables visit shared tasks many times).
    let durations: Vec<Option<f64>> = (0..l.plan.tasks.len()).map(|id| duration(l, store, id)).collect();
    let computed = durations.iter().flatten().count();
    writeln!(md, "Generated by `{by}` from the store's tables; do not edit.\n")?;
    writeln!(
        md,
        "Store state: {computed} of {} tasks of this selection computed{}.\n",
        l.plan.tasks.len(),
        if computed == l.plan.tasks.len() { "" } else { " (the rest are missing: see the costs below)" }
    )?;
    writeln!(
        md,
        "**{} of {} checks pass.** (Binding checks only; {} informational rows, checks that bind only at the \
         paper's sizes, are shown as `info` and not counted.)\n",
        tally.pass, tally.binding, tally.info
    )?;
    if !claims.is_empty() {
        writeln!(
            md,
            "**Paper claims measured: {} of {} reproduced.** (Claims the issue asks to test rather than assume; \
             not counted above.)\n",
            tally.claims_reproduced, tally.claims
        )?;
        for (ok, c) in claims.iter().filter(|c| !c.0).chain(claims.iter().filter(|c| c.0)) {
            writeln!(md, "- {}: {c}", if *ok { "reproduced" } else { "**NOT reproduced**" })?;
        }
        writeln!(md)?;
    }
    if !failing.is_empty() {
        writeln!(md, "Failing binding checks:\n")?;
        for f in &failing {
            writeln!(md, "- {f}")?;
        }
        writeln!(md)?;
    }
    md.push_str(&body);
    costs(l, store, &durations, results, &mut md)?;
    let dir = results.join("figures").join(&l.spec.name);
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".REPORT.md.{}.tmp", std::process::id()));
    std::fs::write(&tmp, md)?;
    let path = dir.join("REPORT.md");
    std::fs::rename(tmp, &path)?;
    Ok(Some(path))
}

/// Recorded compute time of a task (seconds), if its entry is in the store.
fn duration(l: &Loaded, store: &Store, id: usize) -> Option<f64> {
    let t = &l.plan.tasks[id];
    match store.check(&t.kind, &t.key, Verify::Presence) {
        Status::Ok(m) => Some(m.duration_s),
        _ => None,
    }
}

/// Every task a set of tasks depends on, the tasks included.
fn upstream_closure(l: &Loaded, roots: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<usize> = roots.into_iter().collect();
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            for ups in l.plan.tasks[id].inputs.values() {
                stack.extend(ups.iter().map(|(u, _)| *u));
            }
        }
    }
    seen
}

/// Appends the per-figure and per-stage cost tables; `durations[id]` is task `id`'s recorded time.
fn costs(l: &Loaded, store: &Store, durations: &[Option<f64>], results: &Path, md: &mut String) -> anyhow::Result<()> {
    let stage_tasks = |name: &str| -> Vec<usize> {
        l.plan.stages.iter().find(|(s, _)| s == name).map(|(_, ids)| ids.clone()).unwrap_or_default()
    };
    writeln!(md, "## Compute cost per figure\n")?;
    writeln!(
        md,
        "Sum of the recorded compute time of every task the figure (or check stage) depends on, upstream \
         included; a task shared by several figures counts in each. Wall time at the job count of the run that \
         computed it.\n"
    )?;
    writeln!(
        md,
        "`projected s` completes a partly computed figure: each missing task is counted at the mean recorded \
         time of its stage's computed tasks (blocks of one long run cost alike); `—` where a stage has no computed \
         task yet.\n"
    )?;
    let means = stage_means(l, durations);
    writeln!(md, "| figure / check stage | tasks | computed | total s | projected s |\n|---|---|---|---|---|")?;
    let mut rows: Vec<(String, Vec<usize>)> = Vec::new();
    for fig in &l.figures {
        let roots: Vec<usize> = fig.stages().iter().flat_map(|s| stage_tasks(s)).collect();
        rows.push((format!("figure `{}`", fig.name), roots));
    }
    for (stage, ids) in &l.plan.stages {
        if ids.first().is_some_and(|&f| l.plan.tasks[f].info.outputs.contains(&"checks")) {
            rows.push((format!("checks `{stage}`"), ids.clone()));
        }
    }
    for (name, roots) in rows {
        if roots.is_empty() {
            continue;
        }
        let all = upstream_closure(l, roots);
        let done: Vec<f64> = all.iter().filter_map(|&id| durations[id]).collect();
        let total: f64 = done.iter().sum();
        let projected = if done.len() == all.len() {
            format!("{total:.1}")
        } else {
            projected(l, durations, &all, &means).map_or_else(|| "—".to_string(), |p| format!("{p:.1}"))
        };
        writeln!(md, "| {name} | {} | {} | {total:.1} | {projected} |", all.len(), done.len())?;
    }
    throughput(l, store, durations, results, md)?;
    writeln!(md, "\n## Compute cost per stage\n")?;
    writeln!(md, "| stage | kind | tasks | computed | total s | max s | projected s |\n|---|---|---|---|---|---|---|")?;
    let (mut grand, mut grand_projected, mut all_known) = (0.0, 0.0, true);
    for (stage, ids) in &l.plan.stages {
        let (mut tot, mut max, mut n) = (0.0f64, 0.0f64, 0);
        for &id in ids {
            if let Some(d) = durations[id] {
                tot += d;
                max = max.max(d);
                n += 1;
            }
        }
        grand += tot;
        let proj = means.get(stage.as_str()).map(|m| m * ids.len() as f64);
        match proj {
            Some(p) => grand_projected += p,
            None => all_known = false,
        }
        let proj = proj.map_or_else(|| "—".to_string(), |p| format!("{p:.2}"));
        writeln!(
            md,
            "| {stage} | {} | {} | {n} | {tot:.2} | {max:.2} | {proj} |",
            l.plan.tasks[ids[0]].kind,
            ids.len()
        )?;
    }
    writeln!(md, "\nTotal recorded compute: {grand:.1} s.")?;
    if grand_projected > grand {
        writeln!(
            md,
            "Projected total when every task has run: {grand_projected:.1} s{}.",
            if all_known { "" } else { " (plus the stages with no computed task yet)" }
        )?;
    }
    Ok(())
}

/// Mean recorded compute time of the computed tasks of each stage (stages with none are absent).
fn stage_means(l: &Loaded, durations: &[Option<f64>]) -> BTreeMap<String, f64> {
    mean_by_stage(l.plan.tasks.iter().map(|t| (t.stage.as_str(), durations[t.id])))
}

/// Recorded time of the computed tasks of `ids` plus, for each missing one, its stage's mean;
/// `None` when a missing task's stage has no computed task to estimate it from.
fn projected(
    l: &Loaded,
    durations: &[Option<f64>],
    ids: &BTreeSet<usize>,
    means: &BTreeMap<String, f64>,
) -> Option<f64> {
    project(ids.iter().map(|&id| (l.plan.tasks[id].stage.as_str(), durations[id])), means)
}

/// Per stage, the mean of the known durations of `(stage, duration if computed)` rows.
fn mean_by_stage<'a>(rows: impl Iterator<Item = (&'a str, Option<f64>)>) -> BTreeMap<String, f64> {
    let mut acc: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (stage, d) in rows {
        if let Some(d) = d {
            let e = acc.entry(stage.to_string()).or_default();
            e.0 += d;
            e.1 += 1;
        }
    }
    acc.into_iter().map(|(s, (t, n))| (s, t / n as f64)).collect()
}

/// Sum over `(stage, duration if computed)` rows, a missing duration counted at its stage's
/// mean; `None` when some missing row's stage has no mean.
fn project<'a>(rows: impl Iterator<Item = (&'a str, Option<f64>)>, means: &BTreeMap<String, f64>) -> Option<f64> {
    rows.map(|(stage, d)| d.or_else(|| means.get(stage).copied())).sum()
}

/// Appends the Gibbs-sampler throughput of every training stage whose `curve` output records
/// `task_chain_sweeps` (the engine's `rbm_train` kinds): chain sweeps per second of recorded
/// compute time, to set beside `make bench`'s kernel numbers, which follow when
/// `<results>/bench/pcd.tsv` exists (the Rust rows of the benchmark, in the same unit).
fn throughput(
    l: &Loaded,
    store: &Store,
    durations: &[Option<f64>],
    results: &Path,
    md: &mut String,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for (stage, ids) in &l.plan.stages {
        let (mut sweeps, mut secs, mut n) = (0i64, 0.0f64, 0usize);
        for &id in ids {
            let t = &l.plan.tasks[id];
            if !t.info.outputs.contains(&"curve") {
                break;
            }
            let Some(d) = durations[id] else { continue };
            let Ok(b) = store.read_output(&t.kind, &t.key, "curve") else { continue };
            let Ok(c) = pipeline::table::col_i64(&b, "task_chain_sweeps") else { continue };
            if let Some(&s) = c.first() {
                sweeps += s;
                secs += d;
                n += 1;
            }
        }
        if n > 0 && sweeps > 0 && secs > 0.0 {
            rows.push(format!("| {stage} | {n} | {:.3e} | {secs:.1} | {:.3e} |", sweeps as f64, sweeps as f64 / secs));
        }
    }
    if !rows.is_empty() {
        writeln!(md, "\n## Gibbs sampler throughput inside the training stages\n")?;
        writeln!(
            md,
            "Chain sweeps (one visible→hidden→visible update of one chain) per second of the task's recorded \
             time, training overhead included; compare with `make bench` (results/bench/pcd.tsv: updates/s × k × \
             chains).\n"
        )?;
        writeln!(md, "| stage | tasks | chain sweeps | s | chain sweeps/s |\n|---|---|---|---|---|")?;
        for r in rows {
            writeln!(md, "{r}")?;
        }
        let tsv = results.join("bench").join("pcd.tsv");
        let bench = std::fs::read_to_string(&tsv).map(|t| bench_sweeps(&t)).unwrap_or_default();
        if bench.is_empty() {
            writeln!(md, "\n(No engine benchmark beside it: `make bench` writes `{}`.)", tsv.display())?;
        } else {
            writeln!(
                md,
                "\nEngine benchmark, the Rust rows of `{}` (`make bench`: PCD-k updates of the bare kernel, \
                 both cores, no checkpoints or tables):\n",
                tsv.display()
            )?;
            writeln!(md, "| visible | hidden | chains | k | updates/s | chain sweeps/s |\n|---|---|---|---|---|---|")?;
            for b in bench {
                writeln!(
                    md,
                    "| {} | {} | {} | {} | {:.1} | {:.3e} |",
                    b.visible, b.hidden, b.chains, b.k, b.updates_per_sec, b.chain_sweeps_per_sec
                )?;
            }
        }
    }
    Ok(())
}

/// One Rust row of `make bench`'s `pcd.tsv` (`impl  nv  nh  chains  k  updates_per_sec`).
#[derive(Debug, PartialEq)]
struct BenchRow {
    visible: usize,
    hidden: usize,
    chains: usize,
    k: usize,
    updates_per_sec: f64,
    /// `updates_per_sec × chains × k`: the unit of the training-stage table.
    chain_sweeps_per_sec: f64,
}

/// The Rust rows of a `pcd.tsv` text (header and other implementations skipped, malformed
/// rows ignored).
fn bench_sweeps(tsv: &str) -> Vec<BenchRow> {
    tsv.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 6 || f[0] != "rust" {
                return None;
            }
            let n = |i: usize| f[i].trim().parse::<usize>().ok();
            let (visible, hidden, chains, k) = (n(1)?, n(2)?, n(3)?, n(4)?);
            let updates_per_sec: f64 = f[5].trim().parse().ok()?;
            Some(BenchRow {
                visible,
                hidden,
                chains,
                k,
                updates_per_sec,
                chain_sweeps_per_sec: updates_per_sec * (chains * k) as f64,
            })
        })
        .collect()
}

fn short(s: &str) -> String {
    if let Ok(v) = s.parse::<f64>()
        && s.contains('.')
    {
        return format!("{v:.4}");
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::{BenchRow, bench_sweeps, mean_by_stage, project};

    #[test]
    fn bench_rows_convert_updates_to_chain_sweeps() {
        let tsv = "impl\tnv\tnh\tchains\tk\tupdates_per_sec\n\
                   rust\t100\t1\t100\t20\t2500.000\n\
                   numpy\t100\t1\t100\t20\t300.0\n\
                   rust\tbad\t1\t100\t20\t1.0\n";
        assert_eq!(
            bench_sweeps(tsv),
            vec![BenchRow {
                visible: 100,
                hidden: 1,
                chains: 100,
                k: 20,
                updates_per_sec: 2500.0,
                chain_sweeps_per_sec: 2500.0 * 100.0 * 20.0
            }]
        );
        assert!(bench_sweeps("").is_empty());
    }

    #[test]
    fn projection_counts_each_missing_task_at_its_stages_mean() {
        // Two blocks of a long run done (10 s, 14 s), two to go; one cheap check done.
        let rows =
            [("blocks", Some(10.0)), ("blocks", Some(14.0)), ("blocks", None), ("blocks", None), ("check", Some(1.0))];
        let means = mean_by_stage(rows.iter().copied());
        assert_eq!(means.get("blocks"), Some(&12.0));
        assert_eq!(project(rows.iter().copied(), &means), Some(10.0 + 14.0 + 12.0 + 12.0 + 1.0));
        // A missing task whose stage has not run at all cannot be projected.
        let rows2 = [("blocks", Some(10.0)), ("figure", None)];
        assert_eq!(project(rows2.iter().copied(), &mean_by_stage(rows2.iter().copied())), None);
        // Everything computed: the recorded total.
        let done = [("a", Some(2.0)), ("b", Some(3.0))];
        assert_eq!(project(done.iter().copied(), &mean_by_stage(done.iter().copied())), Some(5.0));
    }
}
