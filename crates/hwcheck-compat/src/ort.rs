//! `ort.toml`: ONNX Runtime release -> the CUDA major, cuDNN major and TensorRT version of its
//! GPU build.

use super::rows::{check_order, in_range, RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "ort.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/ort.toml");

/// One range of ORT releases and what their GPU build needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrtRow {
    /// Lowest ORT version of the row (major.minor).
    pub ort_min: DottedVersion,
    /// Highest ORT version (prefix: "1.20" admits 1.20.2).
    pub ort_max: DottedVersion,
    /// CUDA major of the PyPI GPU build.
    pub cuda_major: u32,
    /// cuDNN major of that build.
    pub cudnn_major: u32,
    /// TensorRT version of the TensorRT provider, when known.
    pub tensorrt: Option<DottedVersion>,
    /// Where cuda_major / cudnn_major come from.
    pub source: String,
    /// Where the TensorRT version comes from.
    pub tensorrt_source: Option<String>,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for OrtRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        check_order("ort", &self.ort_min, Some(&self.ort_max))?;
        match (&self.tensorrt, &self.tensorrt_source) {
            (None, Some(_)) => Err("tensorrt_source without tensorrt".to_string()),
            _ => Ok(()),
        }
    }
}

impl OrtRow {
    /// Whether the row covers this ORT version.
    pub fn covers(&self, ort: &DottedVersion) -> bool {
        in_range(ort, &self.ort_min, Some(&self.ort_max))
    }
}

/// The whole `ort.toml`.
#[derive(Clone, Debug)]
pub struct OrtTable {
    /// Rows in file order.
    pub releases: Vec<OrtRow>,
}

impl OrtTable {
    /// The embedded table, replaced by `dir/ort.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let releases = raw.rows("release")?;
        raw.finish()?;
        Ok(Self { releases })
    }

    /// The row covering an ORT version.
    pub fn row_for(&self, ort: &DottedVersion) -> Option<&OrtRow> {
        self.releases.iter().find(|r| r.covers(ort))
    }

    /// Every row's source URLs.
    pub fn sources(&self) -> Vec<&str> {
        self.releases
            .iter()
            .flat_map(|r| std::iter::once(r.source.as_str()).chain(r.tensorrt_source.as_deref()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::{override_error, v};

    #[test]
    fn embedded_rows_answer_the_documented_releases() {
        let t = OrtTable::load(None).unwrap();
        let row = |s: &str| t.row_for(&v(s)).unwrap();
        assert_eq!(row("1.18.1").cuda_major, 11);
        assert_eq!(row("1.18.1").cudnn_major, 8);
        assert_eq!(row("1.20.2").cuda_major, 12);
        assert_eq!(row("1.22.0").tensorrt, Some(v("10.9")));
        assert_eq!(row("1.26.0").cuda_major, 12);
        assert_eq!(row("1.31.1").cuda_major, 13);
        assert_eq!(row("1.31.1").cudnn_major, 9);
        assert!(t.row_for(&v("1.8.0")).is_none());
    }

    #[test]
    fn rows_do_not_overlap() {
        let t = OrtTable::load(None).unwrap();
        for (i, a) in t.releases.iter().enumerate() {
            for b in &t.releases[i + 1..] {
                assert!(
                    !a.covers(&b.ort_min) && !b.covers(&a.ort_min),
                    "{} overlaps {}",
                    a.ort_min,
                    b.ort_min
                );
            }
        }
    }

    #[test]
    fn a_bad_override_is_rejected() {
        let text = "[[release]]\nort_min = \"1.20\"\nort_max = \"1.19\"\ncuda_major = 12\ncudnn_major = 9\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, text, OrtTable::load);
        assert!(err.contains("above max"), "{err}");
    }
}
