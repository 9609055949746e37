//! NVML: driver version, supported CUDA version and every GPU, asked in an isolated child.

use crate::context::SystemContext;
use crate::facts::{GpuFacts, NvmlFacts, ProbeError};

/// Asks NVML (in a child process) for the driver and every GPU.
pub fn probe(ctx: &SystemContext) -> (NvmlFacts, Vec<GpuFacts>) {
    let _ = ctx;
    (NvmlFacts::default(), Vec::new())
}

/// Child side of the `nvml` probe.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let _ = arg;
    Err(ProbeError::new("unimplemented", "nvml probe"))
}
