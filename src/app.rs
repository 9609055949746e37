//! Wires probe, judge and render for the command line, and decides the exit code.

use crate::check::{Report, Verdict};
use crate::cli::{Cli, Command, DoctorArgs};
use crate::compat::{TableError, Tables};
use crate::context::{ProbeOptions, SystemContext};
use crate::facts::{Facts, SCHEMA_VERSION};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit code: no FAIL (and no WARN under `--strict`).
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one FAIL (or WARN under `--strict`).
pub const EXIT_FAIL: u8 = 1;
/// Exit code: usage or internal error.
pub const EXIT_ERROR: u8 = 2;

/// Most bytes read from a `--facts` file.
const MAX_FACTS_BYTES: u64 = 64 << 20;

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
}

/// Runs the command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    match cli.command {
        None => run_doctor(&cli.doctor),
        Some(command) => match command {
            Command::Explain(args) => crate::explain::command::run(&args, &cli.doctor),
            Command::Diff(args) => crate::diff::run(&args.before, &args.after, &cli.doctor),
            Command::Image(args) => crate::plan::command::run_image(&args, &cli.doctor),
            Command::Compat(args) => crate::plan::command::run_compat(&args, &cli.doctor),
            Command::Detect(args) => crate::detect::command::run(&args, &cli.doctor),
        },
    }
}

/// The doctor: probe (or load facts), judge, render, exit code.
pub fn run_doctor(args: &DoctorArgs) -> Result<u8, AppError> {
    let requirements = args
        .require
        .iter()
        .map(|e| crate::require::parse(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let tables = Tables::load(args.tables.as_deref())?;
    let facts = gather(args)?;
    let mut checks = crate::judge::judge(&facts, &tables);
    let required = crate::judge::requirements::judge(&requirements, &facts, &checks);
    checks.extend(required);
    let report = Report::new(facts, checks, args.strict);
    print_report(&report, args);
    Ok(exit_code(report.verdict))
}

/// The facts of a doctor run: loaded from `--facts FILE`, or probed from this machine.
pub fn gather(args: &DoctorArgs) -> Result<Facts, AppError> {
    Ok(match &args.facts {
        Some(path) => load_facts(path)?,
        None => {
            let options = ProbeOptions {
                ort_path: args.ort.clone(),
                reference_runtime: args.reference_runtime,
                nvml_facts: args.nvml_facts.clone(),
                runs: args.runs,
                no_detect: args.no_detect,
                providers: args.providers.clone(),
            };
            let ctx = SystemContext::from_process(
                args.root.clone(),
                timeout(args.timeout)?,
                args.quick,
                options,
            );
            crate::probe::gather(&ctx)
        }
    })
}

/// Prints `report` in the format asked for, with colour only on a terminal without NO_COLOR.
pub fn print_report(report: &Report, args: &DoctorArgs) {
    let color = std::io::stdout().is_terminal()
        && std::env::var_os(crate::env_vars::NO_COLOR).is_none_or(|v| v.is_empty());
    println!("{}", crate::render::render(report, args.format, color));
}

/// Exit code of a verdict.
pub fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Ok => EXIT_OK,
        Verdict::Fail => EXIT_FAIL,
    }
}

/// Validates `--timeout`.
pub fn timeout(secs: f64) -> Result<Duration, AppError> {
    if secs.is_finite() && secs > 0.0 && secs <= 3600.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(AppError::Usage(format!(
            "--timeout must be between 0 and 3600 seconds, got {secs}"
        )))
    }
}

/// Loads a saved report (or bare facts) JSON for re-judging.
pub fn load_facts(path: &Path) -> Result<Facts, AppError> {
    let err = |message: String| AppError::Facts {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut text = String::new();
    file.take(MAX_FACTS_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| err(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    let facts_value = value.get("facts").cloned().unwrap_or(value);
    let schema = facts_value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| err("no schema_version: not an hwcheck report".to_string()))?;
    if schema > u64::from(SCHEMA_VERSION) {
        return Err(err(format!(
            "written by a newer hwcheck (schema {schema}; this hwcheck reads up to {SCHEMA_VERSION}): upgrade hwcheck to re-judge it"
        )));
    }
    serde_json::from_value(facts_value).map_err(|e| err(format!("not a valid hwcheck report: {e}")))
}
