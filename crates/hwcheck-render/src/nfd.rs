//! Node Feature Discovery: a local feature file (`features.d/hwcheck`) whose lines become node
//! labels, so a scheduler can keep inference off nodes where it would fail.
//!
//! Format (NFD's customization guide, "Local feature source" — "Feature files" and "Input
//! format"): one `<namespace>/<name>=<value>` per line, `#` comments, a `# +expiry-time=<RFC
//! 3339>` directive that makes NFD ignore the lines after it once past, at most 64 KiB (a larger
//! file is ignored whole). NFD prefixes unprefixed names with `feature.node.kubernetes.io/`, a
//! behaviour it documents as going away, so every name carries hwcheck's own [`LABEL_PREFIX`].
//! Names and values follow Kubernetes label syntax: a name part and a value of at most 63
//! characters, alphanumeric at both ends, `-`, `_`, `.` inside.

use hwcheck_model::check::{Check, CheckKind, Report, Status, Verdict};
use std::collections::BTreeMap;

/// The label namespace of every hwcheck label.
pub const LABEL_PREFIX: &str = "hwcheck.dev";
/// The feature file's name in NFD's `features.d` directory.
pub const FILE_NAME: &str = "hwcheck";
/// NFD ignores a feature file larger than this (bytes).
pub const MAX_FILE_BYTES: usize = 65_536;
/// Longest name part or value of a Kubernetes label.
pub const MAX_LABEL_PART: usize = 63;
/// Most `fail.<id>` labels written; the count label still counts them all.
const MAX_FAIL_LABELS: usize = 64;

/// The feature file for `report`. `expiry_time` (RFC 3339) becomes the `# +expiry-time=`
/// directive: NFD drops the labels once it is past, so a node whose hwcheck stopped reporting
/// loses its `pass` labels instead of keeping them forever.
pub fn render(report: &Report, expiry_time: Option<&str>) -> String {
    let mut out = format!(
        "# hwcheck {} node labels for Node Feature Discovery (see docs/fleet.md).\n",
        one_line(&report.hwcheck_version)
    );
    if let Some(at) = &report.generated_at {
        out.push_str(&format!("# Generated at {}.\n", one_line(at)));
    }
    if let Some(expiry) = expiry_time {
        out.push_str(&format!("# +expiry-time={}\n", one_line(expiry)));
    }
    for (name, value) in labels(report) {
        out.push_str(&format!("{LABEL_PREFIX}/{name}={value}\n"));
    }
    out
}

/// The labels (name part without the prefix, value), in file order. Names and values are
/// label-safe; a fact whose value cannot be made one is left out.
pub fn labels(report: &Report) -> Vec<(String, String)> {
    let mut labels = vec![(
        "verdict".to_string(),
        match report.verdict {
            Verdict::Ok => "ok",
            Verdict::Fail => "fail",
        }
        .to_string(),
    )];
    for (kind, prefix) in [
        (CheckKind::OrtProvider, "provider"),
        (CheckKind::DetectionProvider, "detection"),
    ] {
        for (provider, status) in per_provider(&report.checks, kind) {
            labels.push((format!("{prefix}.{provider}"), status_value(status).into()));
        }
    }
    if let Some(status) = detection_status(&report.checks) {
        labels.push(("detection".into(), status_value(status).into()));
    }
    let facts = &report.facts;
    let nvml = &facts.driver.nvml;
    let values = [
        (
            "driver.version",
            nvml.driver_version.as_ref().map(|v| v.to_string()),
        ),
        (
            "driver.cuda",
            nvml.cuda_driver_version.as_ref().map(|v| v.to_string()),
        ),
        ("gpu.count", Some(facts.gpus.len().to_string())),
        (
            "ort.version",
            facts
                .ort
                .installs
                .iter()
                .filter(|i| !i.is_reference)
                .find_map(|i| i.version.clone()),
        ),
    ];
    for (name, value) in values {
        if let Some(value) = value.as_deref().and_then(label_value) {
            labels.push((name.to_string(), value));
        }
    }
    let ids: Vec<(String, Status)> = report
        .checks
        .iter()
        .map(|c| (c.id.to_string(), c.status))
        .collect();
    let failing = hwcheck_model::fleet::failing_ids(ids.iter().map(|(i, s)| (i.as_str(), *s)));
    labels.push(("fail.count".into(), failing.len().to_string()));
    for id in failing.iter().take(MAX_FAIL_LABELS) {
        if let Some(name) = label_name(&format!("fail.{id}")) {
            labels.push((name, "true".into()));
        }
    }
    labels
}

/// One status per provider for checks of `kind`: the best across ONNX Runtime installs, where a
/// PASS anywhere is a pass, else a FAIL anywhere a fail, else WARN, else SKIP.
fn per_provider(checks: &[Check], kind: CheckKind) -> BTreeMap<String, Status> {
    let mut best: BTreeMap<String, Status> = BTreeMap::new();
    for check in checks.iter().filter(|c| c.id.kind == kind) {
        let Some(provider) = check.id.provider_name().and_then(label_name) else {
            continue;
        };
        let entry = best.entry(provider).or_insert(check.status);
        if rank(check.status) < rank(*entry) {
            *entry = check.status;
        }
    }
    best
}

