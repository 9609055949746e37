//! End-to-end tests of the `hwcheck` binary: exit codes, error messages, output formats.
//!
//! These run the real binary on this machine (often without a GPU) or on saved facts, so they
//! check invariants (exit code agrees with the verdict, output parses) rather than fixed results.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A live run must never take longer than this (probes have their own timeouts).
const RUN_LIMIT: Duration = Duration::from_secs(180);

fn hwcheck() -> Command {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.timeout(RUN_LIMIT).env_remove("NO_COLOR");
    cmd
}

/// Runs `hwcheck args…`, returning (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = hwcheck().args(args).output().expect("hwcheck runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// Minimal valid facts (the current schema, nothing observed).
fn empty_facts(dir: &Path) -> PathBuf {
    write(
        dir,
        "facts.json",
        r#"{"schema_version": 1, "hwcheck_version": "0.1.0"}"#,
    )
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn verdict_line_pattern() -> predicates::str::RegexPredicate {
    predicate::str::is_match(r"(?m)^verdict: (OK|FAIL) — \d+ fail, \d+ warn, \d+ pass, \d+ skip$")
        .expect("valid regex")
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    hwcheck()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--no-such-flag"));
}

#[test]
fn help_and_version_exit_zero() {
    hwcheck()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--facts"));
    hwcheck()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_zero_or_absurd_timeout_is_a_usage_error() {
    for bad in ["0", "-1", "NaN", "99999"] {
        hwcheck()
            .args(["--quick", &format!("--timeout={bad}")])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--timeout must be between"));
    }
    hwcheck()
        .args(["--quick", "--timeout", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timeout"));
}

#[test]
fn a_missing_facts_file_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-report.json");
    hwcheck()
        .arg("--facts")
        .arg(&missing)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("cannot use facts file"))
        .stderr(predicate::str::contains("no-such-report.json"));
}

#[test]
fn a_garbage_facts_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        ("garbage.json", "\u{7f}ELF not json at all", "not JSON"),
        (
            "truncated.json",
            r#"{"schema_version": 1, "hwcheck_"#,
            "not JSON",
        ),
        (
            "other.json",
            r#"{"name": "something else"}"#,
            "no schema_version",
        ),
        ("empty.json", "", "not JSON"),
    ] {
        let path = write(dir.path(), name, text);
        hwcheck()
            .arg("--facts")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains(name));
    }
}

#[test]
fn facts_from_a_newer_schema_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bare = write(
        dir.path(),
        "bare.json",
        r#"{"schema_version": 999, "hwcheck_version": "99.0.0"}"#,
    );
    let report = write(
        dir.path(),
        "report.json",
        r#"{"schema_version": 999, "verdict": "ok", "checks": [],
            "facts": {"schema_version": 999, "hwcheck_version": "99.0.0"}}"#,
    );
    for path in [bare, report] {
        hwcheck()
            .arg("--facts")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("schema 999"))
            .stderr(predicate::str::contains("newer hwcheck"));
    }
}

/// Table files to corrupt: those shipped in compat_tables/, or `cuda_driver.toml` before any are.
fn table_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat_tables");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names.push("cuda_driver.toml".to_string());
    }
    names.sort();
    names
}

#[test]
fn an_invalid_table_override_is_exit_2_naming_the_table() {
    let scratch = tempfile::tempdir().unwrap();
    let facts = empty_facts(scratch.path());
    for name in table_names() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &name, "this is [not valid = TOML\n");
        eprintln!("corrupt table override: {name}");
        hwcheck()
            .arg("--tables")
            .arg(dir.path())
            .arg("--facts")
            .arg(&facts)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("compat table"))
            .stderr(predicate::str::contains(name.as_str()));
    }
}

#[test]
fn json_output_has_the_documented_fields_and_agrees_with_the_exit_code() {
    let (code, stdout, stderr) = run(&["--quick", "--format", "json"]);
    let report = json_of(&stdout);
    for key in [
        "schema_version",
        "hwcheck_version",
        "verdict",
        "counts",
        "checks",
        "facts",
    ] {
        assert!(report.get(key).is_some(), "{key} missing: {stdout}");
    }
    let fail = report["counts"]["fail"].as_u64().expect("counts.fail");
    let checks = report["checks"].as_array().expect("checks is an array");
    let listed_fails = checks.iter().filter(|c| c["status"] == "FAIL").count() as u64;
    assert_eq!(fail, listed_fails);
    let expected = if fail > 0 { (1, "fail") } else { (0, "ok") };
    assert_eq!(
        (code, report["verdict"].as_str().unwrap_or("")),
        expected,
        "{stderr}"
    );
    for check in checks {
        for key in ["id", "area", "status", "summary"] {
            assert!(check.get(key).is_some(), "check without {key}: {check}");
        }
    }
}

#[test]
fn strict_fails_on_warnings_too() {
    let (code, stdout, _) = run(&["--quick", "--strict", "--format", "json"]);
    let report = json_of(&stdout);
    let counts = &report["counts"];
    let bad = counts["fail"].as_u64().unwrap_or(0) + counts["warn"].as_u64().unwrap_or(0);
    assert_eq!(code, if bad > 0 { 1 } else { 0 }, "{stdout}");
}

#[test]
fn a_saved_report_re_judges_to_the_same_checks() {
    let (code, stdout, _) = run(&["--quick", "--format", "json"]);
    let dir = tempfile::tempdir().unwrap();
    let saved = write(dir.path(), "report.json", &stdout);
    let replay = hwcheck()
        .arg("--facts")
        .arg(&saved)
        .args(["--format", "json"])
        .output()
        .expect("hwcheck runs");
    assert_eq!(replay.status.code(), Some(code));
    let first = json_of(&stdout);
    let again = json_of(&String::from_utf8_lossy(&replay.stdout));
    assert_eq!(first["checks"], again["checks"]);
    assert_eq!(first["verdict"], again["verdict"]);
}

#[test]
fn markdown_output_has_a_table_and_the_json_report() {
    let (code, stdout, _) = run(&["--quick", "--format", "markdown"]);
    assert!(code == 0 || code == 1, "exit {code}");
    assert!(stdout.starts_with("## hwcheck report"), "{stdout}");
    assert!(
        stdout.contains("| Status | Area | Check | Finding |\n|---|---|---|---|\n"),
        "{stdout}"
    );
    assert!(stdout.contains("<details>") && stdout.contains("\"schema_version\""));
}

#[test]
fn output_has_no_escape_codes_when_piped_or_with_no_color() {
    for no_color in [None, Some("1")] {
        let mut cmd = hwcheck();
        cmd.arg("--quick");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        let out = cmd.output().expect("hwcheck runs");
        assert!(
            !out.stdout.contains(&0x1b),
            "ESC in output (NO_COLOR={no_color:?})"
        );
    }
}

#[test]
fn quick_on_this_machine_gives_a_verdict_not_an_error() {
    let (code, stdout, stderr) = run(&["--quick"]);
    assert!(code == 0 || code == 1, "exit {code}, stderr: {stderr}");
    assert!(
        stdout.starts_with(&format!("hwcheck {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    assert!(
        verdict_line_pattern().eval(&stdout),
        "no verdict line:\n{stdout}"
    );
}

#[test]
fn replaying_empty_facts_prints_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let facts = empty_facts(dir.path());
    hwcheck()
        .arg("--facts")
        .arg(&facts)
        .assert()
        .code(predicate::in_iter([0, 1]))
        .stdout(verdict_line_pattern());
}
