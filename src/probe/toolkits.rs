//! CUDA toolkit directories and their version files.

use crate::context::SystemContext;
use crate::facts::ToolkitFacts;

/// Finds /usr/local/cuda*, CUDA_HOME and CUDA_PATH toolkits.
pub fn probe(ctx: &SystemContext) -> Vec<ToolkitFacts> {
    let _ = ctx;
    Vec::new()
}
