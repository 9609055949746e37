//! OS, kernel, distribution and glibc.

use crate::context::SystemContext;
use crate::facts::HostFacts;

/// Describes the host.
pub fn probe(ctx: &SystemContext) -> HostFacts {
    let _ = ctx;
    HostFacts::default()
}
