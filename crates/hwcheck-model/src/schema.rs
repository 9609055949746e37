//! The JSON Schema of hwcheck's report (docs/report.schema.json), generated from the types
//! with `schemars` so that it cannot drift from what hwcheck writes.
//!
//! Most types derive `JsonSchema` beside their serde derives; the two with hand-written serde
//! (a check id and a dotted version, both strings in JSON) get their schema here.

use crate::check::Report;
use crate::check_id::{CheckId, CheckKind};
use crate::version::DottedVersion;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// The `$id` of the published schema: its path in the repository.
pub const SCHEMA_ID: &str = "docs/report.schema.json";

/// The schema of a report (`--format json`) as hwcheck reads it back (`--facts`),
/// pretty-printed JSON with a trailing newline (the content of docs/report.schema.json).
///
/// Generated for deserialisation: fields that serde fills with a default (those added after
/// schema 1 was first written) are optional, so reports of every hwcheck version writing schema
/// 1 validate, not only the newest; hwcheck itself always writes every field.
pub fn report_schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Report>();
    schema.insert("$id".to_string(), SCHEMA_ID.into());
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    format!("{text}\n")
}

/// The regular expression every check id matches: a kind's name (its `<provider>`/`<key>`
/// filled in), then `.install<N>` or `.reference`, then `#<N>`.
pub fn check_id_pattern() -> String {
    let names: Vec<String> = CheckKind::ALL
        .iter()
        .map(|k| {
            let name = k.name();
            match name.find('<') {
                Some(i) => format!("{}[^.#]+", name[..i].replace('.', "\\.")),
                None => name.replace('.', "\\."),
            }
        })
        .collect();
    format!(
        "^(?:{})(?:\\.install[0-9]+|\\.reference)?(?:#[0-9]+)?$",
        names.join("|")
    )
}

impl JsonSchema for CheckId {
    fn schema_name() -> Cow<'static, str> {
        "CheckId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A check id (docs/checks.md): the kind's name, then .install<N> or .reference, then #<N>.",
            "pattern": check_id_pattern(),
        })
    }
}

impl JsonSchema for DottedVersion {
    fn schema_name() -> Cow<'static, str> {
        "DottedVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A version of up to eight dot-separated numbers, e.g. 580.95.05.",
            "pattern": "^[0-9]+(?:\\.[0-9]+){0,7}$",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_itself_and_describes_checks_and_remedies() {
        let schema: serde_json::Value = serde_json::from_str(&report_schema_json()).unwrap();
        assert_eq!(schema["$id"], SCHEMA_ID);
        assert_eq!(schema["title"], "Report");
        for def in [
            "Check",
            "Remedy",
            "EnvChange",
            "Facts",
            "CheckId",
            "DottedVersion",
        ] {
            assert!(schema["$defs"].get(def).is_some(), "no {def} in $defs");
        }
        assert!(check_id_pattern().contains("|ort\\.provider\\.[^.#]+|"));
    }
}
