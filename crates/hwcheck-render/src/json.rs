//! The full report as pretty JSON: what `--facts` reads back and what CI gates parse.
//!
//! Field order is the declaration order of [`Report`] (`schema_version`, `hwcheck_version`,
//! `verdict`, `counts`, `checks`, `facts`) and stays stable across releases.

use hwcheck_model::check::Report;

/// Serialises `report` as pretty JSON (no trailing newline).
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Only reachable through a serde bug; still print something a machine can read.
        serde_json::json!({ "error": format!("cannot serialise the report: {e}") }).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use hwcheck_model::check::{Status, Verdict};

    #[test]
    fn round_trips_through_serde() {
        let report = fixtures::report();
        let back: Report = serde_json::from_str(&render(&report)).unwrap();
        assert_eq!(back.checks, report.checks);
        assert_eq!(back.verdict, Verdict::Fail);
        assert_eq!(back.counts, report.counts);
        assert_eq!(back.facts.gpus.len(), 2);
    }

    #[test]
    fn top_level_fields_keep_their_order() {
        let text = render(&fixtures::report());
        let keys = [
            "\n  \"schema_version\"",
            "\n  \"hwcheck_version\"",
            "\n  \"verdict\"",
            "\n  \"counts\"",
            "\n  \"checks\"",
            "\n  \"facts\"",
        ];
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} missing")))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn statuses_are_upper_case_and_empty_fields_are_left_out() {
        let text = render(&fixtures::report());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let checks = value["checks"].as_array().unwrap();
        assert_eq!(checks[0]["status"], Status::Fail.label());
        let pass = checks.iter().find(|c| c["status"] == "PASS").unwrap();
        assert!(pass.get("fix").is_none() && pass.get("evidence").is_none());
    }
}
