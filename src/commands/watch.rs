//! `hwcheck watch`: probe again and again on a GPU node and keep the fleet engines' files fresh.
//!
//! Each run is one child process, `hwcheck --format json --output-dir <private dir>` with the
//! watch's probe options, supervised by [`hwcheck_probe::isolate::run_supervised`]: its own
//! process group, killed with its probes at `--run-timeout` or when a signal asks to stop, and
//! always reaped. Runs never overlap: the next starts `--interval` after the previous one
//! started, or right after it ended when it took longer. From the child's report the watch
//! writes the NFD feature file, the Prometheus textfile and the JSON report, each atomically.
//! A failed run leaves the previous files in place: NFD drops their labels at their expiry
//! time, and `hwcheck_report_timestamp_seconds` shows their age to Prometheus.
//!
//! SIGTERM and SIGINT set a flag (signal-hook's `flag::register`: the handler only stores to
//! an atomic, the one async-signal-safe thing to do); the loop sees it within 50 ms, ends the
//! running child if there is one, and exits 0.

use crate::commands::outputs;
use crate::common::{AppError, EXIT_ERROR, EXIT_OK};
use crate::options::{Global, Watch};
use hwcheck_model::check::{Report, Verdict};
use hwcheck_probe::isolate::{run_supervised, ChildFailure};
use hwcheck_render::Format;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the wait between runs looks at the stop flag.
const TICK: Duration = Duration::from_millis(50);

/// Runs the watch until a signal (or after one run with `--once`).
pub fn run(global: &Global, options: &Watch) -> Result<u8, AppError> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| AppError::Usage(format!("cannot handle signal {signal}: {e}")))?;
    }
    let work = tempfile::Builder::new()
        .prefix("hwcheck-watch-")
        .tempdir()
        .map_err(|e| {
            AppError::Write(format!("cannot create a private temporary directory: {e}"))
        })?;
    let exe = std::env::current_exe()
        .map_err(|e| AppError::Usage(format!("cannot find hwcheck's own executable: {e}")))?;
    let args = child_args(global, options, work.path());
    let stopped = || stop.load(Ordering::SeqCst);
    eprintln!(
        "hwcheck watch: every {}, writing to {}",
        hwcheck_model::time::format_duration(options.interval),
        targets(options)
    );
    loop {
        let started = Instant::now();
        let outcome = run_once(&exe, &args, work.path(), options, &stopped);
        match &outcome {
            Ok(Some(line)) => eprintln!("hwcheck watch: {line}"),
            Ok(None) => break,
            Err(e) => eprintln!("hwcheck watch: run failed: {e}; the previous files stay"),
        }
        if options.once {
            return Ok(if outcome.is_ok() { EXIT_OK } else { EXIT_ERROR });
        }
        if !wait_until(started + options.interval, &stopped) {
            break;
        }
    }
    eprintln!("hwcheck watch: stopped by a signal");
    Ok(EXIT_OK)
}

/// The arguments of one run: the watch's probe options, JSON into the private directory.
fn child_args(global: &Global, options: &Watch, work: &Path) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--format".into(),
        "json".into(),
        "--output-dir".into(),
        work.display().to_string(),
        "--timeout".into(),
        global.timeout.as_secs_f64().to_string(),
        "--runs".into(),
        options.depth.runs.to_string(),
    ];
    let paths = [
        ("--tables", &global.tables),
        ("--root", &global.root),
        ("--ort", &global.ort),
        ("--nvml-facts", &options.depth.nvml_facts),
    ];
    for (flag, value) in paths {
        if let Some(path) = value {
            args.extend([flag.to_string(), path.display().to_string()]);
        }
    }
    let flags = [
        ("--reference-runtime", global.reference_runtime),
        ("--quick", options.depth.quick),
        ("--no-detect", options.depth.no_detect),
        ("--strict", options.strict),
    ];
    args.extend(
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(f, _)| f.to_string()),
    );
    if !global.providers.is_empty() {
        let names: Vec<&str> = global.providers.iter().map(|p| p.short_name()).collect();
        args.extend(["--providers".to_string(), names.join(",")]);
    }
    args
}

