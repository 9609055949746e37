//! Wires probe, judge and render for the command line, and decides the exit code.

use crate::commands::outputs;
use crate::options::{Doctor, Global, Invocation, Machine};
use crate::progress::Progress;
use hwcheck_compat::{TableError, Tables};
use hwcheck_model::check::{Report, Verdict};
use hwcheck_model::facts::Facts;
use hwcheck_render::Format;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit code: no FAIL (and no WARN under `--strict`).
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one FAIL (or WARN under `--strict`).
pub const EXIT_FAIL: u8 = 1;
/// Exit code: usage or internal error.
pub const EXIT_ERROR: u8 = 2;

/// Errors that stop hwcheck before it can give a verdict (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A compat table could not be loaded.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The facts file could not be used.
    #[error("cannot use facts file {path}: {message}")]
    Facts {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A bad argument value.
    #[error("{0}")]
    Usage(String),
    /// An output file could not be written.
    #[error("{0}")]
    Write(String),
}

/// Runs one resolved invocation and returns the exit code.
pub fn run(global: &Global, invocation: Invocation) -> Result<u8, AppError> {
    match invocation {
        Invocation::Doctor(options) => run_doctor(global, &options),
        Invocation::Explain(options) => crate::commands::explain::run(global, &options),
        Invocation::Diff(options) => crate::commands::diff::run(global, &options),
        Invocation::Plan(options) => crate::commands::plan::run(global, &options),
        Invocation::Detect(options) => crate::commands::detect::run(global, &options),
        Invocation::Watch(options) => crate::commands::watch::run(global, &options),
        Invocation::Summarize(options) => crate::commands::summarize::run(&options),
        Invocation::Print(text) => {
            print!("{text}");
            Ok(EXIT_OK)
        }
        Invocation::Man(options) => crate::commands::man::run(&options),
    }
}

/// The doctor: probe (or load facts), judge, render, exit code.
pub fn run_doctor(global: &Global, options: &Doctor) -> Result<u8, AppError> {
    let tables = Tables::load(global.tables.as_deref())?;
    let facts = gather(global, &options.machine, options.output.format)?;
    let mut checks = hwcheck_judge::judge(&facts, &tables);
    let required = hwcheck_judge::requirements::judge(&options.requirements, &facts, &checks);
    checks.extend(required);
    let mut report = Report::new(facts, checks, options.output.strict);
    outputs::stamp(&mut report, std::time::SystemTime::now());
    let format = options.output.format;
    match &options.output_dir {
        Some(dir) => {
            let name = outputs::file_name(format).ok_or_else(|| {
                AppError::Usage("--output-dir writes --format nfd, prometheus or json".into())
            })?;
            let text = outputs::render(&report, format, options.nfd_expiry, false);
            let path = outputs::write_atomically(dir, name, &text).map_err(AppError::Write)?;
            eprintln!("hwcheck: wrote {}", path.display());
        }
        None => println!(
            "{}",
            outputs::render(&report, format, options.nfd_expiry, color()).trim_end()
        ),
    }
    Ok(exit_code(report.verdict))
}

/// The facts of `machine`: loaded from a saved report, or probed (with progress on a terminal
/// when the output, in `format`, is for people).
pub fn gather(global: &Global, machine: &Machine, format: Format) -> Result<Facts, AppError> {
    Ok(match machine {
        Machine::Saved(path) => load_facts(path)?,
        Machine::Probe(depth) => {
            let progress = Progress::start(format);
            let facts = hwcheck_probe::gather_observed(&global.context(depth), &progress);
            progress.finish();
            facts
        }
    })
}

/// Prints `report` in `format`, with colour only on a terminal without NO_COLOR.
pub fn print_report(report: &Report, format: Format) {
    println!("{}", hwcheck_render::render(report, format, color()));
}

/// Colour: only on a terminal, and not under NO_COLOR.
fn color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os(hwcheck_model::env_vars::NO_COLOR).is_none_or(|v| v.is_empty())
}

/// Exit code of a verdict.
pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Ok => EXIT_OK,
        Verdict::Fail => EXIT_FAIL,
    }
}

/// Loads a saved report (or bare facts) JSON for re-judging.
pub fn load_facts(path: &Path) -> Result<Facts, AppError> {
    hwcheck_model::facts::load::load_report(path).map_err(|message| AppError::Facts {
        path: path.to_path_buf(),
        message,
    })
}
