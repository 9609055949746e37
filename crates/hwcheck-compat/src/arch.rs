//! `arch.toml`: which CUDA toolkits (and driver branches, cuDNN versions) support each compute
//! capability.

use super::rows::{check_order, in_range, RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "arch.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/arch.toml");

/// The support window of one compute capability.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CcRow {
    /// Compute capability, e.g. "8.6".
    pub cc: DottedVersion,
    /// Architecture name, e.g. "Ampere".
    pub arch: String,
    /// First Linux driver branch that drives GPUs of this CC; `None` for Jetson (L4T).
    pub first_driver_branch: Option<u32>,
    /// Where `first_driver_branch` comes from.
    pub driver_source: Option<String>,
    /// True when no NVIDIA page states `first_driver_branch`.
    #[serde(default)]
    pub driver_unconfirmed: bool,
    /// First CUDA toolkit supporting it.
    pub first_cuda: DottedVersion,
    /// Last CUDA toolkit supporting it ("12" = every 12.x); `None` = still supported.
    pub last_cuda: Option<DottedVersion>,
    /// Last driver branch supporting it.
    pub last_driver_branch: Option<u32>,
    /// Last cuDNN supporting it, when known.
    pub last_cudnn: Option<DottedVersion>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

/// Why a CUDA version cannot drive a compute capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CudaSupport {
    /// The CUDA version supports the CC.
    Supported,
    /// The CUDA version is older than the first one supporting the CC.
    TooOld {
        /// First CUDA supporting the CC.
        first: DottedVersion,
    },
    /// The CUDA version is newer than the last one supporting the CC.
    Dropped {
        /// Last CUDA supporting the CC.
        last: DottedVersion,
    },
}

impl CcRow {
    /// Whether CUDA `cuda` supports this compute capability.
    /// A bare major ("12", from a soname) is judged by majors only.
    pub fn cuda_support(&self, cuda: &DottedVersion) -> CudaSupport {
        if cuda.parts().len() == 1 {
            return self.major_support(cuda.major());
        }
        if cuda < &self.first_cuda {
            CudaSupport::TooOld {
                first: self.first_cuda.clone(),
            }
        } else if !in_range(cuda, &self.first_cuda, self.last_cuda.as_ref()) {
            CudaSupport::Dropped {
                last: self.last_cuda.clone().unwrap_or_else(|| cuda.clone()),
            }
        } else {
            CudaSupport::Supported
        }
    }
}

/// Whether a driver branch drives GPUs of a compute capability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverSupport {
    /// It does (or the table has no window for this CC, e.g. Jetson).
    Supported,
    /// The branch predates the architecture.
    TooOld {
        /// First branch that drives it.
        first: u32,
    },
    /// The branch no longer drives the architecture.
    Dropped {
        /// Last branch that drives it.
        last: u32,
    },
}

impl CcRow {
    /// Whether driver `branch` (the driver's major version) drives this CC. Only discrete GPUs
    /// (rows with a first branch) have a window; Jetson's driver comes with L4T.
    pub fn driver_support(&self, branch: u32) -> DriverSupport {
        let Some(first) = self.first_driver_branch else {
            return DriverSupport::Supported;
        };
        if branch < first {
            DriverSupport::TooOld { first }
        } else if let Some(last) = self.last_driver_branch.filter(|l| branch > *l) {
            DriverSupport::Dropped { last }
        } else {
            DriverSupport::Supported
        }
    }

    fn major_support(&self, major: u32) -> CudaSupport {
        if major < self.first_cuda.major() {
            CudaSupport::TooOld {
                first: self.first_cuda.clone(),
            }
        } else if let Some(last) = self.last_cuda.as_ref().filter(|l| major > l.major()) {
            CudaSupport::Dropped { last: last.clone() }
        } else {
            CudaSupport::Supported
        }
    }
}

impl Row for CcRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        if self.cc.parts().len() != 2 {
            return Err(format!("cc must be major.minor, got {}", self.cc));
        }
        if let (Some(first), Some(last)) = (self.first_driver_branch, self.last_driver_branch) {
            if first > last {
                return Err(format!(
                    "first_driver_branch {first} is above last_driver_branch {last}"
                ));
            }
        }
        if self.first_driver_branch.is_some() != self.driver_source.is_some() {
            return Err("first_driver_branch and driver_source go together".to_string());
        }
        check_order("cuda", &self.first_cuda, self.last_cuda.as_ref())
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct ArchTable {
    /// One row per compute capability.
    pub ccs: Vec<CcRow>,
}

impl ArchTable {
    /// The embedded table, replaced by `dir/arch.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let ccs: Vec<CcRow> = raw.rows("cc")?;
        raw.finish()?;
        Ok(Self { ccs })
    }

    /// The row of a compute capability.
    pub fn cc(&self, cc: &DottedVersion) -> Option<&CcRow> {
        self.ccs.iter().find(|r| &r.cc == cc)
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        self.ccs.iter().map(|r| r.source.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::v;

    #[test]
    fn support_windows() {
        let t = ArchTable::load(None).unwrap();
        let k80 = t.cc(&v("3.7")).unwrap();
        assert_eq!(k80.cuda_support(&v("11.8")), CudaSupport::Supported);
        assert_eq!(
            k80.cuda_support(&v("12.0")),
            CudaSupport::Dropped { last: v("11") }
        );
        let v100 = t.cc(&v("7.0")).unwrap();
        assert_eq!(v100.cuda_support(&v("12.9.1")), CudaSupport::Supported);
        assert!(matches!(
            v100.cuda_support(&v("13.0")),
            CudaSupport::Dropped { .. }
        ));
        assert_eq!(v100.last_cudnn, Some(v("9.10")));
        let b200 = t.cc(&v("10.0")).unwrap();
        assert_eq!(
            b200.cuda_support(&v("12.6")),
            CudaSupport::TooOld { first: v("12.8") }
        );
        assert_eq!(b200.cuda_support(&v("12.8")), CudaSupport::Supported);
        assert_eq!(
            t.cc(&v("9.0")).unwrap().cuda_support(&v("13.0")),
            CudaSupport::Supported
        );
        assert!(t.cc(&v("4.0")).is_none());
        assert!(matches!(
            v100.cuda_support(&v("13")),
            CudaSupport::Dropped { .. }
        ));
        assert_eq!(v100.cuda_support(&v("12")), CudaSupport::Supported);
    }

    #[test]
    fn driver_windows() {
        let t = ArchTable::load(None).unwrap();
        let rtx50 = t.cc(&v("12.0")).unwrap();
        assert_eq!(
            rtx50.driver_support(550),
            DriverSupport::TooOld { first: 570 }
        );
        assert_eq!(rtx50.driver_support(570), DriverSupport::Supported);
        let k80 = t.cc(&v("3.7")).unwrap();
        assert_eq!(
            k80.driver_support(535),
            DriverSupport::Dropped { last: 470 }
        );
        assert!(k80.driver_unconfirmed);
        let v100 = t.cc(&v("7.0")).unwrap();
        assert_eq!(v100.driver_support(580), DriverSupport::Supported);
        assert_eq!(
            v100.driver_support(590),
            DriverSupport::Dropped { last: 580 }
        );
        let orin = t.cc(&v("8.7")).unwrap();
        assert_eq!(orin.driver_support(35), DriverSupport::Supported);
    }
}
