//! Bounded directory listings: every walk of the machine's folders goes through here.

use std::path::{Path, PathBuf};

/// Most entries read from one directory.
const MAX_DIR_ENTRIES: usize = 4096;
/// Most directories one wildcard may expand to.
pub const MAX_MATCHES: usize = 64;

/// Sorted `(name, path)` entries of `dir` (at most 4096 read); empty when unreadable.
pub fn list_dir(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .take(MAX_DIR_ENTRIES)
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// Sub-directories of `dir` whose names satisfy `keep`, sorted, at most [`MAX_MATCHES`]; empty
/// when `dir` cannot be listed.
pub fn subdirs(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    list_dir(dir)
        .into_iter()
        .filter(|(name, path)| keep(name) && path.is_dir())
        .map(|(_, path)| path)
        .take(MAX_MATCHES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_a_missing_or_looping_dir_is_empty() {
        let root = tempfile::tempdir().unwrap();
        let a = root.path().join("a");
        std::os::unix::fs::symlink(root.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, root.path().join("b")).unwrap();
        assert!(subdirs(&a, |_| true).is_empty());
        assert!(subdirs(&root.path().join("none"), |_| true).is_empty());
    }

    #[test]
    fn subdirs_are_sorted_filtered_and_skip_files() {
        let root = tempfile::tempdir().unwrap();
        for d in ["python3.12", "python3.10", "perl5"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        std::fs::write(root.path().join("python3.11"), b"").unwrap();
        let found = subdirs(root.path(), |n| n.starts_with("python3"));
        let names: Vec<_> = found.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["python3.10", "python3.12"]);
    }
}
