//! Resolved options: what each command runs with, as plain values. `cli` parses the command
//! line into these once; no command sees clap's types or changes its options afterwards.

use hwcheck_judge::require::Requirement;
use hwcheck_model::facts::ort::Provider;
use hwcheck_probe::context::{ProbeOptions, SystemContext};
use hwcheck_render::wrap::MIN_WIDTH;
use hwcheck_render::Format;
use std::path::PathBuf;
use std::time::Duration;

/// Settings every command shares.
#[derive(Clone, Debug)]
pub struct Global {
    /// `--tables DIR`: tables that replace the built-in ones.
    pub tables: Option<PathBuf>,
    /// `--timeout`: per-probe child timeout.
    pub timeout: Duration,
    /// `--root DIR`: the system root to probe.
    pub root: Option<PathBuf>,
    /// `--ort PATH`: the ONNX Runtime to probe first.
    pub ort: Option<PathBuf>,
    /// `--reference-runtime`: also probe the pinned reference runtime.
    pub reference_runtime: bool,
    /// `--providers`: the only providers to probe besides the CPU.
    pub providers: Vec<Provider>,
    /// Columns text output wraps to ([`output_width`]); `None`: no wrapping.
    pub width: Option<usize>,
}

/// The width text output wraps to, resolved once: `COLUMNS` when set (at least
/// [`MIN_WIDTH`]), else the terminal's width when standard output is one (at least
/// [`MIN_WIDTH`]), else `None`: output piped to a file is not wrapped.
pub fn output_width() -> Option<usize> {
    use std::io::IsTerminal;
    let columns = std::env::var(hwcheck_model::env_vars::COLUMNS).ok();
    let stdout = std::io::stdout();
    let terminal = stdout
        .is_terminal()
        .then(|| terminal_size::terminal_size_of(&stdout))
        .flatten()
        .map(|(terminal_size::Width(w), _)| usize::from(w));
    width_from(columns.as_deref(), terminal)
}

/// [`output_width`] from its inputs: `COLUMNS`' value and the terminal's width.
fn width_from(columns: Option<&str>, terminal: Option<usize>) -> Option<usize> {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal)
        .map(|w| w.max(MIN_WIDTH))
}

/// How much of the machine a command probes.
#[derive(Clone, Debug, Default)]
pub struct ProbeDepth {
    /// Leave out cuInit, ONNX Runtime sessions and detection.
    pub quick: bool,
    /// Leave out the person detector.
    pub no_detect: bool,
    /// Timed detection runs per provider.
    pub runs: u32,
    /// Driver and GPU facts from a recorded report instead of NVML.
    pub nvml_facts: Option<PathBuf>,
}

/// Where a command's facts come from.
#[derive(Clone, Debug)]
pub enum Machine {
    /// A saved report (`--facts FILE`).
    Saved(PathBuf),
    /// This machine (or `--root`), probed this deep.
    Probe(ProbeDepth),
}

impl Global {
    /// The probing context for `depth`: the one place probe options are built.
    pub fn context(&self, depth: &ProbeDepth) -> SystemContext {
        SystemContext::from_process(
            self.root.clone(),
            self.timeout,
            depth.quick,
            ProbeOptions {
                ort_path: self.ort.clone(),
                reference_runtime: self.reference_runtime,
                nvml_facts: depth.nvml_facts.clone(),
                runs: depth.runs,
                no_detect: depth.no_detect,
                providers: self.providers.clone(),
                own_executable: match self.root {
                    None => std::env::current_exe().ok(),
                    Some(_) => None,
                },
            },
        )
    }
}

/// How a report is printed and turned into an exit code.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    /// The format.
    pub format: Format,
    /// WARN counts as FAIL for the exit code.
    pub strict: bool,
}

/// The doctor run.
#[derive(Clone, Debug)]
pub struct Doctor {
    /// Where the facts come from.
    pub machine: Machine,
    /// Printing.
    pub output: Output,
    /// `--output-dir`: write the output there (atomically) instead of printing it.
    pub output_dir: Option<PathBuf>,
    /// `--nfd-expiry`: how long NFD keeps the labels; `None`: no expiry directive.
    pub nfd_expiry: Option<Duration>,
    /// `--require` gates, parsed.
    pub requirements: Vec<Requirement>,
    /// Re-run failing probes with each proposed environment remedy (off with `--no-verify`).
    pub verify: bool,
}

/// The shell `hwcheck fix` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    /// bash (`export`, `unset`).
    Bash,
    /// zsh (as bash).
    Zsh,
    /// fish (`set -gx`, `set -e`).
    Fish,
}

/// `hwcheck fix`.
#[derive(Clone, Debug)]
pub struct Fix {
    /// Where the facts come from (this machine is probed and its remedies verified).
    pub machine: Machine,
    /// The shell to write lines for.
    pub shell: Shell,
}

