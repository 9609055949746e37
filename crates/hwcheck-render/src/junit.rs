//! JUnit XML for CI test reports: one `<testcase>` per check.
//!
//! `classname` is the check's area (`driver`, `cuda`, `ort`…), `name` its id. FAIL becomes
//! `<failure>`, SKIP `<skipped/>`; WARN passes with its summary and fix in `<system-out>`.
//! Text is XML-escaped and characters XML 1.0 forbids are dropped.

use hwcheck_model::check::{Check, Report, Status};
use std::fmt::Write;

/// Renders `report` as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let c = report.counts;
    let tests = report.checks.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = format!(
        "tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\"",
        c.fail, c.skip
    );
    let _ = writeln!(out, "<testsuites name=\"hwcheck\" {totals}>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"hwcheck {}\" {totals}>",
        escape(&report.hwcheck_version)
    );
    for check in &report.checks {
        testcase(&mut out, check);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, check: &Check) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(&area_name(check)),
        escape(&check.key())
    );
    match check.status {
        Status::Pass => out.push_str("/>\n"),
        Status::Fail => {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"FAIL\">{}</failure>\n    </testcase>",
                escape(&check.summary),
                escape(&details(check))
            );
        }
        Status::Skip => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                escape(&check.summary)
            );
        }
        Status::Warn => {
            let _ = writeln!(
                out,
                ">\n      <system-out>WARN: {}\n{}</system-out>\n    </testcase>",
                escape(&check.summary),
                escape(&details(check))
            );
        }
    }
}

/// The area as it appears in JSON (`driver`, `cuda`, `ort`…).
fn area_name(check: &Check) -> String {
    serde_json::to_value(check.area)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| check.area.label().to_lowercase())
}

/// Evidence, fix and sources, one per line.
fn details(check: &Check) -> String {
    let mut lines: Vec<String> = check.evidence.clone();
    if let Some(fix) = &check.fix {
        lines.push(format!("fix: {fix}"));
    }
    lines.extend(check.sources.iter().map(|s| format!("source: {s}")));
    lines.join("\n")
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 does not allow.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn one_testcase_per_check_with_failure_and_skipped() {
        let xml = render(&fixtures::report());
        assert_eq!(xml.matches("<testcase ").count(), 4);
        assert!(xml.contains("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""));
        assert!(
            xml.contains("<testcase classname=\"cuda\" name=\"cuda.runtime.driver_sufficient\">")
        );
        assert!(xml.contains("<failure message=\"libcudart 13.0 needs driver &gt;= 580 | found 550.54.15\" type=\"FAIL\">"));
        assert!(xml.contains("fix: Install driver 580 or newer"));
        assert!(xml.contains("<skipped message=\"skipped by --quick\"/>"));
        assert!(xml.contains("<testcase classname=\"driver\" name=\"driver.nvml\"/>"));
        assert!(xml.contains("<system-out>WARN: persistence mode is off"));
    }

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\u{1}\u{7}e\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;e\n"
        );
    }
}
