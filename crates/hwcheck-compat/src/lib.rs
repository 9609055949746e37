//! Compatibility tables: data with sources, embedded in the binary, replaceable with `--tables`.
//!
//! Each table is one TOML file in `compat_tables/`; every row carries a `source` URL (and
//! `unconfirmed = true` where no primary source was found). The embedded copy is used unless
//! `--tables DIR` holds a file of the same name, which then replaces it whole.

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod errors;
pub mod image_ref;

pub mod arch;
pub mod cuda_driver;
pub mod cuda_images;
pub mod cudnn;
pub mod forward_compat;
pub mod gpus;
pub mod jetson;
pub mod ngc;
pub mod ort;
pub mod rows;

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Most bytes read from one table file.
const MAX_TABLE_BYTES: u64 = 4 << 20;

/// Why a table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The override file could not be read.
    #[error("cannot read compat table {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file is not valid TOML for this table, or a row is invalid.
    #[error("compat table {name} is invalid: {message}")]
    Invalid {
        /// Table file name (or path for overrides).
        name: String,
        /// Parser message, with line and column.
        message: String,
    },
}

/// All tables hwcheck judges with. The known failure messages (`errors::ErrorTable`, 214 rows
/// whose phrases compile to regexes: most of a run's start-up cost) are not among them: only
/// `explain` loads them.
#[derive(Clone, Debug)]
pub struct Tables {
    /// NGC container release -> CUDA, driver requirement, minimum CC (`ngc.toml`).
    pub ngc: ngc::NgcTable,
    /// nvidia/cuda release -> NVIDIA_REQUIRE_CUDA (`cuda_images.toml`).
    pub cuda_images: cuda_images::CudaImageTable,
    /// CUDA toolkit -> driver (`cuda_driver.toml`).
    pub cuda_driver: cuda_driver::CudaDriverTable,
    /// Compute capability support windows (`arch.toml`).
    pub arch: arch::ArchTable,
    /// GPU name -> compute capability and class (`gpus.toml`).
    pub gpus: gpus::GpuTable,
    /// cuDNN -> CUDA, driver, compute capability (`cudnn.toml`).
    pub cudnn: cudnn::CudnnTable,
    /// Forward compatibility and driver branches (`forward_compat.toml`).
    pub forward_compat: forward_compat::ForwardCompatTable,
    /// ONNX Runtime release -> CUDA, cuDNN, TensorRT of its GPU build (`ort.toml`).
    pub ort: ort::OrtTable,
    /// L4T -> JetPack -> CUDA/cuDNN/TensorRT, Jetson modules (`jetson.toml`).
    pub jetson: jetson::JetsonTable,
}

impl Tables {
    /// The tables built into this binary, each replaced by `dir/<name>.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        Ok(Self {
            ngc: ngc::NgcTable::load(dir)?,
            cuda_images: cuda_images::CudaImageTable::load(dir)?,
            cuda_driver: cuda_driver::CudaDriverTable::load(dir)?,
            arch: arch::ArchTable::load(dir)?,
            gpus: gpus::GpuTable::load(dir)?,
            cudnn: cudnn::CudnnTable::load(dir)?,
            forward_compat: forward_compat::ForwardCompatTable::load(dir)?,
            ort: ort::OrtTable::load(dir)?,
            jetson: jetson::JetsonTable::load(dir)?,
        })
    }

    /// Every row's source URL of the tables in this module, per table file name.
    #[cfg(test)]
    pub fn sources(&self) -> Vec<(&'static str, Vec<&str>)> {
        vec![
            (cuda_driver::FILE_NAME, self.cuda_driver.sources()),
            (arch::FILE_NAME, self.arch.sources()),
            (gpus::FILE_NAME, self.gpus.sources()),
            (cudnn::FILE_NAME, self.cudnn.sources()),
            (forward_compat::FILE_NAME, self.forward_compat.sources()),
            (ort::FILE_NAME, self.ort.sources()),
            (jetson::FILE_NAME, self.jetson.sources()),
            (ngc::FILE_NAME, self.ngc.sources()),
            (cuda_images::FILE_NAME, self.cuda_images.sources()),
        ]
    }

    /// The embedded tables only.
    #[allow(
        clippy::panic,
        reason = "embedded data, not outside input: tests load every embedded table"
    )]
    pub fn embedded() -> Self {
        // The embedded tables are checked by tests at build time; failing here is a bug.
        Self::load(None).unwrap_or_else(|e| panic!("embedded compat tables are invalid: {e}"))
    }
}

/// Loads one table: `dir/<file_name>` if present, else the embedded text.
pub fn load_table<T: DeserializeOwned>(
    file_name: &str,
    embedded: &str,
    dir: Option<&Path>,
) -> Result<T, TableError> {
    let (text, name) = match dir.map(|d| d.join(file_name)).filter(|p| p.exists()) {
        Some(path) => (read_bounded(&path)?, path.display().to_string()),
        None => (embedded.to_string(), file_name.to_string()),
    };
    toml::from_str(&text).map_err(|e| TableError::Invalid {
        name,
        message: e.to_string(),
    })
}

fn read_bounded(path: &Path) -> Result<String, TableError> {
    hwcheck_model::read::user_text(path, MAX_TABLE_BYTES).map_err(|message| TableError::Read {
        path: path.to_path_buf(),
        message,
    })
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn every_embedded_row_has_an_http_source() {
        let tables = Tables::load(None).unwrap();
        let errors = errors::ErrorTable::load(None).unwrap();
        let all = tables
            .sources()
            .into_iter()
            .chain([(errors::DIR_NAME, errors.sources())]);
        for (name, sources) in all {
            assert!(!sources.is_empty(), "{name} has no rows");
            for (i, s) in sources.iter().enumerate() {
                assert!(
                    s.starts_with("https://") || s.starts_with("http://"),
                    "{name} row {i}: {s:?}"
                );
            }
        }
    }

    #[test]
    fn an_override_replaces_one_table_and_a_bad_one_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let one = "[[cc]]\ncc = \"9.0\"\narch = \"Hopper\"\nfirst_cuda = \"11.8\"\nsource = \"https://a.b/c\"\n";
        std::fs::write(dir.path().join(arch::FILE_NAME), one).unwrap();
        let tables = Tables::load(Some(dir.path())).unwrap();
        assert_eq!(tables.arch.ccs.len(), 1);
        assert!(tables.cuda_driver.releases.len() > 10);
        std::fs::write(dir.path().join(arch::FILE_NAME), "[[cc]]\ncc = 9\n").unwrap();
        let err = Tables::load(Some(dir.path())).unwrap_err();
        assert!(matches!(err, TableError::Invalid { .. }), "{err}");
    }
}
