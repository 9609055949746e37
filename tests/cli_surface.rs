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
    cmd.timeout(std::time::Duration::from_secs(120));
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
        (&["explain", "x", "--no-probe"], "markdown", "table, json"),
        (&["diff", "a.json", "b.json"], "junit", "table, json"),
        (
            &["image", "nvidia/cuda:12.4.1-base-ubuntu22.04"],
            "markdown",
            "table, json",
        ),
        (&["compat", "--cuda", "12.4"], "junit", "table, json"),
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
fn explain_and_plan_honour_json() {
    let out = stdout_of(&[
        "explain",
        "--no-probe",
        "--format",
        "json",
        "cudaErrorNoDevice",
    ]);
    serde_json::from_str::<serde_json::Value>(&out).expect("explain --format json is JSON");
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
