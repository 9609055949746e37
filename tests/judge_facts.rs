//! Re-judges recorded facts (tests/fixtures/facts/*.json) with the real binary and checks the
//! verdict: the healthy H100 has no FAIL and exits 0; each broken twin fails the check that
//! names its cause and exits 1; a CPU-only box gives one clear FAIL and SKIPs the rest.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts")
        .join(name)
}

/// Runs `hwcheck --facts FIXTURE --format json`; returns (exit code, checks).
fn judge(name: &str) -> (i32, Vec<Value>) {
    let out = cargo_bin_cmd!("hwcheck")
        .args(["--facts"])
        .arg(fixture(name))
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("hwcheck runs");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {stdout}"));
    let checks = report["checks"].as_array().expect("checks array").clone();
    (out.status.code().expect("exited"), checks)
}

/// Statuses of every check with `id`.
fn statuses(checks: &[Value], id: &str) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Asserts that `id` is present and that every check with that id has `status`.
fn expect(name: &str, checks: &[Value], id: &str, status: &str) {
    let found = statuses(checks, id);
    assert!(
        !found.is_empty() && found.iter().all(|s| s == status),
        "{name}: {id} expected {status}, got {found:?}\n{checks:#?}"
    );
}

fn failing_ids(checks: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = checks
        .iter()
        .filter(|c| c["status"] == "FAIL")
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.dedup();
    ids
}

#[test]
fn healthy_h100_has_no_failure() {
    let (code, checks) = judge("h100_healthy.json");
    assert_eq!(failing_ids(&checks), Vec::<String>::new(), "{checks:#?}");
    assert_eq!(code, 0);
    for id in [
        "driver.nvml",
        "driver.kernel_module_matches",
        "driver.cuda_init",
        "gpu.compute_capability",
        "gpu.health",
        "cuda.runtime.driver_sufficient",
        "cuda.forward_compat",
        "cudnn.cuda_major",
        "cudnn.support_matrix",
        "environment.container_gpus",
        "environment.require_cuda",
    ] {
        expect("h100", &checks, id, "PASS");
    }
    expect("h100", &checks, "tensorrt.present", "SKIP");
}

/// The report recorded on the real H100 (driver 580.159.04, onnxruntime-gpu 1.31.1 given with
/// `--ort`, TensorRT not installed): re-judged, the GPU stack passes and the TensorRT provider,
/// whose optional SDK is not installed, is a WARN naming the missing libnvinfer.so.10 — a
/// healthy box with the standard onnxruntime-gpu wheel exits 0 (issue 15).
#[test]
fn recorded_h100_report_rejudges_to_the_same_verdict() {
    let (code, checks) = judge("h100_recorded_ortgpu.json");
    assert_eq!(failing_ids(&checks), Vec::<String>::new(), "{checks:#?}");
    assert_eq!(code, 0);
    for id in [
        "driver.nvml",
        "driver.kernel_module_matches",
        "driver.cuda_init",
        "gpu.compute_capability",
        "cuda.runtime.driver_sufficient",
        "cuda.forward_compat",
        "ort.provider.cuda",
        "detection.cuda",
        "detection.agreement",
    ] {
        expect("recorded h100", &checks, id, "PASS");
    }
    let trt = checks
        .iter()
        .find(|c| c["id"] == "ort.provider.tensorrt")
        .expect("tensorrt row");
    assert_eq!(trt["status"], "WARN", "{trt:#}");
    assert!(
        trt["summary"]
            .as_str()
            .unwrap_or("")
            .contains("libnvinfer.so.10"),
        "{trt:#}"
    );
}

#[test]
fn every_check_of_a_failure_carries_a_fix() {
    for name in [
        "driver_too_old.json",
        "lib_rm_mismatch.json",
        "cpu_only.json",
    ] {
        let (_, checks) = judge(name);
        for c in checks.iter().filter(|c| c["status"] == "FAIL") {
            assert!(
                c["fix"].as_str().is_some_and(|f| !f.is_empty()),
                "{name}: {c:#?}"
            );
        }
    }
}

#[test]
fn broken_twins_fail_the_check_that_names_the_cause() {
    let cases: [(&str, &[&str]); 7] = [
        ("driver_too_old.json", &["cuda.runtime.driver_sufficient"]),
        (
            "lib_rm_mismatch.json",
            &["driver.nvml", "driver.kernel_module_matches"],
        ),
        (
            "compat_first_on_path.json",
            &["cuda.forward_compat", "driver.cuda_init"],
        ),
        (
            "container_without_gpus.json",
            &["driver.nvml", "environment.container_gpus"],
        ),
        (
            "cuda_visible_devices_empty.json",
            &["environment.cuda_visible_devices", "driver.cuda_init"],
        ),
        ("cudnn8_with_cuda13.json", &["cudnn.cuda_major"]),
        (
            "require_cuda_unmet.json",
            &["environment.require_cuda", "cuda.runtime.driver_sufficient"],
        ),
    ];
    for (name, ids) in cases {
        let (code, checks) = judge(name);
        assert_eq!(code, 1, "{name}");
        for id in ids {
            expect(name, &checks, id, "FAIL");
        }
    }
}

#[test]
fn driver_too_old_says_what_the_driver_runs() {
    let (_, checks) = judge("driver_too_old.json");
    let c = checks
        .iter()
        .find(|c| c["id"] == "cuda.runtime.driver_sufficient")
        .expect("check present");
    let summary = c["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("driver 440.33 runs CUDA <= 10.2"),
        "{summary}"
    );
    let fix = c["fix"].as_str().unwrap_or("");
    assert!(fix.contains(">= 450.80.02 for 11.x"), "{fix}");
    assert!(c["sources"].as_array().is_some_and(|s| !s.is_empty()));
}

#[test]
fn healthy_checks_stay_healthy_in_the_twins() {
    // Each twin breaks one thing; the rest of the machine must still judge PASS.
    let (_, checks) = judge("cudnn8_with_cuda13.json");
    expect("cudnn8", &checks, "driver.nvml", "PASS");
    expect("cudnn8", &checks, "cuda.runtime.driver_sufficient", "PASS");
    let (_, checks) = judge("compat_first_on_path.json");
    expect("compat", &checks, "driver.kernel_module_matches", "PASS");
}

#[test]
fn cpu_only_gives_one_clear_failure_and_skips_the_rest() {
    let (code, checks) = judge("cpu_only.json");
    assert_eq!(code, 1);
    assert_eq!(failing_ids(&checks), vec!["driver.nvml".to_string()]);
    let nvml = checks
        .iter()
        .find(|c| c["id"] == "driver.nvml")
        .expect("driver.nvml");
    assert!(nvml["summary"]
        .as_str()
        .is_some_and(|s| s.starts_with("no NVIDIA driver")));
    for id in [
        "driver.kernel_module_matches",
        "driver.cuda_init",
        "gpu.compute_capability",
        "cuda.runtime.driver_sufficient",
        "environment.cuda_visible_devices",
    ] {
        expect("cpu_only", &checks, id, "SKIP");
    }
    assert!(!checks.iter().any(|c| c["status"] == "WARN"), "{checks:#?}");
}
