//! Implementation of the subcommands.

use crate::{Cli, Cmd, Sel, report};
use anyhow::{Context, bail};
use pipeline::plan::{self, Plan};
use pipeline::store::{Status, Store, Verify};
use pipeline::{PipelineSpec, RunOptions, views};
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

/// A loaded pipeline with its figures and the stages to run.
pub struct Loaded {
    pub spec: PipelineSpec,
    pub figures: Vec<figures::FigureSpec>,
    pub plan: Plan,
}

/// Loads, validates and plans every file; configuration errors name file:line:column.
pub fn load_all(sel: &Sel, reg: &pipeline::Registry) -> anyhow::Result<Vec<Loaded>> {
    let mut out = Vec::new();
    let mut matched: BTreeSet<String> = BTreeSet::new();
    for f in &sel.files {
        let spec = pipeline::load(f, &sel.profile).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut figs = Vec::new();
        for (name, node) in &spec.figures {
            let fig = figures::parse(name, node).map_err(|e| anyhow::anyhow!("{e}"))?;
            for l in &fig.layers {
                let Some(st) = spec.stages.iter().find(|s| s.name == l.stage) else {
                    bail!("{}: at `figures.{name}`: layer reads stage `{}`, which does not exist", l.loc, l.stage);
                };
                if let Some((_, info)) = reg.get(&st.kind)
                    && !info.outputs.contains(&l.output.as_str())
                {
                    bail!(
                        "{}: at `figures.{name}`: stage `{}` has no output `{}` (outputs: {})",
                        l.loc,
                        l.stage,
                        l.output,
                        info.outputs.join(", ")
                    );
                }
            }
            figs.push(fig);
        }
        let (stages, keep_figs): (BTreeSet<String>, Vec<figures::FigureSpec>) = if sel.targets.is_empty() {
            let mut s = plan::closure(&spec, None);
            for fg in &figs {
                s.extend(fg.stages());
            }
            (s, figs)
        } else {
            let mut names: Vec<String> = Vec::new();
            let mut keep = Vec::new();
            let mut expanded: Vec<String> = sel.targets.clone();
            let mut i = 0;
            while i < expanded.len() {
                if let Some(items) = spec.targets.get(&expanded[i]) {
                    matched.insert(expanded[i].clone());
                    expanded.extend(items.iter().map(|(n, _)| n.clone()));
                }
                i += 1;
            }
            for t in &expanded {
                if let Some(fg) = figs.iter().find(|fg| &fg.name == t) {
                    matched.insert(t.clone());
                    names.extend(fg.stages());
                    keep.push(fg.clone());
                } else if spec.stages.iter().any(|s| &s.name == t) {
                    matched.insert(t.clone());
                    names.push(t.clone());
                }
            }
            (plan::closure(&spec, Some(&names)), keep)
        };
        let plan = plan::build(&spec, reg, Some(&stages)).map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push(Loaded { spec, figures: keep_figs, plan });
    }
    for t in &sel.targets {
        if !matched.contains(t) {
            bail!("target `{t}` is not a target, stage or figure of the given pipelines");
        }
    }
    Ok(out)
}

