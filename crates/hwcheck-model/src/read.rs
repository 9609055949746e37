//! Bounded reads of small system files (/proc, /sys, /etc): a huge or endless file never hangs
//! or exhausts hwcheck.

use std::io::Read;
use std::path::Path;

/// Most bytes read from a small system file by [`small_text`].
pub const MAX_SMALL_FILE: u64 = 1 << 20;

/// Opens `path` for reading without blocking: a FIFO named like a library or a /proc file opens
/// at once (and reads as empty) instead of waiting forever for a writer.
pub fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Reads at most `max` bytes of `path` (without blocking on a FIFO).
pub fn bytes_up_to(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_nonblocking(path)?.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads `path` whole when it has at most `max` bytes; a larger file is an error saying so,
/// so that a user's file is never used half-read.
pub fn whole_up_to(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let bytes = bytes_up_to(path, max + 1).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than {} MiB", (max >> 20).max(1)));
    }
    Ok(bytes)
}

/// Reads at most `max` bytes of `path` as text (invalid UTF-8 replaced).
pub fn text_up_to(path: &Path, max: u64) -> std::io::Result<String> {
    bytes_up_to(path, max).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Reads at most [`MAX_SMALL_FILE`] bytes of `path` as text.
pub fn small_text(path: &Path) -> std::io::Result<String> {
    text_up_to(path, MAX_SMALL_FILE)
}

/// Reads at most `max` bytes of a user-given file (a saved report) as UTF-8 text; a larger
/// file is refused rather than cut, so it is never judged half-read.
pub fn user_text(path: &Path, max: u64) -> Result<String, String> {
    String::from_utf8(whole_up_to(path, max)?).map_err(|_| "not UTF-8 text".to_string())
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
}
