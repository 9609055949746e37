//! Markdown for a support ticket: verdict, a table of checks, the fixes, and the full JSON
//! report in a collapsed block so support staff can re-judge it with `hwcheck --facts`.

use hwcheck_model::check::{Report, Status};

/// Renders the report as GitHub-flavoured Markdown (no trailing newline).
pub fn render(report: &Report) -> String {
    let mut out = vec![
        "## hwcheck report".to_string(),
        String::new(),
        format!(
            "**Verdict: {}** — {}",
            super::verdict_label(report.verdict),
            super::counts_text(report)
        ),
        String::new(),
        format!(
            "hwcheck {} · {}",
            escape(&report.hwcheck_version),
            escape(&report.machine)
        ),
        String::new(),
    ];
    out.extend(checks_table(report));
    let info = super::info_lines(report);
    if !info.is_empty() {
        out.extend(info.iter().map(|line| format!("- {}", escape(line))));
        out.push(String::new());
    }
    out.extend(fixes(report));
    out.extend(details(report));
    out.join("\n")
}

fn checks_table(report: &Report) -> Vec<String> {
    if report.checks.is_empty() {
        return vec!["No checks ran.".to_string(), String::new()];
    }
    let mut lines = vec![
        "| Status | Area | Check | Finding |".to_string(),
        "|---|---|---|---|".to_string(),
    ];
    lines.extend(report.checks.iter().map(|c| {
        format!(
            "| {} | {} | {} | {} |",
            c.status.label(),
            c.area.label(),
            code_span(&c.key()).replace('|', "\\|"),
            escape(&c.summary)
        )
    }));
    lines.push(String::new());
    lines
}

/// A "Fixes" section: every FAIL and WARN with its fix, evidence and sources.
fn fixes(report: &Report) -> Vec<String> {
    let problems: Vec<_> = report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
        .collect();
    if problems.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["### Fixes".to_string(), String::new()];
    for check in problems {
        let fix = check
            .fix
            .as_deref()
            .map_or("(no fix given)".to_string(), escape);
        lines.push(format!(
            "- **{}** {}: {fix}",
            check.status.label(),
            code_span(&check.key())
        ));
        lines.extend(
            check
                .evidence
                .iter()
                .map(|e| format!("  - evidence: {}", code_span(e))),
        );
        lines.extend(
            check
                .sources
                .iter()
                .map(|url| format!("  - source: <{}>", url.replace(['<', '>', ' '], ""))),
        );
    }
    lines.push(String::new());
    lines
}

/// The full JSON report in a collapsed block, fenced so no string inside can close the fence.
fn details(report: &Report) -> Vec<String> {
    let json = super::json::render(report);
    let fence = "`".repeat(longest_backtick_run(&json).max(2) + 1);
    vec![
        "<details>".to_string(),
        "<summary>Full JSON report (save as report.json, re-judge with <code>hwcheck --facts report.json</code>)</summary>".to_string(),
        String::new(),
        format!("{fence}json"),
        json,
        fence,
        String::new(),
        "</details>".to_string(),
    ]
}

/// Escapes text for a Markdown table cell or list item: punctuation that Markdown or HTML would
/// act on gets a backslash, and line breaks become `<br>`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            '\r' => {}
            '\n' => out.push_str("<br>"),
            _ => out.push(ch),
        }
    }
    out
}

/// `text` as an inline code span, on one line, delimited so backticks inside cannot end it.
pub fn code_span(text: &str) -> String {
    let flat = text.replace(['\r', '\n'], " ");
    let ticks = "`".repeat(longest_backtick_run(&flat) + 1);
    // A space on each side keeps a leading or trailing backtick from joining the delimiter.
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{flat}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn has_heading_verdict_and_a_row_per_check() {
        let out = render(&fixtures::report());
        assert!(out.starts_with("## hwcheck report\n"));
        assert!(out.contains("**Verdict: FAIL** — 1 fail, 1 warn, 1 pass, 1 skip"));
        assert!(out.contains("| Status | Area | Check | Finding |\n|---|---|---|---|\n"));
        let rows = out.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(rows, 1 + fixtures::report().checks.len());
    }

    #[test]
    fn pipes_in_cells_are_escaped_so_rows_keep_four_columns() {
        let out = render(&fixtures::report());
        let row = out
            .lines()
            .find(|l| l.contains("| `cuda.runtime.driver_sufficient` |"))
            .unwrap();
        assert!(
            row.ends_with("needs driver \\>= 580 \\| found 550.54.15 |"),
            "{row}"
        );
        let unescaped = row.replace("\\|", "");
        assert_eq!(unescaped.matches('|').count(), 5, "{row}");
    }

    #[test]
    fn escape_handles_markdown_and_line_breaks() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<none>"), "\\<none\\>");
        assert_eq!(escape("one\ntwo"), "one<br>two");
        assert_eq!(escape("libcudnn_*.so"), "libcudnn\\_\\*.so");
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("a.b"), "`a.b`");
        assert_eq!(code_span("x ` y"), "``x ` y``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
    }

    #[test]
    fn fixes_list_only_failures_and_warnings() {
        let out = render(&fixtures::report());
        let fixes = out.split("### Fixes").nth(1).unwrap();
        let fixes = fixes.split("<details>").next().unwrap();
        assert!(fixes.contains("- **FAIL** `cuda.runtime.driver_sufficient`: Install driver 580"));
        assert!(fixes.contains("- **WARN** `gpu.health`: Run \\`nvidia-smi -pm 1\\` as root."));
        assert!(fixes.contains("  - evidence: `driver 550.54.15 from NVML`"));
        assert!(fixes.contains("  - source: <https://docs.nvidia.com/cuda/"));
        assert!(!fixes.contains("driver.nvml"));
    }

    #[test]
    fn details_hold_the_full_json_report_that_parses_back() {
        let mut report = fixtures::report();
        report.checks[0].summary = "has ``` a fence".to_string();
        let out = render(&report);
        let block = out.split("<details>").nth(1).unwrap();
        assert!(block.contains("hwcheck --facts report.json"));
        let start = block.find("````json\n").unwrap() + "````json\n".len();
        let end = block[start..].find("\n````").unwrap() + start;
        let back: Report = serde_json::from_str(&block[start..end]).unwrap();
        assert_eq!(back.checks, report.checks);
        assert!(out.ends_with("</details>"));
    }

    #[test]
    fn no_escape_codes() {
        assert!(!render(&fixtures::report()).contains('\u{1b}'));
    }
}
