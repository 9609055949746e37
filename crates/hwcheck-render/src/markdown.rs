//! Markdown for a support ticket: verdict, one section per root cause (what is wrong, the
//! evidence, the fix, what it leads to), a table of the other checks, and the full JSON report
//! in a collapsed block so support staff can re-judge it with `hwcheck --facts`.

use crate::clean::clean_error;
use crate::layout::{layout, RootCause};
use hwcheck_model::check::{Check, Report};

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
    if report.checks.is_empty() {
        out.extend(["No checks ran.".to_string(), String::new()]);
    } else {
        let layout = layout(&report.checks);
        out.extend(root_causes(&layout.roots));
        if !layout.rest.is_empty() && !layout.roots.is_empty() {
            out.extend(["### Other checks".to_string(), String::new()]);
        }
        out.extend(checks_table(&layout.rest));
    }
    out.extend(details(report));
    out.join("\n")
}

fn checks_table(checks: &[&Check]) -> Vec<String> {
    if checks.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        "| Status | Area | Check | Finding |".to_string(),
        "|---|---|---|---|".to_string(),
    ];
    lines.extend(checks.iter().map(|c| {
        format!(
            "| {} | {} | {} | {} |",
            c.status.label(),
            c.area.label(),
            table_cell(&code_span(&c.key())),
            escape(&clean_error(&c.summary))
        )
    }));
    lines.push(String::new());
    lines
}

