//! Detection checks: golden answers per provider, cross-provider agreement, timings.

use crate::check::Check;
use crate::compat::Tables;
use crate::facts::Facts;

/// Judges detection facts.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = (facts, tables);
    Vec::new()
}
