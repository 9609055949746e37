//! The command line's surface: shell completions and man pages generated from it, which
//! `--format` each subcommand takes (and the clear refusal of the others), bounds of numbers.

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use predicates::prelude::*;

const SUBCOMMANDS: [&str; 9] = [
    "explain",
    "diff",
    "image",
    "compat",
    "detect",
    "watch",
    "summarize",
    "completions",
    "man",
];

fn hwcheck() -> Command {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.timeout(std::time::Duration::from_secs(120))
        .env_remove("COLUMNS");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = hwcheck().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
        assert!(script.contains("--format"), "{shell}");
    }
    hwcheck()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
}

#[test]
fn the_man_page_names_every_subcommand_and_out_writes_one_page_each() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH hwcheck 1"),
        "{page}"
    );
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "hwcheck.1 lacks {sub}");
    }
    let dir = tempfile::tempdir().unwrap();
    hwcheck()
        .args(["man", "--out"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("hwcheck-detect.1"));
    for sub in SUBCOMMANDS {
        let text = std::fs::read_to_string(dir.path().join(format!("hwcheck-{sub}.1"))).unwrap();
        assert!(text.contains(".TH hwcheck-"), "{sub}: {text}");
    }
    assert!(dir.path().join("hwcheck.1").is_file());
}

/// Formats a subcommand cannot print are refused by clap, naming the ones it takes.
#[test]
fn each_subcommand_refuses_formats_it_cannot_print() {
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["explain", "x", "--no-probe"],
            "junit",
            "table, json, markdown",
        ),
        (
            &["diff", "a.json", "b.json"],
            "junit",
            "table, json, markdown",
        ),
        (
            &["image", "nvidia/cuda:12.4.1-base-ubuntu22.04"],
            "nfd",
            "table, json, markdown",
        ),
        (
            &["compat", "--cuda", "12.4"],
            "prometheus",
            "table, json, markdown",
        ),
        (&["summarize", "."], "junit", "table, json, markdown"),
        (&["detect"], "nfd", "table, json, markdown, junit"),
    ];
    for (args, bad, possible) in cases {
        hwcheck()
            .args(args)
            .args(["--format", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("invalid value '{bad}'")))
            .stderr(predicate::str::contains(format!(
                "[possible values: {possible}]"
            )));
    }
    hwcheck()
        .args(["watch", "--once", "--report-dir", ".", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'--format'"));
}

#[test]
fn answers_honour_json_and_markdown() {
    let out = stdout_of(&[
        "explain",
        "--no-probe",
        "--format",
        "json",
        "cudaErrorNoDevice",
    ]);
    serde_json::from_str::<serde_json::Value>(&out).expect("explain --format json is JSON");
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/facts");
    let healthy = format!("{fixtures}/h100_healthy.json");
    let broken = format!("{fixtures}/compat_first_on_path.json");
    let runs: [Vec<&str>; 4] = [
        vec!["explain", "--no-probe", "cudaErrorNoDevice"],
        vec![
            "compat",
            "--cuda",
            "12.4",
            "--driver",
            "535.104.05",
            "--gpu",
            "T4",
        ],
        vec![
            "image",
            "nvidia/cuda:12.4.1-base-ubuntu22.04",
            "--facts",
            &healthy,
        ],
        vec!["diff", &healthy, &broken],
    ];
    for args in runs {
        let out = hwcheck()
            .args(&args)
            .args(["--format", "markdown"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("```text\n") && text.trim_end().ends_with("```"),
            "{args:?}: {text}"
        );
        let plain = hwcheck().args(&args).output().unwrap();
        let plain = String::from_utf8(plain.stdout).unwrap();
        assert!(
            text.contains(plain.trim_end()),
            "{args:?}: the block holds the text"
        );
    }
}

#[test]
fn zero_runs_and_zero_timeout_are_refused_with_a_correct_range() {
    for args in [
        &["--runs", "0"][..],
        &["detect", "--runs", "0"],
        &["watch", "--once", "--report-dir", ".", "--runs", "0"],
    ] {
        hwcheck()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("0 is not in 1.."));
    }
    hwcheck()
        .args(["--quick", "--timeout", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--timeout must be between 0.001 and 3600 seconds (more than 0), got 0",
        ));
}

#[test]
fn quick_says_what_it_skipped_and_a_detection_gate_blames_the_skip() {
    let out = hwcheck()
        .args(["--quick", "--require", "detection=pass"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("\ninfo: ONNX Runtime sessions and detection: skipped by --quick\n"),
        "{table}"
    );
    let out = hwcheck()
        .args(["--quick", "--require", "detection=pass", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gate = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "require.detection")
        .expect("a require.detection check");
    let summary = gate["summary"].as_str().unwrap();
    assert!(summary.contains("could not be judged"), "{summary}");
    assert!(summary.contains("skipped by --quick"), "{summary}");
    let fix = gate["fix"].as_str().unwrap();
    assert!(!fix.contains("failing detection checks"), "{fix}");
}

#[test]
fn no_progress_reaches_a_pipe() {
    for format in ["table", "json"] {
        let out = hwcheck()
            .args(["--quick", "--format", format])
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains("probing"), "{format}: {stderr}");
        assert!(!stderr.contains('\r'), "{format}: {stderr}");
    }
}