/// One run: the child's report, then the files. `Ok(None)` when stopped by a signal.
fn run_once(
    exe: &Path,
    args: &[String],
    work: &Path,
    options: &Watch,
    stopped: &dyn Fn() -> bool,
) -> Result<Option<String>, String> {
    let report_path = work.join("hwcheck.json");
    let _ = std::fs::remove_file(&report_path);
    let mut cmd = Command::new(exe);
    cmd.args(args);
    let captured = match run_supervised(cmd, options.run_timeout, stopped) {
        Ok(c) => c,
        Err(ChildFailure::Stopped) => return Ok(None),
        Err(e) => return Err(format!("the probe run {e}")),
    };
    if !matches!(captured.status.code(), Some(0 | 1)) {
        let tail: String = captured.stderr.trim().chars().rev().take(600).collect();
        let tail: String = tail.chars().rev().collect();
        return Err(format!(
            "the probe run ended with {}: {tail}",
            captured.status
        ));
    }
    let text =
        hwcheck_model::read::user_text(&report_path, hwcheck_model::facts::load::MAX_REPORT_BYTES)
            .map_err(|e| format!("no report from the probe run ({e})"))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("unreadable report from the probe run ({e})"))?;
    let mut written = Vec::new();
    let files = [
        (&options.nfd_dir, Format::Nfd),
        (&options.prometheus_dir, Format::Prometheus),
    ];
    for (dir, format) in files {
        if let Some(dir) = dir {
            let body = outputs::render(&report, format, options.nfd_expiry, false, None);
            written.push(write(dir, format, &body)?);
        }
    }
    if let Some(dir) = &options.report_dir {
        written.push(write(dir, Format::Json, &text)?);
    }
    let verdict = match report.verdict {
        Verdict::Ok => "OK",
        Verdict::Fail => "FAIL",
    };
    let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    Ok(Some(format!(
        "verdict {verdict}; wrote {}",
        paths.join(", ")
    )))
}

fn write(dir: &Path, format: Format, text: &str) -> Result<PathBuf, String> {
    let name = outputs::file_name(format).unwrap_or("hwcheck.out");
    outputs::write_atomically(dir, name, text)
}

/// Waits until `deadline`; false when stopped first.
fn wait_until(deadline: Instant, stopped: &dyn Fn() -> bool) -> bool {
    loop {
        if stopped() {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(TICK));
    }
}

/// The directories written, for the start-up line.
fn targets(options: &Watch) -> String {
    [
        &options.nfd_dir,
        &options.prometheus_dir,
        &options.report_dir,
    ]
    .iter()
    .filter_map(|d| d.as_ref().map(|p| p.display().to_string()))
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::ProbeDepth;
    use hwcheck_model::facts::ort::Provider;

    fn watch() -> Watch {
        Watch {
            interval: Duration::from_secs(600),
            nfd_dir: Some("/nfd".into()),
            prometheus_dir: None,
            report_dir: None,
            nfd_expiry: None,
            once: false,
            run_timeout: Duration::from_secs(600),
            strict: true,
            depth: ProbeDepth {
                quick: true,
                no_detect: false,
                runs: 3,
                nvml_facts: None,
            },
        }
    }

    #[test]
    fn a_run_gets_the_watch_probe_options() {
        let global = Global {
            tables: None,
            timeout: Duration::from_millis(2500),
            root: Some("/fake".into()),
            ort: None,
            reference_runtime: false,
            providers: vec![Provider::Cuda, Provider::Tensorrt],
            width: None,
        };
        let args = child_args(&global, &watch(), Path::new("/w")).join(" ");
        assert_eq!(
            args,
            "--format json --output-dir /w --timeout 2.5 --runs 3 --root /fake --quick --strict --providers cuda,tensorrt"
        );
    }

    #[test]
    fn waiting_ends_early_on_a_stop() {
        let started = Instant::now();
        assert!(!wait_until(started + Duration::from_secs(30), &|| true));
        assert!(wait_until(started, &|| false));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
