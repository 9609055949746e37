//! The per-file cache of kernel-image scans: `$XDG_CACHE_HOME/hwcheck/kernels.json` (else
//! `~/.cache/hwcheck/kernels.json`), keyed by the file's real path, size and mtime, so a warm
//! run reads no library at all. A missing, unreadable, corrupt or foreign cache is ignored;
//! it is rewritten (atomically, through a temporary file and a rename) only when it changed.

use hwcheck_kernels::KernelImages;
use hwcheck_model::facts::ProbeError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Layout and scanner version of the cache: a cache written by another one is ignored.
/// Bump it whenever the scanner could give another answer for the same file.
pub const CACHE_VERSION: u32 = 1;
/// Most entries kept (this run's files first, then older ones whose file still exists).
pub const MAX_ENTRIES: usize = 4000;
/// Largest cache file read (a machine with a thousand libraries writes about 300 KiB).
const MAX_CACHE_BYTES: u64 = 8 << 20;

/// What identifies one version of a file: size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime_s: i64,
    /// Nanoseconds of the modification time.
    pub mtime_ns: u32,
}

impl Stamp {
    /// The stamp of the file at `path` (symlinks followed); `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let (mtime_s, mtime_ns) = match meta.modified().ok()?.duration_since(UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
            Err(before) => (-i64::try_from(before.duration().as_secs()).ok()?, 0),
        };
        Some(Stamp {
            size: meta.len(),
            mtime_s,
            mtime_ns,
        })
    }
}

/// The outcome of scanning one file, as cached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scanned {
    /// The images found.
    Images(KernelImages),
    /// Why there are none (no device code, not ELF, malformed).
    Error(ProbeError),
}

/// One cached file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The file version scanned.
    pub stamp: Stamp,
    /// What the scan found.
    pub scanned: Scanned,
}

/// The cache file's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cache {
    /// [`CACHE_VERSION`] of the writer.
    pub version: u32,
    /// Entries by real path on this machine.
    pub entries: BTreeMap<String, Entry>,
}

impl Cache {
    /// The cached outcome for `path` when its stamp is still `stamp`.
    pub fn get(&self, path: &Path, stamp: Stamp) -> Option<&Scanned> {
        let entry = self.entries.get(&key(path))?;
        (entry.stamp == stamp).then_some(&entry.scanned)
    }

    /// Reads the cache at `file`; empty when it is absent, unreadable, corrupt or of another
    /// version.
    pub fn load(file: &Path) -> Cache {
        hwcheck_model::read::bytes_up_to(file, MAX_CACHE_BYTES)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cache>(&bytes).ok())
            .filter(|c| c.version == CACHE_VERSION)
            .unwrap_or_default()
    }

    /// Writes the cache to `file` through a temporary file and a rename, creating its folder.
    pub fn save(&self, file: &Path) -> std::io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let tmp = file.with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, file).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

/// The cache key of a path.
pub fn key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Where the cache lives: `$XDG_CACHE_HOME/hwcheck/kernels.json`, else
/// `$HOME/.cache/hwcheck/kernels.json`; `None` when neither variable is an absolute path.
pub fn location(xdg_cache_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    let absolute = |v: Option<&str>| v.filter(|p| p.starts_with('/')).map(PathBuf::from);
    let base = absolute(xdg_cache_home).or_else(|| absolute(home).map(|h| h.join(".cache")))?;
    Some(base.join("hwcheck").join("kernels.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> Scanned {
        Scanned::Images(KernelImages {
            sass: [80, 86].into_iter().collect(),
            entries: 2,
            ..KernelImages::default()
        })
    }

    #[test]
    fn location_follows_xdg_then_home() {
        assert_eq!(
            location(Some("/x/cache"), Some("/home/u")),
            Some(PathBuf::from("/x/cache/hwcheck/kernels.json"))
        );
        assert_eq!(
            location(Some(""), Some("/home/u")),
            Some(PathBuf::from("/home/u/.cache/hwcheck/kernels.json"))
        );
        assert_eq!(location(Some("relative"), None), None);
        assert_eq!(location(None, None), None);
    }

    #[test]
    fn round_trips_and_misses_on_a_new_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libcublasLt.so.13");
        std::fs::write(&lib, b"0123").unwrap();
        let stamp = Stamp::of(&lib).unwrap();
        assert_eq!(stamp.size, 4);
        let mut cache = Cache {
            version: CACHE_VERSION,
            ..Cache::default()
        };
        cache.entries.insert(
            key(&lib),
            Entry {
                stamp,
                scanned: images(),
            },
        );
        let file = dir.path().join("cache/hwcheck/kernels.json");
        cache.save(&file).unwrap();
        let back = Cache::load(&file);
        assert_eq!(back, cache);
        assert_eq!(back.get(&lib, stamp), Some(&images()));
        let grown = Stamp { size: 5, ..stamp };
        assert_eq!(back.get(&lib, grown), None);
        let touched = Stamp {
            mtime_ns: stamp.mtime_ns.wrapping_add(1),
            ..stamp
        };
        assert_eq!(back.get(&lib, touched), None);
        assert_eq!(back.get(&dir.path().join("other.so"), stamp), None);
    }

    #[test]
    fn corrupt_foreign_or_missing_caches_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kernels.json");
        assert_eq!(Cache::load(&file), Cache::default());
        for junk in [
            &b"{not json"[..],
            b"",
            b"[]",
            br#"{"version":999,"entries":{}}"#,
        ] {
            std::fs::write(&file, junk).unwrap();
            assert_eq!(Cache::load(&file), Cache::default(), "{junk:?}");
        }
        std::fs::create_dir(dir.path().join("adir")).unwrap();
        assert_eq!(Cache::load(&dir.path().join("adir")), Cache::default());
    }

    #[test]
    fn saving_where_a_file_blocks_the_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hwcheck"), b"a file").unwrap();
        let cache = Cache::default();
        assert!(cache
            .save(&dir.path().join("hwcheck/kernels.json"))
            .is_err());
    }
}
