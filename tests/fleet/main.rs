//! Fleet outputs end to end through the real binary: the NFD feature file read back by NFD's
//! documented rules, the Prometheus textfile checked by the real promtool, `watch` under
//! signals and `summarize` over many saved reports.

mod nfd;
mod prometheus;
mod summarize;
mod watch;

use assert_cmd::Command;
use std::path::PathBuf;

/// Every recorded facts fixture.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "fixtures missing: {files:?}");
    files
}

/// hwcheck's stdout for `args`, which must exit 0 or 1 (a verdict).
pub fn hwcheck(args: &[&str]) -> String {
    let out = Command::cargo_bin("hwcheck")
        .unwrap()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{args:?}: exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A fixture re-judged in `format`.
pub fn rejudged(fixture: &std::path::Path, format: &str) -> String {
    hwcheck(&["--facts", fixture.to_str().unwrap(), "--format", format])
}
