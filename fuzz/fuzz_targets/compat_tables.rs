//! Compat tables given with --tables DIR: the first byte picks the table file the rest replaces;
//! that table is loaded (parsed and validated) from the directory.
#![no_main]

use hwcheck_compat::{arch, cuda_driver, cudnn, errors, forward_compat, gpus, images, ort};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

/// (file name, loader) of every table.
type Loader = fn(&Path) -> bool;
const TABLES: [(&str, Loader); 8] = [
    ("errors/cuda-runtime.toml", |d| {
        errors::ErrorTable::load(Some(d)).is_ok()
    }),
    ("images.toml", |d| images::ImageTable::load(Some(d)).is_ok()),
    ("cuda_driver.toml", |d| {
        cuda_driver::CudaDriverTable::load(Some(d)).is_ok()
    }),
    ("arch.toml", |d| arch::ArchTable::load(Some(d)).is_ok()),
    ("gpus.toml", |d| gpus::GpuTable::load(Some(d)).is_ok()),
    ("cudnn.toml", |d| cudnn::CudnnTable::load(Some(d)).is_ok()),
    ("forward_compat.toml", |d| {
        forward_compat::ForwardCompatTable::load(Some(d)).is_ok()
    }),
    ("ort.toml", |d| ort::OrtTable::load(Some(d)).is_ok()),
];

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}")))
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let (name, load) = TABLES[usize::from(*first) % TABLES.len()];
    let path = dir().path().join(name);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if std::fs::write(&path, rest).is_ok() {
        let _ = load(dir().path());
        let _ = std::fs::remove_file(path);
    }
});
