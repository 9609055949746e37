//! ONNX Runtime facts: installs found and per-provider session probes (filled by `probe::ort`).

use serde::{Deserialize, Serialize};

/// Everything learned about ONNX Runtime on this machine.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrtFacts {}
