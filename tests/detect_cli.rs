//! `hwcheck detect` and the doctor's detection check, end to end with the reference ONNX
//! Runtime (HWCHECK_REFERENCE_ORT, set by scripts/test.sh): the bundled detector PASSes on the
//! CPU, the YOLO layouts decode the hand-known boxes of tests/fixtures/detect (made by
//! tools/make_layout_fixtures.py), and every bad input is a clear exit-2 error.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::check;

const REFERENCE_VAR: &str = "HWCHECK_REFERENCE_ORT";

fn reference_ort() -> Option<String> {
    let lib = std::env::var(REFERENCE_VAR).ok().filter(|v| !v.is_empty());
    if lib.is_none() {
        eprintln!("skipped: {REFERENCE_VAR} is not set (scripts/test.sh sets it)");
    }
    lib
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/detect")
        .join(name)
}

/// Runs hwcheck with `args`; returns (exit code, stdout, stderr).
fn hwcheck(args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("hwcheck")
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("hwcheck runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}\nstderr: {stderr}"))
}

/// A 128x64 grey PNG: letterboxed into the fixtures' 64x64 input at scale 0.5.
fn wide_picture(dir: &Path) -> PathBuf {
    let path = dir.join("wide.png");
    image::RgbImage::from_pixel(128, 64, image::Rgb([90, 90, 90]))
        .save(&path)
        .expect("write picture");
    path
}

#[test]
fn the_bundled_detector_passes_on_the_cpu_and_annotates() {
    let Some(ort) = reference_ort() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annotated");
    let (code, stdout, stderr) = hwcheck(&[
        "detect",
        "--ort",
        &ort,
        "--runs",
        "3",
        "--format",
        "json",
        "--annotate",
        out.to_str().unwrap(),
    ]);
    let report = json(&stdout, &stderr);
    assert_eq!(
        check(&report, "detection.cpu")["status"],
        "PASS",
        "{report}"
    );
    assert_eq!(code, 0, "{stderr}");
    for name in ["astronaut", "camera", "grace_hopper", "rocket"] {
        let png = out.join(format!("{name}.cpu.png"));
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert!(img.width() > 100);
    }
    let timings = &report["facts"]["detection"]["runs"][0]["timings"];
    assert_eq!(timings["runs"], 3);
    assert!(timings["median_ms"].as_f64().unwrap() > 0.0, "{timings}");
}

#[test]
fn the_doctor_runs_detection_with_no_detection_flags() {
    let Some(ort) = reference_ort() else { return };
    let (_, stdout, stderr) = hwcheck(&["--ort", &ort, "--format", "json"]);
    let report = json(&stdout, &stderr);
    assert_eq!(
        check(&report, "detection.cpu")["status"],
        "PASS",
        "{report}"
    );
}

/// The one person both YOLO fixtures leave after threshold, class filter and NMS.
fn assert_one_centred_person(stdout: &str, stderr: &str, layout: &str) {
    let report = json(stdout, stderr);
    let run = &report["facts"]["detection"]["runs"][0];
    assert!(
        run["layout"].as_str().unwrap_or_default().contains(layout),
        "{run}"
    );
    let people = run["images"][0]["people"].as_array().expect("people");
    assert_eq!(people.len(), 1, "{run}");
    let p = &people[0];
    assert!((p["score"].as_f64().unwrap() - 0.9).abs() < 1e-5, "{p}");
    for (edge, want) in [
        ("ymin", 0.25),
        ("xmin", 0.25),
        ("ymax", 0.75),
        ("xmax", 0.75),
    ] {
        let got = p["bbox"][edge].as_f64().unwrap();
        assert!((got - want).abs() < 1e-5, "{edge}: {got} (want {want})");
    }
    assert_eq!(check(&report, "detection.cpu")["status"], "PASS");
}

