//! Judging: pure functions from facts and tables to checks. No I/O here.

pub mod detection;
pub mod ort;
pub mod requirements;

use crate::check::Check;
use crate::compat::Tables;
use crate::facts::Facts;

/// Judges every area and returns all checks (unsorted; [`crate::check::Report`] sorts).
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(ort::judge(facts, tables));
    checks.extend(detection::judge(facts, tables));
    checks
}