/// `hwcheck explain`.
#[derive(Clone, Debug)]
pub struct Explain {
    /// The text, or `-` for standard input.
    pub text: String,
    /// Where to look for the problem: `None` with `--no-probe`.
    pub machine: Option<Machine>,
    /// Table or JSON.
    pub format: Format,
}

/// `hwcheck diff`.
#[derive(Clone, Debug)]
pub struct Diff {
    /// The first report.
    pub before: PathBuf,
    /// The second report.
    pub after: PathBuf,
    /// Table or JSON.
    pub format: Format,
}

/// The host `image` and `compat` judge against.
#[derive(Clone, Debug)]
pub struct PlanHost {
    /// A planned driver version.
    pub driver: Option<String>,
    /// A planned GPU name.
    pub gpu: Option<String>,
    /// Facts of this host: a saved report, or a quick probe.
    pub machine: Machine,
}

/// What `image` or `compat` judges.
#[derive(Clone, Debug)]
pub enum PlanSubject {
    /// `hwcheck image REF [--env NVIDIA_DISABLE_REQUIRE=V]`.
    Image {
        /// The image reference.
        reference: String,
        /// NVIDIA_DISABLE_REQUIRE the container is started with.
        disable_require: Option<String>,
    },
    /// `hwcheck compat --cuda V [--cudnn N]`.
    Cuda {
        /// CUDA runtime version.
        cuda: String,
        /// cuDNN major.
        cudnn: Option<u32>,
    },
}

/// `hwcheck image` and `hwcheck compat`.
#[derive(Clone, Debug)]
pub struct Plan {
    /// What is judged.
    pub subject: PlanSubject,
    /// On which host.
    pub host: PlanHost,
    /// Table or JSON.
    pub format: Format,
}

/// `hwcheck detect`.
#[derive(Clone, Debug)]
pub struct Detect {
    /// A detector of the user's; `None`: the bundled one.
    pub model: Option<PathBuf>,
    /// Pictures of the user's; empty: the bundled ones.
    pub images: Vec<PathBuf>,
    /// Where annotated pictures go.
    pub annotate: Option<PathBuf>,
    /// Timed runs per provider.
    pub runs: u32,
    /// ONNX Runtime intra-op threads.
    pub threads: Option<usize>,
    /// Printing.
    pub output: Output,
}

/// `hwcheck watch`.
#[derive(Clone, Debug)]
pub struct Watch {
    /// From the start of one run to the start of the next.
    pub interval: Duration,
    /// Where the NFD feature file goes.
    pub nfd_dir: Option<PathBuf>,
    /// Where the Prometheus textfile goes.
    pub prometheus_dir: Option<PathBuf>,
    /// Where the JSON report goes.
    pub report_dir: Option<PathBuf>,
    /// How long NFD keeps the labels; `None`: no expiry directive.
    pub nfd_expiry: Option<Duration>,
    /// One run, then exit.
    pub once: bool,
    /// A run still going after this long is killed.
    pub run_timeout: Duration,
    /// WARN counts as FAIL for the verdict.
    pub strict: bool,
    /// How deep each run probes.
    pub depth: ProbeDepth,
}

/// `hwcheck summarize`.
#[derive(Clone, Debug)]
pub struct Summarize {
    /// Report files and directories of them.
    pub inputs: Vec<PathBuf>,
    /// Reports older than this are stale.
    pub max_age: Option<Duration>,
    /// Example nodes per failing check.
    pub examples: usize,
    /// Table, JSON or Markdown.
    pub format: Format,
}

/// `hwcheck man`: the pages, generated from the command line's definition.
#[derive(Clone, Debug)]
pub struct Man {
    /// (file name, roff text), `hwcheck.1` first.
    pub pages: Vec<(String, Vec<u8>)>,
    /// `--out DIR`: write every page there; `None`: print `hwcheck.1`.
    pub out: Option<PathBuf>,
}

/// One resolved invocation.
#[derive(Clone, Debug)]
pub enum Invocation {
    /// The doctor.
    Doctor(Doctor),
    /// `explain`.
    Explain(Explain),
    /// `diff`.
    Diff(Diff),
    /// `image` or `compat`.
    Plan(Plan),
    /// `detect`.
    Detect(Detect),
    /// `watch`.
    Watch(Watch),
    /// `summarize`.
    Summarize(Summarize),
    /// `fix`.
    Fix(Fix),
    /// Text generated from the command line's definition (`completions`), printed as is.
    Print(String),
    /// `man`.
    Man(Man),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_then_the_terminal_and_never_below_80() {
        assert_eq!(width_from(Some("100"), Some(200)), Some(100));
        assert_eq!(width_from(Some("40"), None), Some(80));
        assert_eq!(width_from(None, Some(132)), Some(132));
        assert_eq!(width_from(None, Some(20)), Some(80));
        assert_eq!(width_from(Some("wide"), Some(90)), Some(90));
        assert_eq!(width_from(Some("0"), None), None);
        assert_eq!(width_from(None, None), None);
    }
}