#[test]
fn yolo_layouts_decode_hand_known_boxes() {
    let Some(ort) = reference_ort() else { return };
    let dir = tempfile::tempdir().unwrap();
    let picture = wide_picture(dir.path());
    for (model, layout) in [
        ("yolo_channels_first.onnx", "[1, 4+C, N]"),
        ("yolo_rows_first.onnx", "[1, N, 5+C]"),
    ] {
        let (code, stdout, stderr) = hwcheck(&[
            "detect",
            "--ort",
            &ort,
            "--model",
            fixture(model).to_str().unwrap(),
            "--image",
            picture.to_str().unwrap(),
            "--runs",
            "1",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{model}: {stderr}");
        assert_one_centred_person(&stdout, &stderr, layout);
    }
}

/// Runs `detect` on `model` and `picture`; asserts exit 2 and a message containing `want`.
fn assert_refused(ort: Option<&str>, model: &Path, picture: Option<&Path>, want: &str) {
    let mut args = vec!["detect".to_string()];
    if let Some(ort) = ort {
        args.extend(["--ort".to_string(), ort.to_string()]);
    }
    args.extend(["--model".to_string(), model.display().to_string()]);
    if let Some(p) = picture {
        args.extend(["--image".to_string(), p.display().to_string()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, stderr) = hwcheck(&refs);
    assert_eq!(code, 2, "{}: {stderr}", model.display());
    assert!(stderr.contains(want), "want {want:?} in: {stderr}");
}

#[test]
fn bad_models_are_exit_2_with_the_reason() {
    let Some(ort) = reference_ort() else { return };
    let dir = tempfile::tempdir().unwrap();
    let not_onnx = dir.path().join("not.onnx");
    std::fs::write(&not_onnx, b"this is not a protobuf").unwrap();
    assert_refused(Some(&ort), &not_onnx, None, "unusable model");
    assert_refused(Some(&ort), &fixture("wrong_rank.onnx"), None, "rank 3");
    assert_refused(
        Some(&ort),
        &fixture("classifier.onnx"),
        None,
        "cannot interpret the model's outputs logits [1, 1000]",
    );
}

#[test]
fn bad_files_are_refused_before_any_session() {
    // No ONNX Runtime needed: inputs are checked first.
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("yolo_channels_first.onnx");
    let empty_model = dir.path().join("empty.onnx");
    std::fs::write(&empty_model, b"").unwrap();
    assert_refused(None, &empty_model, None, "is empty");
    assert_refused(
        None,
        &dir.path().join("missing.onnx"),
        None,
        "cannot read model",
    );
    let empty_picture = dir.path().join("empty.png");
    std::fs::write(&empty_picture, b"").unwrap();
    assert_refused(None, &model, Some(&empty_picture), "the image is empty");
    let corrupt = dir.path().join("corrupt.jpg");
    std::fs::write(&corrupt, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    assert_refused(None, &model, Some(&corrupt), "cannot decode the image");
}

#[test]
fn detect_on_a_picture_prints_each_box_in_pixels_and_where_annotations_went() {
    let Some(ort) = reference_ort() else { return };
    let picture = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/images/astronaut.png");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annotated");
    let (code, stdout, stderr) = hwcheck(&[
        "detect",
        "--ort",
        &ort,
        "--runs",
        "1",
        "--image",
        picture.to_str().unwrap(),
        "--annotate",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("People found (box x0,y0,x1,y1 in pixels; score):"),
        "{stdout}"
    );
    assert!(
        stdout.contains("astronaut.png (512x512): 1 person(s)"),
        "{stdout}"
    );
    let line = regex::Regex::new(r"\n  1\. \d+,\d+,\d+,\d+  score 0\.\d\d\n").unwrap();
    assert!(line.is_match(&stdout), "{stdout}");
    let written = out.join("astronaut.cpu.png");
    assert!(written.is_file());
    assert!(
        stderr.contains(&format!("into {}: {}", out.display(), written.display())),
        "{stderr}"
    );
}

/// The CUDA provider's variant of the bundled detector (depthwise convolutions rewritten as
/// Pad + Slice + Mul + Sum) gives the golden answers too: run here on the CPU provider, where
/// it must find what the bundled model finds on every bundled picture, to float rounding.
#[test]
fn the_cuda_variant_of_the_bundled_detector_finds_the_same_people() {
    let Some(ort) = reference_ort() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let variant = hwcheck_detect::depthwise::split_depthwise(hwcheck_detect::bundled::MODEL)
        .expect("the bundled model rewrites");
    assert_eq!(variant.rewritten, 33);
    let path = dir.path().join("cuda-variant.onnx");
    std::fs::write(&path, &variant.bytes).expect("write variant");
    let mut found = Vec::new();
    for model in [None, Some(path.to_str().expect("utf-8 path"))] {
        let mut args = vec!["detect", "--ort", &ort, "--providers", "cpu", "--runs", "1"];
        args.extend(["--format", "json"]);
        if let Some(m) = model {
            args.extend(["--model", m]);
        }
        let (code, out, err) = hwcheck(&args);
        assert_eq!(code, 0, "{out}\n{err}");
        let report = json(&out, &err);
        found.push(report["facts"]["detection"]["runs"][0]["images"].clone());
    }
    let (bundled, rewritten) = (&found[0], &found[1]);
    let images = bundled.as_array().expect("images");
    assert_eq!(images.len(), 4);
    for (a, b) in images.iter().zip(rewritten.as_array().expect("images")) {
        let (pa, pb) = (
            a["people"].as_array().unwrap(),
            b["people"].as_array().unwrap(),
        );
        assert_eq!(pa.len(), pb.len(), "{a} vs {b}");
        for (x, y) in pa.iter().zip(pb) {
            let close = |k: &str, v: &Value, w: &Value| {
                let (v, w) = (v[k].as_f64().unwrap(), w[k].as_f64().unwrap());
                assert!((v - w).abs() < 1e-4, "{k}: {v} vs {w}");
            };
            close("score", x, y);
            for k in ["ymin", "xmin", "ymax", "xmax"] {
                close(k, &x["bbox"], &y["bbox"]);
            }
        }
    }
}
