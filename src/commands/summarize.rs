//! `hwcheck summarize DIR|FILE…`: the fleet at a glance from saved reports, one per node.
//!
//! Files are read on every core (each thread takes the next file), gunzipped when they start
//! with gzip's magic bytes (flate2, decompression bounded like the plain read), and reduced to
//! a [`Digest`]: the saved checks are used as they are, never re-judged, which is what keeps
//! ten thousand reports within a second or two. A file that is not a report is listed with the
//! reason, never fatal.

use crate::common::{AppError, EXIT_FAIL, EXIT_OK};
use crate::options::Summarize;
use hwcheck_model::facts::load::MAX_REPORT_BYTES;
use hwcheck_model::fleet::{self, Digest, Loaded, Unreadable};
use hwcheck_model::parallel::map_in_order;
use hwcheck_render::Format;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Most files read from all inputs together.
pub const MAX_FILES: usize = 1_000_000;
/// gzip's first two bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads the reports, prints the summary (tables wrapped to `width`), returns the exit code.
pub fn run(options: &Summarize, width: Option<usize>) -> Result<u8, AppError> {
    let (files, mut unreadable) = collect(&options.inputs);
    let results = read_all(&files);
    let mut reports = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(loaded) => reports.push(loaded),
            Err(u) => unreadable.push(u),
        }
    }
    if reports.is_empty() {
        for u in &unreadable {
            eprintln!("hwcheck: {}: {}", u.file, u.problem);
        }
        return Err(AppError::Usage(format!(
            "no hwcheck report could be read from {}",
            list(&options.inputs)
        )));
    }
    let summary = fleet::summarize(
        reports,
        unreadable,
        &fleet::Options {
            now: SystemTime::now(),
            max_age: options.max_age,
            examples: options.examples,
        },
    );
    let text = match options.format {
        Format::Json => hwcheck_render::fleet::render_json(&summary),
        Format::Markdown => hwcheck_render::fleet::render_markdown(&summary),
        _ => hwcheck_render::fleet::render_table(&summary, width),
    };
    println!("{text}");
    Ok(if summary.verdicts.fail > 0 || !summary.stale.is_empty() {
        EXIT_FAIL
    } else {
        EXIT_OK
    })
}

fn list(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// The files named, and those in the directories named (`*.json`, `*.json.gz`, sorted, not
/// recursive); inputs that cannot be listed are unreadable entries.
pub fn collect(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for input in inputs {
        let problem = |p: String| Unreadable {
            file: input.display().to_string(),
            problem: p,
        };
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(input) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| is_report_name(p))
                        .take(MAX_FILES)
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => unreadable.push(problem(format!("cannot list the directory: {e}"))),
            },
            Ok(_) => files.push(input.clone()),
            Err(e) => unreadable.push(problem(e.to_string())),
        }
    }
    files.truncate(MAX_FILES);
    (files, unreadable)
}

fn is_report_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    !name.starts_with('.') && (name.ends_with(".json") || name.ends_with(".json.gz"))
}

/// Reads every file on every core, keeping the input order.
fn read_all(files: &[PathBuf]) -> Vec<Result<Loaded, Unreadable>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 16)
        .min(files.len().max(1));
    map_in_order(files, threads, |path| read_one(path))
}

/// One file: bounded read, gunzip when gzipped, digest.
fn read_one(path: &Path) -> Result<Loaded, Unreadable> {
    let file = path.display().to_string();
    let fail = |problem: String| Unreadable {
        file: file.clone(),
        problem,
    };
    let raw = hwcheck_model::read::whole_up_to(path, MAX_REPORT_BYTES).map_err(fail)?;
    let bytes = if raw.starts_with(&GZIP_MAGIC) {
        gunzip(&raw, MAX_REPORT_BYTES).map_err(fail)?
    } else {
        raw
    };
    let digest = Digest::parse(&bytes).map_err(fail)?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok(Loaded {
        file: file.clone(),
        modified,
        digest,
    })
}

/// Decompresses gzip data, refusing more than `max` bytes out (a small bomb stays small).
pub fn gunzip(data: &[u8], max: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not valid gzip ({e})"))?;
    if out.len() as u64 > max {
        return Err(format!(
            "larger than {} MiB once decompressed",
            (max >> 20).max(1)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gunzip_is_bounded() {
        let zeros = vec![0u8; 4 << 20];
        let packed = gz(&zeros);
        assert!(packed.len() < 64 << 10);
        assert_eq!(gunzip(&packed, 8 << 20).unwrap().len(), 4 << 20);
        let e = gunzip(&packed, 1 << 20).unwrap_err();
        assert_eq!(e, "larger than 1 MiB once decompressed");
        assert!(gunzip(&[0x1f, 0x8b, 0, 1, 2], 1 << 20)
            .unwrap_err()
            .starts_with("not valid gzip"));
    }

    #[test]
    fn directories_give_their_report_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "b.json",
            "a.json.gz",
            "notes.txt",
            ".hwcheck.json.tmp",
            ".x.json",
        ] {
            std::fs::write(dir.path().join(name), "{}").unwrap();
        }
        let missing = dir.path().join("missing.json");
        let (files, unreadable) = collect(&[dir.path().to_path_buf(), missing.clone()]);
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json.gz", "b.json"]);
        assert_eq!(unreadable.len(), 1);
        assert_eq!(unreadable[0].file, missing.display().to_string());
    }
}
