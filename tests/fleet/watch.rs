//! `hwcheck watch` under a short interval: the files are rewritten (renamed into place), runs
//! never overlap, SIGTERM ends it with exit 0 — also in the middle of a hanging run — and no
//! process it started is left behind.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A watch process and the tag its descendants inherit (to find them in /proc).
struct Watched {
    child: Child,
    tag: String,
    dirs: tempfile::TempDir,
}

impl Watched {
    fn start(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let dirs = tempfile::tempdir().unwrap();
        let root = dirs.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        let tag = format!("watch-test-{}-{:?}", std::process::id(), Instant::now());
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("hwcheck"));
        cmd.arg("watch")
            .args(["--interval", "1s", "--root", root.to_str().unwrap()])
            .arg("--nfd-dir")
            .arg(dirs.path().join("nfd"))
            .arg("--prometheus-dir")
            .arg(dirs.path().join("prom"))
            .arg("--report-dir")
            .arg(dirs.path().join("reports"))
            .args(extra)
            .env("HWCHECK_WATCH_TEST_TAG", &tag)
            .env("TMPDIR", dirs.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        Self { child, tag, dirs }
    }

    fn file(&self, dir: &str, name: &str) -> PathBuf {
        self.dirs.path().join(dir).join(name)
    }

    /// Processes (other than the watch itself) carrying the tag, with their command lines.
    fn descendants(&self) -> Vec<(u32, String)> {
        let needle = format!("HWCHECK_WATCH_TEST_TAG={}", self.tag);
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if pid == self.child.id() {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
                let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                found.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
            }
        }
        found
    }

    /// Probe runs in flight now (children writing JSON into the watch's private directory).
    fn runs_in_flight(&self) -> usize {
        self.descendants()
            .iter()
            .filter(|(_, cmd)| cmd.contains("--output-dir"))
            .count()
    }

    fn terminate(&mut self) -> (Option<i32>, Duration) {
        let started = Instant::now();
        // SAFETY: kill(2) on the pid of the child this test spawned and has not reaped yet.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("watch did not exit within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (up to 5 s: parent-death signals are delivered asynchronously) for every tagged
    /// process to be gone.
    fn assert_nothing_left(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.descendants().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(self.descendants(), Vec::new(), "left behind");
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn inode(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Waits up to `secs` for `cond`.
fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn files_are_rewritten_each_interval_and_sigterm_exits_cleanly() {
    let mut w = Watched::start(&["--quick"], &[]);
    let nfd = w.file("nfd", "hwcheck");
    let prom = w.file("prom", "hwcheck.prom");
    let report = w.file("reports", "hwcheck.json");
    assert!(wait_for(60, || inode(&nfd).is_some()), "no first NFD file");
    let first = (inode(&nfd), inode(&prom), inode(&report));
    let mut most_in_flight = 0;
    let rewritten = wait_for(60, || {
        most_in_flight = most_in_flight.max(w.runs_in_flight());
        let now = (inode(&nfd), inode(&prom), inode(&report));
        now.0 != first.0 && now.1 != first.1 && now.2 != first.2
    });
    assert!(rewritten, "files not renamed into place again");
    assert!(most_in_flight <= 1, "{most_in_flight} runs at once");
    let text = std::fs::read_to_string(&nfd).unwrap();
    assert!(
        text.contains("# +expiry-time=") && text.contains("hwcheck.dev/verdict="),
        "{text}"
    );
    let prom_text = std::fs::read_to_string(&prom).unwrap();
    assert!(
        prom_text.contains("hwcheck_report_timestamp_seconds "),
        "{prom_text}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(nfd.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["hwcheck"], "no temporary files");
    let (code, took) = w.terminate();
    assert_eq!(code, Some(0), "SIGTERM is a clean exit");
    assert!(took < Duration::from_secs(10), "{took:?}");
    w.assert_nothing_left();
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the test-hooks feature (scripts/test.sh enables it)"
)]
fn sigterm_during_a_hanging_run_ends_the_run_and_its_probes() {
    let lib = match std::env::var("HWCHECK_REFERENCE_ORT") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!("skipped: HWCHECK_REFERENCE_ORT is unset (scripts/test.sh fetches it)");
            return;
        }
    };
    // The CPU session probe hangs for the whole --timeout: the run takes 60 s.
    let mut w = Watched::start(
        &["--ort", &lib, "--timeout", "60", "--no-detect"],
        &[("HWCHECK_TEST_HANG_PROBE", "ort:cpu")],
    );
    assert!(
        wait_for(30, || w
            .descendants()
            .iter()
            .any(|(_, c)| c.contains("__probe"))),
        "the hanging probe never started: {:?}",
        w.descendants()
    );
    assert_eq!(w.runs_in_flight(), 1);
    let (code, took) = w.terminate();
    assert_eq!(code, Some(0));
    assert!(
        took < Duration::from_secs(5),
        "stopped within a poll, not after the run: {took:?}"
    );
    w.assert_nothing_left();
    assert!(
        inode(&w.file("nfd", "hwcheck")).is_none(),
        "no half run written"
    );
}

#[test]
fn once_writes_the_files_and_exits() {
    let dirs = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .args(["watch", "--once", "--quick", "--root"])
        .arg(dirs.path())
        .arg("--prometheus-dir")
        .arg(dirs.path().join("prom"))
        .env("TMPDIR", dirs.path())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dirs.path().join("prom/hwcheck.prom").is_file());
    assert!(!dirs.path().join("nfd").exists());
    let bad = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .args(["watch", "--interval", "10m"])
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "nowhere to write is a usage error"
    );
}
