//! The known-errors table (`compat_tables/errors.toml`): error text -> cause, fix, check id.
//!
//! Each row matches either a case-insensitive substring (`pattern`) or a case-insensitive
//! regular expression (`regex`). Regexes are compiled once at load time with a size limit; the
//! `regex` crate matches in linear time, so any input is safe to scan.

use serde::Deserialize;
use std::path::Path;

use super::{load_table, TableError};

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "errors.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/errors.toml");

/// Largest compiled regex (bytes) a row may use.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How a row recognises its message.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// A substring, stored lowercased; matched against lowercased text.
    Substring(String),
    /// A case-insensitive regular expression.
    Regex(regex::Regex),
}

impl Matcher {
    /// Whether `text` (original case) or `lowered` (its lowercase form) contains the message.
    pub fn is_match(&self, text: &str, lowered: &str) -> bool {
        match self {
            Matcher::Substring(needle) => lowered.contains(needle.as_str()),
            Matcher::Regex(re) => re.is_match(text),
        }
    }

    /// The pattern as written in the table.
    pub fn as_str(&self) -> &str {
        match self {
            Matcher::Substring(s) => s,
            Matcher::Regex(re) => re.as_str(),
        }
    }
}

/// One known error message.
#[derive(Clone, Debug)]
pub struct ErrorRow {
    /// Stable row name, e.g. `cuda-insufficient-driver`.
    pub id: String,
    /// Failure family (S1..S9) or "other".
    pub family: String,
    /// How the message is recognised.
    pub matcher: Matcher,
    /// Why it happens.
    pub cause: String,
    /// What to change.
    pub fix: String,
    /// Id (or id prefix) of the hwcheck check that detects the problem.
    pub check: String,
    /// URL of a real report showing the message.
    pub source: String,
}

/// All known error messages, in table order.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawErrorTable")]
pub struct ErrorTable {
    /// The rows.
    pub rows: Vec<ErrorRow>,
}

impl ErrorTable {
    /// The embedded table, replaced by `dir/errors.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        load_table(FILE_NAME, EMBEDDED, dir)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrorTable {
    #[serde(default)]
    error: Vec<RawErrorRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrorRow {
    id: String,
    family: String,
    pattern: Option<String>,
    regex: Option<String>,
    cause: String,
    fix: String,
    check: String,
    source: String,
}

impl TryFrom<RawErrorTable> for ErrorTable {
    type Error = String;

    fn try_from(raw: RawErrorTable) -> Result<Self, Self::Error> {
        let mut rows = Vec::with_capacity(raw.error.len());
        for row in raw.error {
            let matcher = match (row.pattern, row.regex) {
                (Some(p), None) if !p.trim().is_empty() => Matcher::Substring(p.to_lowercase()),
                (None, Some(r)) => regex::RegexBuilder::new(&r)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map(Matcher::Regex)
                    .map_err(|e| format!("row {:?}: bad regex: {e}", row.id))?,
                _ => {
                    return Err(format!(
                        "row {:?}: needs exactly one non-empty `pattern` or `regex`",
                        row.id
                    ))
                }
            };
            for (name, value) in [
                ("id", &row.id),
                ("cause", &row.cause),
                ("fix", &row.fix),
                ("check", &row.check),
            ] {
                if value.trim().is_empty() {
                    return Err(format!("row {:?}: empty `{name}`", row.id));
                }
            }
            if !row.source.starts_with("https://") {
                return Err(format!(
                    "row {:?}: `source` must be an https URL, got {:?}",
                    row.id, row.source
                ));
            }
            if rows.iter().any(|r: &ErrorRow| r.id == row.id) {
                return Err(format!("duplicate row id {:?}", row.id));
            }
            rows.push(ErrorRow {
                id: row.id,
                family: row.family,
                matcher,
                cause: row.cause,
                fix: row.fix,
                check: row.check,
                source: row.source,
            });
        }
        Ok(Self { rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_loads_with_enough_sourced_rows() {
        let table = ErrorTable::load(None).unwrap();
        assert!(table.rows.len() >= 25, "{} rows", table.rows.len());
        assert!(table.rows.iter().all(|r| r.source.starts_with("https://")));
        for family in ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"] {
            assert!(
                table.rows.iter().any(|r| r.family == family),
                "no row for {family}"
            );
        }
    }

    fn parse(text: &str) -> Result<ErrorTable, String> {
        toml::from_str::<ErrorTable>(text).map_err(|e| e.to_string())
    }

    const ROW: &str = "id='a'\nfamily='S1'\ncause='c'\nfix='f'\ncheck='x'\nsource='https://e'\n";

    #[test]
    fn rejects_rows_without_exactly_one_matcher() {
        let none = format!("[[error]]\n{ROW}");
        assert!(parse(&none).unwrap_err().contains("exactly one"));
        let both = format!("[[error]]\n{ROW}pattern='p'\nregex='r'\n");
        assert!(parse(&both).unwrap_err().contains("exactly one"));
    }

    #[test]
    fn rejects_bad_regex_and_missing_source() {
        let bad = format!("[[error]]\n{ROW}regex='(unclosed'\n");
        assert!(parse(&bad).unwrap_err().contains("bad regex"));
        let nosrc = "[[error]]\nid='a'\nfamily='S1'\ncause='c'\nfix='f'\ncheck='x'\nsource='n/a'\npattern='p'\n";
        assert!(parse(nosrc).unwrap_err().contains("https"));
    }

    #[test]
    fn substring_rows_match_case_insensitively() {
        let t = parse(&format!(
            "[[error]]\n{ROW}pattern='Driver/Library Version'\n"
        ))
        .unwrap();
        let text = "Failed to initialize NVML: Driver/library version mismatch";
        assert!(t.rows[0].matcher.is_match(text, &text.to_lowercase()));
    }
}
