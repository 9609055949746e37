//! docs/report.schema.json, the published JSON Schema of the report, is generated from the
//! report types (hwcheck_model::schema); this test fails when the file differs, and
//! `HWCHECK_BLESS=1 cargo test --test schema` rewrites it. Every report fixture under tests/,
//! the report hwcheck makes from every JSON fixture (reports and bare facts, which may be older
//! and partial: the schema describes what hwcheck writes, not all it reads), and a freshly
//! probed report validate against it.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::{Path, PathBuf};

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");

fn schema() -> Value {
    serde_json::from_str(&hwcheck_model::schema::report_schema_json()).unwrap()
}

fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate:\n{}",
        errors.join("\n")
    );
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn report_of(args: &[&str], facts: Option<&Path>) -> Value {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.args(args).args(["--format", "json"]);
    if let Some(path) = facts {
        cmd.arg("--facts").arg(path);
    }
    let out = cmd
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} {facts:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn docs_report_schema_is_generated_from_the_types() {
    let expected = hwcheck_model::schema::report_schema_json();
    if std::env::var_os("HWCHECK_BLESS").is_some() {
        std::fs::write(SCHEMA_PATH, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/report.schema.json differs from the report types: run HWCHECK_BLESS=1 cargo test --test schema"
    );
}

#[test]
fn every_fixture_and_the_report_made_from_it_validate() {
    let schema = schema();
    let mut files = Vec::new();
    json_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests"),
        &mut files,
    );
    files.sort();
    assert!(files.len() >= 20, "fixtures found: {files:?}");
    for file in &files {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let what = file.display().to_string();
        if value.get("checks").is_some() {
            assert_valid(&schema, &value, &what);
        }
        let report = report_of(&[], Some(file));
        assert_valid(&schema, &report, &format!("the report of {what}"));
    }
}

#[test]
fn a_fresh_report_validates() {
    let schema = schema();
    assert_valid(&schema, &report_of(&["--quick"], None), "a --quick report");
    // With the reference ONNX Runtime (scripts/test.sh sets it): sessions and detection too.
    if let Some(ort) = std::env::var("HWCHECK_REFERENCE_ORT")
        .ok()
        .filter(|v| !v.is_empty())
    {
        let report = report_of(&["--ort", &ort, "--runs", "1"], None);
        assert!(report["facts"]["detection"]["runs"]
            .as_array()
            .is_some_and(|r| !r.is_empty()));
        assert_valid(&schema, &report, "a full report");
    }
}
