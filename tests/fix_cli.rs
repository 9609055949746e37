//! Verified fixes end to end: the doctor re-running cuInit in a child with each proposed
//! environment change (fake roots with a fake libcuda that reads CUDA_VISIBLE_DEVICES), and
//! `hwcheck fix` printing the lines for bash, zsh and fish from saved reports with trials.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::{check, FakeRoot};

#[cfg(target_arch = "aarch64")]
const LIBDIR: &str = "/usr/lib/aarch64-linux-gnu";
#[cfg(not(target_arch = "aarch64"))]
const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// A directory with a space and a single quote in its name.
const ODD_DIR: &str = "/opt/it's my lib";

/// A fake libcuda whose cuInit fails with CUDA_ERROR_NO_DEVICE (100) while CUDA_VISIBLE_DEVICES
/// is set to anything but "0" (as the real one does for an empty or invalid list), and finds
/// one device otherwise; `always_fails` makes it fail whatever the environment.
fn visible_devices_libcuda(always_fails: bool) -> String {
    format!(
        r#"
#include <stdlib.h>
#include <string.h>
static int hidden(void) {{
    const char *v = getenv("CUDA_VISIBLE_DEVICES");
    return {always_fails} || (v && strcmp(v, "0") != 0);
}}
int cuDriverGetVersion(int *v) {{ *v = 13000; return 0; }}
int cuInit(unsigned flags) {{ (void)flags; return hidden() ? 100 : 0; }}
int cuDeviceGetCount(int *n) {{ *n = hidden() ? 0 : 1; return hidden() ? 100 : 0; }}
int cuDeviceGet(int *d, int i) {{ *d = i; return 0; }}
int cuDeviceGetName(char *name, int len, int d) {{ (void)d; strncpy(name, "Fake GPU", len); return 0; }}
int cuDeviceGetAttribute(int *v, int a, int d) {{ (void)a; (void)d; *v = 0; return 0; }}
int cuGetErrorName(int e, const char **s) {{ *s = e == 100 ? "CUDA_ERROR_NO_DEVICE" : 0; return e == 100 ? 0 : 1; }}
int cuGetErrorString(int e, const char **s) {{ *s = e == 100 ? "no CUDA-capable device is detected" : 0; return e == 100 ? 0 : 1; }}
"#,
        always_fails = i32::from(always_fails)
    )
}

fn root_with_libcuda(always_fails: bool) -> FakeRoot {
    let r = FakeRoot::new();
    r.compile(
        &format!("{LIBDIR}/libcuda.so.580.65.06"),
        "libcuda.so.1",
        &visible_devices_libcuda(always_fails),
        &[],
    );
    r.symlink("libcuda.so.580.65.06", &format!("{LIBDIR}/libcuda.so.1"));
    r
}

/// Driver and GPU facts of a recorded H100 (the fake root has no NVML).
fn nvml_facts() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts/h100_healthy.json")
        .display()
        .to_string()
}

/// `hwcheck fix` on `root` with CUDA_VISIBLE_DEVICES="": (exit code, stdout).
fn fix_on(root: &FakeRoot, shell: &str) -> (i32, String) {
    let nvml = nvml_facts();
    let root = root.path().to_str().unwrap();
    let args = [
        "fix",
        "--shell",
        shell,
        "--root",
        root,
        "--timeout",
        "5",
        "--nvml-facts",
        &nvml,
    ];
    let (code, out, err) = hwcheck(&args, &[("CUDA_VISIBLE_DEVICES", "")]);
    (code, format!("{out}{err}"))
}

