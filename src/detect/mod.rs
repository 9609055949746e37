//! The person detector end to end: decode, pre-process, infer, decode boxes, NMS, golden check.

use crate::context::SystemContext;
use crate::facts::detection::DetectionFacts;
use crate::facts::ort::OrtFacts;
use crate::facts::ProbeError;

/// Runs the bundled detector on every provider that opened a session.
pub fn probe(ctx: &SystemContext, ort: &OrtFacts) -> DetectionFacts {
    let _ = (ctx, ort);
    DetectionFacts::default()
}

/// Child side of the `detect` probe (one provider).
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let _ = arg;
    Err(ProbeError::new("unimplemented", "detect probe"))
}
