//! Text output fits the width: `COLUMNS` (at least 80) wraps the report, `explain`, `image` and
//! `compat`; piped without `COLUMNS` nothing is wrapped. Only a single unbreakable token (a path
//! or URL longer than the width, kept whole so it can be copied) may run past the width.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts")
        .join(name)
}

/// Runs `hwcheck args…` with `COLUMNS` set (or removed); returns stdout.
fn run(args: &[&str], columns: Option<&str>) -> String {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.env("NO_COLOR", "1").env_remove("COLUMNS").args(args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().expect("hwcheck runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Lines wider than `width` that are more than one unbreakable token (after the indent).
fn overflowing(text: &str, width: usize) -> Vec<&str> {
    text.lines()
        .filter(|l| l.chars().count() > width)
        .filter(|l| l.trim().contains(char::is_whitespace))
        .collect()
}

fn facts(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

#[test]
fn the_report_at_columns_80_overflows_only_with_unbreakable_tokens() {
    for name in [
        "compat_first_on_path.json",
        "hidden_cublaslt.json",
        "cuda_visible_devices_empty.json",
        "container_without_gpus.json",
        "h100_recorded_ortgpu.json",
    ] {
        let out = run(&["--facts", &facts(name)], Some("80"));
        assert!(out.contains("verdict:"), "{name}: {out}");
        assert_eq!(overflowing(&out, 80), Vec::<&str>::new(), "{name}:\n{out}");
        // The only lines past 80 are whole paths or URLs (maybe in brackets).
        for line in out.lines().filter(|l| l.chars().count() > 80) {
            assert!(line.trim().contains('/'), "{name}: {line}");
        }
    }
}

#[test]
fn columns_below_80_count_as_80_and_a_pipe_is_not_wrapped() {
    let f = facts("compat_first_on_path.json");
    assert_eq!(
        run(&["--facts", &f], Some("40")),
        run(&["--facts", &f], Some("80"))
    );
    let piped = run(&["--facts", &f], None);
    let header = piped.lines().next().unwrap();
    assert!(header.chars().count() > 120, "{header}");
    assert!(header.ends_with("container: docker (/.dockerenv exists)"));
    let wide = run(&["--facts", &f], Some("200"));
    assert!(wide.lines().any(|l| l.chars().count() > 120), "{wide}");
    assert_eq!(overflowing(&wide, 200), Vec::<&str>::new(), "{wide}");
}

#[test]
fn explain_image_and_compat_wrap_to_columns() {
    let commands: [&[&str]; 3] = [
        &[
            "explain",
            "--no-probe",
            "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory",
        ],
        &[
            "image",
            "nvidia/cuda:13.2.0-runtime-ubuntu24.04",
            "--driver",
            "535.104.05",
            "--gpu",
            "RTX 4090",
        ],
        &["compat", "--cuda", "11.4", "--driver", "450.80.02"],
    ];
    for args in commands {
        let piped = run(args, None);
        let out = run(args, Some("80"));
        assert!(!out.is_empty(), "{args:?}");
        assert!(
            piped.lines().any(|l| l.chars().count() > 80),
            "{args:?}: nothing to wrap in\n{piped}"
        );
        assert_eq!(
            overflowing(&out, 80),
            Vec::<&str>::new(),
            "{args:?}:\n{out}"
        );
    }
}
