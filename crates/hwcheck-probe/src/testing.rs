//! Helpers for tests that probe a fake root.

use crate::context::{ProbeOptions, SystemContext, DEFAULT_TIMEOUT};
use std::path::Path;

/// A context probing the fake root `root` with only the variables `env`.
pub fn ctx(root: &Path, env: &[(&str, &str)]) -> SystemContext {
    SystemContext {
        root: root.to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        timeout: DEFAULT_TIMEOUT,
        quick: true,
        options: ProbeOptions::default(),
    }
}

/// Writes `text` at the system path `system_path` inside `root`, creating folders.
pub fn write(root: &Path, system_path: &str, text: &str) {
    let p = root.join(system_path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}
}

#[cfg(test)]
mod tests {
use super::*;

#[test]
fn stops_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    std::fs::write(&path, "x".repeat(100)).unwrap();
    assert_eq!(text_up_to(&path, 10).unwrap().len(), 10);
    assert_eq!(small_text(&path).unwrap().len(), 100);
}

#[test]
fn keeps_invalid_utf8_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin");
    std::fs::write(&path, b"ok\xff\xfe").unwrap();
    assert!(small_text(&path).unwrap().starts_with("ok"));
}

#[test]
fn a_fifo_reads_as_empty_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fifo");
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    assert_eq!(small_text(&path).unwrap(), "");
}

#[test]
fn a_missing_file_is_an_error() {
    assert!(small_text(Path::new("/nonexistent/hwcheck/file")).is_err());
}