/// Runs hwcheck with only `env` set; returns (exit code, stdout, stderr).
fn hwcheck(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.env_clear()
        .envs(env.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(120));
    let out = cmd.output().expect("hwcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The doctor's JSON report on `root` with CUDA_VISIBLE_DEVICES="" and `extra` arguments.
fn doctor(root: &FakeRoot, extra: &[&str]) -> Value {
    let root = root.path().to_str().unwrap();
    let nvml = nvml_facts();
    let mut args = vec![
        "--nvml-facts",
        &nvml,
        "--root",
        root,
        "--no-detect",
        "--format",
        "json",
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    let (_, out, err) = hwcheck(&args, &[("CUDA_VISIBLE_DEVICES", "")]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {err}"))
}

fn remedy(report: &Value, id: &str) -> Value {
    check(report, id)["remedy"].clone()
}

#[test]
fn unsetting_cuda_visible_devices_is_verified_by_rerunning_cuinit() {
    let root = root_with_libcuda(false);
    let report = doctor(&root, &[]);
    assert_eq!(check(&report, "driver.cuda_init")["status"], "FAIL");
    for id in ["driver.cuda_init", "environment.cuda_visible_devices"] {
        let r = remedy(&report, id);
        assert_eq!(r["verified"], true, "{id}: {r:#}");
        assert_eq!(
            r["outcome"],
            "verified: with CUDA_VISIBLE_DEVICES unset, cuInit succeeds (1 device(s))"
        );
    }
    // One trial for both checks, recorded as a fact.
    let trials = report["facts"]["remedy_trials"].as_array().unwrap();
    assert_eq!(trials.len(), 1, "{trials:#?}");
    assert_eq!(trials[0]["rerun"], "cuInit");
    assert_eq!(
        trials[0]["checks"],
        json!(["driver.cuda_init", "environment.cuda_visible_devices"])
    );

    let (code, out) = fix_on(&root, "bash");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\nunset CUDA_VISIBLE_DEVICES\n"), "{out}");
    let (_, fish) = fix_on(&root, "fish");
    assert!(fish.contains("\nset -e CUDA_VISIBLE_DEVICES\n"), "{fish}");
}

#[test]
fn a_change_that_does_not_help_says_so_with_the_new_error_and_fix_exits_1() {
    let root = root_with_libcuda(true);
    let report = doctor(&root, &[]);
    let r = remedy(&report, "driver.cuda_init");
    assert_eq!(r["verified"], false, "{r:#}");
    assert_eq!(
        r["outcome"],
        "did not help: with CUDA_VISIBLE_DEVICES unset, cuInit still fails: CUDA_ERROR_NO_DEVICE (100: no CUDA-capable device is detected)"
    );
    let (code, out) = fix_on(&root, "bash");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\n# unset CUDA_VISIBLE_DEVICES\n"), "{out}");
}

#[test]
fn no_verify_and_quick_leave_remedies_unverified_and_say_why() {
    let root = root_with_libcuda(false);
    let report = doctor(&root, &["--no-verify"]);
    let r = remedy(&report, "driver.cuda_init");
    assert!(r.get("verified").is_none(), "{r:#}");
    assert_eq!(
        r["outcome"],
        "not verified: remedy verification: skipped by --no-verify"
    );
    assert!(report["facts"].get("remedy_trials").is_none());
    let quick = doctor(&root, &["--quick"]);
    assert!(quick["facts"]["skipped"]
        .as_array()
        .unwrap()
        .contains(&json!("remedy verification: skipped by --quick")));
}

/// A saved report (a facts fixture) with `trials` recorded and LD_LIBRARY_PATH replaced.
fn saved_report(dir: &Path, fixture: &str, ld_library_path: &str, trials: Value) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts")
        .join(format!("{fixture}.json"));
    let mut report: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let facts = match report.get_mut("facts") {
        Some(_) => &mut report["facts"],
        None => &mut report,
    };
    facts["environment"]["variables"]["LD_LIBRARY_PATH"] = json!(ld_library_path);
    facts["remedy_trials"] = trials;
    let out = dir.join(format!("{fixture}.json"));
    std::fs::write(&out, report.to_string()).unwrap();
    out.to_str().unwrap().to_string()
}

fn compat_report(dir: &Path) -> String {
    saved_report(
        dir,
        "compat_first_on_path",
        &format!("/usr/local/cuda/compat:{ODD_DIR}:/usr/local/nvidia/lib64"),
        json!([{
            "checks": ["driver.cuda_init", "cuda.forward_compat"],
            "changes": [{"op": "remove_from_list", "name": "LD_LIBRARY_PATH", "dir": "/usr/local/cuda/compat"}],
            "rerun": "cuInit",
            "verified": true,
            "outcome": "verified: with LD_LIBRARY_PATH without /usr/local/cuda/compat, cuInit succeeds (1 device(s))"
        }]),
    )
}

#[test]
fn fix_prints_the_verified_lines_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let compat = compat_report(dir.path());
    let visible = saved_report(
        dir.path(),
        "cuda_visible_devices_empty",
        "/usr/local/nvidia/lib:/usr/local/nvidia/lib64",
        json!([{
            "checks": ["driver.cuda_init", "environment.cuda_visible_devices"],
            "changes": [{"op": "unset", "name": "CUDA_VISIBLE_DEVICES"}],
            "rerun": "cuInit",
            "verified": false,
            "outcome": "did not help: with CUDA_VISIBLE_DEVICES unset, cuInit still fails: CUDA_ERROR_NO_DEVICE (100: no CUDA-capable device is detected)"
        }]),
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = hwcheck(&["fix", "--shell", shell, "--facts", &compat], &[]);
        assert_eq!(code, 0, "{err}");
        settings.bind(|| insta::assert_snapshot!(format!("fix_compat.{shell}"), out));
    }
    let (code, out, _) = hwcheck(&["fix", "--facts", &visible], &[]);
    assert_eq!(code, 1, "failures remain without a verified fix");
    settings.bind(|| insta::assert_snapshot!("fix_did_not_help.bash", out));
}

#[test]
fn bash_reads_back_a_path_with_a_space_and_a_quote_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let compat = compat_report(dir.path());
    let (_, lines, _) = hwcheck(&["fix", "--facts", &compat], &[]);
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("{lines}\nprintf %s \"$LD_LIBRARY_PATH\""))
        .output()
        .expect("bash runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{ODD_DIR}:/usr/local/nvidia/lib64")
    );
}
