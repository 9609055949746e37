//! The images table (`compat_tables/images.toml`): NGC release (`24.05`) -> CUDA version.

use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::path::Path;

use super::{load_table, TableError};

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "images.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/images.toml");

/// One NGC framework container release.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NgcRelease {
    /// `YY.MM`, e.g. "24.05".
    pub release: String,
    /// The CUDA version it is built on.
    pub cuda: DottedVersion,
    /// cuDNN major it ships, when known.
    pub cudnn_major: Option<u32>,
    /// Release notes that state the CUDA version.
    pub source: String,
    /// True when the row was not checked against its release notes.
    #[serde(default)]
    pub unconfirmed: bool,
}

/// NGC releases, oldest first.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawImageTable")]
pub struct ImageTable {
    /// The rows, sorted by CUDA version then release.
    pub ngc: Vec<NgcRelease>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImageTable {
    #[serde(default)]
    ngc: Vec<NgcRelease>,
}

impl TryFrom<RawImageTable> for ImageTable {
    type Error = String;

    fn try_from(raw: RawImageTable) -> Result<Self, Self::Error> {
        let mut ngc = raw.ngc;
        for row in &ngc {
            let ok = row.release.len() == 5
                && row.release.as_bytes()[2] == b'.'
                && row.release.bytes().filter(u8::is_ascii_digit).count() == 4;
            if !ok {
                return Err(format!("release {:?} is not YY.MM", row.release));
            }
            if !row.source.starts_with("https://") {
                return Err(format!(
                    "release {}: source must be an https URL",
                    row.release
                ));
            }
        }
        ngc.sort_by(|a, b| (&a.cuda, &a.release).cmp(&(&b.cuda, &b.release)));
        if let Some(w) = ngc.windows(2).find(|w| w[0].release == w[1].release) {
            return Err(format!("release {} listed twice", w[0].release));
        }
        Ok(Self { ngc })
    }
}

impl ImageTable {
    /// The embedded table, replaced by `dir/images.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        load_table(FILE_NAME, EMBEDDED, dir)
    }

    /// The row of an NGC release.
    pub fn ngc(&self, release: &str) -> Option<&NgcRelease> {
        self.ngc.iter().find(|r| r.release == release)
    }

    /// The newest NGC release whose CUDA version passes `runs` (e.g. "this host runs it").
    pub fn newest_ngc(&self, runs: impl Fn(&DottedVersion) -> bool) -> Option<&NgcRelease> {
        self.ngc.iter().rev().find(|r| runs(&r.cuda))
    }

    /// Known release names, for error messages.
    pub fn releases(&self) -> Vec<&str> {
        self.ngc.iter().map(|r| r.release.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_maps_releases_to_cuda() {
        let t = ImageTable::load(None).unwrap();
        assert_eq!(t.ngc("24.05").unwrap().cuda.as_str(), "12.4.1");
        assert!(t.ngc("99.99").is_none());
        let v12 = DottedVersion::parse("12.9.9").unwrap();
        let newest = t.newest_ngc(|c| c <= &v12).unwrap();
        assert_eq!(newest.cuda.major(), 12);
    }

    #[test]
    fn rejects_bad_rows() {
        let bad = "[[ngc]]\nrelease='2405'\ncuda='12.4'\nsource='https://x'\n";
        assert!(toml::from_str::<ImageTable>(bad).is_err());
        let dup = "[[ngc]]\nrelease='24.05'\ncuda='12.4'\nsource='https://x'\n[[ngc]]\nrelease='24.05'\ncuda='12.4'\nsource='https://x'\n";
        assert!(toml::from_str::<ImageTable>(dup)
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }
}
