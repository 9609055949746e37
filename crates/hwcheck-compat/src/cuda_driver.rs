//! `cuda_driver.toml`: the driver each CUDA toolkit release needs (release notes, Table 3) and
//! the minimum driver per CUDA major for minor-version compatibility.

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "cuda_driver.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/cuda_driver.toml");

/// Which driver column applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux x86_64 (also used for other Unix-likes).
    Linux,
    /// Windows x86_64.
    Windows,
}

impl Platform {
    /// The platform for an OS name as in `std::env::consts::OS`.
    pub fn from_os(os: &str) -> Self {
        if os.eq_ignore_ascii_case("windows") {
            Platform::Windows
        } else {
            Platform::Linux
        }
    }
}

/// One CUDA toolkit release (a minor version and one of its updates).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRow {
    /// major.minor, e.g. "12.4".
    pub cuda: DottedVersion,
    /// Update number (0 = GA).
    #[serde(default)]
    pub update: u32,
    /// The release as NVIDIA names it, e.g. "12.4 Update 1".
    pub label: String,
    /// Toolkit driver on Linux x86_64.
    pub linux: Option<DottedVersion>,
    /// Toolkit driver on Windows x86_64 (none since the driver left the Windows toolkit).
    pub windows: Option<DottedVersion>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
    /// Caveats.
    pub note: Option<String>,
}

impl ReleaseRow {
    /// The toolkit driver for `platform`.
    pub fn driver(&self, platform: Platform) -> Option<&DottedVersion> {
        match platform {
            Platform::Linux => self.linux.as_ref(),
            Platform::Windows => self.windows.as_ref(),
        }
    }
}

impl Row for ReleaseRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        if self.cuda.parts().len() != 2 {
            return Err(format!(
                "cuda must be major.minor (the update goes in `update`), got {}",
                self.cuda
            ));
        }
        if self.linux.is_none() && self.windows.is_none() && !self.unconfirmed {
            return Err("a confirmed row needs a linux or windows driver".to_string());
        }
        Ok(())
    }
}

/// Minor-version compatibility of one CUDA major.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MajorRow {
    /// CUDA major, e.g. 12.
    pub major: u32,
    /// Lowest Linux driver that runs every minor of this major (absent: no MVC).
    pub mvc_linux: Option<DottedVersion>,
    /// Lowest Windows driver that runs every minor of this major.
    pub mvc_windows: Option<DottedVersion>,
    /// Caveats (e.g. "no minor-version compatibility before CUDA 11").
    pub note: Option<String>,
    /// Where the numbers come from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
}

impl MajorRow {
    /// The MVC minimum for `platform`.
    pub fn mvc(&self, platform: Platform) -> Option<&DottedVersion> {
        match platform {
            Platform::Linux => self.mvc_linux.as_ref(),
            Platform::Windows => self.mvc_windows.as_ref(),
        }
    }
}

impl Row for MajorRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct CudaDriverTable {
    /// Toolkit releases, in file order.
    pub releases: Vec<ReleaseRow>,
    /// Per-major minor-version compatibility.
    pub majors: Vec<MajorRow>,
}

