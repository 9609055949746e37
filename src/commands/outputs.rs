//! Files for the engines fleets run: the NFD feature file, the Prometheus textfile and the JSON
//! report, written atomically into a directory those engines read.
//!
//! NFD's customization guide asks writers to create the file under a dot name in the same
//! directory and rename it (NFD ignores dot files); node_exporter's textfile collector reads
//! only `*.prom`, so the same dot-named temporary file is invisible to it too. A rename within
//! one directory is atomic: a reader sees the old file or the new one, never half of either.

use hwcheck_model::check::Report;
use hwcheck_render::{nfd, prometheus, Format};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The name of `format`'s file in an output directory; `None` for formats only printed.
pub fn file_name(format: Format) -> Option<&'static str> {
    match format {
        Format::Nfd => Some(nfd::FILE_NAME),
        Format::Prometheus => Some(prometheus::FILE_NAME),
        Format::Json => Some("hwcheck.json"),
        Format::Table | Format::Markdown | Format::Junit => None,
    }
}

/// Stamps `report` with the time it is made.
pub fn stamp(report: &mut Report, now: SystemTime) {
    report.generated_at = Some(hwcheck_model::time::format_rfc3339(now));
}

/// `report` in `format`; an NFD file expires `nfd_expiry` after the report was made; the
/// table wraps to `width`.
pub fn render(
    report: &Report,
    format: Format,
    nfd_expiry: Option<Duration>,
    color: bool,
    width: Option<usize>,
) -> String {
    match format {
        Format::Nfd => {
            let made = report
                .generated_at
                .as_deref()
                .and_then(hwcheck_model::time::parse_rfc3339)
                .unwrap_or_else(SystemTime::now);
            let expiry = nfd_expiry.map(|d| hwcheck_model::time::format_rfc3339(made + d));
            nfd::render(report, expiry.as_deref())
        }
        other => hwcheck_render::render(report, other, color, width),
    }
}

/// Writes `text` as `dir/name` atomically (a dot-named temporary file in `dir`, flushed to disk,
/// then renamed over the old one), readable by everyone (node_exporter often runs as nobody).
/// Creates `dir` when missing. The error is a sentence naming the path.
pub fn write_atomically(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let target = dir.join(name);
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        format!("cannot write {}: {what}: {e}", target.display())
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot create the directory", &e))?;
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail("cannot create a temporary file", &e))?;
    let mut content = text.to_string();
    if !content.ends_with('\n') {
        content.push('\n');
    }
    file.write_all(content.as_bytes())
        .and_then(|()| {
            file.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
        })
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| fail("cannot write the temporary file", &e))?;
    file.persist(&target)
        .map_err(|e| fail("cannot rename the temporary file", &e.error))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("features.d");
        let first = write_atomically(&sub, "hwcheck", "a=1").unwrap();
        let inode = std::fs::metadata(&first).unwrap().ino();
        write_atomically(&sub, "hwcheck", "a=2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "a=2\n");
        assert_ne!(
            std::fs::metadata(&first).unwrap().ino(),
            inode,
            "renamed, not rewritten"
        );
        let mode = std::fs::metadata(&first).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        let names: Vec<_> = std::fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["hwcheck"]);
    }

    #[test]
    fn an_unwritable_place_is_a_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let e = write_atomically(&blocker.join("sub"), "hwcheck.prom", "x").unwrap_err();
        assert!(
            e.starts_with("cannot write ") && e.contains("hwcheck.prom"),
            "{e}"
        );
    }

    #[test]
    fn the_nfd_expiry_counts_from_the_report_time() {
        let mut report = Report::new(Default::default(), Vec::new(), false);
        report.generated_at = Some("2026-11-29T10:00:00Z".into());
        let text = render(
            &report,
            Format::Nfd,
            Some(Duration::from_secs(1800)),
            false,
            None,
        );
        assert!(
            text.contains("# +expiry-time=2026-11-29T10:30:00Z\n"),
            "{text}"
        );
        assert!(!render(&report, Format::Nfd, None, false, None).contains("expiry"));
    }
}
