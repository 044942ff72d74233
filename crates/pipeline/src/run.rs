//! Executing a plan: hits are verified and reused, misses run in dependency order on
//! `jobs` worker threads, each under its per-key lock, and are published atomically.

use crate::plan::{Plan, Task};
use crate::stage::{Registry, StageCtx, Upstream};
use crate::store::{Manifest, Published, Status, Store, Verify};
use crate::table;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Parallel tasks.
    pub jobs: usize,
    /// Show a progress bar (stderr, only on a terminal).
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { jobs: 1, progress: false }
    }
}

/// What happened to one task.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Found in the store and verified.
    Hit,
    /// Computed and published by this run.
    Computed,
    /// Another process published it while we waited for its lock.
    HitAfterWait,
    /// A damaged entry was quarantined and recomputed.
    Recomputed(String),
    /// Failed with this message.
    Failed(String),
    /// Not run because an input failed.
    Skipped,
}

/// End-of-run summary.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Tasks planned.
    pub planned: usize,
    /// Verified hits (including those another process computed meanwhile).
    pub hits: usize,
    /// Computed here (including recomputed corrupt entries).
    pub computed: usize,
    /// Corrupt entries quarantined.
    pub quarantined: usize,
    /// Failed tasks.
    pub failed: usize,
    /// Tasks skipped because an input failed.
    pub skipped: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Per-task outcome (task id → outcome).
    pub outcomes: Vec<Outcome>,
    /// Failure messages (task label, message).
    pub failures: Vec<(String, String)>,
    /// Per-stage computed time in seconds.
    pub stage_seconds: BTreeMap<String, f64>,
}

