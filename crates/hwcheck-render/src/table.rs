//! The report for people: a header line, one block per root cause (what is wrong, the
//! evidence, the fix, and the checks it leads to), a table of the other checks, a verdict line.

use crate::clean::clean_error;
use crate::layout::{layout, RootCause};
use crate::wrap::indented;
use comfy_table::{
    presets, Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width,
};
use hwcheck_model::check::{Area, Check, Report, Status};

/// Evidence lines shown per FAIL/WARN; the rest are counted (the JSON has them all).
const MAX_EVIDENCE_LINES: usize = 6;
/// Longest evidence line shown, in characters.
const MAX_EVIDENCE_CHARS: usize = 240;
/// Longest summary shown on a "leads to" line, in characters.
const MAX_CONSEQUENCE_CHARS: usize = 160;
/// Widest the check id column may grow before it wraps.
const MAX_ID_WIDTH: u16 = 40;
/// Indent of a root cause's lines under its title.
const INDENT: &str = "  ";
/// Indent of the continuation lines of an evidence, fix or "leads to" line.
const HANG: &str = "      ";

/// Renders the report wrapped to `width` columns (`None`: no wrapping); ANSI colour only when
/// `color`. Only words longer than the width (paths, URLs) may run past it.
pub fn render(report: &Report, color: bool, width: Option<usize>) -> String {
    let header = format!("hwcheck {} — {}", report.hwcheck_version, report.machine);
    let mut parts = vec![indented(&header, width, "", INDENT)];
    if report.checks.is_empty() {
        parts.push("no checks ran".to_string());
    } else {
        let layout = layout(&report.checks);
        if !layout.roots.is_empty() {
            parts.push(String::new());
            parts.push(roots_text(&layout.roots, color, width));
        }
        if !layout.rest.is_empty() {
            if !layout.roots.is_empty() {
                parts.push("OTHER CHECKS".to_string());
            }
            parts.push(checks_table(&layout.rest, color, width).to_string());
        }
    }
    parts.push(super::verdict_line(report));
    parts.join("\n")
}

