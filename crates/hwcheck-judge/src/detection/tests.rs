use super::*;
use hwcheck_detect::golden::GoldenImage;
use hwcheck_model::check::Status;
use hwcheck_model::facts::detection::{BBox, ImageDetections};
use hwcheck_model::facts::ort::Provider;
use hwcheck_model::facts::ProbeError;

fn person(score: f32, xmax: f32) -> Detection {
    Detection {
        bbox: BBox {
            ymin: 0.1,
            xmin: 0.0,
            ymax: 1.0,
            xmax,
        },
        score,
    }
}

fn golden() -> Golden {
    Golden {
        model_sha256: "abc".into(),
        score_threshold: 0.4,
        reference: "test".into(),
        images: vec![
            GoldenImage {
                image: "people.png".into(),
                people: vec![person(0.9, 0.7)],
            },
            GoldenImage {
                image: "empty.png".into(),
                people: vec![],
            },
        ],
    }
}

fn run(provider: Provider, people: Vec<Detection>, empty: Vec<Detection>) -> ProviderRun {
    ProviderRun {
        library: "/opt/ort/libonnxruntime.so.1.31.1".into(),
        ort_version: Some("1.31.1".into()),
        provider,
        input: Some("image_tensor:0 uint8 0-255 NHWC 300x300 stretched".into()),
        layout: Some("SSD".into()),
        variant: None,
        images: vec![
            ImageDetections {
                image: "people.png".into(),
                people,
                error: None,
            },
            ImageDetections {
                image: "empty.png".into(),
                people: empty,
                error: None,
            },
        ],
        timings: Some(Timings {
            session_ms: 100.0,
            first_inference_ms: 20.0,
            median_ms: Some(10.0),
            p95_ms: Some(12.0),
            runs: 5,
            pipeline_median_ms: Some(14.0),
        }),
        error: None,
    }
}

fn facts(runs: Vec<ProviderRun>) -> DetectionFacts {
    DetectionFacts {
        model: None,
        model_sha256: Some("abc".into()),
        score_threshold: Some(0.4),
        runs,
        not_run: None,
    }
}

fn status_of<'a>(checks: &'a [Check], id: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:?}"))
}

#[test]
fn matching_golden_passes_with_timings_in_evidence() {
    let checks = judge_detection(
        &facts(vec![run(Provider::Cpu, vec![person(0.905, 0.71)], vec![])]),
        Some(&golden()),
        &[],
    );
    let c = status_of(&checks, "detection.cpu");
    assert_eq!(c.status, Status::Pass, "{c:?}");
    assert!(
        c.evidence
            .iter()
            .any(|e| e.contains("steady median 10.0 ms")),
        "{c:?}"
    );
    // One provider: no agreement row.
    assert!(checks.iter().all(|c| c.id != "detection.agreement"));
}

#[test]
fn a_person_in_the_empty_picture_fails() {
    let checks = judge_detection(
        &facts(vec![run(
            Provider::Cpu,
            vec![person(0.9, 0.7)],
            vec![person(0.8, 0.5)],
        )]),
        Some(&golden()),
        &[],
    );
    let c = status_of(&checks, "detection.cpu");
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("empty.png: unexpected 0.800"),
        "{}",
        c.summary
    );
}

#[test]
fn a_missing_person_fails() {
    let checks = judge_detection(
        &facts(vec![run(Provider::Cpu, vec![], vec![])]),
        Some(&golden()),
        &[],
    );
    assert!(status_of(&checks, "detection.cpu")
        .summary
        .contains("missing 0.900"));
}

#[test]
fn providers_are_compared_with_each_other() {
    let ok = judge_detection(
        &facts(vec![
            run(Provider::Cpu, vec![person(0.9, 0.7)], vec![]),
            run(Provider::Cuda, vec![person(0.91, 0.7)], vec![]),
        ]),
        Some(&golden()),
        &[],
    );
    assert_eq!(status_of(&ok, "detection.agreement").status, Status::Pass);
    let cuda = status_of(&ok, "detection.cuda");
    assert!(cuda
        .evidence
        .iter()
        .any(|e| e.contains("on the CPU by design")));
    let bad = judge_detection(
        &facts(vec![
            run(Provider::Cpu, vec![person(0.9, 0.7)], vec![]),
            run(Provider::Cuda, vec![person(0.9, 0.3)], vec![]),
        ]),
        Some(&golden()),
        &[],
    );
    assert_eq!(status_of(&bad, "detection.agreement").status, Status::Fail);
    assert_eq!(status_of(&bad, "detection.cuda").status, Status::Fail);
}

#[test]
fn a_failed_run_is_a_fail_with_a_fix() {
    let mut r = run(Provider::Cuda, vec![], vec![]);
    r.error = Some(ProbeError::new(Code::TimedOut, "timed out after 60 s"));
    r.timings = None;
    let checks = judge_detection(&facts(vec![r]), Some(&golden()), &[]);
    let c = status_of(&checks, "detection.cuda");
    assert_eq!(c.status, Status::Fail);
    assert!(c.fix.as_deref().unwrap_or_default().contains("--timeout"));
}

#[test]
fn another_model_is_not_compared_with_these_answers() {
    let mut f = facts(vec![run(Provider::Cpu, vec![], vec![])]);
    f.model_sha256 = Some("other".into());
    assert_eq!(
        status_of(&judge_detection(&f, Some(&golden()), &[]), "detection.cpu").status,
        Status::Skip
    );
}

#[test]
fn a_custom_model_lists_what_it_found_and_ids_stay_unique() {
    let mut f = facts(vec![
        run(Provider::Cpu, vec![person(0.9, 0.7)], vec![]),
        run(Provider::Cpu, vec![person(0.9, 0.7)], vec![]),
    ]);
    f.model = Some("yolo.onnx".into());
    let checks = judge_detection(&f, None, &[]);
    let c = status_of(&checks, "detection.cpu");
    assert_eq!(c.status, Status::Pass);
    assert!(
        c.evidence
            .iter()
            .any(|e| e.starts_with("people.png: 0.900 at")),
        "{c:?}"
    );
    assert_eq!(
        status_of(&checks, "detection.cpu.install2").status,
        Status::Pass
    );
}

#[test]
fn not_run_is_a_skip_with_the_reason() {
    let f = DetectionFacts {
        not_run: Some("no ONNX Runtime provider opened a session".into()),
        ..DetectionFacts::default()
    };
    let checks = judge_detection(&f, None, &[]);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].status, Status::Skip);
}

#[test]
fn the_bundled_golden_answers_load() {
    assert!(bundled::golden().is_ok());
}

#[test]
fn a_variant_of_the_model_is_named_in_the_evidence() {
    let mut cuda = run(Provider::Cuda, vec![person(0.905, 0.71)], vec![]);
    cuda.variant = Some("depthwise convolutions as multiply-adds".into());
    let checks = judge_detection(&facts(vec![cuda]), Some(&golden()), &[]);
    let c = status_of(&checks, "detection.cuda");
    assert_eq!(c.status, Status::Pass, "{c:?}");
    assert!(
        c.evidence
            .iter()
            .any(|e| e == "model: depthwise convolutions as multiply-adds"),
        "{c:?}"
    );
}
