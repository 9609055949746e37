//! Output of `hwcheck explain`: text for people, JSON for machines.

use hwcheck_compat::errors::ErrorRow;
use hwcheck_judge::explain::MachineStatus;
use serde_json::json;

/// One matched table row and what this machine says about it.
#[derive(Clone, Debug)]
pub struct Finding<'a> {
    /// The matched row.
    pub row: &'a ErrorRow,
    /// The machine's check for it.
    pub machine: MachineStatus,
}

/// How the machine side was learned, for the header line.
#[derive(Clone, Debug)]
pub struct Context {
    /// e.g. "this machine (probed without the detector)", "facts from report.json", or "not checked".
    pub machine: String,
    /// True when the input was cut to the first MiB.
    pub truncated: bool,
    /// Rows in the table (for the no-match message).
    pub table_rows: usize,
}

/// The message when nothing matched.
pub fn no_match_message(ctx: &Context) -> String {
    format!(
        "no known cause: this text matches none of hwcheck's {} known error messages.\n\
         Run `hwcheck` (or `hwcheck --format markdown` for a support ticket) to check the whole machine.",
        ctx.table_rows
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

/// Text output: one block per finding.
pub fn text(findings: &[Finding<'_>], ctx: &Context) -> String {
    let mut out = String::new();
    if ctx.truncated {
        out.push_str("note: input longer than 1 MiB; only the first MiB was searched\n\n");
    }
    if findings.is_empty() {
        out.push_str(&no_match_message(ctx));
        return out;
    }
    out.push_str(&format!(
        "{} known error(s) matched; machine: {}\n",
        findings.len(),
        ctx.machine
    ));
    for f in findings {
        let r = f.row;
        out.push_str(&format!(
            "\n[{}] {}\n  matched: {}\n  cause:   {}\n  fix:     {}\n  check:   {}\n  here:    {}\n  source:  {}\n",
            r.family,
            r.id,
            r.matcher.as_str(),
            r.cause,
            r.fix,
            r.check,
            machine_line(&f.machine),
            r.source
        ));
        if let MachineStatus::Check(c) = &f.machine {
            if let Some(fix) = c
                .fix
                .as_ref()
                .filter(|_| f.machine.has_problem() == Some(true))
            {
                out.push_str(&format!("  fix here: {fix}\n"));
            }
        }
    }
    out
}

/// JSON output: `{matched, truncated, machine, matches: [...]}`.
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
                "pattern": r.matcher.as_str(),
                "cause": r.cause,
                "fix": r.fix,
                "check": r.check,
                "source": r.source,
                "this_machine": here,
            })
        })
        .collect();
    let doc = json!({
        "matched": !findings.is_empty(),
        "truncated": ctx.truncated,
        "machine": ctx.machine,
        "message": if findings.is_empty() { Some(no_match_message(ctx)) } else { None },
        "matches": matches,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_compat::errors::ErrorTable;
    use hwcheck_model::check::{Check, CheckKind};

    fn ctx() -> Context {
        Context {
            machine: "facts from r.json".into(),
            truncated: false,
            table_rows: 30,
        }
    }

    #[test]
    fn text_names_cause_fix_check_source_and_machine() {
        let table = ErrorTable::load(None).unwrap();
        let rows = hwcheck_judge::explain::explain("Driver/library version mismatch", &table);
        let check = Check::fail(
            CheckKind::DriverKernelModuleMatches,
            "module 550.90.07, library 550.107.02",
        )
        .with_fix("reboot");
        let findings: Vec<Finding> = rows
            .iter()
            .map(|row| Finding {
                row,
                machine: MachineStatus::Check(check.clone()),
            })
            .collect();
        let out = text(&findings, &ctx());
        assert!(out.contains("nvml-driver-library-mismatch"));
        assert!(
            out.contains("cause:") && out.contains("fix:") && out.contains("source:  https://")
        );
        assert!(out.contains("YES, this machine has this problem"));
        assert!(out.contains("fix here: reboot"));
        let doc: serde_json::Value = serde_json::from_str(&json(&findings, &ctx())).unwrap();
        assert_eq!(doc["matched"], true);
        assert_eq!(doc["matches"][0]["this_machine"]["has_problem"], true);
    }

    #[test]
    fn no_match_says_so() {
        assert!(text(&[], &ctx()).contains("no known cause"));
        let doc: serde_json::Value = serde_json::from_str(&json(&[], &ctx())).unwrap();
        assert_eq!(doc["matched"], false);
    }
}
