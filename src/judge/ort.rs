//! ONNX Runtime checks: installs, versions vs libraries, each provider's session.

use crate::check::Check;
use crate::compat::Tables;
use crate::facts::Facts;

/// Judges ORT facts.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = (facts, tables);
    Vec::new()
}
