//! The part of a saved report that fleet views read: verdict, check statuses and a few facts.
//!
//! Reading only these fields (serde skips the rest without building it) is what lets
//! `hwcheck summarize` read ten thousand reports in a second or two; the saved checks are used
//! as they are, never re-judged.

use crate::check::{Status, Verdict};
use crate::facts::SCHEMA_VERSION;
use serde::Deserialize;

/// A saved report, reduced to what a fleet summary needs.
#[derive(Clone, Debug, Deserialize)]
pub struct Digest {
    /// Layout version of the report.
    pub schema_version: u32,
    /// When the report was made (RFC 3339), when it says.
    #[serde(default)]
    pub generated_at: Option<String>,
    /// The report's verdict.
    pub verdict: Verdict,
    /// Every check's id and status, in report order (failures first).
    pub checks: Vec<DigestCheck>,
    /// The facts fleet views show.
    pub facts: DigestFacts,
}

/// One check of a saved report.
#[derive(Clone, Debug, Deserialize)]
pub struct DigestCheck {
    /// The id as printed (`driver.cuda_init`, `ort.provider.cuda.install2`).
    pub id: String,
    /// Its status.
    pub status: Status,
}

/// The facts a fleet summary shows.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestFacts {
    /// Host facts (the node's name).
    #[serde(default)]
    pub host: DigestHost,
    /// Driver facts.
    #[serde(default)]
    pub driver: DigestDriver,
    /// GPUs.
    #[serde(default)]
    pub gpus: Vec<DigestGpu>,
    /// ONNX Runtime installs.
    #[serde(default)]
    pub ort: DigestOrt,
}

/// Host facts of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestHost {
    /// The node's name, when the report has one.
    #[serde(default)]
    pub hostname: Option<String>,
}

/// Driver facts of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestDriver {
    /// NVML's answers.
    #[serde(default)]
    pub nvml: DigestNvml,
}

/// NVML facts of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestNvml {
    /// Driver version.
    #[serde(default)]
    pub driver_version: Option<String>,
    /// The newest CUDA the driver supports.
    #[serde(default)]
    pub cuda_driver_version: Option<String>,
}

/// One GPU of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestGpu {
    /// Its name.
    #[serde(default)]
    pub name: String,
}

/// ONNX Runtime facts of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestOrt {
    /// Installs found.
    #[serde(default)]
    pub installs: Vec<DigestOrtInstall>,
}

/// One ONNX Runtime install of a digest.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DigestOrtInstall {
    /// Its version, when it loaded.
    #[serde(default)]
    pub version: Option<String>,
    /// hwcheck's own reference runtime (not the node's).
    #[serde(default)]
    pub is_reference: bool,
}

impl Digest {
    /// Reads a saved report's JSON. The error is a sentence: not JSON, bare facts rather than a
    /// report, a newer schema, or something else altogether.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let digest: Digest = serde_json::from_slice(bytes).map_err(|e| describe(bytes, &e))?;
        if digest.schema_version > SCHEMA_VERSION {
            return Err(format!(
                "written by a newer hwcheck (schema {}; this hwcheck reads up to {SCHEMA_VERSION})",
                digest.schema_version
            ));
        }
        Ok(digest)
    }

    /// The ids of the report's FAIL checks, once each (see [`failing_ids`]).
    pub fn failing_ids(&self) -> Vec<&str> {
        failing_ids(self.checks.iter().map(|c| (c.id.as_str(), c.status)))
    }

    /// The node's ONNX Runtime version: the first install that loaded, not hwcheck's reference.
    pub fn ort_version(&self) -> Option<&str> {
        self.facts
            .ort
            .installs
            .iter()
            .filter(|i| !i.is_reference)
            .find_map(|i| i.version.as_deref())
    }
}

/// The ids of FAIL checks, once each, in the order given. Reports list failures by area (driver,
/// GPU, CUDA, cuDNN … ONNX Runtime, detection), so the first is the deepest cause and the later
/// ones often follow from it (a failed cuInit also fails the CUDA provider).
pub fn failing_ids<'a>(checks: impl IntoIterator<Item = (&'a str, Status)>) -> Vec<&'a str> {
    let mut ids: Vec<&str> = Vec::new();
    for (id, status) in checks {
        if status == Status::Fail && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Why bytes that did not parse as a report are not one.
fn describe(bytes: &[u8], error: &serde_json::Error) -> String {
    if error.is_syntax() || error.is_eof() || error.is_io() {
        return format!("not JSON ({error})");
    }
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return format!("not JSON ({e})"),
    };
    let has = |key: &str| value.get(key).is_some();
    if has("schema_version") && has("host") && !has("checks") {
        "bare facts, not a report: re-judge it with `hwcheck --facts FILE --format json`"
            .to_string()
    } else if has("schema_version") && has("checks") {
        format!("not a valid hwcheck report ({error})")
    } else {
        "not an hwcheck report (no schema_version, checks and verdict)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"schema_version":1,"hwcheck_version":"0.1.0","generated_at":"2026-11-29T10:00:00Z",
        "verdict":"fail","counts":{"fail":2,"warn":0,"pass":1,"skip":0},"machine":"x",
        "checks":[{"id":"driver.cuda_init","area":"driver","status":"FAIL","summary":"803"},
                  {"id":"ort.provider.cuda","instance":"a","area":"ort","status":"FAIL","summary":"s"},
                  {"id":"ort.provider.cuda","instance":"b","area":"ort","status":"FAIL","summary":"s"},
                  {"id":"driver.nvml","area":"driver","status":"PASS","summary":"ok","evidence":["e"]}],
        "facts":{"schema_version":1,"hwcheck_version":"0.1.0","host":{"os":"linux","hostname":"n1"},
                 "driver":{"nvml":{"driver_version":"580.159.04","cuda_driver_version":"13.0"}},
                 "gpus":[{"index":0,"name":"NVIDIA H200"}],
                 "ort":{"installs":[{"path":"/r","is_reference":true,"version":"1.31.1"},
                                    {"path":"/a","version":"1.30.0"}]}}}"#;

    #[test]
    fn reads_what_fleet_views_need() {
        let d = Digest::parse(REPORT.as_bytes()).unwrap();
        assert_eq!(d.verdict, Verdict::Fail);
        assert_eq!(d.failing_ids(), ["driver.cuda_init", "ort.provider.cuda"]);
        assert_eq!(d.facts.host.hostname.as_deref(), Some("n1"));
        assert_eq!(d.ort_version(), Some("1.30.0"));
        assert_eq!(d.facts.gpus[0].name, "NVIDIA H200");
        assert_eq!(d.generated_at.as_deref(), Some("2026-11-29T10:00:00Z"));
    }

    #[test]
    fn says_why_other_files_are_not_reports() {
        let cases = [
            ("{not json", "not JSON"),
            ("", "not JSON"),
            (r#"{"schema_version":1,"host":{}}"#, "bare facts"),
            (r#"{"kind":"Pod"}"#, "not an hwcheck report"),
            ("[1,2]", "not an hwcheck report"),
            (
                r#"{"schema_version":1,"verdict":"maybe","checks":[],"facts":{}}"#,
                "not a valid hwcheck report",
            ),
        ];
        for (text, expected) in cases {
            let e = Digest::parse(text.as_bytes()).unwrap_err();
            assert!(e.starts_with(expected), "{text}: {e}");
        }
        let newer = REPORT.replacen("\"schema_version\":1", "\"schema_version\":99", 1);
        assert!(Digest::parse(newer.as_bytes())
            .unwrap_err()
            .contains("newer hwcheck (schema 99"));
    }
}
