//! Row-by-row loading of a table file: each `[[section]]` array is read one row at a time so a
//! bad row is reported with its table, section and row number, and every row's `source` is checked.

use super::{load_table, TableError};
use hwcheck_model::version::DottedVersion;
use serde::de::DeserializeOwned;
use std::path::Path;

/// A row of a compat table: deserializable, with a source URL and its own consistency rules.
pub trait Row: DeserializeOwned {
    /// The row's `source` URL.
    fn source(&self) -> &str;

    /// Checks the row's values (e.g. min <= max); the message names the offending field.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// A parsed table file whose sections are taken out one by one with [`RawTable::rows`].
#[derive(Debug)]
pub struct RawTable {
    name: String,
    table: toml::Table,
}

impl RawTable {
    /// Reads `dir/<file_name>` when present, else `embedded`, as TOML.
    pub fn load(file_name: &str, embedded: &str, dir: Option<&Path>) -> Result<Self, TableError> {
        let table = load_table::<toml::Table>(file_name, embedded, dir)?;
        Ok(Self {
            name: file_name.to_string(),
            table,
        })
    }

    /// Takes the `[[key]]` array out of the table and parses and validates each row.
    /// A missing section is an empty list.
    pub fn rows<T: Row>(&mut self, key: &str) -> Result<Vec<T>, TableError> {
        let Some(value) = self.table.remove(key) else {
            return Ok(Vec::new());
        };
        let toml::Value::Array(items) = value else {
            return Err(self.invalid(format!("`{key}` must be an array of [[{key}]] rows")));
        };
        let mut rows = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let row_err = |message: String| self.invalid(row_message(key, index, &message));
            let row: T = item
                .try_into()
                .map_err(|e: toml::de::Error| row_err(e.message().to_string()))?;
            check_source(row.source()).map_err(row_err)?;
            row.validate().map_err(row_err)?;
            rows.push(row);
        }
        Ok(rows)
    }

    /// Ends reading: sections nobody asked for are an error (a misspelt `[[section]]`).
    pub fn finish(self) -> Result<(), TableError> {
        let unknown: Vec<&str> = self.table.keys().map(String::as_str).collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(self.invalid(format!("unknown section(s): {}", unknown.join(", "))))
        }
    }

    /// A [`TableError::Invalid`] for this table.
    pub fn invalid(&self, message: String) -> TableError {
        TableError::Invalid {
            name: self.name.clone(),
            message,
        }
    }
}

/// "[[key]] row N: message" with N counted from 1, as a person reading the file counts.
pub fn row_message(key: &str, index: usize, message: &str) -> String {
    format!("[[{key}]] row {}: {message}", index + 1)
}

/// A source must be an http(s) URL.
fn check_source(source: &str) -> Result<(), String> {
    let ok = ["https://", "http://"]
        .iter()
        .any(|p| source.starts_with(p) && source.len() > p.len());
    if ok {
        Ok(())
    } else {
        Err(format!("source must be an http(s) URL, got {source:?}"))
    }
}

/// Whether `v` lies in `[min, max]`, where `max` also admits every version it is a prefix of
/// (max "12" admits 12.9.1; max "9.10" admits 9.10.2). `None` means no upper bound.
pub fn in_range(v: &DottedVersion, min: &DottedVersion, max: Option<&DottedVersion>) -> bool {
    v >= min && max.is_none_or(|m| v <= m || v.matches_prefix(m))
}

/// Checks `min <= max` for a row's range fields.
pub fn check_order(
    field: &str,
    min: &DottedVersion,
    max: Option<&DottedVersion>,
) -> Result<(), String> {
    match max {
        Some(max) if !in_range(min, min, Some(max)) => {
            Err(format!("{field}: min {min} is above max {max}"))
        }
        _ => Ok(()),
    }
}

/// Helpers shared by the table modules' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::TableError;
    use hwcheck_model::version::DottedVersion;
    use std::fmt::Debug;
    use std::path::Path;

    /// Parses a version written in a test.
    pub fn v(s: &str) -> DottedVersion {
        DottedVersion::parse(s).unwrap()
    }

    /// The error message `load` gives when an override folder holds `text` as `file_name`.
    pub fn override_error<T: Debug>(
        file_name: &str,
        text: &str,
        load: impl FnOnce(Option<&Path>) -> Result<T, TableError>,
    ) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file_name), text).unwrap();
        load(Some(dir.path())).unwrap_err().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct R {
        min: DottedVersion,
        max: DottedVersion,
        source: String,
    }

    impl Row for R {
        fn source(&self) -> &str {
            &self.source
        }
        fn validate(&self) -> Result<(), String> {
            check_order("v", &self.min, Some(&self.max))
        }
    }

    fn parse(text: &str) -> Result<Vec<R>, String> {
        let mut raw = RawTable::load("t.toml", text, None).map_err(|e| e.to_string())?;
        let rows = raw.rows::<R>("r").map_err(|e| e.to_string())?;
        raw.finish().map_err(|e| e.to_string())?;
        Ok(rows)
    }

    const OK: &str = "[[r]]\nmin = \"1.0\"\nmax = \"2\"\nsource = \"https://x.example/a\"\n";

    #[test]
    fn good_rows_load() {
        assert_eq!(parse(OK).unwrap().len(), 1);
    }

    #[test]
    fn bad_version_names_table_and_row() {
        let text = format!("{OK}[[r]]\nmin = \"1.x\"\nmax = \"2\"\nsource = \"https://a.b/c\"\n");
        let err = parse(&text).unwrap_err();
        assert!(
            err.contains("t.toml") && err.contains("[[r]] row 2"),
            "{err}"
        );
    }

    #[test]
    fn min_above_max_is_rejected() {
        let err =
            parse("[[r]]\nmin = \"3\"\nmax = \"2.9\"\nsource = \"https://a.b/c\"\n").unwrap_err();
        assert!(err.contains("row 1") && err.contains("above max"), "{err}");
    }

    #[test]
    fn source_must_be_a_url() {
        for bad in ["", "docs", "ftp://a.b/c", "https://"] {
            let text = format!("[[r]]\nmin = \"1\"\nmax = \"2\"\nsource = {bad:?}\n");
            let err = parse(&text).unwrap_err();
            assert!(err.contains("source must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_fields_and_sections_are_rejected() {
        let typo = format!("{OK}[[rr]]\nx = 1\n");
        assert!(parse(&typo).unwrap_err().contains("unknown section"));
        let field = OK.replace("max", "maxx");
        assert!(parse(&field).unwrap_err().contains("row 1"));
    }

    #[test]
    fn ranges_admit_prefixes_of_max() {
        use super::testing::v;
        assert!(in_range(&v("12.9.1"), &v("12.0"), Some(&v("12"))));
        assert!(in_range(&v("9.10.2"), &v("9.6"), Some(&v("9.10"))));
        assert!(!in_range(&v("9.11"), &v("9.6"), Some(&v("9.10"))));
        assert!(!in_range(&v("11.8"), &v("12.0"), None));
        assert!(in_range(&v("14.1"), &v("12.0"), None));
    }
}
