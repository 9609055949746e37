//! Person-detection facts: one end-to-end run per provider (filled by `detect`).

use serde::{Deserialize, Serialize};

/// Everything learned by running the person detector.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DetectionFacts {}
