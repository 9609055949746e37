//! `hwcheck summarize` over saved reports: verdict counts, failing checks ranked by nodes,
//! version spread, stale reports, and files that are not reports listed without failing.

use super::{fixtures, rejudged};
use flate2::write::GzEncoder;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Saves every fixture's re-judged report under `dir` as node-<i>, one of them gzipped, and
/// returns how many failed.
fn save_reports(dir: &Path) -> (usize, usize) {
    let mut failed = 0;
    let fixtures = fixtures();
    for (i, fixture) in fixtures.iter().enumerate() {
        let mut report: Value = serde_json::from_str(&rejudged(fixture, "json")).unwrap();
        report["facts"]["host"]["hostname"] = Value::from(format!("node-{i:02}"));
        failed += usize::from(report["verdict"] == "fail");
        let text = serde_json::to_vec(&report).unwrap();
        if i == 0 {
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&text).unwrap();
            std::fs::write(
                dir.join(format!("node-{i:02}.json.gz")),
                gz.finish().unwrap(),
            )
            .unwrap();
        } else {
            std::fs::write(dir.join(format!("node-{i:02}.json")), text).unwrap();
        }
    }
    (fixtures.len(), failed)
}

fn summarize(args: &[&str]) -> (i32, Value) {
    let out = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .arg("summarize")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

#[test]
fn a_directory_of_reports_is_summed_up_and_junk_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (nodes, failed) = save_reports(dir.path());
    std::fs::write(dir.path().join("corrupt.json"), "{\"schema_version\": 1, ").unwrap();
    std::fs::write(dir.path().join("pod.json"), r#"{"kind":"Pod"}"#).unwrap();
    std::fs::write(dir.path().join("bomb.json.gz"), [0x1f, 0x8b, 8, 0, 0]).unwrap();
    std::fs::copy(&fixtures()[0], dir.path().join("facts-only.json")).unwrap();
    let (code, s) = summarize(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "some nodes fail");
    assert_eq!(s["nodes"], nodes);
    assert_eq!(s["verdicts"]["fail"], failed);
    assert_eq!(s["verdicts"]["ok"], nodes - failed);
    let unreadable: Vec<(String, String)> = s["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let file = u["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, u["problem"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(unreadable.len(), 4, "{unreadable:?}");
    let problem = |n: &str| &unreadable.iter().find(|(f, _)| f == n).unwrap().1;
    assert!(problem("corrupt.json").starts_with("not JSON"));
    assert!(problem("pod.json").starts_with("not an hwcheck report"));
    assert!(problem("bomb.json.gz").starts_with("not valid gzip"));
    assert!(problem("facts-only.json").starts_with("bare facts"));
    // Failing checks are ranked by nodes hit, with example nodes.
    let causes = s["root_causes"].as_array().unwrap();
    let counts: Vec<u64> = causes
        .iter()
        .map(|c| c["nodes"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let cuda_init = causes
        .iter()
        .find(|c| c["id"] == "driver.cuda_init")
        .unwrap();
    assert!(cuda_init["examples"][0]
        .as_str()
        .unwrap()
        .starts_with("node-"));
    let drivers = s["versions"]["driver"].as_array().unwrap();
    assert_eq!(drivers[0]["value"], "580.159.04", "{drivers:?}");
    assert_eq!(s["node_list"].as_array().unwrap().len(), nodes);
}

#[test]
fn old_reports_are_stale_and_other_formats_print() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = fixtures()
        .into_iter()
        .find(|f| f.ends_with("h100_healthy.json"))
        .unwrap();
    let mut report: Value = serde_json::from_str(&rejudged(&healthy, "json")).unwrap();
    let fresh = dir.path().join("fresh.json");
    std::fs::write(&fresh, serde_json::to_vec(&report).unwrap()).unwrap();
    let (code, s) = summarize(&[fresh.to_str().unwrap(), "--max-age", "1h"]);
    assert_eq!((code, s["verdicts"]["ok"].as_u64()), (0, Some(1)), "{s:#}");
    report["generated_at"] = Value::from("2020-01-01T00:00:00Z");
    report["facts"]["host"]["hostname"] = Value::from("old-node");
    let old = dir.path().join("old.json");
    std::fs::write(&old, serde_json::to_vec(&report).unwrap()).unwrap();
    let (code, s) = summarize(&[
        fresh.to_str().unwrap(),
        old.to_str().unwrap(),
        "--max-age",
        "1h",
    ]);
    assert_eq!(code, 1, "a stale node fails the summary");
    assert_eq!(s["stale"][0]["node"], "old-node");
    assert_eq!(s["stale"][0]["age_from"], "report");
    for (format, expected) in [
        ("table", "hwcheck fleet — 2 nodes: 2 OK, 0 FAIL, 1 stale"),
        ("markdown", "## hwcheck fleet"),
    ] {
        let out = assert_cmd::Command::cargo_bin("hwcheck")
            .unwrap()
            .args([
                "summarize",
                dir.path().to_str().unwrap(),
                "--max-age",
                "1h",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(expected), "{format}: {text}");
        assert!(text.contains("old-node"), "{format}: {text}");
    }
}

#[test]
fn nothing_readable_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), "garbage").unwrap();
    let out = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .args([
            "summarize",
            dir.path().to_str().unwrap(),
            "/nonexistent/reports",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no hwcheck report could be read"), "{err}");
    assert!(err.contains("a.json: not JSON"), "{err}");
}
