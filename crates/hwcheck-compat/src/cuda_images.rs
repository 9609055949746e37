//! `cuda_images.toml`: the NVIDIA_REQUIRE_CUDA each nvidia/cuda release carries, and which
//! nvidia/cuda release each pytorch/pytorch `-devel` tag is built on.

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::require_cuda::Requirement;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "cuda_images.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/cuda_images.toml");

/// One nvidia/cuda release.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CudaImageRow {
    /// The release, e.g. "12.4.1" ("10.2" for the two-part tags of old releases).
    pub cuda: DottedVersion,
    /// NVIDIA_REQUIRE_CUDA, verbatim.
    pub require: String,
    /// The arm64 stage's value where it differs.
    pub arm64_require: Option<String>,
    /// Forward-compatibility branches an earlier push of the tag listed.
    #[serde(default)]
    pub earlier_branches: Vec<u32>,
    /// Where those earlier branches are listed.
    pub earlier_source: Option<String>,
    /// Where the string was read.
    pub source: String,
    /// True when not read from NVIDIA's Dockerfile for this exact release.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl CudaImageRow {
    /// The parsed requirement (validated when the table loads).
    pub fn requirement(&self) -> Result<Requirement, String> {
        Requirement::parse(&self.require)
    }
}

impl Row for CudaImageRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        self.requirement()
            .map(|_| ())
            .map_err(|e| format!("require: {e}"))?;
        if !self.earlier_branches.is_empty() && self.earlier_source.is_none() {
            return Err("earlier_branches needs earlier_source".to_string());
        }
        Ok(())
    }
}

/// A pytorch/pytorch `-devel` tag's nvidia/cuda base.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PytorchDevelRow {
    /// The tag's `cudaX.Y`.
    pub cuda: DottedVersion,
    /// The nvidia/cuda release it is FROM.
    pub base: DottedVersion,
    /// Where it is stated.
    pub source: String,
    /// True when no primary source confirms it.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for PytorchDevelRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct CudaImageTable {
    /// nvidia/cuda releases, oldest first.
    pub releases: Vec<CudaImageRow>,
    /// pytorch/pytorch `-devel` bases.
    pub pytorch_devel: Vec<PytorchDevelRow>,
}

impl CudaImageTable {
    /// The embedded table, replaced by `dir/cuda_images.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let mut releases: Vec<CudaImageRow> = raw.rows("release")?;
        let pytorch_devel = raw.rows("pytorch_devel")?;
        raw.finish()?;
        releases.sort_by(|a, b| a.cuda.cmp(&b.cuda));
        Ok(Self {
            releases,
            pytorch_devel,
        })
    }

    /// The row of a tag's CUDA version: exact ("12.4.1"), or a two-part row ("10.2") for a
    /// tag that adds a patch ("10.2.89").
    pub fn release(&self, cuda: &DottedVersion) -> Option<&CudaImageRow> {
        let same = |r: &&CudaImageRow| r.cuda.parts() == cuda.parts();
        self.releases.iter().find(same).or_else(|| {
            self.releases
                .iter()
                .find(|r| r.cuda.parts().len() == 2 && cuda.matches_prefix(&r.cuda))
        })
    }

    /// The nvidia/cuda base of a pytorch/pytorch `-devel` tag with `cudaX.Y`.
    pub fn pytorch_devel(&self, cuda: &DottedVersion) -> Option<&PytorchDevelRow> {
        self.pytorch_devel
            .iter()
            .find(|r| r.cuda.major() == cuda.major() && r.cuda.minor() == cuda.minor())
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let releases = self.releases.iter().map(|r| r.source.as_str());
        releases
            .chain(self.pytorch_devel.iter().map(|r| r.source.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::{override_error, v};

    #[test]
    fn releases_carry_their_requirement() {
        let t = CudaImageTable::load(None).unwrap();
        assert!(t.releases.len() >= 50);
        let r = t.release(&v("13.0.0")).unwrap().requirement().unwrap();
        assert_eq!(r.cuda_min(), Some(v("13.0")));
        assert_eq!(r.branches(), vec![535, 550, 565, 570, 575]);
        assert!(!r.brands().contains(&"geforce".to_string()));
        let r = t.release(&v("12.4.1")).unwrap().requirement().unwrap();
        assert!(r.brands().contains(&"geforce".to_string()));
        assert_eq!(t.release(&v("10.2.89")).unwrap().cuda, v("10.2"));
        assert!(t.release(&v("12.7.0")).is_none());
        assert!(t
            .release(&v("11.8.0"))
            .unwrap()
            .earlier_branches
            .contains(&450));
        assert_eq!(t.pytorch_devel(&v("12.4")).unwrap().base, v("12.4.1"));
    }

    #[test]
    fn a_bad_requirement_is_reported_with_its_row() {
        let text =
            "[[release]]\ncuda = \"12.4.1\"\nrequire = \"cuda>=x\"\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, text, CudaImageTable::load);
        assert!(
            err.contains("[[release]] row 1") && err.contains("require"),
            "{err}"
        );
    }
}