/// The root-cause blocks, each followed by a blank line.
fn roots_text(roots: &[RootCause<'_>], color: bool, width: Option<usize>) -> String {
    let title = match roots.len() {
        1 => "ROOT CAUSE — fix this first; what it breaks is listed under \"leads to\"".to_string(),
        n => format!(
            "ROOT CAUSES ({n}) — fix these first; what each breaks is listed under \"leads to\""
        ),
    };
    let mut lines = vec![indented(&title, width, "", INDENT), String::new()];
    for root in roots {
        lines.push(root_block(root, color, width));
        lines.push(String::new());
    }
    lines.join("\n")
}

/// One root cause: status and key, the cleaned summary, evidence, fix, remedy, sources and the
/// checks it leads to.
fn root_block(root: &RootCause<'_>, color: bool, width: Option<usize>) -> String {
    let check = root.check;
    let label = paint(check.status, color);
    let mut lines = vec![indented(
        &format!("{label} {}", check.key()),
        width,
        "",
        HANG,
    )];
    lines.push(indented(
        &clean_error(&check.summary),
        width,
        INDENT,
        INDENT,
    ));
    for line in evidence_lines(check) {
        lines.push(indented(&line, width, INDENT, HANG));
    }
    if let Some(fix) = &check.fix {
        lines.push(indented(&format!("fix: {fix}"), width, INDENT, HANG));
    }
    if let Some(remedy) = &check.remedy {
        let mut text = format!("change: {}", remedy.describe());
        if let Some(outcome) = &remedy.outcome {
            text.push_str(&format!(" ({outcome})"));
        }
        lines.push(indented(&text, width, INDENT, HANG));
    }
    for url in &check.sources {
        lines.push(indented(&format!("source: {url}"), width, INDENT, HANG));
    }
    for c in &root.consequences {
        let text = format!(
            "leads to: {} {} {}",
            c.key(),
            c.status.label(),
            consequence_summary(c)
        );
        lines.push(indented(&text, width, INDENT, HANG));
    }
    lines.join("\n")
}

/// The first line of a consequence's cleaned summary, shortened.
pub(crate) fn consequence_summary(check: &Check) -> String {
    let summary = clean_error(&check.summary);
    shorten(
        summary.lines().next().unwrap_or_default(),
        MAX_CONSEQUENCE_CHARS,
    )
}

/// The status label, coloured when `color`.
fn paint(status: Status, color: bool) -> String {
    let code = match status {
        _ if !color => return status.label().to_string(),
        Status::Fail => "1;31",
        Status::Warn => "33",
        Status::Pass => "32",
        Status::Skip => "90",
    };
    format!("\u{1b}[{code}m{}\u{1b}[0m", status.label())
}

/// Evidence, cleaned and bounded, as "· " lines, with a count of those left out.
fn evidence_lines(check: &Check) -> Vec<String> {
    let mut lines: Vec<String> = check
        .evidence
        .iter()
        .take(MAX_EVIDENCE_LINES)
        .map(|line| format!("· {}", shorten(&clean_error(line), MAX_EVIDENCE_CHARS)))
        .collect();
    if check.evidence.len() > MAX_EVIDENCE_LINES {
        lines.push(format!(
            "· … {} more (--format json shows all)",
            check.evidence.len() - MAX_EVIDENCE_LINES
        ));
    }
    lines
}

/// Makes `table` wrap its cells to `width` columns, or not at all for `None`.
pub fn fit(table: &mut Table, width: Option<usize>) {
    match width {
        Some(width) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(u16::try_from(width).unwrap_or(u16::MAX));
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
}

fn checks_table(checks: &[&Check], color: bool, width: Option<usize>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_header(["Status", "Area", "Check", "Finding"]);
    fit(&mut table, width);
    if color {
        table.enforce_styling();
    }
    table.set_constraints([
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
        ColumnConstraint::UpperBoundary(Width::Fixed(MAX_ID_WIDTH)),
    ]);
    let mut previous: Option<(Status, Area)> = None;
    for check in checks {
        // Show the area once per run of rows with the same status and area: rows are grouped.
        let group = (check.status, check.area);
        let area = if previous == Some(group) {
            ""
        } else {
            check.area.label()
        };
        previous = Some(group);
        table.add_row([
            status_cell(check.status, color),
            Cell::new(area),
            Cell::new(&check.id),
            // FAILs and WARNs are all root causes or folded under one: these rows need no evidence.
            Cell::new(clean_error(&check.summary)),
        ]);
    }
    table
}

fn status_cell(status: Status, color: bool) -> Cell {
    let cell = Cell::new(status.label());
    if !color {
        return cell;
    }
    match status {
        Status::Fail => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Status::Warn => cell.fg(Color::Yellow),
        Status::Pass => cell.fg(Color::Green),
        Status::Skip => cell.fg(Color::DarkGrey),
    }
}

/// `text` cut to `max` characters, with "…" when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn plain() -> String {
        render(&fixtures::report(), false, Some(120))
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not in output:\n{text}"))
    }

    #[test]
    fn starts_with_version_and_machine_and_ends_with_the_verdict() {
        let out = plain();
        let first = out.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("hwcheck 0.1.0 — driver 550.54.15"),
            "{first}"
        );
        assert!(first.contains("2× NVIDIA H100 80GB HBM3"), "{first}");
        assert_eq!(
            out.lines().last(),
            Some("verdict: FAIL — 1 fail, 1 warn, 1 pass, 1 skip")
        );
    }

    #[test]
    fn failures_come_first_then_warnings_then_passes_and_skips() {
        let out = plain();
        let fail = line_of(&out, "cuda.runtime.driver_sufficient");
        let warn = line_of(&out, "gpu.health");
        let pass = line_of(&out, "driver.nvml");
        let skip = line_of(&out, "detection.run");
        assert!(fail < warn && warn < pass && pass < skip, "{out}");
    }

    #[test]
    fn fix_evidence_and_source_are_shown_beneath_failures_and_warnings_only() {
        let out = plain();
        let fail = line_of(&out, "cuda.runtime.driver_sufficient");
        let evidence = line_of(&out, "· driver 550.54.15 from NVML");
        let fix = line_of(&out, "fix: Install driver 580");
        // The URL may wrap below its "source:" label, but stays whole.
        let source = line_of(
            &out,
            "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/",
        );
        assert!(line_of(&out, "source:") <= source);
        assert!(fail < evidence && evidence < fix && fix < source, "{out}");
        assert!(line_of(&out, "fix: Run `nvidia-smi -pm 1`") > source);
        assert_eq!(out.matches("fix: ").count(), 2, "{out}");
    }

    #[test]
    fn a_pass_shows_no_evidence() {
        let mut report = fixtures::report();
        for check in &mut report.checks {
            if check.status == Status::Pass {
                check.evidence.push("secret detail".to_string());
                check.fix = Some("nothing to do".to_string());
            }
        }
        let out = render(&report, false, Some(120));
        assert!(!out.contains("secret detail") && !out.contains("nothing to do"));
    }

    #[test]
    fn no_escape_codes_without_color_and_coloured_status_with_it() {
        assert!(!plain().contains('\u{1b}'));
        let coloured = render(&fixtures::report(), true, Some(120));
        assert!(coloured.contains('\u{1b}'), "{coloured}");
    }

    #[test]
    fn long_cells_wrap_within_the_width() {
        let mut report = fixtures::report();
        report.checks[0].summary = "word ".repeat(100);
        report.checks[0].evidence = (0..20).map(|i| format!("/x/{i}")).collect();
        let out = render(&report, false, Some(100));
        for line in out.lines().skip(1) {
            assert!(line.chars().count() <= 100, "too wide: {line}");
        }
        assert!(
            out.contains("· … 14 more (--format json shows all)"),
            "{out}"
        );
    }

    #[test]
    fn the_area_is_named_once_per_group() {
        let mut report = fixtures::report();
        let mut second = report.checks[2].clone();
        second.id = hwcheck_model::check::CheckKind::DriverCudaInit.into();
        report.checks.insert(3, second);
        let out = render(&report, false, Some(120));
        let row = &out.lines().collect::<Vec<_>>()[line_of(&out, "driver.cuda_init")];
        assert!(!row.contains("Driver"), "{row}");
        assert!(out
            .lines()
            .any(|l| l.contains("Driver") && l.contains("driver.nvml")));
    }

    #[test]
    fn root_causes_lead_coloured_and_fold_what_follows_from_them() {
        let mut report = fixtures::report();
        let mut skip = report.checks[1].clone();
        skip.id = hwcheck_model::check::CheckKind::DetectionAgreement.into();
        skip.status = Status::Skip;
        skip.summary = "/src/x.cc:12 void ns::Run() CUDA failure 100: no device ; GPU=0".into();
        skip.caused_by.push("cuda.runtime.driver_sufficient".into());
        report.checks.push(skip);
        let out = render(&report, false, Some(120));
        assert!(out.contains("\nROOT CAUSES (2) — fix these first"), "{out}");
        let root = line_of(&out, "FAIL cuda.runtime.driver_sufficient");
        let folded = line_of(
            &out,
            "  leads to: detection.agreement SKIP CUDA failure 100: no device",
        );
        assert!(
            root < folded && folded < line_of(&out, "WARN gpu.health"),
            "{out}"
        );
        assert!(!out.contains("┆ detection.agreement"), "{out}");
        assert!(line_of(&out, "OTHER CHECKS") < line_of(&out, "┆ driver.nvml"));
        let coloured = render(&report, true, Some(120));
        assert!(
            coloured.contains("\u{1b}[1;31mFAIL\u{1b}[0m cuda.runtime.driver_sufficient"),
            "{coloured}"
        );
    }

    #[test]
    fn an_empty_report_says_so() {
        let report = Report::new(hwcheck_model::facts::Facts::default(), Vec::new(), false);
        assert!(render(&report, false, Some(120)).contains("no checks ran"));
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
