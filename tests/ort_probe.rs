//! End-to-end ONNX Runtime probes through the real binary and a real ORT library.
//!
//! Needs the reference runtime: scripts/test.sh runs scripts/fetch-reference-ort.sh and sets
//! HWCHECK_REFERENCE_ORT. Without it these tests print why and pass without checking anything.
//! HWCHECK_REFERENCE_ORT_GPU (from `scripts/fetch-reference-ort.sh --gpu`) adds the GPU-build
//! test: on a machine without CUDA its CUDA provider must fail naming the missing library.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::time::{Duration, Instant};
use support::{check, ids};

fn reference() -> Option<String> {
    match std::env::var("HWCHECK_REFERENCE_ORT") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: HWCHECK_REFERENCE_ORT is unset (run scripts/test.sh, which fetches the reference runtime)");
            None
        }
    }
}

/// Runs hwcheck with JSON output; returns (exit code, report).
fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = Command::cargo_bin("hwcheck").unwrap();
    cmd.args(args).args(["--format", "json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.timeout(Duration::from_secs(120)).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {code}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

fn summary(c: &Value) -> &str {
    c["summary"].as_str().unwrap_or_default()
}

#[test]
fn reference_runtime_runs_a_real_cpu_session_and_reports_gpu_providers_as_not_built() {
    let Some(lib) = reference() else { return };
    let (code, report) = run(&["--ort", &lib], &[]);
    assert!(code == 0 || code == 1, "exit {code}");
    let cpu = check(&report, "ort.provider.cpu");
    assert_eq!(cpu["status"], "PASS", "{cpu:#}");
    let install = &report["facts"]["ort"]["installs"][0];
    assert_eq!(install["version"], "1.31.1");
    let cpu_probe = &install["providers"][0];
    assert_eq!(cpu_probe["provider"], "CPUExecutionProvider");
    assert!(cpu_probe["session_ms"].as_f64().unwrap() > 0.0);
    assert!(cpu_probe["steady_runs"].as_u64().unwrap() >= 1);
    for id in ["ort.provider.cuda", "ort.provider.tensorrt"] {
        let c = check(&report, id);
        assert!(summary(c).contains("not built into this ORT"), "{c:#}");
        assert_ne!(c["status"], "PASS");
    }
}

#[test]
fn the_reference_runtime_is_labelled_as_such() {
    let Some(lib) = reference() else { return };
    let (_, report) = run(
        &["--reference-runtime"],
        &[("HWCHECK_REFERENCE_ORT", lib.as_str())],
    );
    let installs = report["facts"]["ort"]["installs"].as_array().unwrap();
    let reference = installs
        .iter()
        .find(|i| i["is_reference"] == true)
        .expect("the reference runtime is probed when asked for");
    assert_eq!(reference["version"], "1.31.1");
    let labelled = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| summary(c).contains("(reference runtime)") && c["status"] == "PASS");
    assert!(labelled, "{:#}", report["checks"]);
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the test-hooks feature (scripts/test.sh enables it)"
)]
fn a_hanging_probe_is_a_timed_out_fail_row_and_hwcheck_exits_normally() {
    let Some(lib) = reference() else { return };
    let started = Instant::now();
    // One provider's child hangs: that provider FAILs with the timeout, the others still run.
    let (code, report) = run(
        &["--ort", &lib, "--timeout", "1", "--no-detect"],
        &[("HWCHECK_TEST_HANG_PROBE", "ort:cuda")],
    );
    assert_eq!(code, 1, "a FAIL gives exit 1, not a crash");
    let cuda = check(&report, "ort.provider.cuda");
    assert_eq!(cuda["status"], "FAIL");
    assert!(summary(cuda).contains("timed out after 1 s"), "{cuda:#}");
    assert_eq!(check(&report, "ort.provider.cpu")["status"], "PASS");
    // The CPU child hangs: the library itself is suspect, so no other provider is tried and the
    // run still ends after about one timeout.
    let (code, report) = run(
        &["--ort", &lib, "--timeout", "1", "--no-detect"],
        &[("HWCHECK_TEST_HANG_PROBE", "ort:cpu")],
    );
    assert_eq!(code, 1, "a FAIL gives exit 1, not a crash");
    let runtime = check(&report, "ort.runtime");
    assert_eq!(runtime["status"], "FAIL");
    assert!(
        summary(runtime).contains("timed out after 1 s"),
        "{runtime:#}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_corrupt_ort_library_is_a_clear_fail() {
    if reference().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libonnxruntime.so.1.31.1");
    std::fs::write(&lib, b"\x7fELF but not really a library").unwrap();
    let (code, report) = run(&["--ort", lib.to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    let c = check(&report, "ort.runtime");
    assert_eq!(c["status"], "FAIL");
    assert!(summary(c).contains("cannot be loaded"), "{c:#}");
    assert!(
        c["fix"].as_str().unwrap().contains("not a loadable"),
        "{c:#}"
    );
}

#[test]
fn the_gpu_build_without_cuda_names_every_missing_library() {
    let Ok(lib) = std::env::var("HWCHECK_REFERENCE_ORT_GPU") else {
        eprintln!(
            "skipped: HWCHECK_REFERENCE_ORT_GPU is unset (scripts/fetch-reference-ort.sh --gpu)"
        );
        return;
    };
    let (code, report) = run(&["--ort", &lib], &[("LD_LIBRARY_PATH", "")]);
    assert_eq!(code, 1);
    let cuda = check(&report, "ort.provider.cuda");
    if cuda["status"] == "PASS" {
        eprintln!("skipped: CUDA works on this machine");
        return;
    }
    assert_eq!(cuda["status"], "FAIL");
    assert!(summary(cuda).contains("libcublasLt.so.13"), "{cuda:#}");
    let trt = check(&report, "ort.provider.tensorrt");
    let evidence = trt["evidence"].to_string();
    assert!(evidence.contains("libnvinfer.so.10"), "{trt:#}");
}

#[test]
fn providers_limits_the_probed_providers_to_the_cpu_and_those_asked_for() {
    let Some(lib) = reference() else { return };
    let (_, report) = run(&["--ort", &lib, "--no-detect", "--providers", "cuda"], &[]);
    let ids = ids(&report["checks"]);
    assert!(ids.contains(&"ort.provider.cpu"), "{ids:?}");
    assert!(ids.contains(&"ort.provider.cuda"), "{ids:?}");
    assert!(!ids.contains(&"ort.provider.tensorrt"), "{ids:?}");
    let skipped = report["facts"]["skipped"].to_string();
    assert!(skipped.contains("--providers"), "{skipped}");
}

/// On a machine without a GPU (CI), a gate on the CPU provider decides the verdict: the run
/// exits 0 although `driver.nvml` fails there, and an unmet gate still exits 1.
#[test]
fn a_cpu_only_runner_can_gate_on_the_cpu_provider() {
    let Some(lib) = reference() else { return };
    let gpu_present = std::path::Path::new("/dev/nvidiactl").exists();
    let (code, report) = run(
        &["--ort", &lib, "--no-detect", "--require", "provider=cpu"],
        &[],
    );
    let gate = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "require.provider")
        .unwrap_or_else(|| panic!("no gate row: {report:#}"));
    assert_eq!(gate["status"], "PASS", "{gate:#}");
    assert_eq!(code, 0, "the passing gate decides: {:#}", report["counts"]);
    if !gpu_present {
        let (code, _) = run(
            &["--ort", &lib, "--no-detect", "--require", "provider=cuda"],
            &[],
        );
        assert_eq!(code, 1, "an unmet gate fails the run");
    }
}

#[test]
fn a_detector_that_kills_its_child_leaves_the_session_probe_standing() {
    let Some(lib) = reference() else { return };
    // The detector runs in the provider's own child beside its session probe: when it takes
    // the process down, the probe is re-run alone and the detector's crash is its own FAIL.
    let (code, report) = run(
        &["--ort", &lib, "--providers", "cpu"],
        &[("HWCHECK_TEST_HANG_PROBE", "sequel:crash")],
    );
    assert_eq!(code, 1, "a FAIL gives exit 1, not a crash");
    assert_eq!(check(&report, "ort.provider.cpu")["status"], "PASS");
    let detection = check(&report, "detection.cpu");
    assert_eq!(detection["status"], "FAIL", "{detection:#}");
    assert!(detection.to_string().contains("SIGABRT"), "{detection:#}");
}