/// The detection label: FAIL when any detection check failed, PASS when one provider found the
/// golden people and none failed, else SKIP (not run); `None` when there is no detection check.
fn detection_status(checks: &[Check]) -> Option<Status> {
    let detection: Vec<&Check> = checks
        .iter()
        .filter(|c| c.area == hwcheck_model::check::Area::Detection)
        .collect();
    if detection.is_empty() {
        None
    } else if detection.iter().any(|c| c.status == Status::Fail) {
        Some(Status::Fail)
    } else if detection
        .iter()
        .any(|c| c.id.kind == CheckKind::DetectionProvider && c.status == Status::Pass)
    {
        Some(Status::Pass)
    } else if detection.iter().any(|c| c.status == Status::Warn) {
        Some(Status::Warn)
    } else {
        Some(Status::Skip)
    }
}

fn rank(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::Warn => 2,
        Status::Skip => 3,
    }
}

/// "pass", "fail", "warn", "skip".
pub fn status_value(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::Skip => "skip",
    }
}

/// `text` as a label name part: characters outside `[A-Za-z0-9._-]` become `-`, then cut to 63
/// and trimmed to alphanumeric ends; `None` when nothing is left.
pub fn label_name(text: &str) -> Option<String> {
    label_safe(text)
}

/// `text` as a label value (same rules as a name part; the empty value is never written).
pub fn label_value(text: &str) -> Option<String> {
    label_safe(text)
}

fn label_safe(text: &str) -> Option<String> {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_LABEL_PART)
        .collect();
    let trimmed = mapped.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Text safe on one comment line.
fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use hwcheck_model::check::{CheckId, Install};
    use hwcheck_model::facts::ort::Provider;

    fn provider_check(kind: CheckKind, p: Provider, i: Install, s: Status) -> Check {
        Check::new(CheckId::provider(kind, p, i), s, "x")
    }

    #[test]
    fn labels_carry_verdict_driver_and_failing_ids() {
        let mut report = fixtures::report();
        report.generated_at = Some("2026-11-29T10:00:00Z".into());
        let text = render(&report, Some("2026-11-29T11:00:00Z"));
        assert!(
            text.contains("# +expiry-time=2026-11-29T11:00:00Z\n"),
            "{text}"
        );
        for line in [
            "hwcheck.dev/verdict=fail",
            "hwcheck.dev/driver.version=550.54.15",
            "hwcheck.dev/driver.cuda=12.4",
            "hwcheck.dev/gpu.count=2",
            "hwcheck.dev/fail.count=1",
            "hwcheck.dev/fail.cuda.runtime.driver_sufficient=true",
            "hwcheck.dev/detection=skip",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
        }
        assert!(text.len() < MAX_FILE_BYTES);
    }

    #[test]
    fn a_provider_passes_when_any_install_passes_else_fails_when_any_fails() {
        use Install::*;
        use Status::*;
        let checks = vec![
            provider_check(CheckKind::OrtProvider, Provider::Cuda, First, Fail),
            provider_check(CheckKind::OrtProvider, Provider::Cuda, Nth(2), Pass),
            provider_check(CheckKind::OrtProvider, Provider::Tensorrt, First, Warn),
            provider_check(CheckKind::OrtProvider, Provider::Tensorrt, Reference, Fail),
            provider_check(CheckKind::OrtProvider, Provider::Cpu, Reference, Skip),
            provider_check(CheckKind::DetectionProvider, Provider::Cuda, First, Pass),
        ];
        let got = per_provider(&checks, CheckKind::OrtProvider);
        assert_eq!(got["cuda"], Pass);
        assert_eq!(got["tensorrt"], Fail);
        assert_eq!(got["cpu"], Skip);
        assert_eq!(detection_status(&checks), Some(Pass));
        assert_eq!(detection_status(&checks[..2]), None);
    }

    #[test]
    fn unsafe_text_becomes_label_safe_or_nothing() {
        assert_eq!(label_value("580.159.04").as_deref(), Some("580.159.04"));
        assert_eq!(
            label_name("fail.require.driver#2").as_deref(),
            Some("fail.require.driver-2")
        );
        assert_eq!(
            label_value("NVIDIA H100 80GB").as_deref(),
            Some("NVIDIA-H100-80GB")
        );
        assert_eq!(label_value("-.x.-").as_deref(), Some("x"));
        assert_eq!(label_value("###"), None);
        let long = "a".repeat(100);
        assert_eq!(label_value(&long).unwrap().len(), MAX_LABEL_PART);
        let cut = format!("{}-b", "a".repeat(62));
        assert_eq!(label_value(&cut).unwrap(), "a".repeat(62), "no '-' end");
    }
}
