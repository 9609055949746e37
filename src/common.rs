//! What every command uses: the error type, exit codes, facts in and the report out.

use crate::options::{Global, Machine};
use hwcheck_compat::TableError;
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

/// The facts of `machine`: loaded from a saved report, or probed.
pub fn gather(global: &Global, machine: &Machine) -> Result<Facts, AppError> {
    Ok(match machine {
        Machine::Saved(path) => load_facts(path)?,
        Machine::Probe(depth) => hwcheck_probe::gather(&global.context(depth)),
    })
}

/// Prints `report` in `format`, with colour only on a terminal without NO_COLOR.
pub fn print_report(report: &Report, format: Format) {
    println!("{}", hwcheck_render::render(report, format, color()));
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
