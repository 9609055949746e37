//! Container detection, /dev/nvidia* nodes, allowlisted variables, NVIDIA_REQUIRE_CUDA, tools.

use crate::context::SystemContext;
use crate::facts::EnvironmentFacts;

/// Describes the process environment.
pub fn probe(ctx: &SystemContext) -> EnvironmentFacts {
    let _ = ctx;
    EnvironmentFacts::default()
}
