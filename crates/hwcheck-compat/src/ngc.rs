//! `ngc.toml`: NGC container releases (`nvcr.io/nvidia/pytorch:24.05-py3`) -> CUDA, cuDNN,
//! driver requirement, data-center forward-compatibility branches and minimum compute
//! capability, from NVIDIA's release notes.

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "ngc.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/ngc.toml");

/// A driver as NVIDIA's release notes write it: "410.xx", "418.xx+", "450", "465.19.01".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverSpec {
    /// As written.
    pub text: String,
    /// The lowest version it admits ("410.xx" -> 410).
    pub min: DottedVersion,
}

impl DriverSpec {
    /// Parses the release notes' notation.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim().trim_end_matches('+');
        let trimmed = trimmed.strip_suffix(".xx").unwrap_or(trimmed);
        let min = DottedVersion::parse(trimmed)
            .map_err(|e| format!("driver {text:?} is not a version: {e}"))?;
        Ok(Self {
            text: text.to_string(),
            min,
        })
    }

    /// The branch (major version).
    pub fn branch(&self) -> u32 {
        self.min.major()
    }
}

impl<'de> Deserialize<'de> for DriverSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        DriverSpec::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One NGC release of one or more framework containers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NgcRow {
    /// `YY.MM`.
    pub release: String,
    /// The containers the row was read for (`pytorch`, `tritonserver`, …).
    pub frameworks: Vec<String>,
    /// Ubuntu version of the container.
    pub ubuntu: Option<String>,
    /// CUDA it is built on.
    pub cuda: DottedVersion,
    /// cuDNN version (or major) it ships.
    pub cudnn: Option<String>,
    /// TensorRT version it ships.
    pub tensorrt: Option<String>,
    /// The driver the release requires.
    pub min_driver: Option<DriverSpec>,
    /// Data-center GPUs may instead use these branches (each "or later R<branch>").
    #[serde(default)]
    pub datacenter_compat_branches: Vec<DriverSpec>,
    /// Minimum compute capability.
    pub min_cc: Option<DottedVersion>,
    /// The driver the image was built with (not a minimum).
    pub image_cuda_driver: Option<DottedVersion>,
    /// Release notes.
    pub source: String,
    /// True when only seen quoted by a secondary source.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl NgcRow {
    /// cuDNN major, when known.
    pub fn cudnn_major(&self) -> Option<u32> {
        self.cudnn
            .as_deref()
            .and_then(|c| c.split('.').next())
            .and_then(|m| m.parse().ok())
    }
}

impl Row for NgcRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        let b = self.release.as_bytes();
        let ok = b.len() == 5
            && b[2] == b'.'
            && self.release.bytes().filter(u8::is_ascii_digit).count() == 4;
        if !ok {
            return Err(format!("release {:?} is not YY.MM", self.release));
        }
        if self.frameworks.is_empty() {
            return Err("frameworks is empty".to_string());
        }
        Ok(())
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct NgcTable {
    /// Rows, sorted by release.
    pub ngc: Vec<NgcRow>,
}

impl NgcTable {
    /// The embedded table, replaced by `dir/ngc.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let mut ngc: Vec<NgcRow> = raw.rows("ngc")?;
        raw.finish()?;
        ngc.sort_by(|a, b| a.release.cmp(&b.release));
        Ok(Self { ngc })
    }

    /// The row of `release` for `framework` (the repository's last part, e.g. `pytorch`, with
    /// the tag's variant: `tritonserver` + `24.04-vllm-python-py3`). Falls back to another
    /// framework's row of the same release; the bool is true when it did.
    pub fn row(&self, release: &str, framework: &str, tag: &str) -> Option<(&NgcRow, bool)> {
        let of_release: Vec<&NgcRow> = self.ngc.iter().filter(|r| r.release == release).collect();
        let variant = tag.split_once('-').map(|(_, v)| v).unwrap_or("");
        let named = |f: &str| {
            f == framework || (!variant.is_empty() && f == format!("{framework}-{variant}"))
        };
        if let Some(r) = of_release
            .iter()
            .find(|r| r.frameworks.iter().any(|f| named(f)))
        {
            return Some((r, false));
        }
        // Prefer a main framework container over a variant image's build table.
        of_release
            .iter()
            .find(|r| r.min_driver.is_some())
            .or(of_release.first())
            .map(|r| (*r, true))
    }

    /// Known releases, for error messages (first and last).
    pub fn span(&self) -> String {
        match (self.ngc.first(), self.ngc.last()) {
            (Some(a), Some(b)) => format!("{} to {}", a.release, b.release),
            _ => "none".to_string(),
        }
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        self.ngc.iter().map(|r| r.source.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::override_error;

    #[test]
    fn releases_map_to_cuda_driver_and_cc() {
        let t = NgcTable::load(None).unwrap();
        let (r, other) = t.row("24.05", "pytorch", "24.05-py3").unwrap();
        assert!(other, "24.05 was read for MXNet only");
        assert_eq!(r.cuda.as_str(), "12.4.1");
        let (r, other) = t.row("25.01", "tritonserver", "25.01-py3").unwrap();
        assert!(!other);
        assert_eq!(r.min_cc.as_ref().unwrap().as_str(), "7.5");
        let (r, _) = t.row("21.07", "tritonserver", "21.07-py3").unwrap();
        assert_eq!(r.min_driver.as_ref().unwrap().branch(), 470);
        let branches: Vec<u32> = r
            .datacenter_compat_branches
            .iter()
            .map(DriverSpec::branch)
            .collect();
        assert_eq!(branches, vec![418, 440, 450, 460]);
        let (r, _) = t
            .row("24.04", "tritonserver", "24.04-vllm-python-py3")
            .unwrap();
        assert!(r.min_driver.is_none() && r.image_cuda_driver.is_some());
        assert!(t.row("99.99", "pytorch", "99.99-py3").is_none());
        assert!(t.ngc.len() >= 70);
    }

    #[test]
    fn driver_notation() {
        assert_eq!(DriverSpec::parse("410.xx").unwrap().min.as_str(), "410");
        assert_eq!(
            DriverSpec::parse("384.111+").unwrap().min.as_str(),
            "384.111"
        );
        assert_eq!(DriverSpec::parse("418.xx+").unwrap().branch(), 418);
        assert!(DriverSpec::parse("newest").is_err());
    }

    #[test]
    fn bad_rows_are_rejected() {
        let bad = "[[ngc]]\nrelease='2405'\nframeworks=['pytorch']\ncuda='12.4'\nsource='https://a.b/c'\n";
        let err = override_error(FILE_NAME, bad, NgcTable::load);
        assert!(err.contains("YY.MM"), "{err}");
    }
}
