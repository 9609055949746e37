//! The image corpus (tests/corpus/images/*.toml): real image tags, driver branches and GPUs
//! with the outcome NVIDIA's documentation, the container toolkit's source and public reports
//! give. Each case runs `hwcheck image <image> --driver <d> --gpu <g> [--env K=V] --format json`
//! and its `starts`, `cuda_works` and `how` must equal the truth. Prints
//! "image corpus: N/M diagnosed correctly" and fails unless every case is right. Also prints
//! the GPU table's size.

use assert_cmd::cargo::cargo_bin_cmd;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Deserialize)]
struct Case {
    image: String,
    driver: String,
    gpu: String,
    starts: bool,
    cuda_works: bool,
    how: String,
    truth_source: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/images")
}

fn cases() -> Vec<(String, Case)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let case: Case = toml::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case)
        })
        .collect()
}

/// (starts, cuda_works, how) as hwcheck says, or why it could not say.
fn diagnose(case: &Case) -> Result<(Value, Value, Value), String> {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.timeout(Duration::from_secs(60)).env("NO_COLOR", "1");
    cmd.args([
        "image",
        &case.image,
        "--driver",
        &case.driver,
        "--gpu",
        &case.gpu,
    ]);
    for (k, v) in &case.env {
        cmd.args(["--env", &format!("{k}={v}")]);
    }
    let out = cmd.args(["--format", "json"]).output().unwrap();
    let code = out.status.code();
    if !matches!(code, Some(0 | 1)) {
        return Err(format!(
            "exit {code:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let failed = doc["verdict"] == "FAIL";
    if failed != (code == Some(1)) {
        return Err(format!(
            "exit {code:?} disagrees with verdict {}",
            doc["verdict"]
        ));
    }
    Ok((
        doc["starts"].clone(),
        doc["cuda_works"].clone(),
        doc["how"].clone(),
    ))
}

#[test]
fn image_corpus_is_diagnosed_correctly() {
    let cases = cases();
    assert!(cases.len() >= 40, "corpus has only {} cases", cases.len());
    let mut wrong = Vec::new();
    for (name, case) in &cases {
        assert!(
            case.truth_source.starts_with("https://"),
            "{name}: truth_source"
        );
        let want = (
            Value::Bool(case.starts),
            Value::Bool(case.cuda_works),
            Value::String(case.how.clone()),
        );
        match diagnose(case) {
            Ok(got) if got == want => {}
            Ok(got) => wrong.push(format!("{name}: want {want:?}, got {got:?}")),
            Err(e) => wrong.push(format!("{name}: {e}")),
        }
    }
    let right = cases.len() - wrong.len();
    println!("image corpus: {right}/{} diagnosed correctly", cases.len());
    assert!(wrong.is_empty(), "wrong:\n{}", wrong.join("\n"));
}

#[test]
fn gpu_table_size() {
    let tables = hwcheck_compat::Tables::embedded();
    let (rows, unconfirmed) = tables.gpus.counts();
    println!("gpu table: {rows} GPUs ({unconfirmed} unconfirmed)");
    assert!(rows >= 300, "{rows}");
    assert!(
        unconfirmed < rows / 2,
        "{unconfirmed} of {rows} unconfirmed"
    );
}