/// A "Root causes" section: each FAIL or WARN no other explains, with its evidence, fix,
/// remedy, sources and the checks it leads to.
fn root_causes(roots: &[RootCause<'_>]) -> Vec<String> {
    if roots.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["### Root causes".to_string(), String::new()];
    for root in roots {
        let check = root.check;
        lines.push(format!(
            "#### {} {}",
            check.status.label(),
            code_span(&check.key())
        ));
        lines.push(String::new());
        lines.push(escape(&clean_error(&check.summary)));
        lines.push(String::new());
        let fix = check
            .fix
            .as_deref()
            .map_or("(no fix given)".to_string(), prose);
        lines.push(format!("- **fix:** {fix}"));
        if let Some(remedy) = &check.remedy {
            let outcome = remedy
                .outcome
                .as_deref()
                .map_or(String::new(), |o| format!(" ({})", escape(o)));
            lines.push(format!(
                "- change: {}{outcome}",
                remedy.describe_quoted(code_span)
            ));
        }
        lines.extend(
            check
                .evidence
                .iter()
                .map(|e| format!("- evidence: {}", code_span(&clean_error(e)))),
        );
        lines.extend(
            check
                .sources
                .iter()
                .map(|url| format!("- source: <{}>", url.replace(['<', '>', ' '], ""))),
        );
        if !root.consequences.is_empty() {
            lines.push("- leads to:".to_string());
            lines.extend(root.consequences.iter().map(|c| {
                format!(
                    "  - {} {} — {}",
                    code_span(&c.key()),
                    c.status.label(),
                    escape(&crate::table::consequence_summary(c))
                )
            }));
        }
        lines.push(String::new());
    }
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

/// Escapes prose that may hold code spans (a fix: "Run `nvidia-smi -pm 1` as root."): spans
/// with a matching closing run of backticks are kept as they are, so they render as code;
/// paths and variable names get code spans; everything else is escaped as by [`escape`].
pub fn prose(text: &str) -> String {
    let flat = text.replace(['\r', '\n'], " ");
    let mut out = String::with_capacity(flat.len());
    let mut rest = flat.as_str();
    while let Some(open) = rest.find('`') {
        let run = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let ticks = &rest[open..open + run];
        let body = &rest[open + run..];
        match closing_run(body, run) {
            Some(close) => {
                out.push_str(&codify(&rest[..open]));
                out.push_str(ticks);
                out.push_str(&body[..close]);
                out.push_str(ticks);
                rest = &body[close + run..];
            }
            None => {
                out.push_str(&codify(&rest[..open]));
                out.push_str(&escape(ticks));
                rest = body;
            }
        }
    }
    out.push_str(&codify(rest));
    out
}

/// Escapes prose, putting words that are commands' operands in code spans: absolute paths
/// (`/usr/local/cuda/compat`) and variable names (`LD_LIBRARY_PATH`), without the
/// punctuation around them.
fn codify(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let core = word.trim_start_matches(['(', '"', '\'']);
            let lead = &word[..word.len() - core.len()];
            let core = core.trim_end_matches([')', ',', '.', ';', ':', '"', '\'']);
            let tail = &word[lead.len() + core.len()..];
            if is_operand(core) {
                format!("{}{}{}", escape(lead), code_span(core), escape(tail))
            } else {
                escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An absolute path, or a variable name such as `LD_LIBRARY_PATH` (capitals, digits and at
/// least one underscore).
fn is_operand(word: &str) -> bool {
    let path = word.len() > 1 && word.starts_with('/') && !word.contains('`');
    let variable = word.contains('_')
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    path || variable
}

/// Where in `text` a run of exactly `run` backticks starts, if any.
fn closing_run(text: &str, run: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if len == run {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// Markdown for a table cell: a `|` anywhere (code spans included) is escaped, as GitHub's
/// table syntax requires.
pub fn table_cell(markdown: &str) -> String {
    markdown.replace('|', "\\|")
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
        // Every check is a root cause or a table row (the fixture has no consequences).
        let rows = out.lines().filter(|l| l.starts_with("| ")).count();
        let roots = out.lines().filter(|l| l.starts_with("#### ")).count();
        assert_eq!(rows - 1 + roots, fixtures::report().checks.len());
        assert_eq!(roots, 2, "{out}");
    }

    #[test]
    fn pipes_in_cells_are_escaped_so_rows_keep_four_columns() {
        // A PASS, so that it is a table row rather than a root cause.
        let mut report = fixtures::report();
        report.checks[0].status = hwcheck_model::check::Status::Pass;
        let out = render(&report);
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
    fn root_causes_list_only_failures_and_warnings_with_fixes_that_render() {
        let out = render(&fixtures::report());
        let roots = out.split("### Root causes").nth(1).unwrap();
        let roots = roots.split("| Status |").next().unwrap();
        assert!(roots.contains("#### FAIL `cuda.runtime.driver_sufficient`\n"));
        assert!(roots.contains("- **fix:** Install driver 580"));
        // The fix's code span is kept, so GitHub renders it as code.
        assert!(
            roots.contains("- **fix:** Run `nvidia-smi -pm 1` as root."),
            "{roots}"
        );
        assert!(roots.contains("- evidence: `driver 550.54.15 from NVML`"));
        assert!(roots.contains("- source: <https://docs.nvidia.com/cuda/"));
        assert!(!roots.contains("driver.nvml"));
        assert!(out.contains("### Other checks\n\n| Status |"), "{out}");
    }

    #[test]
    fn consequences_fold_under_their_root_cause_and_errors_are_cleaned() {
        use hwcheck_model::check::{Check, CheckKind, EnvChange, Remedy};
        let mut report = fixtures::report();
        let mut skip = Check::skip(
            CheckKind::DetectionRun,
            "/onnxruntime_src/x/cuda_call.cc:154 void onnxruntime::CudaCall() CUDA failure 803: bad combination ; GPU=0 ; hostname=h",
        );
        skip.id = CheckKind::DetectionAgreement.into();
        skip.caused_by
            .push("cuda.runtime.driver_sufficient".to_string());
        report.checks.push(skip);
        let root = &mut report.checks[0];
        root.remedy = Some(Remedy::new(vec![EnvChange::Unset {
            name: "CUDA_VISIBLE_DEVICES".to_string(),
        }]));
        let out = render(&report);
        assert!(
            out.contains("- change: unset `CUDA_VISIBLE_DEVICES`\n"),
            "{out}"
        );
        assert!(
            out.contains(
                "- leads to:\n  - `detection.agreement` SKIP — CUDA failure 803: bad combination\n"
            ),
            "{out}"
        );
        assert!(!out.contains("| `detection.agreement` |"), "{out}");
        // The JSON keeps the raw text.
        assert!(out.contains("cuda_call.cc:154"));
    }

    #[test]
    fn prose_keeps_code_spans_and_escapes_the_rest() {
        assert_eq!(prose("Run `a_b` now_"), "Run `a_b` now\\_");
        assert_eq!(prose("use ``x ` y`` here"), "use ``x ` y`` here");
        assert_eq!(prose("a ` lone tick"), "a \\` lone tick");
        assert_eq!(prose("two\nlines"), "two lines");
        assert_eq!(
            prose("Remove /usr/local/cuda/compat from LD_LIBRARY_PATH (and /etc/ld.so.conf.d),"),
            "Remove `/usr/local/cuda/compat` from `LD_LIBRARY_PATH` (and `/etc/ld.so.conf.d`),"
        );
        assert_eq!(prose("a/b and / stay; CUDA 12"), "a/b and / stay; CUDA 12");
    }

    #[test]
    fn table_cells_escape_pipes_in_code_spans() {
        assert_eq!(table_cell(&code_span("a|b")), "`a\\|b`");
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
