//! Output of `hwcheck explain`: text for people, JSON for machines. Shows the family, the
//! matched phrase as written in the knowledge base (with the values found), never a regex.

use hwcheck_compat::errors::{ErrorRow, Kind};
use hwcheck_judge::explain::{MachineStatus, MAX_INPUT_BYTES};
use hwcheck_model::check::Check;
use serde_json::json;

/// Most findings the text output shows in full (JSON has them all).
const MAX_SHOWN: usize = 5;

/// One matched knowledge-base row, filled with the values found, and what this machine says.
#[derive(Clone, Debug)]
pub struct Finding<'a> {
    /// The matched row.
    pub row: &'a ErrorRow,
    /// The phrase with the values found.
    pub matched: String,
    /// The cause with the values found.
    pub cause: String,
    /// The fix with the values found.
    pub fix: String,
    /// The machine's check for it.
    pub machine: MachineStatus,
}

/// How the machine side was learned, for the header line.
#[derive(Clone, Debug)]
pub struct Context {
    /// e.g. "this machine (probed without the detector)", "facts from report.json", or "not checked".
    pub machine: String,
    /// True when the input was cut to [`MAX_INPUT_BYTES`].
    pub truncated: bool,
    /// Messages in the knowledge base (for the no-match message).
    pub table_rows: usize,
    /// The failing driver check when the machine looked at has no usable NVIDIA driver.
    pub no_driver: Option<Check>,
}

/// What not-an-environment-problem findings add.
pub const PROGRAM_NOTE: &str = "this is a problem of the program, its data or its memory use, not of this machine's setup: fix the program or its input; the installed GPU software is not the cause.";

/// The message when nothing matched.
pub fn no_match_message(ctx: &Context) -> String {
    format!(
        "unknown: this text matches none of the {} messages in hwcheck's knowledge base.\n\
         Next: run `hwcheck` on the machine that printed it for a full check, or save a report with \
         `hwcheck --format json > report.json` and run `hwcheck explain --facts report.json -` with \
         the text on standard input to judge it against that report.",
        ctx.table_rows
    )
}

/// The line about a machine without a usable driver.
fn no_driver_line(check: &Check) -> String {
    let fix = check.fix.as_deref().unwrap_or("install the NVIDIA driver");
    format!(
        "this machine has no usable NVIDIA driver ({}: {}), so no GPU program can run here. Fix: {fix}",
        check.id, check.summary
    )
}

fn truncated_note() -> String {
    format!(
        "note: input longer than {} KiB; only the first {} KiB were searched\n\n",
        MAX_INPUT_BYTES / 1024,
        MAX_INPUT_BYTES / 1024
    )
}

fn machine_line(machine: &MachineStatus) -> String {
    match machine {
        MachineStatus::NotChecked => "not checked (no probe)".to_string(),
        MachineStatus::NoCheck => "no matching check ran here".to_string(),
        MachineStatus::Check(c) => {
            let verdict = match machine.has_problem() {
                Some(true) => "YES, this machine has this problem",
                Some(false) => "no, not on this machine",
                None => "unknown (check skipped)",
            };
            format!("{verdict} — {} {}: {}", c.id, c.status.label(), c.summary)
        }
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Environment => "environment",
        Kind::Program => "program",
    }
}

/// Text output: one block per finding, best first.
pub fn text(findings: &[Finding<'_>], ctx: &Context) -> String {
    let mut out = String::new();
    if ctx.truncated {
        out.push_str(&truncated_note());
    }
    if findings.is_empty() {
        match &ctx.no_driver {
            Some(check) => out.push_str(&format!(
                "this text matches none of hwcheck's {} known messages, but {}",
                ctx.table_rows,
                no_driver_line(check)
            )),
            None => out.push_str(&no_match_message(ctx)),
        }
        return out;
    }
    out.push_str(&format!(
        "{} known message(s) matched, best first; machine: {}\n",
        findings.len(),
        ctx.machine
    ));
    if let Some(check) = &ctx.no_driver {
        out.push_str(&format!("note: {}\n", no_driver_line(check)));
    }
    for f in findings.iter().take(MAX_SHOWN) {
        out.push_str(&finding_text(f));
    }
    if findings.len() > MAX_SHOWN {
        out.push_str(&format!(
            "\n… and {} more (see --format json)\n",
            findings.len() - MAX_SHOWN
        ));
    }
    out
}

fn finding_text(f: &Finding<'_>) -> String {
    let r = f.row;
    let unconfirmed = if r.unconfirmed {
        " (unconfirmed: no primary document states this cause)"
    } else {
        ""
    };
    let mut out = format!(
        "\n[{}] {} ({} problem){unconfirmed}\n  matched: {}\n  cause:   {}\n  fix:     {}\n",
        r.family,
        r.id,
        kind_label(r.kind),
        f.matched,
        f.cause,
        f.fix
    );
    if r.kind == Kind::Program {
        out.push_str(&format!("  note:    {PROGRAM_NOTE}\n"));
    }
    let check = if r.checks.is_empty() {
        "none".to_string()
    } else {
        r.checks.join(", ")
    };
    out.push_str(&format!(
        "  check:   {check}\n  here:    {}\n  source:  {}\n",
        machine_line(&f.machine),
        r.source
    ));
    if let Some(doc) = &r.doc {
        out.push_str(&format!("  doc:     {doc}\n"));
    }
    if let MachineStatus::Check(c) = &f.machine {
        if let Some(fix) = c
            .fix
            .as_ref()
            .filter(|_| f.machine.has_problem() == Some(true))
        {
            out.push_str(&format!("  fix here: {fix}\n"));
        }
    }
    out
}

/// JSON output: `{matched, truncated, machine, no_driver, message, matches: [...]}`.
pub fn json(findings: &[Finding<'_>], ctx: &Context) -> String {
    let matches: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let r = f.row;
            let here = match &f.machine {
                MachineStatus::NotChecked => json!({"checked": false}),
                MachineStatus::NoCheck => json!({"checked": true, "check": null}),
                MachineStatus::Check(c) => json!({
                    "checked": true,
                    "has_problem": f.machine.has_problem(),
                    "check": c,
                }),
            };
            json!({
                "id": r.id,
                "family": r.family,
                "kind": r.kind,
                "phrase": r.phrase.as_str(),
                "matched": f.matched,
                "cause": f.cause,
                "fix": f.fix,
                "note": (r.kind == Kind::Program).then_some(PROGRAM_NOTE),
                "unconfirmed": r.unconfirmed,
                "checks": r.checks,
                "source": r.source,
                "doc": r.doc,
                "also": r.also,
                "this_machine": here,
            })
        })
        .collect();
    let message = match (&ctx.no_driver, findings.is_empty()) {
        (Some(check), true) => Some(no_driver_line(check)),
        (None, true) => Some(no_match_message(ctx)),
        _ => None,
    };
    let doc = json!({
        "matched": !findings.is_empty(),
        "truncated": ctx.truncated,
        "machine": ctx.machine,
        "no_driver": ctx.no_driver.as_ref().map(no_driver_line),
        "message": message,
        "knowledge_base_messages": ctx.table_rows,
        "matches": matches,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests;
