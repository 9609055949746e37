//! Compat tables given with --tables DIR: the first byte picks the file the rest replaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const FILES: [&str; 8] = [
    "errors.toml",
    "images.toml",
    "cuda_driver.toml",
    "arch.toml",
    "gpus.toml",
    "cudnn.toml",
    "forward_compat.toml",
    "ort.toml",
];

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}")))
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let dir = dir();
    for name in FILES {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    let name = FILES[usize::from(*first) % FILES.len()];
    if std::fs::write(dir.path().join(name), rest).is_ok() {
        let _ = hwcheck::compat::Tables::load(Some(dir.path()));
    }
});
