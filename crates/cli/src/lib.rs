//! The `rbmlab` command line.

mod commands;
mod report;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Regenerate the figures of four papers on RBM learning dynamics from YAML pipelines,
/// computing only what is not already in the content-addressed store.
#[derive(Parser, Debug)]
#[command(name = "rbmlab", version, about, long_about = None)]
pub struct Cli {
    /// Results folder (store, table views, figures).
    #[arg(long, global = true, default_value = "results", env = "RBMLAB_RESULTS")]
    pub results: PathBuf,
    /// More log output (-v info, -vv debug); RBMLAB_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// Pipeline selection shared by several commands.
#[derive(clap::Args, Debug, Clone)]
pub struct Sel {
    /// Pipeline files (YAML).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Profile: `quick` (default) or `paper`.
    #[arg(long, default_value = "quick", env = "RBMLAB_PROFILE")]
    pub profile: String,
    /// Limit to these targets, stages or figures (default: everything).
    #[arg(long = "target", short = 't')]
    pub targets: Vec<String>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Compute what is missing, publish it, refresh table views and draw the figures.
    Run {
        #[command(flatten)]
        sel: Sel,
        /// Tasks run in parallel.
        #[arg(long, short = 'j', default_value_t = 1)]
        jobs: usize,
        /// Do not draw figures.
        #[arg(long)]
        no_figures: bool,
    },
    /// Say what would run and why, without running anything.
    Plan {
        #[command(flatten)]
        sel: Sel,
        /// One line per task instead of per stage.
        #[arg(long)]
        tasks: bool,
    },
    /// Write the check report from what the store holds now, computing nothing: a long run's
    /// progress (checks not computed yet are listed as missing, costs are projected).
    Report {
        #[command(flatten)]
        sel: Sel,
    },
    /// Explain why a stage (optionally at one point) would rerun: diff of the key pre-images.
    Explain {
        /// Pipeline file.
        file: PathBuf,
        /// Stage name.
        stage: String,
        /// Restrict to points with these coordinates (`name=value`, repeatable).
        #[arg(long = "point", short = 'p')]
        point: Vec<String>,
        /// Profile.
        #[arg(long, default_value = "quick", env = "RBMLAB_PROFILE")]
        profile: String,
    },
    /// List the store's entries.
    Ls {
        /// Only this stage kind.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Print the schema, footer metadata and first rows of a table (a .parquet path, or an entry key prefix).
    Show {
        /// Parquet file or key prefix.
        what: String,
        /// Output name when `what` is a key.
        #[arg(long)]
        output: Option<String>,
        /// Rows to print.
        #[arg(long, default_value_t = 10)]
        rows: usize,
    },
    /// Verify every entry (sizes and BLAKE3); `--repair` quarantines damaged ones.
    Fsck {
        /// Quarantine damaged entries so the next run recomputes them.
        #[arg(long)]
        repair: bool,
    },
    /// Remove entries not reachable from the given pipelines (all their profiles).
    Gc {
        /// Pipeline files whose entries are kept.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// List stage kinds with their parameters, inputs and outputs.
    Stages {
        /// Only this kind.
        kind: Option<String>,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // Behave like other Unix tools when the reader of stdout goes away (`rbmlab plan … | head`).
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RBMLAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
    match commands::dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
