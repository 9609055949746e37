//! Every CUDA-family library the dynamic loader could see, with versions and the loader's pick.

use crate::context::SystemContext;
use crate::facts::{LibraryFacts, ProbeError};

/// Finds every library copy and reads its version.
pub fn probe(ctx: &SystemContext) -> Vec<LibraryFacts> {
    let _ = ctx;
    Vec::new()
}

/// Child side of the `libversion` probe (dlopen + version call).
pub fn child_version(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let _ = arg;
    Err(ProbeError::new("unimplemented", "libversion probe"))
}
