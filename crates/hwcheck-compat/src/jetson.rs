//! `jetson.toml`: L4T release -> JetPack -> CUDA, cuDNN, TensorRT; Jetson modules -> compute
//! capability; ONNX Runtime GPU builds for JetPack; from which L4T CUDA can be upgraded.

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "jetson.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/jetson.toml");

/// One L4T release and the JetPack and compute stack it belongs to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L4tRow {
    /// The L4T release, e.g. "36.4.3".
    pub l4t: DottedVersion,
    /// The JetPack it ships in, e.g. "6.2" (may carry a suffix: "6.0 DP").
    pub jetpack: String,
    /// CUDA of that JetPack, when a source states it.
    pub cuda: Option<DottedVersion>,
    /// cuDNN of that JetPack.
    pub cudnn: Option<DottedVersion>,
    /// TensorRT of that JetPack.
    pub tensorrt: Option<DottedVersion>,
    /// Modules it supports.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Where the numbers come from.
    pub source: String,
    /// True when only a secondary source states the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for L4tRow {
    fn source(&self) -> &str {
        &self.source
    }
}

impl L4tRow {
    /// "JetPack 6.2 (CUDA 12.6, cuDNN 9.3.0, TensorRT 10.3)" with the parts a source states.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("CUDA", &self.cuda),
            ("cuDNN", &self.cudnn),
            ("TensorRT", &self.tensorrt),
        ]
        .iter()
        .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name} {v}")))
        .collect();
        let stack = if parts.is_empty() {
            " (its CUDA version is not in jetson.toml)".to_string()
        } else {
            format!(" ({})", parts.join(", "))
        };
        let unconfirmed = if self.unconfirmed {
            "; unconfirmed: from a secondary source"
        } else {
            ""
        };
        format!("JetPack {}{stack}{unconfirmed}", self.jetpack)
    }
}

/// A Jetson module and its GPU's compute capability.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleRow {
    /// Substrings of /proc/device-tree/model, '|' between alternatives.
    pub model_pattern: String,
    /// A model string as seen.
    pub example_model: Option<String>,
    /// The SoC, e.g. "tegra234".
    pub soc: String,
    /// Compute capability.
    pub cc: DottedVersion,
    /// The label the same GPU has under CUDA <= 12.9 (Thor: 10.1).
    pub cc_before_cuda13: Option<DottedVersion>,
    /// Where the numbers come from.
    pub source: String,
    /// True when only a secondary source states the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for ModuleRow {
    fn source(&self) -> &str {
        &self.source
    }
}

impl ModuleRow {
    /// Whether a device-tree model string names this module (case-insensitive).
    pub fn matches(&self, model: &str) -> bool {
        let model = model.to_ascii_lowercase();
        self.model_pattern
            .split('|')
            .any(|p| !p.trim().is_empty() && model.contains(&p.trim().to_ascii_lowercase()))
    }
}

/// An ONNX Runtime GPU build for a JetPack.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrtWheelRow {
    /// The JetPack it is built for.
    pub jetpack: String,
    /// The ONNX Runtime version.
    pub onnxruntime: String,
    /// Python versions.
    #[serde(default)]
    pub python: Vec<String>,
    /// Where it is stated.
    pub source: String,
    /// True when only a secondary source states the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for OrtWheelRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// From which L4T release CUDA can be newer than the JetPack's own.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeRow {
    /// The first L4T release that allows it.
    pub from_l4t: DottedVersion,
    /// Its JetPack.
    pub jetpack: String,
    /// How to do it.
    pub how: String,
    /// Where it is stated.
    pub source: String,
    /// True when no primary source states it.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for UpgradeRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct JetsonTable {
    /// L4T releases, in file order.
    pub l4t: Vec<L4tRow>,
    /// Modules.
    pub modules: Vec<ModuleRow>,
    /// ONNX Runtime GPU builds for JetPack.
    pub ort_wheels: Vec<OrtWheelRow>,
    /// CUDA upgrades without a JetPack upgrade.
    pub upgrades: Vec<UpgradeRow>,
}

