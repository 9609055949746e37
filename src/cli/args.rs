//! The arguments of each command, as clap parses them (turned into [`crate::options`] by
//! [`super::resolve`]).

use super::format;
use clap_complete::Shell;
use hwcheck_model::facts::ort::Provider;
use hwcheck_render::Format;
use std::path::PathBuf;

/// Options every command takes (before or after the command's name).
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Load compat tables from DIR (files there replace the built-in ones of the same name).
    #[arg(long, value_name = "DIR", global = true)]
    pub tables: Option<PathBuf>,
    /// Per-probe timeout in seconds for isolated child probes (more than 0, at most 3600;
    /// e.g. 0.5 or 30).
    #[arg(long, value_name = "SECS", default_value_t = 5.0, global = true)]
    pub timeout: f64,
    /// Probe a fake system root instead of "/" (tests, support replays).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// ONNX Runtime library (libonnxruntime.so*) to probe first; ORT_DYLIB_PATH is also honoured.
    #[arg(long, value_name = "PATH", global = true)]
    pub ort: Option<PathBuf>,
    /// Also probe hwcheck's pinned reference ONNX Runtime (CPU build), fetched by
    /// scripts/fetch-reference-ort.sh.
    #[arg(long, global = true)]
    pub reference_runtime: bool,
    /// Probe only these execution providers besides the CPU (comma-separated short names:
    /// cuda, tensorrt, openvino, rocm, dnnl); default: every provider the ORT build has.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_provider, global = true)]
    pub providers: Vec<Provider>,
}

/// How deep a doctor run (or each `watch` run) probes.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// Treat WARN as FAIL for the verdict and the exit code.
    #[arg(long)]
    pub strict: bool,
    /// Skip slow probes (cuInit, ONNX Runtime sessions, detection).
    #[arg(long)]
    pub quick: bool,
    /// Skip the person-detection check (provider sessions still run on the probe model).
    #[arg(long)]
    pub no_detect: bool,
    /// Timed inference runs per provider for the detection check (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests, support).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
}

/// Options of a doctor run (the default command).
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_parser = format::parser(format::DOCTOR), default_value = "table")]
    pub format: Format,
    /// Write the output into DIR instead of printing it, atomically (a temporary file in DIR,
    /// then a rename): `hwcheck` for nfd (NFD's features.d), `hwcheck.prom` for prometheus
    /// (node_exporter's textfile directory), `hwcheck.json` for json.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// How long Node Feature Discovery keeps the labels of --format nfd (its `# +expiry-time=`
    /// directive), e.g. 24h; 0 writes no expiry. Default: 24h.
    #[arg(long, value_name = "DURATION")]
    pub nfd_expiry: Option<String>,
    /// How deep to probe.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Re-judge a saved JSON report (or facts) instead of probing this machine.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// CI gate, repeatable: driver>=535, cuda>=12.2, cc>=8.0, gpu.memory>=16GiB, gpu.count>=1,
    /// provider=cuda, detection=pass. An unmet one is a FAIL with id require.<key>; a malformed
    /// one is a usage error (exit 2).
    #[arg(long = "require", value_name = "EXPR")]
    pub require: Vec<String>,
    /// Do not re-run failing probes with the environment changes hwcheck proposes (by default
    /// each is tried in a child, with the probe timeout, to say "verified" or "did not help").
    #[arg(long)]
    pub no_verify: bool,
}

/// Arguments of `hwcheck fix`.
#[derive(Debug, Clone, clap::Args)]
pub struct FixArgs {
    /// The shell to write for.
    #[arg(long, value_enum, default_value_t = ShellArg::Bash)]
    pub shell: ShellArg,
    /// Print the fixes recorded in a saved JSON report instead of probing this machine.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
}

/// Shells of `hwcheck fix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellArg {
    /// bash: `export`, `unset`.
    Bash,
    /// zsh: `export`, `unset`.
    Zsh,
    /// fish: `set -gx`, `set -e`.
    Fish,
}

/// Arguments of `hwcheck watch`.
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Time from the start of one run to the start of the next (e.g. 10m, 1h); a run that
    /// takes longer delays the next instead of overlapping it. At least 1s.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub interval: String,
    /// Write the Node Feature Discovery feature file `hwcheck` here (e.g.
    /// /etc/kubernetes/node-feature-discovery/features.d).
    #[arg(long, value_name = "DIR")]
    pub nfd_dir: Option<PathBuf>,
    /// Write the Prometheus textfile `hwcheck.prom` here (node_exporter's
    /// --collector.textfile.directory).
    #[arg(long, value_name = "DIR")]
    pub prometheus_dir: Option<PathBuf>,
    /// Write the full JSON report `hwcheck.json` here (for `hwcheck summarize`).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// How long NFD keeps the labels after a run. Default: three intervals, at least 1h.
    #[arg(long, value_name = "DURATION")]
    pub nfd_expiry: Option<String>,
    /// Run once, write the files and exit (0 when written, 2 when the run failed): a Job.
    #[arg(long)]
    pub once: bool,
    /// A run still going after this long is killed (with its probes) and counts as failed.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub run_timeout: String,
    /// How deep each run probes.
    #[command(flatten)]
    pub probe: ProbeArgs,
}

/// Arguments of `hwcheck summarize`.
#[derive(Debug, Clone, clap::Args)]
pub struct SummarizeArgs {
    /// Saved JSON reports (`hwcheck --format json`), gzipped or not, or directories holding
    /// `*.json` / `*.json.gz` files.
    #[arg(value_name = "DIR|FILE", required = true)]
    pub inputs: Vec<PathBuf>,
    /// List nodes whose report is older than this (e.g. 1h, 2d); age from the report's
    /// generated_at, else the file's modification time.
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Example nodes shown per failing check.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,
    /// Output format.
    #[arg(long, value_parser = format::parser(format::SUMMARY), default_value = "table")]
    pub format: Format,
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
    /// Timed inference runs per provider (at least 1).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Output format.
    #[arg(long, value_parser = format::parser(format::REPORT), default_value = "table")]
    pub format: Format,
    /// Treat WARN as FAIL for the exit code.
    #[arg(long)]
    pub strict: bool,
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
    /// Output format.
    #[arg(long, value_parser = format::parser(format::ANSWER), default_value = "table")]
    pub format: Format,
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
    /// Output format.
    #[arg(long, value_parser = format::parser(format::ANSWER), default_value = "table")]
    pub format: Format,
}

/// Arguments of `hwcheck image`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImageArgs {
    /// Image reference, e.g. nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// A variable the container is started with (as `docker run -e`); only
    /// NVIDIA_DISABLE_REQUIRE changes the outcome.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
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
    /// Output format.
    #[arg(long, value_parser = format::parser(format::ANSWER), default_value = "table")]
    pub format: Format,
}

/// Arguments of `hwcheck completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `hwcheck man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Write hwcheck.1 and one hwcheck-<command>.1 per subcommand into DIR instead of printing
    /// hwcheck.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Parses one `--providers` entry.
fn parse_provider(name: &str) -> Result<Provider, String> {
    Provider::from_short_name(name).ok_or_else(|| {
        let known: Vec<&str> = Provider::ALL.iter().map(|p| p.short_name()).collect();
        format!("unknown provider {name:?} (known: {})", known.join(", "))
    })
}
