//! Verified fixes for a provider session: a fake root with a real (CPU) ONNX Runtime in a venv
//! whose CUDA provider is stood in for by a provider library (the `test-hooks` feature's
//! HWCHECK_TEST_PROVIDER_LIBRARY) that needs libcublasLt.so.12, hidden in the venv's
//! `nvidia/cublas/lib`. With a copy that has what the provider needs, putting that directory
//! first on LD_LIBRARY_PATH is verified; with one that lacks a symbol, it did not help.
//!
//! Needs the reference runtime (HWCHECK_REFERENCE_ORT, set by scripts/test.sh); without it these
//! tests print why and pass without checking anything.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{check, FakeRoot};

/// The venv: a space and a single quote in its path.
const SITE: &str = "/opt/it's my app/.venv/lib/python3.12/site-packages";

fn reference() -> Option<String> {
    match std::env::var("HWCHECK_REFERENCE_ORT") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipped: HWCHECK_REFERENCE_ORT is unset (run scripts/test.sh, which fetches the reference runtime)");
            None
        }
    }
}

/// Compiles `source` into a library without libc (the fake root has none) at `system_path`.
fn compile(root: &FakeRoot, system_path: &str, soname: Option<&str>, source: &str, link: &[&str]) {
    let out = root.at(system_path);
    let src = out.with_extension("c");
    std::fs::write(&src, source).unwrap();
    let mut cc = Command::new("cc");
    cc.args(["-shared", "-fPIC", "-nostdlib", "-Wl,--no-as-needed", "-o"])
        .arg(&out)
        .arg(&src)
        .args(link.iter().map(|l| root.at(l)));
    if let Some(soname) = soname {
        cc.arg(format!("-Wl,-soname,{soname}"));
    }
    assert!(
        cc.status().unwrap().success(),
        "cc failed for {system_path}"
    );
    std::fs::remove_file(src).unwrap();
}

/// The root: the reference ORT in the venv, its CUDA provider library needing
/// libcublasLt.so.12, and the venv's copy of that (with `cublasLtCreate` when `complete`).
fn root(ort: &str, complete: bool) -> FakeRoot {
    let r = FakeRoot::new();
    let capi = format!("{SITE}/onnxruntime/capi");
    let ort = Path::new(ort);
    for entry in std::fs::read_dir(ort.parent().unwrap()).unwrap() {
        let from = entry.unwrap().path();
        let name = from.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("libonnxruntime") {
            std::fs::copy(&from, r.at(&format!("{capi}/{name}"))).unwrap();
        }
    }
    let cublas = format!("{SITE}/nvidia/cublas/lib/libcublasLt.so.12");
    let version = "unsigned long cublasLtGetVersion(void) { return 120403; }\n";
    compile(
        &r,
        &cublas,
        Some("libcublasLt.so.12"),
        &format!("{version}int cublasLtCreate(void **h) {{ *h = 0; return 0; }}\n"),
        &[],
    );
    compile(
        &r,
        &format!("{capi}/libonnxruntime_providers_cuda.so"),
        None,
        "int cublasLtCreate(void **h);\nint uses_cublas(void) { void *h; return cublasLtCreate(&h); }\n",
        &[&cublas],
    );
    if !complete {
        compile(&r, &cublas, Some("libcublasLt.so.12"), version, &[]);
    }
    r
}

fn nvml_facts() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts/h100_healthy.json")
        .display()
        .to_string()
}

/// Runs hwcheck on `root` with the stand-in CUDA provider: (exit code, stdout).
fn hwcheck(root: &FakeRoot, args: &[&str]) -> (i32, String) {
    let out = cargo_bin_cmd!("hwcheck")
        .env_clear()
        .env("HWCHECK_TEST_PROVIDER_LIBRARY", "cuda")
        .args(args)
        .arg("--root")
        .arg(root.path())
        .args(["--timeout", "20", "--nvml-facts", &nvml_facts()])
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn cuda_remedy(root: &FakeRoot) -> Value {
    let (_, out) = hwcheck(root, &["--no-detect", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).expect("a JSON report");
    let cuda = check(&report, "ort.provider.cuda");
    assert_eq!(cuda["status"], "FAIL", "{cuda:#}");
    cuda["remedy"].clone()
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the test-hooks feature (scripts/test.sh enables it)"
)]
fn a_hidden_library_directory_that_fixes_the_session_is_verified() {
    let Some(ort) = reference() else { return };
    let r = root(&ort, true);
    let remedy = cuda_remedy(&r);
    assert_eq!(remedy["verified"], true, "{remedy:#}");
    assert_eq!(
        remedy["outcome"],
        format!("verified: with {SITE}/nvidia/cublas/lib first on LD_LIBRARY_PATH, the CUDA provider session runs")
    );
    let (code, lines) = hwcheck(&r, &["fix"]);
    assert_eq!(code, 0, "{lines}");
    // bash reads the quoted directory back exactly.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{lines}\nprintf %s \"$LD_LIBRARY_PATH\""))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{SITE}/nvidia/cublas/lib"),
        "{lines}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the test-hooks feature (scripts/test.sh enables it)"
)]
fn a_library_directory_that_does_not_fix_the_session_did_not_help() {
    let Some(ort) = reference() else { return };
    let r = root(&ort, false);
    let remedy = cuda_remedy(&r);
    assert_eq!(remedy["verified"], false, "{remedy:#}");
    let outcome = remedy["outcome"].as_str().unwrap();
    assert!(
        outcome.starts_with(&format!(
            "did not help: with {SITE}/nvidia/cublas/lib first on LD_LIBRARY_PATH, the CUDA provider session still fails: "
        )),
        "{outcome}"
    );
    assert!(
        outcome.contains("undefined symbol: cublasLtCreate"),
        "{outcome}"
    );
    let (code, lines) = hwcheck(&r, &["fix"]);
    assert_eq!(code, 1, "{lines}");
    assert!(lines.contains("\n# export LD_LIBRARY_PATH="), "{lines}");
}