impl JetsonTable {
    /// The embedded table, replaced by `dir/jetson.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let table = Self {
            l4t: raw.rows("l4t")?,
            modules: raw.rows("module")?,
            ort_wheels: raw.rows("ort_wheel")?,
            upgrades: raw.rows("upgrade")?,
        };
        raw.finish()?;
        Ok(table)
    }

    /// The row of an L4T release: the same version, else the same major.minor with the
    /// highest patch not above it ("36.4.1" -> 36.4.0).
    pub fn release(&self, l4t: &DottedVersion) -> Option<&L4tRow> {
        let exact = self.l4t.iter().find(|r| &r.l4t == l4t);
        exact.or_else(|| {
            self.l4t
                .iter()
                .filter(|r| r.l4t.major() == l4t.major() && r.l4t.minor() == l4t.minor())
                .filter(|r| r.l4t.part(2) <= l4t.part(2))
                .max_by(|a, b| a.l4t.cmp(&b.l4t))
        })
    }

    /// The newest release row of the same L4T major.minor that states a CUDA version (some
    /// rows only map L4T to JetPack; a point release keeps its JetPack's compute stack).
    pub fn release_with_cuda(&self, l4t: &DottedVersion) -> Option<&L4tRow> {
        self.release(l4t).filter(|r| r.cuda.is_some()).or_else(|| {
            self.l4t
                .iter()
                .filter(|r| r.cuda.is_some() && r.l4t.major() == l4t.major() && r.l4t <= *l4t)
                .max_by(|a, b| a.l4t.cmp(&b.l4t))
        })
    }

    /// The module a device-tree model string names.
    pub fn module(&self, model: &str) -> Option<&ModuleRow> {
        self.modules.iter().find(|m| m.matches(model))
    }

    /// The CUDA upgrade rule that applies to an L4T release, if any.
    pub fn upgrade(&self, l4t: &DottedVersion) -> Option<&UpgradeRow> {
        self.upgrades.iter().find(|u| l4t >= &u.from_l4t)
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let l4t = self.l4t.iter().map(|r| r.source.as_str());
        let modules = self.modules.iter().map(|r| r.source.as_str());
        let wheels = self.ort_wheels.iter().map(|r| r.source.as_str());
        let upgrades = self.upgrades.iter().map(|r| r.source.as_str());
        l4t.chain(modules).chain(wheels).chain(upgrades).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> DottedVersion {
        DottedVersion::parse(text).unwrap()
    }

    #[test]
    fn the_embedded_table_loads() {
        let t = JetsonTable::load(None).unwrap();
        assert!(t.l4t.len() > 30 && t.modules.len() >= 9 && !t.upgrades.is_empty());
    }

    #[test]
    fn maps_l4t_to_jetpack_and_cuda() {
        let t = JetsonTable::load(None).unwrap();
        let r = t.release(&v("35.4.1")).unwrap();
        assert_eq!(r.jetpack, "5.1.2");
        assert_eq!(r.cuda.as_ref().unwrap().as_str(), "11.4");
        assert!(!r.unconfirmed);
        assert_eq!(t.release(&v("36.4.3")).unwrap().jetpack, "6.2");
        assert!(t
            .release(&v("36.4.3"))
            .unwrap()
            .describe()
            .contains("unconfirmed"));
        // 35.6.0 (JetPack 5.1.4) states no CUDA: the newest R35 row before it that does.
        let with = t.release_with_cuda(&v("35.6.0")).unwrap();
        assert_eq!(with.l4t.as_str(), "35.4.1");
        assert!(t.release(&v("99.1")).is_none());
    }

    #[test]
    fn finds_modules_by_model_string() {
        let t = JetsonTable::load(None).unwrap();
        let orin = t.module("NVIDIA Jetson AGX Orin Developer Kit").unwrap();
        assert_eq!(orin.cc.as_str(), "8.7");
        assert_eq!(t.module("Jetson-AGX").unwrap().cc.as_str(), "7.2");
        assert_eq!(
            t.module("NVIDIA Orin Nano Developer Kit").unwrap().soc,
            "tegra234"
        );
        assert!(t.module("Raspberry Pi 4 Model B").is_none());
    }

    #[test]
    fn cuda_upgrades_start_with_jetpack_502() {
        let t = JetsonTable::load(None).unwrap();
        assert!(t.upgrade(&v("32.7.1")).is_none());
        assert_eq!(t.upgrade(&v("36.4.3")).unwrap().jetpack, "5.0.2");
    }
}
