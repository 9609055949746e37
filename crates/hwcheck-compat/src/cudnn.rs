//! `cudnn.toml`: cuDNN versions -> CUDA majors and versions, minimum driver, compute capability.

use super::cuda_driver::Platform;
use super::rows::{check_order, in_range, RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "cudnn.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/cudnn.toml");

/// The CUDA majors one cuDNN major is built for.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorRow {
    /// cuDNN major, e.g. 9.
    pub cudnn_major: u32,
    /// CUDA majors some release of it supports.
    pub cuda_majors: Vec<u32>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl Row for MajorRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        if self.cuda_majors.is_empty() {
            Err("cuda_majors is empty".to_string())
        } else {
            Ok(())
        }
    }
}

/// One row of a cuDNN support matrix.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportRow {
    /// Lowest cuDNN version of the row.
    pub cudnn_min: DottedVersion,
    /// Highest cuDNN version (prefix: "9" = every 9.x).
    pub cudnn_max: DottedVersion,
    /// Lowest CUDA version.
    pub cuda_min: DottedVersion,
    /// Highest CUDA version (prefix).
    pub cuda_max: DottedVersion,
    /// Minimum Linux driver.
    pub driver_linux: Option<DottedVersion>,
    /// Minimum Windows driver.
    pub driver_windows: Option<DottedVersion>,
    /// Lowest compute capability.
    pub cc_min: DottedVersion,
    /// Highest compute capability (none: no upper bound in the matrix).
    pub cc_max: Option<DottedVersion>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl SupportRow {
    /// Whether the row covers this cuDNN version.
    pub fn covers_cudnn(&self, cudnn: &DottedVersion) -> bool {
        in_range(cudnn, &self.cudnn_min, Some(&self.cudnn_max))
    }

    /// Whether the row covers this CUDA version.
    pub fn covers_cuda(&self, cuda: &DottedVersion) -> bool {
        in_range(cuda, &self.cuda_min, Some(&self.cuda_max))
    }

    /// The minimum driver for `platform`.
    pub fn driver(&self, platform: Platform) -> Option<&DottedVersion> {
        match platform {
            Platform::Linux => self.driver_linux.as_ref(),
            Platform::Windows => self.driver_windows.as_ref(),
        }
    }

    /// "cuDNN 9.11-9 + CUDA 13.0-13" for evidence lines.
    pub fn describe(&self) -> String {
        let cc_max = self
            .cc_max
            .as_ref()
            .map_or(String::new(), |m| m.to_string());
        format!(
            "cudnn.toml row: cuDNN {}-{} + CUDA {}-{}: driver >= {}, CC {}-{}{}",
            self.cudnn_min,
            self.cudnn_max,
            self.cuda_min,
            self.cuda_max,
            self.driver_linux
                .as_ref()
                .map_or("?".to_string(), |d| d.to_string()),
            self.cc_min,
            cc_max,
            if self.unconfirmed {
                " (unconfirmed)"
            } else {
                ""
            }
        )
    }
}

impl Row for SupportRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        check_order("cudnn", &self.cudnn_min, Some(&self.cudnn_max))?;
        check_order("cuda", &self.cuda_min, Some(&self.cuda_max))?;
        check_order("cc", &self.cc_min, self.cc_max.as_ref())
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct CudnnTable {
    /// Per cuDNN major.
    pub majors: Vec<MajorRow>,
    /// Support-matrix rows, first match wins.
    pub support: Vec<SupportRow>,
}

impl CudnnTable {
    /// The embedded table, replaced by `dir/cudnn.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let majors = raw.rows("major")?;
        let support = raw.rows("support")?;
        raw.finish()?;
        Ok(Self { majors, support })
    }

    /// The row of a cuDNN major.
    pub fn major(&self, cudnn_major: u32) -> Option<&MajorRow> {
        self.majors.iter().find(|m| m.cudnn_major == cudnn_major)
    }

    /// The first support row covering both versions.
    pub fn support_row(&self, cudnn: &DottedVersion, cuda: &DottedVersion) -> Option<&SupportRow> {
        self.support
            .iter()
            .find(|r| r.covers_cudnn(cudnn) && r.covers_cuda(cuda))
    }

    /// Every support row covering a cuDNN version (any CUDA).
    pub fn rows_for(&self, cudnn: &DottedVersion) -> Vec<&SupportRow> {
        self.support
            .iter()
            .filter(|r| r.covers_cudnn(cudnn))
            .collect()
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let majors = self.majors.iter().map(|r| r.source.as_str());
        majors
            .chain(self.support.iter().map(|r| r.source.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::{override_error, v};

    #[test]
    fn support_rows() {
        let t = CudnnTable::load(None).unwrap();
        let row = t.support_row(&v("9.14.0"), &v("13.0")).unwrap();
        assert_eq!(row.driver_linux, Some(v("580.65.06")));
        assert_eq!(row.cc_min, v("7.5"));
        let row = t.support_row(&v("9.10.2"), &v("12.8")).unwrap();
        assert_eq!(row.cc_max, Some(v("12.0")));
        let row = t.support_row(&v("9.1.0"), &v("12.4")).unwrap();
        assert_eq!(row.cc_min, v("5.0"));
        assert!(t.support_row(&v("8.9.7"), &v("13.0")).is_none());
        assert!(t.support_row(&v("9.17"), &v("11.8")).is_none());
        assert!(!t.rows_for(&v("9.19.0")).is_empty());
    }

    #[test]
    fn majors() {
        let t = CudnnTable::load(None).unwrap();
        assert!(!t.major(8).unwrap().cuda_majors.contains(&13));
        assert!(t.major(9).unwrap().cuda_majors.contains(&13));
        assert!(t.major(7).is_none());
    }

    #[test]
    fn inverted_range_is_rejected() {
        let text = "[[support]]\ncudnn_min = \"9.5\"\ncudnn_max = \"9.1\"\ncuda_min = \"12.0\"\ncuda_max = \"12\"\ncc_min = \"5.0\"\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, text, CudnnTable::load);
        assert!(
            err.contains("[[support]] row 1") && err.contains("cudnn"),
            "{err}"
        );
    }
}
