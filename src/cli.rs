//! Command-line interface. Only this module knows clap; it turns arguments into plain options.

mod args;
mod format;
mod generate;

use crate::options::{
    Detect, Diff, Doctor, Explain, Fix, Global, Invocation, Machine, Man, Output, Plan, PlanHost,
    PlanSubject, ProbeDepth, Shell, Summarize, Watch,
};
use args::{
    CompatArgs, CompletionsArgs, DetectArgs, DiffArgs, DoctorArgs, ExplainArgs, FixArgs,
    GlobalArgs, ImageArgs, ManArgs, PlanHostArgs, ProbeArgs, ShellArg, SummarizeArgs, WatchArgs,
};
use clap::{Parser, Subcommand};
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell), e.g.
    /// `hwcheck completions bash > /etc/bash_completion.d/hwcheck`.
    Completions(CompletionsArgs),
    /// Print the man page hwcheck.1, or write it and one page per subcommand into --out DIR.
    Man(ManArgs),
}

/// Turns parsed arguments into the options of one command, validating what clap cannot.
pub fn resolve(cli: Cli) -> Result<(Global, Invocation), String> {
    let g = cli.global;
    if !(g.timeout.is_finite() && (0.001..=3600.0).contains(&g.timeout)) {
        return Err(format!(
            "--timeout must be between 0.001 and 3600 seconds (more than 0), got {}",
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
                None => Machine::Probe(depth(d.probe.clone())),
            },
            output: Output {
                format: d.format,
                strict: d.probe.strict,
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
            format: a.format,
        }),
        Some(Command::Diff(a)) => Invocation::Diff(Diff {
            before: a.before,
            after: a.after,
            format: a.format,
        }),
        Some(Command::Image(a)) => Invocation::Plan(Plan {
            subject: PlanSubject::Image {
                reference: a.reference,
                disable_require: disable_require(&a.env)?,
            },
            format: a.host.format,
            host: plan_host(a.host),
        }),
        Some(Command::Compat(a)) => Invocation::Plan(Plan {
            subject: PlanSubject::Cuda {
                cuda: a.cuda,
                cudnn: a.cudnn,
            },
            format: a.host.format,
            host: plan_host(a.host),
        }),
        Some(Command::Detect(a)) => Invocation::Detect(Detect {
            model: a.model,
            images: a.images,
            annotate: a.annotate,
            runs: a.runs,
            threads: a.threads,
            output: Output {
                format: a.format,
                strict: a.strict,
            },
        }),
        Some(Command::Watch(a)) => Invocation::Watch(watch(a)?),
        Some(Command::Summarize(a)) => Invocation::Summarize(Summarize {
            inputs: a.inputs,
            max_age: a.max_age.as_deref().map(duration).transpose()?,
            examples: a.examples,
            format: a.format,
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
        Some(Command::Completions(a)) => Invocation::Print(generate::completions(a.shell)),
        Some(Command::Man(a)) => Invocation::Man(Man {
            pages: generate::man_pages()?,
            out: a.out,
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

/// How deep `--quick`, `--no-detect`, `--runs` and `--nvml-facts` probe.
fn depth(a: ProbeArgs) -> ProbeDepth {
    ProbeDepth {
        quick: a.quick,
        no_detect: a.no_detect,
        runs: a.runs,
        nvml_facts: a.nvml_facts,
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
        strict: a.probe.strict,
        depth: depth(a.probe),
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