impl RunSummary {
    /// One line: `12 tasks: 10 hits, 2 computed, 0 failed (1.2 s)`.
    pub fn line(&self) -> String {
        let mut s =
            format!("{} tasks: {} hits, {} computed, {} failed", self.planned, self.hits, self.computed, self.failed);
        if self.skipped > 0 {
            s += &format!(", {} skipped", self.skipped);
        }
        if self.quarantined > 0 {
            s += &format!(", {} corrupt entries quarantined", self.quarantined);
        }
        s + &format!(" ({:.1} s)", self.seconds)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Waiting,
    Running,
    Done,
    Bad,
}

/// Runs a plan against a store.
pub fn execute(plan: &Plan, reg: &Registry, store: &Store, opts: &RunOptions) -> RunSummary {
    let t0 = Instant::now();
    let _ = store.clean_stale_staging();
    let n = plan.tasks.len();
    let shared = Mutex::new((vec![State::Waiting; n], vec![Outcome::Skipped; n], BTreeMap::<String, f64>::new()));
    let cv = Condvar::new();
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(n as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let jobs = opts.jobs.max(1);
    std::thread::scope(|sc| {
        for _ in 0..jobs {
            sc.spawn(|| {
                loop {
                    // Pick a ready task.
                    let pick = {
                        let mut g = shared.lock().expect("run state lock");
                        loop {
                            let (st, out, _) = &mut *g;
                            let mut all_done = true;
                            let mut found = None;
                            for t in &plan.tasks {
                                match st[t.id] {
                                    State::Waiting => {
                                        all_done = false;
                                        let ins: Vec<usize> = t.inputs.values().flatten().map(|(u, _)| *u).collect();
                                        if ins.iter().any(|&u| st[u] == State::Bad) {
                                            st[t.id] = State::Bad;
                                            out[t.id] = Outcome::Skipped;
                                            bar.inc(1);
                                            continue;
                                        }
                                        if ins.iter().all(|&u| st[u] == State::Done) {
                                            found = Some(t.id);
                                            break;
                                        }
                                    }
                                    State::Running => all_done = false,
                                    _ => {}
                                }
                            }
                            if let Some(id) = found {
                                st[id] = State::Running;
                                break Some(id);
                            }
                            if all_done {
                                cv.notify_all();
                                break None;
                            }
                            g = cv.wait(g).expect("run state lock");
                        }
                    };
                    let Some(id) = pick else { break };
                    let task = &plan.tasks[id];
                    bar.set_message(task.label());
                    let started = Instant::now();
                    let outcome = run_task(plan, task, reg, store);
                    let secs = started.elapsed().as_secs_f64();
                    let mut g = shared.lock().expect("run state lock");
                    let ok = !matches!(outcome, Outcome::Failed(_));
                    if matches!(outcome, Outcome::Computed | Outcome::Recomputed(_)) {
                        *g.2.entry(task.stage.clone()).or_default() += secs;
                    }
                    g.0[id] = if ok { State::Done } else { State::Bad };
                    g.1[id] = outcome;
                    bar.inc(1);
                    cv.notify_all();
                }
            });
        }
    });
    bar.finish_and_clear();
    let (_, outcomes, stage_seconds) = shared.into_inner().expect("run state lock");
    let mut s = RunSummary { planned: n, seconds: t0.elapsed().as_secs_f64(), stage_seconds, ..Default::default() };
    for (t, o) in plan.tasks.iter().zip(&outcomes) {
        match o {
            Outcome::Hit | Outcome::HitAfterWait => s.hits += 1,
            Outcome::Computed => s.computed += 1,
            Outcome::Recomputed(_) => {
                s.computed += 1;
                s.quarantined += 1;
            }
            Outcome::Failed(m) => {
                s.failed += 1;
                s.failures.push((t.label(), m.clone()));
            }
            Outcome::Skipped => s.skipped += 1,
        }
    }
    s.outcomes = outcomes;
    let record = serde_json::json!({
        "pipeline": plan.pipeline, "profile": plan.profile, "planned": s.planned, "hits": s.hits,
        "computed": s.computed, "failed": s.failed, "skipped": s.skipped, "seconds": s.seconds,
        "keys": plan.tasks.iter().map(|t| t.key.clone()).collect::<Vec<_>>(),
    });
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let _ = std::fs::write(
        store.base().join("runs").join(format!("{ts}-{}-{}.json", plan.pipeline, std::process::id())),
        record.to_string(),
    );
    s
}

fn run_task(plan: &Plan, task: &Task, reg: &Registry, store: &Store) -> Outcome {
    let span = tracing::info_span!("stage", stage = %task.stage, kind = %task.kind, key = %&task.key[..16]);
    let _e = span.enter();
    let mut quarantined: Option<String> = None;
    match store.check(&task.kind, &task.key, Verify::Full) {
        Status::Ok(_) => {
            record_index(plan, task, store);
            return Outcome::Hit;
        }
        Status::Corrupt(why) => {
            tracing::warn!(task = %task.label(), "corrupt entry quarantined: {why}");
            if let Err(e) = store.quarantine(&task.kind, &task.key, &why) {
                // Another process may have quarantined it already.
                tracing::debug!("quarantine: {e}");
            }
            quarantined = Some(why);
        }
        Status::Missing => {}
    }
    let _lock = match store.lock(&task.key) {
        Ok(l) => l,
        Err(e) => return Outcome::Failed(format!("cannot take lock: {e}")),
    };
    match store.check(&task.kind, &task.key, Verify::Full) {
        Status::Ok(_) => {
            record_index(plan, task, store);
            return Outcome::HitAfterWait;
        }
        Status::Corrupt(why) => {
            let _ = store.quarantine(&task.kind, &task.key, &why);
            quarantined = Some(why);
        }
        Status::Missing => {}
    }
    let started = Instant::now();
    match compute(plan, task, reg, store) {
        Ok(()) => {
            tracing::info!(task = %task.label(), seconds = started.elapsed().as_secs_f64(), "computed");
            record_index(plan, task, store);
            match quarantined {
                Some(w) => Outcome::Recomputed(w),
                None => Outcome::Computed,
            }
        }
        Err(e) => {
            tracing::error!(task = %task.label(), "failed: {e:#}");
            Outcome::Failed(format!("{e:#}"))
        }
    }
}

fn record_index(plan: &Plan, task: &Task, store: &Store) {
    let rec =
        serde_json::json!({"key": task.key, "kind": task.kind, "point": crate::key::canonical_point(&task.point)});
    let _ = store.write_index(&plan.pipeline, &task.stage, &task.point_id(), &rec);
}

fn compute(plan: &Plan, task: &Task, reg: &Registry, store: &Store) -> anyhow::Result<()> {
    let (kind, info) = reg.get(&task.kind).ok_or_else(|| anyhow::anyhow!("unknown kind {}", task.kind))?;
    let mut inputs: BTreeMap<String, Vec<Upstream>> = BTreeMap::new();
    for (name, ups) in &task.inputs {
        let mut v = Vec::new();
        for (u, out) in ups {
            let ut = &plan.tasks[*u];
            let table = store
                .read_output(&ut.kind, &ut.key, out)
                .map_err(|e| anyhow::anyhow!("reading input `{name}` from {}: {e:#}", ut.label()))?;
            v.push(Upstream { key: ut.key.clone(), stage: ut.stage.clone(), params: ut.params.clone(), table });
        }
        inputs.insert(name.clone(), v);
    }
    let progress = |_d: u64, _t: u64| {};
    let ctx = StageCtx { params: &task.params, inputs, progress: &progress };
    let started = Instant::now();
    let outputs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kind.run(&ctx))).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        anyhow::anyhow!("stage panicked: {msg}")
    })??;
    let duration = started.elapsed().as_secs_f64();
    for o in &info.outputs {
        anyhow::ensure!(
            outputs.iter().any(|(n, _)| n == o),
            "stage kind `{}` did not produce its output `{o}`",
            task.kind
        );
    }
    let mut staging = store.begin(&task.key)?;
    let params_json: serde_json::Map<String, serde_json::Value> =
        task.params.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    for (name, batch) in &outputs {
        anyhow::ensure!(
            info.outputs.contains(&name.as_str()),
            "stage kind `{}` produced an undeclared output `{name}`",
            task.kind
        );
        let full = table::with_param_columns(batch, &task.params)?;
        let prov = serde_json::json!({
            "stage": task.stage, "kind": task.kind, "key": task.key, "output": name,
            "params": params_json, "seed": task.params.get("seed").map(|v| v.to_json()),
            "code": info.code, "rbmlab_version": env!("CARGO_PKG_VERSION"), "platform": crate::key::platform(),
            "inputs": task.inputs.iter().map(|(n, ups)| (n.clone(), ups.iter().map(|(u, o)| format!("{}.{o}", plan.tasks[*u].key)).collect::<Vec<_>>())).collect::<BTreeMap<_, _>>(),
        });
        staging.write_table(name, &full, &prov)?;
    }
    let manifest = Manifest {
        key: task.key.clone(),
        kind: task.kind.clone(),
        stage: task.stage.clone(),
        pipeline: plan.pipeline.clone(),
        files: vec![],
        outputs: vec![],
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        duration_s: duration,
        rbmlab_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    match staging.publish(store, manifest, &task.preimage)? {
        Published::Ours | Published::AlreadyThere => Ok(()),
    }
}
