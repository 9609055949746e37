//! `cuInit` and the device count through the libcuda the loader picks, in an isolated child.

use crate::context::SystemContext;
use crate::facts::{CudaDriverApiFacts, ProbeError};

/// Runs cuInit in a child; `None` when no libcuda can be found.
pub fn probe(ctx: &SystemContext) -> Option<CudaDriverApiFacts> {
    let _ = ctx;
    None
}

/// Child side of the `cuinit` probe.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let _ = arg;
    Err(ProbeError::new("unimplemented", "cuinit probe"))
}
