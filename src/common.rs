//! What every command uses: the error type, exit codes, facts in and the report out.

use crate::options::{Global, Machine};
use crate::progress::Progress;
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

/// The facts of `machine`, and, when this machine is probed (not `--quick`) and `verify`, a
/// trial of every environment remedy the judge proposes: the failing probe re-run in a child
/// with the change (`facts.remedy_trials`; the judge then says "verified" or "did not help").
pub fn gather_verified(
    global: &Global,
    machine: &Machine,
    format: Format,
    verify: bool,
) -> Result<(Tables, Facts), AppError> {
    // The tables (a few ms of TOML) load while the machine is probed, not before.
    let (tables, facts) = std::thread::scope(|s| {
        let tables = s.spawn(|| Tables::load(global.tables.as_deref()));
        let facts = gather(global, machine, format);
        let tables = tables
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (tables, facts)
    });
    let tables = tables?;
    let mut facts = facts?;
    let Machine::Probe(depth) = machine else {
        return Ok((tables, facts));
    };
    if depth.quick {
        facts.skipped.push(SKIPPED_VERIFY_QUICK.to_string());
    } else if !verify {
        facts.skipped.push(SKIPPED_VERIFY_FLAG.to_string());
    } else {
        // Only a FAIL's fix is re-run: a WARN's remedy (a second, CPU-only ORT say) would cost
        // a healthy machine's run a second of children for nothing that decides the verdict.
        let proposed: Vec<_> = hwcheck_judge::judge(&facts, &tables)
            .into_iter()
            .filter(|c| c.status == hwcheck_model::check::Status::Fail)
            .collect();
        if proposed.iter().any(|c| c.remedy.is_some()) {
            let started = std::time::Instant::now();
            let ctx = global.context(depth);
            facts.remedy_trials = hwcheck_probe::verify::verify(&ctx, &facts, &proposed);
            facts.probe_ms.insert(
                hwcheck_model::remedy::VERIFY_MS.to_string(),
                started.elapsed().as_secs_f64() * 1000.0,
            );
        }
    }
    Ok((tables, facts))
}

/// Text made for a terminal, as Markdown: a fenced block, so that GitHub and issue trackers
/// keep its alignment and show it literally (`explain`, `diff`, `image`, `compat`).
pub fn markdown_block(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    format!("{fence}text\n{}\n{fence}", text.trim_end())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_blocks_fence_longer_than_any_backtick_run_inside() {
        assert_eq!(markdown_block("a\n"), "```text\na\n```");
        assert_eq!(
            markdown_block("run ```x``` and ````y"),
            "`````text\nrun ```x``` and ````y\n`````"
        );
    }
}
