//! Remedies hwcheck re-ran a failing probe with: environment changes, and what the probe did
//! in a child started with them (the facts behind "verified" and "did not help").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `skipped` entry recorded when `--quick` leaves out remedy verification.
pub const SKIPPED_VERIFY_QUICK: &str = "remedy verification: skipped by --quick";
/// The `skipped` entry recorded when `--no-verify` leaves out remedy verification.
pub const SKIPPED_VERIFY_FLAG: &str = "remedy verification: skipped by --no-verify";

/// One change of an environment variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EnvChange {
    /// Set `name` to `value`.
    Set {
        /// Variable name.
        name: String,
        /// New value.
        value: String,
    },
    /// Unset `name`.
    Unset {
        /// Variable name.
        name: String,
    },
    /// Remove the directory `dir` from the colon-separated list `name`.
    RemoveFromList {
        /// Variable name (e.g. `LD_LIBRARY_PATH`).
        name: String,
        /// The directory to remove.
        dir: String,
    },
    /// Put the directory `dir` first in the colon-separated list `name`.
    Prepend {
        /// Variable name (e.g. `LD_LIBRARY_PATH`).
        name: String,
        /// The directory to add.
        dir: String,
    },
}

/// A remedy hwcheck tried: the failing probe re-run in a child whose environment had the
/// changes applied (hwcheck's own environment and the system are never changed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RemedyTrial {
    /// Keys of the checks the remedy was proposed for (`driver.cuda_init`,
    /// `ort.provider.cuda`, …).
    pub checks: Vec<String>,
    /// The changes, applied in order.
    pub changes: Vec<EnvChange>,
    /// What was re-run: `cuInit`, or the provider session of an ONNX Runtime library.
    pub rerun: String,
    /// `Some(true)`: the probe then succeeded (verified); `Some(false)`: it still failed (did
    /// not help); `None`: it could not be run (timeout, the most trials per run reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// One line: "verified: with …, the CUDA provider session runs", "did not help: with …,
    /// cuInit still fails: …" or "not run: …".
    pub outcome: String,
}
