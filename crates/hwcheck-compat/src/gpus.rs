//! `gpus.toml`: GPU name -> compute capability and product class (for when NVML cannot say,
//! and for forward-compatibility eligibility).

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "gpus.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/gpus.toml");

/// Largest compiled pattern (bytes) a row may use.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Product class of a GPU, as far as forward compatibility cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuClass {
    /// NVIDIA data-center GPUs (Tesla, A100, H100, …).
    DataCenter,
    /// Professional RTX / Quadro cards.
    Workstation,
    /// GeForce and TITAN consumer cards.
    Geforce,
    /// Jetson boards.
    Jetson,
}

impl GpuClass {
    /// Human name, e.g. "data-center GPU".
    pub fn label(self) -> &'static str {
        match self {
            GpuClass::DataCenter => "data-center GPU",
            GpuClass::Workstation => "workstation (RTX/Quadro) GPU",
            GpuClass::Geforce => "GeForce GPU",
            GpuClass::Jetson => "Jetson board",
        }
    }
}

/// A case-insensitive regular expression on a GPU name, compiled when the table loads.
#[derive(Clone, Debug)]
pub struct NamePattern(regex::Regex);

impl NamePattern {
    /// Whether the GPU name matches.
    pub fn is_match(&self, name: &str) -> bool {
        self.0.is_match(name)
    }
}

impl<'de> Deserialize<'de> for NamePattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        regex::RegexBuilder::new(&text)
            .case_insensitive(true)
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
            .map(NamePattern)
            .map_err(|e| serde::de::Error::custom(format!("bad pattern {text:?}: {e}")))
    }
}

/// One GPU model.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuRow {
    /// Model name for people, e.g. "H100".
    pub model: String,
    /// Matches NVML's name, e.g. "NVIDIA H100 80GB HBM3".
    pub pattern: NamePattern,
    /// Compute capability.
    pub cc: DottedVersion,
    /// Product class, when known.
    pub class: Option<GpuClass>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for GpuRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// A product family recognised by name, for GPUs not listed one by one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyRow {
    /// Family name for people.
    pub model: String,
    /// Matches NVML's name.
    pub pattern: NamePattern,
    /// Product class.
    pub class: GpuClass,
    /// Where the classification comes from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
}

impl Row for FamilyRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct GpuTable {
    /// Models, first match wins.
    pub gpus: Vec<GpuRow>,
    /// Families, first match wins.
    pub families: Vec<FamilyRow>,
}

impl GpuTable {
    /// The embedded table, replaced by `dir/gpus.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let gpus = raw.rows("gpu")?;
        let families = raw.rows("family")?;
        raw.finish()?;
        Ok(Self { gpus, families })
    }

    /// The model row matching a GPU name.
    pub fn model(&self, name: &str) -> Option<&GpuRow> {
        self.gpus.iter().find(|r| r.pattern.is_match(name))
    }

    /// The product class of a GPU name, with the source URL that decided it.
    pub fn class(&self, name: &str) -> Option<(GpuClass, &str)> {
        let by_model = self
            .model(name)
            .and_then(|r| r.class.map(|c| (c, r.source.as_str())));
        by_model.or_else(|| {
            self.families
                .iter()
                .find(|f| f.pattern.is_match(name))
                .map(|f| (f.class, f.source.as_str()))
        })
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let gpus = self.gpus.iter().map(|r| r.source.as_str());
        gpus.chain(self.families.iter().map(|r| r.source.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::override_error;

    fn cc(t: &GpuTable, name: &str) -> Option<String> {
        t.model(name).map(|r| r.cc.to_string())
    }

    #[test]
    fn names_map_to_compute_capability() {
        let t = GpuTable::load(None).unwrap();
        assert_eq!(cc(&t, "NVIDIA H100 80GB HBM3").as_deref(), Some("9.0"));
        assert_eq!(cc(&t, "NVIDIA A100-SXM4-80GB").as_deref(), Some("8.0"));
        assert_eq!(cc(&t, "NVIDIA A10G").as_deref(), Some("8.6"));
        assert_eq!(cc(&t, "NVIDIA A10").as_deref(), Some("8.6"));
        assert_eq!(cc(&t, "Tesla V100-SXM2-16GB").as_deref(), Some("7.0"));
        assert_eq!(cc(&t, "NVIDIA GB200").as_deref(), Some("10.0"));
        assert_eq!(cc(&t, "NVIDIA B200").as_deref(), Some("10.0"));
        assert_eq!(cc(&t, "NVIDIA GeForce RTX 4090").as_deref(), Some("8.9"));
        assert_eq!(cc(&t, "NVIDIA L4").as_deref(), Some("8.9"));
        assert_eq!(cc(&t, "NVIDIA L40S").as_deref(), Some("8.9"));
        assert_eq!(cc(&t, "Some Future GPU"), None);
    }

    #[test]
    fn classes() {
        let t = GpuTable::load(None).unwrap();
        let class = |n: &str| t.class(n).map(|c| c.0);
        assert_eq!(class("NVIDIA H100 80GB HBM3"), Some(GpuClass::DataCenter));
        assert_eq!(class("NVIDIA GeForce GTX 1050 Ti"), Some(GpuClass::Geforce));
        assert_eq!(class("Quadro RTX 8000"), Some(GpuClass::Workstation));
        assert_eq!(class("Tesla P4"), Some(GpuClass::DataCenter));
        assert_eq!(class("Mystery"), None);
    }

    #[test]
    fn bad_pattern_is_reported_with_its_row() {
        let text =
            "[[gpu]]\nmodel = \"x\"\npattern = \"(\"\ncc = \"9.0\"\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, text, GpuTable::load);
        assert!(
            err.contains("gpus.toml") && err.contains("[[gpu]] row 1"),
            "{err}"
        );
    }
}
