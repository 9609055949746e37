//! Probing: gathering facts from the machine. Side effects live here and nowhere else.

use crate::context::SystemContext;
use crate::facts::{Facts, SCHEMA_VERSION};

/// Gathers every fact hwcheck knows how to learn from `ctx`.
pub fn gather(ctx: &SystemContext) -> Facts {
    let _ = ctx;
    Facts {
        schema_version: SCHEMA_VERSION,
        hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Facts::default()
    }
}
