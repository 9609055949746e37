//! ONNX Runtime: every install, and a real session per execution provider in isolated children.

use crate::context::SystemContext;
use crate::facts::ort::OrtFacts;
use crate::facts::ProbeError;

/// Finds ONNX Runtime installs and probes each provider.
pub fn probe(ctx: &SystemContext) -> OrtFacts {
    let _ = ctx;
    OrtFacts::default()
}

/// Child side of the `ort` probe (one provider of one ORT library).
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let _ = arg;
    Err(ProbeError::new("unimplemented", "ort probe"))
}
