//! Command-line interface. Only this module knows clap; it turns arguments into plain options.

use crate::options::{
    Detect, Diff, Doctor, Explain, Fix, Global, Invocation, Machine, Output, Plan, PlanHost,
    PlanSubject, ProbeDepth, Shell, Summarize, Watch,
};
use clap::{Parser, Subcommand, ValueEnum};
use hwcheck_model::facts::ort::Provider;
use hwcheck_render::Format;
use std::path::PathBuf;
use std::time::Duration;

/// hwcheck: will GPU inference work here, and if not, exactly why and what to change.
#[derive(Debug, Parser)]
#[command(name = "hwcheck", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true, max_term_width = 100)]
pub struct Cli {
    /// What to do; without a command, run the doctor.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Options of the doctor run.
    #[command(flatten)]
    pub doctor: DoctorArgs,
}

/// Formats of commands that print a report of checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Table,
    /// The full report as JSON (facts + checks), for machines and `--facts`.
    Json,
    /// Markdown, to paste into a support ticket.
    Markdown,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
}

/// Formats of the doctor run: the report formats, plus the fleet engines' file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// A table for people.
    Table,
    /// The full report as JSON (facts + checks), for machines and `--facts`.
    Json,
    /// Markdown, to paste into a support ticket.
    Markdown,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
    /// Node Feature Discovery feature file: node labels for scheduling (docs/fleet.md).
    Nfd,
    /// Prometheus text format for node_exporter's textfile collector (docs/fleet.md).
    Prometheus,
}

impl From<DoctorFormat> for Format {
    fn from(f: DoctorFormat) -> Self {
        match f {
            DoctorFormat::Table => Format::Table,
            DoctorFormat::Json => Format::Json,
            DoctorFormat::Markdown => Format::Markdown,
            DoctorFormat::Junit => Format::Junit,
            DoctorFormat::Nfd => Format::Nfd,
            DoctorFormat::Prometheus => Format::Prometheus,
        }
    }
}

/// Formats of `summarize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Text tables for people.
    Table,
    /// JSON with every node, for machines.
    Json,
    /// Markdown, to paste into a ticket or a page.
    Markdown,
}

impl From<SummaryFormat> for Format {
    fn from(f: SummaryFormat) -> Self {
        match f {
            SummaryFormat::Table => Format::Table,
            SummaryFormat::Json => Format::Json,
            SummaryFormat::Markdown => Format::Markdown,
        }
    }
}

/// Formats of commands that print an answer rather than a report (`explain`, `diff`, `image`,
/// `compat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AnswerFormat {
    /// Text for people.
    Table,
    /// JSON for machines.
    Json,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Table => Format::Table,
            ReportFormat::Json => Format::Json,
            ReportFormat::Markdown => Format::Markdown,
            ReportFormat::Junit => Format::Junit,
        }
    }
}

impl From<AnswerFormat> for Format {
    fn from(f: AnswerFormat) -> Self {
        match f {
            AnswerFormat::Table => Format::Table,
            AnswerFormat::Json => Format::Json,
        }
    }
}

/// Options every command takes (before or after the command's name).
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Load compat tables from DIR (files there replace the built-in ones of the same name).
    #[arg(long, value_name = "DIR", global = true)]
    pub tables: Option<PathBuf>,
    /// Per-probe timeout in seconds for isolated child probes (0.001 to 3600).
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

