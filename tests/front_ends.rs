//! End-to-end tests of the front ends: `explain`, `image`, `compat`, `--require`, `--format
//! junit`, `diff`. Each runs the real binary on saved facts (or a planned host), happy path and
//! bad input.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{check, ids};

const RUN_LIMIT: Duration = Duration::from_secs(120);

fn hwcheck() -> Command {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.timeout(RUN_LIMIT).env("NO_COLOR", "1");
    cmd
}

/// Runs `hwcheck args…` with `stdin`, returning (exit code, stdout, stderr).
fn run_with(args: &[&str], stdin: Vec<u8>) -> (i32, String, String) {
    let out = hwcheck()
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("hwcheck runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    run_with(args, Vec::new())
}

/// Facts of a host with `driver` (CUDA `cuda`) and one H100, saved as `dir/name`.
fn facts(dir: &Path, name: &str, driver: &str, cuda: &str) -> PathBuf {
    let value = json!({
        "schema_version": 1,
        "hwcheck_version": "0.1.0",
        "host": {"os": "linux", "arch": "x86_64"},
        "driver": {
            "nvml": {
                "library_path": "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
                "driver_version": driver,
                "cuda_driver_version": cuda,
                "device_count": 1
            },
            "kernel_module": {"version": driver, "raw": format!("NVRM version: NVIDIA UNIX x86_64 Kernel Module  {driver}")}
        },
        "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "memory_total_bytes": 85520809984u64}],
        "cuda_driver_api": {"driver_api_version": cuda, "init_code": 0, "device_count": 1}
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    path
}

fn h100(dir: &Path) -> PathBuf {
    facts(dir, "h100.json", "580.159.04", "13.0")
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

// ---- explain ----

#[test]
fn explain_names_cause_fix_check_and_source() {
    let (code, out, _) = run(&[
        "explain",
        "--no-probe",
        "Failed to initialize NVML: Driver/library version mismatch",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("cause:") && out.contains("Reboot"), "{out}");
    assert!(out.contains("source:  https://github.com/"), "{out}");
    assert!(out.contains("check:"), "{out}");
}

#[test]
fn explain_reads_stdin_and_looks_at_saved_facts() {
    let dir = tempfile::tempdir().unwrap();
    let f = h100(dir.path());
    let text = b"2024 W onnxruntime: Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory\n".to_vec();
    let (code, out, err) = run_with(
        &[
            "explain",
            "-",
            "--facts",
            f.to_str().unwrap(),
            "--format",
            "json",
        ],
        text,
    );
    assert_eq!(code, 0, "{out}{err}");
    let doc = parse(&out);
    let ids = ids(&doc["matches"]);
    assert!(
        ids.contains(&"ort-provider-cuda-missing-cublaslt-12"),
        "{ids:?}"
    );
    assert!(doc["machine"].as_str().unwrap().contains("h100.json"));
    assert_eq!(doc["matches"][0]["this_machine"]["checked"], true);
}

#[test]
fn explain_unknown_text_is_exit_1_with_a_message() {
    let (code, out, _) = run(&["explain", "--no-probe", "the coffee machine is empty"]);
    assert_eq!(code, 1);
    assert!(out.contains("unknown: this text matches none"), "{out}");
    assert!(out.contains("hwcheck --format json > report.json"), "{out}");
}

#[test]
fn explain_empty_text_is_a_usage_error() {
    for text in ["", "   \n\t"] {
        let (code, _, err) = run(&["explain", text]);
        assert_eq!(code, 2, "{text:?}");
        assert!(err.contains("explain needs the error text"), "{err}");
    }
    let (code, _, _) = run_with(&["explain", "-"], Vec::new());
    assert_eq!(code, 2);
}

#[test]
fn explain_a_megabyte_of_garbage_is_fast_and_safe() {
    // Pseudo-random bytes (not UTF-8 in places), a little more than 1 MiB.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..(1 << 20) + 4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let start = Instant::now();
    let (code, out, err) = run_with(&["explain", "-", "--no-probe"], garbage);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("only the first 1024 KiB were searched"),
        "{out}"
    );
    // A known message buried in garbage is still found.
    let mut mixed = vec![b'x'; 500_000];
    mixed.extend_from_slice(b"Error 804: forward compatibility was attempted on non supported HW");
    mixed.extend(vec![b'y'; 400_000]);
    let (code, out, _) = run_with(&["explain", "-", "--no-probe"], mixed);
    assert_eq!(code, 0);
    assert!(
        out.contains("pytorch-804-forward-compat-cudagetdevicecount"),
        "{out}"
    );
}

#[test]
fn explain_a_10_mb_paste_is_bounded_and_says_so() {
    let mut paste =
        b"RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
            .to_vec();
    while paste.len() < 10 << 20 {
        paste.extend_from_slice(b"  File \"/venv/lib/python3.11/site-packages/torch/nn/modules/module.py\", line 1501, in _call_impl\n");
    }
    let start = Instant::now();
    let (code, out, err) = run_with(&["explain", "-", "--no-probe", "--format", "json"], paste);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(code, 0, "{out}{err}");
    let doc = parse(&out);
    assert_eq!(doc["truncated"], true);
    assert_eq!(
        doc["matches"][0]["id"],
        "pytorch-no-kernel-image-runtime-error"
    );
    assert!(!out.contains("\\\\."), "no regex in the output: {out}");
}

#[test]
fn explain_binary_garbage_is_unknown_not_a_panic() {
    let garbage: Vec<u8> = (0u32..65_536)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let (code, out, err) = run_with(&["explain", "-", "--no-probe"], garbage);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("unknown:") && !err.contains("panicked"),
        "{out}{err}"
    );
}

#[test]
fn explain_against_a_report_from_a_newer_hwcheck_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.json");
    std::fs::write(
        &path,
        r#"{"schema_version": 999, "hwcheck_version": "9.0.0"}"#,
    )
    .unwrap();
    let (code, _, err) = run(&[
        "explain",
        "--facts",
        path.to_str().unwrap(),
        "CUDA error: out of memory",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("newer hwcheck") && err.contains("999"),
        "{err}"
    );
}

#[test]
fn explain_on_a_machine_without_a_driver_says_so_instead_of_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&[
        "explain",
        "--root",
        dir.path().to_str().unwrap(),
        "the coffee machine is empty",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("no usable NVIDIA driver") && !out.contains("unknown:"),
        "{out}"
    );
}

// ---- image / compat ----

#[test]
fn image_unknown_tags_are_usage_errors() {
    for reference in [
        "nvidia/cuda:latest",
        "nvidia/cuda:11.4.1",
        "pytorch/pytorch:latest",
        "nvcr.io/nvidia/pytorch:99.01-py3",
        "ubuntu:22.04",
        "",
    ] {
        let (code, _, err) = run(&["image", reference, "--driver", "580.65.06", "--gpu", "H100"]);
        assert_eq!(code, 2, "{reference:?}: {err}");
        assert!(err.contains("cannot judge image"), "{reference:?}: {err}");
    }
}

#[test]
fn image_on_a_planned_host_passes_or_fails_with_newer_options() {
    let old = [
        "image",
        "nvidia/cuda:13.2.0-runtime-ubuntu24.04",
        "--driver",
        "535.104.05",
        "--gpu",
        "RTX 4090",
    ];
    let (code, out, err) = run(&old);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("verdict: FAIL"), "{out}");
    assert!(out.contains("what this host does run"), "{out}");
    assert!(out.contains("nvidia/cuda:12."), "{out}");

    let (code, out, err) = run(&[
        "image",
        "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04",
        "--driver",
        "580.159.04",
        "--gpu",
        "H100",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("verdict: PASS"), "{out}");
}

#[test]
fn image_reads_ngc_and_pytorch_tags_and_judges_this_hosts_facts() {
    let dir = tempfile::tempdir().unwrap();
    let f = h100(dir.path());
    let (code, out, err) = run(&[
        "image",
        "nvcr.io/nvidia/pytorch:24.05-py3",
        "--facts",
        f.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let doc = parse(&out);
    assert!(
        doc["details"].as_str().unwrap().contains("CUDA 12.4.1"),
        "{doc}"
    );
    assert_eq!(doc["verdict"], "PASS");
    let (code, out, _) = run(&[
        "image",
        "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        "--facts",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PyTorch 2.5.1, CUDA 12.4, cuDNN 9"), "{out}");
}

#[test]
fn compat_judges_a_cuda_version_against_a_driver() {
    let (code, out, _) = run(&["compat", "--cuda", "11.4", "--driver", "450.80.02"]);
    assert_eq!(code, 0, "{out}");
    let with_gpu = |gpu| {
        run(&[
            "compat",
            "--cuda",
            "12.4",
            "--driver",
            "450.80.02",
            "--gpu",
            gpu,
        ])
    };
    let (code, out, _) = with_gpu("T4");
    assert_eq!(code, 1, "{out}");
    let (code, _, err) = run(&["compat", "--cuda", "twelve", "--driver", "450.80.02"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = with_gpu("Voodoo 5");
    assert_eq!(code, 2);
    assert!(err.contains("unknown GPU"), "{err}");
}

// ---- --require and --format junit ----

#[test]
fn requirements_become_checks_and_impossible_ones_fail() {
    let dir = tempfile::tempdir().unwrap();
    let f = h100(dir.path());
    let (code, out, _) = run(&[
        "--facts",
        f.to_str().unwrap(),
        "--format",
        "json",
        "--require",
        "driver>=535",
        "--require",
        "cuda>=12.2",
        "--require",
        "gpu.memory>=16GiB",
        "--require",
        "cc>=8.0",
        "--require",
        "driver>=9999",
    ]);
    assert_eq!(code, 1, "an unmet requirement fails the run");
    let report = parse(&out);
    for id in [
        "require.driver",
        "require.cuda",
        "require.gpu.memory",
        "require.cc",
    ] {
        assert_eq!(check(&report, id)["status"], "PASS", "{id}");
    }
    let impossible = check(&report, "require.driver#2");
    assert_eq!(impossible["status"], "FAIL");
    assert!(impossible["summary"]
        .as_str()
        .unwrap()
        .contains("driver>=9999"));
}

#[test]
fn malformed_requirements_are_usage_errors() {
    for expr in [
        "driver",
        "drivr>=535",
        "gpu.memory>=lots",
        "provider>=cuda",
        "",
    ] {
        let (code, _, err) = run(&["--quick", "--require", expr]);
        assert_eq!(code, 2, "{expr:?}");
        assert!(err.contains("invalid --require"), "{err}");
    }
}

#[test]
fn junit_has_one_testcase_per_check() {
    let dir = tempfile::tempdir().unwrap();
    let f = h100(dir.path());
    let args = ["--facts", f.to_str().unwrap(), "--require", "driver>=9999"];
    let (_, json_out, _) = run(&[&args[..], &["--format", "json"]].concat());
    let checks = parse(&json_out)["checks"].as_array().unwrap().len();
    let (code, xml, _) = run(&[&args[..], &["--format", "junit"]].concat());
    assert_eq!(code, 1);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(xml.matches("<testcase ").count(), checks);
    assert!(xml.contains("classname=\"requirements\" name=\"require.driver\""));
    assert!(xml.contains("driver&gt;=9999"));
    assert_eq!(xml.matches("<testsuite ").count(), 1);
}

// ---- diff ----

#[test]
fn diff_shows_what_changed_between_two_reports() {
    let dir = tempfile::tempdir().unwrap();
    let a = facts(dir.path(), "a.json", "550.90.07", "12.4");
    let b = facts(dir.path(), "b.json", "550.107.02", "12.4");
    let (code, out, _) = run(&["diff", a.to_str().unwrap(), a.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("no differences"), "{out}");
    let (code, out, _) = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("550.90.07") && out.contains("550.107.02"),
        "{out}"
    );
    let (_, out, _) = run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let doc = parse(&out);
    assert!(doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["section"] == "driver" && c["after"] == "550.107.02"));
}

#[test]
fn diff_of_missing_or_garbage_files_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = h100(dir.path());
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "\u{0}\u{1}not json at all").unwrap();
    for other in [dir.path().join("missing.json"), garbage] {
        let (code, _, err) = run(&["diff", a.to_str().unwrap(), other.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("cannot use facts file"), "{err}");
    }
}