/// Runs a subcommand; returns the process exit code.
pub fn dispatch(cli: &Cli) -> anyhow::Result<ExitCode> {
    let reg = stages::registry();
    match &cli.cmd {
        Cmd::Run { sel, jobs, no_figures } => {
            let loaded = load_all(sel, &reg)?;
            let store = Store::open(&cli.results)
                .with_context(|| format!("opening the store under {}", cli.results.display()))?;
            let mut failed = false;
            for l in &loaded {
                let _span = tracing::info_span!("pipeline", name = %l.spec.name).entered();
                let opts = RunOptions { jobs: *jobs, progress: std::io::stderr().is_terminal() };
                let s = pipeline::execute(&l.plan, &reg, &store, &opts);
                println!("{}: {}", l.spec.name, s.line());
                for (st, secs) in &s.stage_seconds {
                    println!("  computed {st}: {secs:.2} s");
                }
                for (label, msg) in &s.failures {
                    eprintln!("FAILED {label}: {msg}");
                }
                failed |= s.failed > 0;
                views::refresh(&l.plan, &store).context("refreshing table views")?;
                if !*no_figures {
                    let n = draw_figures(l, &store, &cli.results)?;
                    if n > 0 {
                        println!(
                            "  {n} figure(s) drawn under {}",
                            cli.results.join("figures").join(&l.spec.name).display()
                        );
                    }
                }
                report::write(l, &store, &cli.results, "rbmlab run")?;
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Cmd::Report { sel } => {
            let loaded = load_all(sel, &reg)?;
            let store = Store::open_existing(&cli.results)?;
            for l in &loaded {
                if let Some(path) = report::write(l, &store, &cli.results, "rbmlab report")? {
                    println!("{}: report written to {}", l.spec.name, path.display());
                } else {
                    println!("{}: no stage of the selection has checks; no report", l.spec.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Plan { sel, tasks } => {
            let loaded = load_all(sel, &reg)?;
            let store = Store::open_existing(&cli.results).ok();
            for l in &loaded {
                let lines = views::explain(&l.plan, store.as_ref());
                let hits = lines.iter().filter(|x| x.hit).count();
                println!(
                    "{} (profile {}): {} tasks, {} hits, {} to compute",
                    l.spec.name,
                    l.spec.profile,
                    lines.len(),
                    hits,
                    lines.len() - hits
                );
                for (stage, ids) in &l.plan.stages {
                    let mine: Vec<&views::PlanLine> = ids.iter().map(|&i| &lines[i]).collect();
                    let h = mine.iter().filter(|x| x.hit).count();
                    let kind = &l.plan.tasks[ids[0]].kind;
                    println!(
                        "  {stage:<28} {kind:<24} {:>6} tasks {:>6} hit {:>6} miss",
                        mine.len(),
                        h,
                        mine.len() - h
                    );
                    if *tasks {
                        for x in &mine {
                            println!(
                                "    {} {}{}",
                                if x.hit { "hit " } else { "MISS" },
                                x.label,
                                if x.reasons.is_empty() {
                                    String::new()
                                } else {
                                    format!(" ← {}", x.reasons.join("; "))
                                }
                            );
                        }
                    } else {
                        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
                        for x in mine.iter().filter(|x| !x.hit) {
                            for r in &x.reasons {
                                *reasons.entry(r.as_str()).or_default() += 1;
                            }
                        }
                        for (r, c) in reasons {
                            println!("      {c:>5} × {r}");
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Explain { file, stage, point, profile } => {
            let sel = Sel { files: vec![file.clone()], profile: profile.clone(), targets: vec![stage.clone()] };
            let loaded = load_all(&sel, &reg)?;
            let l = &loaded[0];
            let store = Store::open_existing(&cli.results).ok();
            let lines = views::explain(&l.plan, store.as_ref());
            let want: Vec<(String, String)> = point
                .iter()
                .map(|p| {
                    p.split_once('=')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .ok_or_else(|| anyhow::anyhow!("--point takes name=value, got `{p}`"))
                })
                .collect::<anyhow::Result<_>>()?;
            let mut shown = 0;
            for t in l.plan.tasks.iter().filter(|t| &t.stage == stage) {
                let ok = want.iter().all(|(k, v)| {
                    t.point.get(k).is_some_and(|x| {
                        x.to_string() == *v || (x.as_f64().is_some() && v.parse::<f64>().ok() == x.as_f64())
                    })
                });
                if !ok {
                    continue;
                }
                shown += 1;
                let line = &lines[t.id];
                if line.hit {
                    println!("{}: hit (key {})", line.label, &t.key[..16]);
                } else {
                    println!("{}: would run (key {})", line.label, &t.key[..16]);
                    for r in &line.reasons {
                        println!("  ← {r}");
                    }
                }
            }
            if shown == 0 {
                bail!("no task of stage `{stage}` matches the given point");
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Ls { kind } => {
            let store = Store::open_existing(&cli.results)?;
            for (k, key) in store.entries()? {
                if kind.as_ref().is_some_and(|w| w != &k) {
                    continue;
                }
                match store.check(&k, &key, Verify::Sizes) {
                    Status::Ok(m) => {
                        let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
                        let outs: Vec<String> =
                            m.outputs.iter().map(|o| format!("{}({} rows)", o.name, o.rows)).collect();
                        println!(
                            "{k:<24} {} {:>10} B {:>8.2} s  {}  [{}.{}]",
                            &key[..16],
                            bytes,
                            m.duration_s,
                            outs.join(" "),
                            m.pipeline,
                            m.stage
                        );
                    }
                    Status::Corrupt(w) => println!("{k:<24} {} DAMAGED: {w}", &key[..16]),
                    Status::Missing => {}
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Show { what, output, rows } => {
            let path = if Path::new(what).is_file() {
                Path::new(what).to_path_buf()
            } else {
                let store = Store::open_existing(&cli.results)?;
                let hits: Vec<(String, String)> =
                    store.entries()?.into_iter().filter(|(_, k)| k.starts_with(what.as_str())).collect();
                let [(kind, key)] = hits.as_slice() else {
                    bail!("`{what}` is neither a file nor a unique key prefix ({} entries match)", hits.len())
                };
                let Status::Ok(m) = store.check(kind, key, Verify::Sizes) else {
                    bail!("entry {key} is damaged; run `rbmlab fsck`")
                };
                let o = match output {
                    Some(o) => {
                        m.outputs.iter().find(|x| &x.name == o).ok_or_else(|| anyhow::anyhow!("no output `{o}`"))?
                    }
                    None => m.outputs.first().ok_or_else(|| anyhow::anyhow!("entry has no outputs"))?,
                };
                store.entry_dir(kind, key).join(&o.path)
            };
            let t = pipeline::table::read_parquet(&path)?;
            println!("{} — {} rows × {} columns", path.display(), t.num_rows(), t.num_columns());
            for f in t.schema().fields() {
                println!("  {:<28} {}", f.name(), f.data_type());
            }
            for (k, v) in pipeline::table::footer_metadata(&path)? {
                println!("footer {k}: {v}");
            }
            let head = t.slice(0, (*rows).min(t.num_rows()));
            println!("{}", arrow::util::pretty::pretty_format_batches(&[head])?);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Fsck { repair } => {
            let store = Store::open_existing(&cli.results)?;
            let r = views::fsck(&store, *repair)?;
            for (k, key, w) in &r.damaged {
                println!("DAMAGED {k} {key}: {w}{}", if *repair { " (quarantined)" } else { "" });
            }
            println!("{} entries checked, {} damaged", r.checked, r.damaged.len());
            Ok(if r.damaged.is_empty() || *repair { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Cmd::Gc { files, dry_run } => {
            let store = Store::open_existing(&cli.results)?;
            let mut live = BTreeSet::new();
            for f in files {
                let profiles = profiles_of(f)?;
                for p in profiles {
                    let sel = Sel { files: vec![f.clone()], profile: p, targets: vec![] };
                    for l in load_all(&sel, &reg)? {
                        live.extend(l.plan.tasks.iter().map(|t| t.key.clone()));
                    }
                }
            }
            let removed = views::gc(&store, &live, *dry_run)?;
            for d in &removed {
                println!("{} {}", if *dry_run { "would remove" } else { "removed" }, d.display());
            }
            println!(
                "{} entries kept, {} {}",
                live.len(),
                removed.len(),
                if *dry_run { "removable" } else { "removed" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Stages { kind } => {
            for name in reg.names() {
                if kind.as_ref().is_some_and(|k| k != name) {
                    continue;
                }
                let (_, info) = reg.get(name).expect("listed");
                println!("{name}: {}", info.doc);
                for p in &info.params {
                    let d = p.default.as_ref().map(|d| format!(" = {d}")).unwrap_or_default();
                    println!("    param  {:<18} {:<16} {}{d}", p.name, p.ty.name(), p.doc);
                }
                for i in &info.inputs {
                    println!(
                        "    input  {:<18} {:<16} {}",
                        i.name,
                        if i.gather { "gather [*]" } else { "one table" },
                        i.doc
                    );
                }
                println!("    outputs: {}", info.outputs.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn profiles_of(f: &Path) -> anyhow::Result<Vec<String>> {
    let root = pipeline::yaml::parse_file(f).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut v: Vec<String> = match root.get("profiles").map(|p| &p.kind) {
        Some(pipeline::yaml::Kind::Map(m)) => m.iter().map(|(k, _, _)| k.clone()).collect(),
        _ => vec![],
    };
    if v.is_empty() {
        v.push("quick".into());
    }
    Ok(v)
}

/// Draws the figures whose stages all completed; skips a figure whose inputs and spec are
/// unchanged since it was last drawn. Returns the number drawn.
fn draw_figures(l: &Loaded, store: &Store, results: &Path) -> anyhow::Result<usize> {
    let dir = results.join("figures").join(&l.spec.name);
    let mut drawn = 0;
    for fig in &l.figures {
        let mut tables: BTreeMap<(String, String), figures::LayerTables> = BTreeMap::new();
        let mut stamp = blake3::Hasher::new();
        stamp.update(format!("{fig:?}").as_bytes());
        stamp.update(env!("CARGO_PKG_VERSION").as_bytes());
        let mut complete = true;
        let mut seeds: BTreeSet<i64> = BTreeSet::new();
        let mut footer_vals: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for layer in &fig.layers {
            let k = (layer.stage.clone(), layer.output.clone());
            if tables.contains_key(&k) {
                continue;
            }
            let ids = l.plan.stages.iter().find(|(s, _)| s == &layer.stage).map(|(_, v)| v.clone()).unwrap_or_default();
            let mut parts = Vec::new();
            for id in ids {
                let t = &l.plan.tasks[id];
                stamp.update(t.key.as_bytes());
                match store.read_output(&t.kind, &t.key, &layer.output) {
                    Ok(b) => {
                        if let Ok(s) = pipeline::table::col_i64(&b, "seed") {
                            seeds.extend(s);
                        }
                        for c in &fig.footer {
                            if let Some(col) = b.column_by_name(c) {
                                let v =
                                    arrow::util::display::ArrayFormatter::try_new(col.as_ref(), &Default::default())
                                        .ok()
                                        .map(|f| {
                                            (0..b.num_rows().min(1000))
                                                .map(|i| f.value(i).to_string())
                                                .collect::<Vec<_>>()
                                        })
                                        .unwrap_or_default();
                                footer_vals.entry(c.clone()).or_default().extend(v);
                            }
                        }
                        parts.push(b);
                    }
                    Err(_) => complete = false,
                }
            }
            tables.insert(k, parts);
        }
        if !complete {
            eprintln!("figure {}: skipped (some of its inputs failed)", fig.name);
            continue;
        }
        let stamp = stamp.finalize().to_hex().to_string();
        let stamp_path = dir.join(format!(".{}.stamp", fig.name));
        if dir.join(format!("{}.png", fig.name)).exists()
            && std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(stamp.as_str())
        {
            continue;
        }
        let mut footer = format!("rbmlab {} · {} · profile {}", env!("CARGO_PKG_VERSION"), l.spec.name, l.spec.profile);
        if !seeds.is_empty() {
            footer += &format!(" · seeds {} ({} in all)", ranges(&seeds), seeds.len());
        }
        for (c, vals) in &footer_vals {
            let v: Vec<&String> = vals.iter().take(6).collect();
            footer += &format!(" · {c} = {}", v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
        }
        figures::render(fig, &tables, &footer, &dir).with_context(|| format!("drawing figure {}", fig.name))?;
        let tmp = dir.join(format!(".{}.stamp.{}.tmp", fig.name, std::process::id()));
        std::fs::write(&tmp, stamp)?;
        std::fs::rename(tmp, &stamp_path)?;
        drawn += 1;
    }
    Ok(drawn)
}

/// `0–4, 100–104` for a set of integers.
fn ranges(v: &BTreeSet<i64>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = v.iter().copied().peekable();
    while let Some(a) = it.next() {
        let mut b = a;
        while it.peek() == Some(&(b + 1)) {
            b = it.next().unwrap_or(b);
        }
        out.push(if a == b { a.to_string() } else { format!("{a}–{b}") });
    }
    out.join(", ")
}
