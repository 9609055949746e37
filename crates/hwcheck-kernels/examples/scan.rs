//! Prints one JSON line per library: the kernel images it carries and, with
//! `--cc MAJOR.MINOR` (repeatable), how each such GPU would run them.
//!
//! With `--raw`, each path is a fatbin section already cut out of a library
//! (`objcopy -O binary --only-section=.nv_fatbin LIB OUT`), read whole.
//!
//! ```text
//! cargo run --example scan -- --cc 9.0 --cc 12.0 /usr/local/cuda/lib64/libcublasLt.so*
//! ```

use hwcheck_kernels::{judge, scan_bytes, scan_file, KernelImages, Limits, ScanError};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

fn parse_cc(s: &str) -> Option<(u32, u32)> {
    let (major, minor) = s.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn scan(path: &Path, raw: bool, limits: &Limits) -> Result<KernelImages, ScanError> {
    if raw {
        scan_bytes(&std::fs::read(path)?)
    } else {
        scan_file(path, limits)
    }
}

fn main() -> ExitCode {
    let mut ccs = Vec::new();
    let mut paths = Vec::new();
    let mut raw = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--cc" {
            match args.next().as_deref().and_then(parse_cc) {
                Some(cc) => ccs.push(cc),
                None => {
                    eprintln!("--cc needs MAJOR.MINOR, e.g. --cc 9.0");
                    return ExitCode::from(2);
                }
            }
        } else if arg == "--raw" {
            raw = true;
        } else {
            paths.push(arg);
        }
    }
    if paths.is_empty() {
        eprintln!("usage: scan [--raw] [--cc MAJOR.MINOR]... LIBRARY...");
        return ExitCode::from(2);
    }
    let limits = Limits::default();
    let mut failed = false;
    for path in paths {
        let started = Instant::now();
        let mut line = Map::new();
        line.insert("path".into(), json!(path));
        match scan(Path::new(&path), raw, &limits) {
            Ok(images) => {
                line.insert("targets".into(), json!(images.target_names()));
                let mut support = Map::new();
                for &(major, minor) in &ccs {
                    let verdict = serde_json::to_value(judge(&images, (major, minor)));
                    support.insert(format!("{major}.{minor}"), verdict.unwrap_or(Value::Null));
                }
                if !ccs.is_empty() {
                    line.insert("support".into(), Value::Object(support));
                }
                line.insert(
                    "images".into(),
                    serde_json::to_value(&images).unwrap_or(Value::Null),
                );
            }
            Err(e) => {
                failed = true;
                line.insert("error".into(), json!(e.to_string()));
            }
        }
        line.insert("ms".into(), json!(started.elapsed().as_millis() as u64));
        println!("{}", Value::Object(line));
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