impl CudaDriverTable {
    /// The embedded table, replaced by `dir/cuda_driver.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let releases: Vec<ReleaseRow> = raw.rows("release")?;
        let majors: Vec<MajorRow> = raw.rows("major")?;
        for (i, r) in releases.iter().enumerate() {
            if releases[..i]
                .iter()
                .any(|o| o.cuda == r.cuda && o.update == r.update)
            {
                return Err(raw.invalid(super::rows::row_message(
                    "release",
                    i,
                    &format!("duplicate release {} update {}", r.cuda, r.update),
                )));
            }
        }
        raw.finish()?;
        Ok(Self { releases, majors })
    }

    /// The release row for a CUDA version: same major.minor, the highest update not above the
    /// version's third part (e.g. "13.0.2" -> 13.0 Update 2; "12.4" -> 12.4 GA), else the lowest.
    pub fn release(&self, cuda: &DottedVersion) -> Option<&ReleaseRow> {
        let same: Vec<&ReleaseRow> = self
            .releases
            .iter()
            .filter(|r| r.cuda.major() == cuda.major() && r.cuda.minor() == cuda.minor())
            .collect();
        same.iter()
            .filter(|r| r.update <= cuda.part(2))
            .max_by_key(|r| r.update)
            .or_else(|| same.iter().min_by_key(|r| r.update))
            .copied()
    }

    /// Minor-version compatibility of a CUDA major.
    pub fn major(&self, major: u32) -> Option<&MajorRow> {
        self.majors.iter().find(|m| m.major == major)
    }

    /// The newest release whose toolkit driver `driver` meets: "this driver runs CUDA <= X".
    pub fn newest_supported(
        &self,
        driver: &DottedVersion,
        platform: Platform,
    ) -> Option<&ReleaseRow> {
        self.releases
            .iter()
            .filter(|r| r.driver(platform).is_some_and(|d| d <= driver))
            .max_by(|a, b| (&a.cuda, a.update).cmp(&(&b.cuda, b.update)))
    }

    /// The newest CUDA major whose minor-version minimum `driver` meets.
    pub fn newest_mvc_major(
        &self,
        driver: &DottedVersion,
        platform: Platform,
    ) -> Option<&MajorRow> {
        self.majors
            .iter()
            .filter(|m| m.mvc(platform).is_some_and(|d| d <= driver))
            .max_by_key(|m| m.major)
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let releases = self.releases.iter().map(|r| r.source.as_str());
        releases
            .chain(self.majors.iter().map(|m| m.source.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::testing::{override_error, v};

    fn table() -> CudaDriverTable {
        CudaDriverTable::load(None).unwrap()
    }

    #[test]
    fn release_lookup_picks_the_update() {
        let t = table();
        let linux = |c: &str| t.release(&v(c)).and_then(|r| r.linux.clone()).unwrap();
        assert_eq!(linux("12.4"), v("550.54.14"));
        assert_eq!(linux("12.4.1"), v("550.54.15"));
        assert_eq!(linux("13.0.2"), v("580.95.05"));
        assert_eq!(linux("11.0"), v("450.36.06"));
        assert!(t.release(&v("12.7")).is_none());
    }

    #[test]
    fn newest_supported_release_for_a_driver() {
        let t = table();
        let newest = |d: &str| {
            t.newest_supported(&v(d), Platform::Linux)
                .unwrap()
                .label
                .clone()
        };
        assert!(newest("440.33").starts_with("10.2"), "{}", newest("440.33"));
        assert!(newest("580.159.04").starts_with("13.0"));
        assert!(newest("535.104.05").starts_with("12.2"));
        assert!(t.newest_supported(&v("400.1"), Platform::Linux).is_none());
    }

    #[test]
    fn mvc_minimums() {
        let t = table();
        assert_eq!(
            t.major(11).unwrap().mvc(Platform::Linux),
            Some(&v("450.80.02"))
        );
        assert_eq!(
            t.major(12).unwrap().mvc(Platform::Windows),
            Some(&v("527.41"))
        );
        assert_eq!(
            t.major(13).unwrap().mvc(Platform::Linux),
            Some(&v("580.65.06"))
        );
        assert!(t.major(10).unwrap().mvc(Platform::Linux).is_none());
        let newest = |d: &str| t.newest_mvc_major(&v(d), Platform::Linux).map(|m| m.major);
        assert_eq!(newest("535.104.05"), Some(12));
        assert_eq!(newest("440.33"), None);
    }

    #[test]
    fn duplicate_release_is_rejected() {
        let row = "[[release]]\ncuda = \"12.4\"\nlabel = \"x\"\nlinux = \"550.54.14\"\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, &format!("{row}{row}"), CudaDriverTable::load);
        assert!(err.contains("row 2") && err.contains("duplicate"), "{err}");
    }

    #[test]
    fn release_cuda_must_be_major_minor() {
        let text = "[[release]]\ncuda = \"12.4.1\"\nlabel = \"x\"\nlinux = \"550.54.15\"\nsource = \"https://a.b/c\"\n";
        let err = override_error(FILE_NAME, text, CudaDriverTable::load);
        assert!(
            err.contains("cuda_driver.toml") && err.contains("major.minor"),
            "{err}"
        );
    }
}
