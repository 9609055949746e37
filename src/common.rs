//! What every command uses: the error type, exit codes, facts in and the report out.

use crate::options::{Global, Machine};
use hwcheck_compat::{TableError, Tables};
use hwcheck_model::check::{Report, Verdict};
use hwcheck_model::facts::remedy::{SKIPPED_VERIFY_FLAG, SKIPPED_VERIFY_QUICK};
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

/// The facts of `machine`: loaded from a saved report, or probed.
pub fn gather(global: &Global, machine: &Machine) -> Result<Facts, AppError> {
    Ok(match machine {
        Machine::Saved(path) => load_facts(path)?,
        Machine::Probe(depth) => hwcheck_probe::gather(&global.context(depth)),
    })
}

/// The facts of `machine`, and, when this machine is probed (not `--quick`) and `verify`, a
/// trial of every environment remedy the judge proposes: the failing probe re-run in a child
/// with the change (`facts.remedy_trials`; the judge then says "verified" or "did not help").
pub fn gather_verified(
    global: &Global,
    machine: &Machine,
    verify: bool,
    tables: &Tables,
) -> Result<Facts, AppError> {
    let mut facts = gather(global, machine)?;
    let Machine::Probe(depth) = machine else {
        return Ok(facts);
    };
    if depth.quick {
        facts.skipped.push(SKIPPED_VERIFY_QUICK.to_string());
    } else if !verify {
        facts.skipped.push(SKIPPED_VERIFY_FLAG.to_string());
    } else {
        let proposed = hwcheck_judge::judge(&facts, tables);
        if proposed.iter().any(|c| c.remedy.is_some()) {
            let started = std::time::Instant::now();
            let ctx = global.context(depth);
            facts.remedy_trials = hwcheck_probe::verify::verify(&ctx, &facts, &proposed);
            facts.probe_ms.insert(
                "remedy_verification".to_string(),
                started.elapsed().as_secs_f64() * 1000.0,
            );
        }
    }
    Ok(facts)
}

/// Prints `report` in `format` wrapped to `width`, with colour only on a terminal without
/// NO_COLOR.
pub fn print_report(report: &Report, format: Format, width: Option<usize>) {
    println!("{}", hwcheck_render::render(report, format, color(), width));
}

/// Colour: only on a terminal, and not under NO_COLOR.
pub fn color() -> bool {
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
