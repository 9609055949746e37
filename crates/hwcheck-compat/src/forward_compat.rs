//! `forward_compat.toml`: which GPU classes may use the cuda-compat libcuda, and data-center
//! driver branches with the newest CUDA major each runs without it.

use super::gpus::GpuClass;
use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "forward_compat.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/forward_compat.toml");

/// Whether a GPU class may use forward compatibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Supported.
    Yes,
    /// Only select SKUs (NGC Server Ready RTX).
    Select,
    /// Not supported: CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804).
    No,
}

/// Forward-compatibility support of one GPU class.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRow {
    /// The class.
    pub class: GpuClass,
    /// Whether it may use cuda-compat.
    pub support: Support,
    /// Where it is stated.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for ClassRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// One data-center driver branch.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchRow {
    /// Branch number, e.g. 580 (the driver's major version).
    pub branch: u32,
    /// LTSB, PB or NFB.
    pub kind: String,
    /// End of life, "YYYY-MM".
    pub eol: Option<String>,
    /// Newest CUDA major that runs without the forward-compatibility package.
    pub max_cuda_major: u32,
    /// Where it is stated.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl BranchRow {
    /// "R580 (LTSB, end of life 2028-06): CUDA 13 without cuda-compat".
    pub fn describe(&self) -> String {
        let eol = self
            .eol
            .as_ref()
            .map_or(String::new(), |e| format!(", end of life {e}"));
        format!(
            "R{} ({}{eol}): CUDA {} without cuda-compat",
            self.branch, self.kind, self.max_cuda_major
        )
    }
}

impl Row for BranchRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct ForwardCompatTable {
    /// Per GPU class.
    pub classes: Vec<ClassRow>,
    /// Per driver branch.
    pub branches: Vec<BranchRow>,
}

impl ForwardCompatTable {
    /// The embedded table, replaced by `dir/forward_compat.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let classes = raw.rows("class")?;
        let branches = raw.rows("branch")?;
        raw.finish()?;
        Ok(Self { classes, branches })
    }

    /// Forward-compatibility support of a class.
    pub fn class(&self, class: GpuClass) -> Option<&ClassRow> {
        self.classes.iter().find(|c| c.class == class)
    }

    /// The branch a driver version belongs to (its major number).
    pub fn branch(&self, driver: &DottedVersion) -> Option<&BranchRow> {
        self.branches.iter().find(|b| b.branch == driver.major())
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let classes = self.classes.iter().map(|r| r.source.as_str());
        classes
            .chain(self.branches.iter().map(|r| r.source.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_branches() {
        let t = ForwardCompatTable::load(None).unwrap();
        assert_eq!(t.class(GpuClass::Geforce).unwrap().support, Support::No);
        assert_eq!(t.class(GpuClass::DataCenter).unwrap().support, Support::Yes);
        let v = DottedVersion::parse("535.104.05").unwrap();
        assert_eq!(t.branch(&v).unwrap().max_cuda_major, 12);
        let v = DottedVersion::parse("550.54.15").unwrap();
        assert!(t.branch(&v).is_none());
    }
}
