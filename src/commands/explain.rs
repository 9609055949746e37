//! The `hwcheck explain` command: read the text, match it, look at the machine, print.

use super::explain_render::{self as render, Context, Finding};
use crate::common::{AppError, EXIT_FAIL, EXIT_OK};
use crate::options::{Explain, Global, Machine};
use hwcheck_compat::errors::ErrorTable;
use hwcheck_compat::Tables;
use hwcheck_judge::explain::{
    bound, explain, machine_status, no_driver, MachineStatus, MAX_INPUT_BYTES,
};
use hwcheck_model::check::Check;
use hwcheck_render::Format;
use std::io::Read;

/// Runs `hwcheck explain`: exit 0 when a known cause matched (or the machine shows one: no
/// driver), 1 when none did.
pub fn run(global: &Global, args: &Explain) -> Result<u8, AppError> {
    let input = read_text(&args.text)?;
    if input.trim().is_empty() {
        return Err(AppError::Usage(
            "explain needs the error text: hwcheck explain \"<error message>\" (or - to read standard input)"
                .to_string(),
        ));
    }
    let bounded = bound(&input);
    let tables = Tables::load(global.tables.as_deref())?;
    let errors = ErrorTable::load(global.tables.as_deref())?;
    let matches = explain(bounded.text, &errors);
    let (machine, checks) = match &args.machine {
        Some(machine) => machine_checks(global, machine, &tables)?,
        None => ("not checked".to_string(), None),
    };
    let findings: Vec<Finding> = matches
        .into_iter()
        .map(|m| Finding {
            machine: checks.as_deref().map_or(MachineStatus::NotChecked, |c| {
                machine_status(&m.row.checks, c)
            }),
            cause: m.cause(&tables.arch),
            fix: m.fix(&tables.arch),
            matched: m.matched(),
            row: m.row,
        })
        .collect();
    let no_driver = checks.as_deref().and_then(no_driver).cloned();
    let ctx = Context {
        machine,
        truncated: bounded.truncated,
        table_rows: errors.rows.len(),
        no_driver,
    };
    let out = match args.format {
        Format::Json => render::json(&findings, &ctx),
        _ => hwcheck_render::wrap::block(&render::text(&findings, &ctx), global.width),
    };
    println!("{out}");
    Ok(if findings.is_empty() && ctx.no_driver.is_none() {
        EXIT_FAIL
    } else {
        EXIT_OK
    })
}

/// The text argument, or at most [`MAX_INPUT_BYTES`] (+1, to notice truncation) of stdin.
fn read_text(text: &str) -> Result<String, AppError> {
    if text != "-" {
        return Ok(text.to_string());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::Usage(format!("cannot read standard input: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// This machine's checks or those of `--facts FILE`, judged with `tables`. The probe leaves out
/// only the person detector: `cuInit` and the provider sessions are what most known errors are
/// about.
fn machine_checks(
    global: &Global,
    machine: &Machine,
    tables: &Tables,
) -> Result<(String, Option<Vec<Check>>), AppError> {
    let label = match machine {
        Machine::Saved(path) => format!("facts from {}", path.display()),
        Machine::Probe(_) => "this machine (probed without the detector)".to_string(),
    };
    let facts = crate::common::gather(global, machine)?;
    Ok((label, Some(hwcheck_judge::judge(&facts, tables))))
}
