//! Reading a saved report (or bare facts) back for re-judging (`--facts`).

use super::{Facts, SCHEMA_VERSION};
use std::path::Path;

/// Most bytes read from a saved report.
pub const MAX_REPORT_BYTES: u64 = 64 << 20;

/// Loads a saved report (or bare facts) JSON of this or an older schema. The error is a
/// sentence for the user; a report from a newer hwcheck is refused with both schema numbers.
pub fn load_report(path: &Path) -> Result<Facts, String> {
    let text = crate::read::user_text(path, MAX_REPORT_BYTES).map_err(|e| {
        if e.starts_with("larger") {
            format!("not JSON: {e}")
        } else {
            e
        }
    })?;
    parse_report(&text)
}

/// [`load_report`] on text already read.
pub fn parse_report(text: &str) -> Result<Facts, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let facts_value = value.get("facts").cloned().unwrap_or(value);
    let schema = facts_value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| "no schema_version: not an hwcheck report".to_string())?;
    if schema > u64::from(SCHEMA_VERSION) {
        return Err(format!(
            "written by a newer hwcheck (schema {schema}; this hwcheck reads up to {SCHEMA_VERSION}): upgrade hwcheck to re-judge it"
        ));
    }
    serde_json::from_value(facts_value).map_err(|e| format!("not a valid hwcheck report: {e}"))
}
