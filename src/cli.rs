//! Command-line interface. Only this module knows clap; it turns arguments into plain options.

use crate::render::Format;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// hwcheck: will GPU inference work here, and if not, exactly why and what to change.
#[derive(Debug, Parser)]
#[command(name = "hwcheck", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a command, run the doctor.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the doctor run.
    #[command(flatten)]
    pub doctor: DoctorArgs,
}

/// Options of a doctor run (the default command).
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table, global = true)]
    pub format: Format,
    /// Treat WARN as FAIL for the exit code.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Skip slow probes (ONNX Runtime sessions, detection).
    #[arg(long)]
    pub quick: bool,
    /// Re-judge a saved JSON report (or facts) instead of probing this machine.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Probe a fake system root instead of "/" (tests, support replays).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Load compat tables from DIR (files there replace the built-in ones of the same name).
    #[arg(long, value_name = "DIR", global = true)]
    pub tables: Option<PathBuf>,
    /// Per-probe timeout in seconds for isolated child probes.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,
    /// ONNX Runtime library (libonnxruntime.so*) to probe first; ORT_DYLIB_PATH is also honoured.
    #[arg(long, value_name = "PATH")]
    pub ort: Option<PathBuf>,
    /// Also probe hwcheck's pinned reference ONNX Runtime (CPU build), fetched by scripts/fetch-reference-ort.sh.
    #[arg(long)]
    pub reference_runtime: bool,
    /// Timed inference runs per provider for the detection check.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: u32,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests, support).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
}

/// Subcommands besides the default doctor run.
#[derive(Debug, Subcommand)]
pub enum Command {}