/// Options of a doctor run (the default command).
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Table)]
    pub format: DoctorFormat,
    /// Write the output into DIR instead of printing it, atomically (a temporary file in DIR,
    /// then a rename): `hwcheck` for nfd (NFD's features.d), `hwcheck.prom` for prometheus
    /// (node_exporter's textfile directory), `hwcheck.json` for json.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// How long Node Feature Discovery keeps the labels of --format nfd (its `# +expiry-time=`
    /// directive), e.g. 24h; 0 writes no expiry. Default: 24h.
    #[arg(long, value_name = "DURATION")]
    pub nfd_expiry: Option<String>,
    /// Treat WARN as FAIL for the exit code.
    #[arg(long)]
    pub strict: bool,
    /// Skip slow probes (ONNX Runtime sessions, detection).
    #[arg(long)]
    pub quick: bool,
    /// Re-judge a saved JSON report (or facts) instead of probing this machine.
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Skip the person-detection check (provider sessions still run on the probe model).
    #[arg(long)]
    pub no_detect: bool,
    /// Timed inference runs per provider for the detection check (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests, support).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
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
    /// Probe again and again, rewriting the NFD feature file, the Prometheus textfile and the
    /// JSON report each time (for a DaemonSet). One run at a time; SIGTERM or SIGINT ends it
    /// (exit 0).
    Watch(WatchArgs),
    /// Sum up saved JSON reports (one per node; .json or .json.gz, or directories of them):
    /// verdicts, failing checks by nodes hit, version spread, stale reports. Exit 0 every node
    /// OK and none stale, 1 otherwise, 2 when no report could be read.
    Summarize(SummarizeArgs),
    /// Print the shell lines (export/unset) of the environment fixes hwcheck verified by
    /// re-running the failing probe with each; unverified ones are commented out. Changes
    /// nothing itself. Exit 0 verified fixes or nothing fails, 1 failures without a verified
    /// fix, 2 error.
    Fix(FixArgs),
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
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
    /// Treat WARN as FAIL for the verdict.
    #[arg(long)]
    pub strict: bool,
    /// Skip slow probes (ONNX Runtime sessions, detection).
    #[arg(long)]
    pub quick: bool,
    /// Skip the person-detection check.
    #[arg(long)]
    pub no_detect: bool,
    /// Timed inference runs per provider for the detection check (at least 1).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Take driver and GPU facts from a recorded report instead of asking NVML (tests).
    #[arg(long, value_name = "FILE", hide = true)]
    pub nvml_facts: Option<PathBuf>,
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
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
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
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
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
    #[arg(long, value_enum, default_value_t = AnswerFormat::Table)]
    pub format: AnswerFormat,
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
    #[arg(long, value_enum, default_value_t = AnswerFormat::Table)]
    pub format: AnswerFormat,
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
    #[arg(long, value_enum, default_value_t = AnswerFormat::Table)]
    pub format: AnswerFormat,
}

/// Parses one `--providers` entry.
fn parse_provider(name: &str) -> Result<Provider, String> {
    Provider::from_short_name(name).ok_or_else(|| {
        let known: Vec<&str> = Provider::ALL.iter().map(|p| p.short_name()).collect();
        format!("unknown provider {name:?} (known: {})", known.join(", "))
    })
}

