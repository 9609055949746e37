//! The table for people: a header line, one row per check (failures first), a verdict line.

use comfy_table::{
    presets, Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width,
};
use hwcheck_model::check::{Area, Check, Report, Status};

/// Evidence lines shown per FAIL/WARN row; the rest are counted (the JSON has them all).
const MAX_EVIDENCE_LINES: usize = 6;
/// Longest evidence line shown, in characters.
const MAX_EVIDENCE_CHARS: usize = 240;
/// Widest the check id column may grow before it wraps.
const MAX_ID_WIDTH: u16 = 40;

/// Renders the report as a table `width` columns wide; ANSI colour only when `color`.
pub fn render(report: &Report, color: bool, width: u16) -> String {
    let header = format!("hwcheck {} — {}", report.hwcheck_version, report.machine);
    let body = if report.checks.is_empty() {
        "no checks ran".to_string()
    } else {
        checks_table(&report.checks, color, width).to_string()
    };
    let mut lines = vec![header, body];
    lines.extend(super::info_lines(report));
    lines.push(super::verdict_line(report));
    lines.join("\n")
}

fn checks_table(checks: &[Check], color: bool, width: u16) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(["Status", "Area", "Check", "Finding"]);
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
            Cell::new(finding_text(check)),
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

/// The summary; for FAIL and WARN also evidence (bounded), the fix and the sources.
fn finding_text(check: &Check) -> String {
    let mut lines = vec![check.summary.clone()];
    if matches!(check.status, Status::Fail | Status::Warn) {
        lines.extend(
            check
                .evidence
                .iter()
                .take(MAX_EVIDENCE_LINES)
                .map(|line| format!("· {}", shorten(line, MAX_EVIDENCE_CHARS))),
        );
        if check.evidence.len() > MAX_EVIDENCE_LINES {
            lines.push(format!(
                "· … {} more (--format json shows all)",
                check.evidence.len() - MAX_EVIDENCE_LINES
            ));
        }
        if let Some(fix) = &check.fix {
            lines.push(format!("fix: {fix}"));
        }
        lines.extend(check.sources.iter().map(|url| format!("source: {url}")));
    }
    lines.join("\n")
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
        render(&fixtures::report(), false, 120)
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
        let out = render(&report, false, 120);
        assert!(!out.contains("secret detail") && !out.contains("nothing to do"));
    }

    #[test]
    fn no_escape_codes_without_color_and_coloured_status_with_it() {
        assert!(!plain().contains('\u{1b}'));
        let coloured = render(&fixtures::report(), true, 120);
        assert!(coloured.contains('\u{1b}'), "{coloured}");
    }

    #[test]
    fn long_cells_wrap_within_the_width() {
        let mut report = fixtures::report();
        report.checks[0].summary = "word ".repeat(100);
        report.checks[0].evidence = (0..20).map(|i| format!("/x/{i}")).collect();
        let out = render(&report, false, 100);
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
        let out = render(&report, false, 120);
        let row = &out.lines().collect::<Vec<_>>()[line_of(&out, "driver.cuda_init")];
        assert!(!row.contains("Driver"), "{row}");
        assert!(out
            .lines()
            .any(|l| l.contains("Driver") && l.contains("driver.nvml")));
    }

    #[test]
    fn an_empty_report_says_so() {
        let report = Report::new(hwcheck_model::facts::Facts::default(), Vec::new(), false);
        assert!(render(&report, false, 120).contains("no checks ran"));
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("ééééé", 3), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
