//! Command-line interface. Only this module knows clap; it turns arguments into plain options.

use crate::facts::ort::Provider;
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
    #[arg(long, value_name = "SECS", default_value_t = 5.0, global = true)]
    pub timeout: f64,
    /// ONNX Runtime library (libonnxruntime.so*) to probe first; ORT_DYLIB_PATH is also honoured.
    #[arg(long, value_name = "PATH", global = true)]
    pub ort: Option<PathBuf>,
    /// Also probe hwcheck's pinned reference ONNX Runtime (CPU build), fetched by scripts/fetch-reference-ort.sh.
    #[arg(long, global = true)]
    pub reference_runtime: bool,
    /// Probe only these execution providers besides the CPU (comma-separated short names:
    /// cuda, tensorrt, openvino, rocm, dnnl); default: every provider the ORT build has.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_provider, global = true)]
    pub providers: Vec<Provider>,
    /// Skip the person-detection check (provider sessions still run on the probe model).
    #[arg(long)]
    pub no_detect: bool,
    /// Timed inference runs per provider for the detection check.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: u32,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests, support).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
    /// CI gate, repeatable: driver>=535, cuda>=12.2, cc>=8.0, gpu.memory>=16GiB, gpu.count>=1,
    /// provider=cuda, detection=pass. An unmet one is a FAIL with id require.<key>; a malformed
    /// one is a usage error (exit 2).
    #[arg(long = "require", value_name = "EXPR")]
    pub require: Vec<String>,
}

/// Subcommands besides the default doctor run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain an error message: its cause, fix, the check that catches it, and whether this
    /// machine has the problem. Exit 0 when a known cause matched, 1 when none did, 2 on bad input.
    Explain(ExplainArgs),
    /// Show what changed between two hwcheck JSON reports (exit 0 same, 1 different, 2 error).
    Diff(DiffArgs),
    /// Judge a container image (nvidia/cuda, pytorch/pytorch, nvcr.io/nvidia/*) against this
    /// host or a planned one: exit 0 PASS, 1 FAIL, 2 unknown reference.
    Image(ImageArgs),
    /// Judge a CUDA version against this host's (or a given) driver and GPU.
    Compat(CompatArgs),
    /// Run a person detector (the bundled one, or yours with --model) on pictures, on every
    /// provider that works. Exit 0 all ran (and matched the golden answers), 1 a provider
    /// failed or providers disagree, 2 unusable model or picture.
    Detect(DetectArgs),
}

/// Arguments of `hwcheck detect`.
#[derive(Debug, Clone, clap::Args)]
pub struct DetectArgs {
    /// ONNX detector to run (SSD-style or YOLO-style outputs); default: the bundled one.
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Picture to run (PNG or JPEG), repeatable; default: the bundled pictures.
    #[arg(long = "image", value_name = "PATH")]
    pub images: Vec<PathBuf>,
    /// Write each picture with the boxes and scores drawn, as PNG, into DIR.
    #[arg(long, value_name = "DIR")]
    pub annotate: Option<PathBuf>,
    /// Timed inference runs per provider.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub runs: u32,
    /// ONNX Runtime intra-op threads (default: ONNX Runtime's own choice).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Arguments of `hwcheck explain`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The error text, or `-` to read it from standard input (at most 1 MiB is searched).
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// Look the problem up in a saved report instead of probing this machine.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Only match the text; do not look at any machine.
    #[arg(long)]
    pub no_probe: bool,
}

/// The host `image` and `compat` judge against: this machine unless `--driver`/`--gpu` plan
/// another one.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanHostArgs {
    /// Plan for a host with this driver version instead of this machine's.
    #[arg(long, value_name = "VERSION")]
    pub driver: Option<String>,
    /// Plan for a host with this GPU (model name, e.g. H100, T4, "RTX 4090").
    #[arg(long, value_name = "NAME")]
    pub gpu: Option<String>,
    /// Take this host's facts from a saved report instead of probing.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
}

/// Arguments of `hwcheck image`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImageArgs {
    /// Image reference, e.g. nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// The host to judge on.
    #[command(flatten)]
    pub host: PlanHostArgs,
}

/// Arguments of `hwcheck compat`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompatArgs {
    /// CUDA runtime version, e.g. 11.4 or 12.4.1.
    #[arg(long, value_name = "VERSION")]
    pub cuda: String,
    /// cuDNN major the application uses.
    #[arg(long, value_name = "MAJOR")]
    pub cudnn: Option<u32>,
    /// The host to judge on.
    #[command(flatten)]
    pub host: PlanHostArgs,
}

/// Arguments of `hwcheck diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The first report (e.g. from the working machine).
    #[arg(value_name = "A.json")]
    pub before: PathBuf,
    /// The second report (e.g. from the broken machine).
    #[arg(value_name = "B.json")]
    pub after: PathBuf,
}

/// Parses one `--providers` entry.
fn parse_provider(name: &str) -> Result<Provider, String> {
    Provider::from_short_name(name).ok_or_else(|| {
        let known: Vec<&str> = Provider::ALL.iter().map(|p| p.short_name()).collect();
        format!("unknown provider {name:?} (known: {})", known.join(", "))
    })
}
