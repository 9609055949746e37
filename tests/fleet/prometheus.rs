//! The Prometheus textfile of every recorded fixture, checked by the real `promtool check
//! metrics` (scripts/fetch-promtool.sh fetches Debian's build; scripts/test.sh passes it in
//! HWCHECK_PROMTOOL) and by the text format's own rules, which run even without promtool.

use super::{fixtures, rejudged};
use regex::Regex;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

fn promtool() -> Option<String> {
    match std::env::var("HWCHECK_PROMTOOL") {
        Ok(p) if !p.is_empty() && std::path::Path::new(&p).is_file() => Some(p),
        _ => {
            eprintln!(
                "skipped: promtool check: HWCHECK_PROMTOOL is unset or not a file \
                 (scripts/test.sh sets it from scripts/fetch-promtool.sh)"
            );
            None
        }
    }
}

/// promtool's exit code and output for `text` on stdin.
fn check_metrics(promtool: &str, text: &str) -> (i32, String) {
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), said)
}

#[test]
fn promtool_accepts_the_textfile_of_every_fixture() {
    let Some(promtool) = promtool() else { return };
    let fixtures = fixtures();
    for fixture in &fixtures {
        let text = rejudged(fixture, "prometheus");
        let (code, said) = check_metrics(&promtool, &text);
        assert_eq!(code, 0, "{fixture:?}: promtool says:\n{said}\n{text}");
    }
    // promtool really judges: a counter without _total and a broken label are refused.
    let (code, _) = check_metrics(&promtool, "# HELP x_ms a\n# TYPE x_ms counter\nx_ms 1\n");
    assert_ne!(code, 0);
    let (code, _) = check_metrics(&promtool, "x{a=\"b} 1\n");
    assert_ne!(code, 0);
    println!("promtool check metrics: {} fixtures passed", fixtures.len());
}

#[test]
fn the_textfile_follows_the_text_format() {
    let sample = Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$"#,
    )
    .unwrap();
    for fixture in fixtures() {
        let text = rejudged(&fixture, "prometheus");
        let mut typed = BTreeSet::new();
        let mut current = String::new();
        let mut series = BTreeSet::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert_eq!(kind, "gauge", "{line}");
                assert!(
                    typed.insert(name.to_string()),
                    "{name} typed twice: families are contiguous"
                );
                current = name.to_string();
            } else if line.starts_with("# HELP ") {
                continue;
            } else {
                let caps = sample
                    .captures(line)
                    .unwrap_or_else(|| panic!("{fixture:?}: bad line {line:?}"));
                assert_eq!(&caps[1], current, "{line}: sample outside its family");
                assert!(
                    series.insert(line.rsplit_once(' ').unwrap().0.to_string()),
                    "duplicate series {line}"
                );
            }
        }
        for name in [
            "hwcheck_info",
            "hwcheck_check_status",
            "hwcheck_verdict_ok",
            "hwcheck_report_timestamp_seconds",
        ] {
            assert!(typed.contains(name), "{fixture:?}: {name} missing");
        }
    }
}
