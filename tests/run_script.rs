//! scripts/run.sh: shows the build's progress, then runs the built binary itself (not through
//! `cargo run`), so a report made through it records the caller's LD_LIBRARY_PATH, not cargo's.
//!
//! A fake `cargo` first on PATH stands in for the real one (a release build takes minutes): it
//! prints build progress, sets its own LD_LIBRARY_PATH (as `cargo run` would for its child), and
//! "builds" by copying this test's hwcheck binary into its target directory.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_script_ends_by_running_the_built_binary_not_cargo_run() {
    let script = std::fs::read_to_string(repo().join("scripts/run.sh")).unwrap();
    let last = script.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert_eq!(last, r#"exec "$bin" "$@" "${extra[@]}""#);
    let code: Vec<&str> = script
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert!(!code.iter().any(|l| l.contains("cargo run")), "{script}");
    assert!(code
        .iter()
        .any(|l| l.contains("cargo build") && !l.contains("--quiet")));
}

#[test]
fn a_report_made_through_run_sh_records_the_callers_library_path() {
    let dir = tempfile::tempdir().unwrap();
    let fake_bin = dir.path().join("bin");
    let target = dir.path().join("target");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let cargo = fake_bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            r#"#!/bin/sh
export LD_LIBRARY_PATH=/cargo/leaked/deps
case "$1" in
  build)
    echo "   Compiling hwcheck (fake)" >&2
    mkdir -p '{target}/release' && cp '{exe}' '{target}/release/hwcheck'
    echo "    Finished release (fake)" >&2 ;;
  metadata) echo '{{"packages":[],"target_directory":"{target}","version":1}}' ;;
  *) echo "fake cargo: unexpected $*" >&2; exit 3 ;;
esac
"#,
            target = target.display(),
            exe = env!("CARGO_BIN_EXE_hwcheck"),
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        fake_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let caller = "/opt/caller/lib:/usr/local/caller";
    let out = Command::new("bash")
        .arg(repo().join("scripts/run.sh"))
        .args(["--quick", "--format", "json"])
        .env("PATH", path)
        .env("LD_LIBRARY_PATH", caller)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Compiling hwcheck (fake)"),
        "build progress not shown: {stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}); stderr: {stderr}"));
    assert_eq!(
        report["facts"]["environment"]["variables"]["LD_LIBRARY_PATH"], caller,
        "stderr: {stderr}"
    );
}