/// Turns parsed arguments into the options of one command, validating what clap cannot.
pub fn resolve(cli: Cli) -> Result<(Global, Invocation), String> {
    let g = cli.global;
    if !(g.timeout.is_finite() && (0.001..=3600.0).contains(&g.timeout)) {
        return Err(format!(
            "--timeout must be between 0.001 and 3600 seconds, got {}",
            g.timeout
        ));
    }
    let global = Global {
        tables: g.tables,
        timeout: Duration::from_secs_f64(g.timeout),
        root: g.root,
        ort: g.ort,
        reference_runtime: g.reference_runtime,
        providers: g.providers,
        width: crate::options::output_width(),
    };
    let d = cli.doctor;
    let invocation = match cli.command {
        None => Invocation::Doctor(Doctor {
            machine: match d.facts {
                Some(path) => Machine::Saved(path),
                None => Machine::Probe(ProbeDepth {
                    quick: d.quick,
                    no_detect: d.no_detect,
                    runs: d.runs,
                    nvml_facts: d.nvml_facts,
                }),
            },
            output: Output {
                format: d.format.into(),
                strict: d.strict,
            },
            output_dir: d.output_dir,
            nfd_expiry: expiry(d.nfd_expiry.as_deref(), DEFAULT_NFD_EXPIRY)?,
            requirements: d
                .require
                .iter()
                .map(|e| hwcheck_judge::require::parse(e).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
            verify: !d.no_verify,
        }),
        Some(Command::Explain(a)) => Invocation::Explain(Explain {
            text: a.text,
            machine: (!a.no_probe).then(|| {
                a.facts.map_or_else(
                    || {
                        Machine::Probe(ProbeDepth {
                            no_detect: true,
                            ..ProbeDepth::default()
                        })
                    },
                    Machine::Saved,
                )
            }),
            format: a.format.into(),
        }),
        Some(Command::Diff(a)) => Invocation::Diff(Diff {
            before: a.before,
            after: a.after,
            format: a.format.into(),
        }),
        Some(Command::Image(a)) => Invocation::Plan(Plan {
            subject: PlanSubject::Image {
                reference: a.reference,
                disable_require: disable_require(&a.env)?,
            },
            format: a.host.format.into(),
            host: plan_host(a.host),
        }),
        Some(Command::Compat(a)) => Invocation::Plan(Plan {
            subject: PlanSubject::Cuda {
                cuda: a.cuda,
                cudnn: a.cudnn,
            },
            format: a.host.format.into(),
            host: plan_host(a.host),
        }),
        Some(Command::Detect(a)) => Invocation::Detect(Detect {
            model: a.model,
            images: a.images,
            annotate: a.annotate,
            runs: a.runs,
            threads: a.threads,
            output: Output {
                format: a.format.into(),
                strict: a.strict,
            },
        }),
        Some(Command::Watch(a)) => Invocation::Watch(watch(a)?),
        Some(Command::Summarize(a)) => Invocation::Summarize(Summarize {
            inputs: a.inputs,
            max_age: a.max_age.as_deref().map(duration).transpose()?,
            examples: a.examples,
            format: a.format.into(),
        }),
        Some(Command::Fix(a)) => Invocation::Fix(Fix {
            machine: a.facts.map_or_else(
                || {
                    Machine::Probe(ProbeDepth {
                        no_detect: true,
                        runs: 1,
                        nvml_facts: a.nvml_facts,
                        ..ProbeDepth::default()
                    })
                },
                Machine::Saved,
            ),
            shell: match a.shell {
                ShellArg::Bash => Shell::Bash,
                ShellArg::Zsh => Shell::Zsh,
                ShellArg::Fish => Shell::Fish,
            },
        }),
    };
    Ok((global, invocation))
}

/// How long NFD keeps the labels of a one-off run.
const DEFAULT_NFD_EXPIRY: Duration = Duration::from_secs(24 * 3600);
/// Shortest `watch --interval`.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Parses a duration option ("10m", "1h30m").
fn duration(text: &str) -> Result<Duration, String> {
    hwcheck_model::time::parse_duration(text)
}

/// Parses `--nfd-expiry`: "0" for none, else a duration; `default` when not given.
fn expiry(text: Option<&str>, default: Duration) -> Result<Option<Duration>, String> {
    match text.map(str::trim) {
        None => Ok(Some(default)),
        Some("0") => Ok(None),
        Some(t) => duration(t).map(|d| (!d.is_zero()).then_some(d)),
    }
}

/// Resolves `hwcheck watch`.
fn watch(a: WatchArgs) -> Result<Watch, String> {
    let interval = duration(&a.interval)?;
    if interval < MIN_INTERVAL {
        return Err(format!(
            "--interval must be at least 1s, got {}",
            a.interval
        ));
    }
    if a.nfd_dir.is_none() && a.prometheus_dir.is_none() && a.report_dir.is_none() {
        return Err(
            "watch needs somewhere to write: --nfd-dir, --prometheus-dir and/or --report-dir"
                .to_string(),
        );
    }
    let run_timeout = duration(&a.run_timeout)?;
    if run_timeout < MIN_INTERVAL {
        return Err(format!(
            "--run-timeout must be at least 1s, got {}",
            a.run_timeout
        ));
    }
    let default_expiry = (interval * 3).max(Duration::from_secs(3600));
    Ok(Watch {
        interval,
        nfd_dir: a.nfd_dir,
        prometheus_dir: a.prometheus_dir,
        report_dir: a.report_dir,
        nfd_expiry: expiry(a.nfd_expiry.as_deref(), default_expiry)?,
        once: a.once,
        run_timeout,
        strict: a.strict,
        depth: ProbeDepth {
            quick: a.quick,
            no_detect: a.no_detect,
            runs: a.runs,
            nvml_facts: a.nvml_facts,
        },
    })
}

/// NVIDIA_DISABLE_REQUIRE from `--env NAME=VALUE` entries; other names are usage errors.
fn disable_require(env: &[String]) -> Result<Option<String>, String> {
    let mut value = None;
    for entry in env {
        let (name, v) = entry
            .split_once('=')
            .ok_or_else(|| format!("--env {entry:?}: expected NAME=VALUE"))?;
        if name != hwcheck_model::env_vars::NVIDIA_DISABLE_REQUIRE {
            return Err(format!(
                "--env {name}: only {} changes how an image starts; other variables do not affect the plan",
                hwcheck_model::env_vars::NVIDIA_DISABLE_REQUIRE
            ));
        }
        value = Some(v.to_string());
    }
    Ok(value)
}

/// The host of `image`/`compat`: a saved report, or a quick probe of this machine.
fn plan_host(a: PlanHostArgs) -> PlanHost {
    PlanHost {
        driver: a.driver,
        gpu: a.gpu,
        machine: a.facts.map_or_else(
            || {
                Machine::Probe(ProbeDepth {
                    quick: true,
                    ..ProbeDepth::default()
                })
            },
            Machine::Saved,
        ),
    }
}
