//! Versions of libraries that pip wheels installed, from the wheels' own metadata.
//!
//! pip wheels ship `libcublasLt.so.13` without a versioned file name, so the file name says only
//! the major. The wheel's `*.dist-info/RECORD` lists every file it installed, and the dist-info
//! folder's name carries the package version (`nvidia_cublas-13.1.0.3.dist-info`): reading that
//! is exact and costs far less than loading a 500 MB library to ask it.

use hwcheck_model::read::small_text;
use hwcheck_model::version::DottedVersion;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most dist-info folders read per site-packages directory.
const MAX_DIST_INFOS: usize = 400;

/// Maps files installed by pip (paths relative to site-packages) to their package's version,
/// one site-packages directory at a time, read lazily.
#[derive(Default)]
pub struct PipVersions {
    sites: HashMap<PathBuf, HashMap<String, DottedVersion>>,
}

impl PipVersions {
    /// The version of the wheel that installed `lib`, when `lib` sits under a site-packages
    /// (or dist-packages) directory and a `nvidia*`/`tensorrt*` wheel's RECORD lists it.
    pub fn version_of(&mut self, lib: &Path) -> Option<DottedVersion> {
        let site = lib
            .ancestors()
            .find(|a| {
                a.file_name()
                    .is_some_and(|n| n == "site-packages" || n == "dist-packages")
            })?
            .to_path_buf();
        let relative = lib.strip_prefix(&site).ok()?.to_string_lossy().into_owned();
        let records = self
            .sites
            .entry(site.clone())
            .or_insert_with(|| read_site(&site));
        records.get(&relative).cloned()
    }
}

/// Reads the RECORD of every NVIDIA/TensorRT wheel in `site`.
fn read_site(site: &Path) -> HashMap<String, DottedVersion> {
    let mut files = HashMap::new();
    let Ok(entries) = std::fs::read_dir(site) else {
        return files;
    };
    for entry in entries.flatten().take(MAX_DIST_INFOS * 10) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(version) = wheel_version(&name) else {
            continue;
        };
        let Ok(record) = small_text(&entry.path().join("RECORD")) else {
            continue;
        };
        for path in record_paths(&record) {
            files.insert(path.to_string(), version.clone());
        }
    }
    files
}

/// The version in an NVIDIA or TensorRT wheel's dist-info folder name
/// (`nvidia_cublas-13.1.0.3.dist-info` -> 13.1.0.3); `None` for other folders.
pub fn wheel_version(dist_info: &str) -> Option<DottedVersion> {
    let stem = dist_info.strip_suffix(".dist-info")?;
    let (package, version) = stem.rsplit_once('-')?;
    let package = package.to_ascii_lowercase();
    if !(package.starts_with("nvidia") || package.starts_with("tensorrt")) {
        return None;
    }
    DottedVersion::parse(version).ok()
}

/// The file paths a RECORD lists (first CSV field of each line).
pub fn record_paths(record: &str) -> impl Iterator<Item = &str> {
    record
        .lines()
        .filter_map(|line| line.split(',').next())
        .filter(|p| p.contains(".so"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_from_dist_info_names() {
        assert_eq!(
            wheel_version("nvidia_cublas-13.1.0.3.dist-info")
                .unwrap()
                .to_string(),
            "13.1.0.3"
        );
        assert_eq!(
            wheel_version("nvidia_cudnn_cu13-9.19.0.56.dist-info")
                .unwrap()
                .to_string(),
            "9.19.0.56"
        );
        assert!(wheel_version("numpy-2.1.0.dist-info").is_none());
        assert!(wheel_version("nvidia_cublas-13.1.0.3rc1.dist-info").is_none());
        assert!(wheel_version("nvidia_cublas.dist-info").is_none());
    }

    #[test]
    fn finds_the_wheel_that_installed_a_library() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("lib/python3.12/site-packages");
        let lib_dir = site.join("nvidia/cu13/lib");
        std::fs::create_dir_all(&lib_dir).unwrap();
        let info = site.join("nvidia_cublas-13.1.0.3.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(
            info.join("RECORD"),
            "nvidia/cu13/lib/libcublasLt.so.13,sha256=abc,123\nnvidia/cu13/include/cublas.h,,\n",
        )
        .unwrap();
        let mut pip = PipVersions::default();
        let v = pip.version_of(&lib_dir.join("libcublasLt.so.13")).unwrap();
        assert_eq!(v.to_string(), "13.1.0.3");
        assert!(pip.version_of(&lib_dir.join("libcudart.so.13")).is_none());
        assert!(pip
            .version_of(Path::new("/usr/lib/libcublasLt.so.13"))
            .is_none());
    }
}
