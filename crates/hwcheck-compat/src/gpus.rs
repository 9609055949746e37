//! `gpus.toml`: GPU name -> compute capability, architecture and product class (for when NVML
//! cannot say, for `--gpu NAME`, and for forward-compatibility eligibility).
//!
//! Names are matched without per-row patterns: first exactly (case, spacing, dashes and the
//! "NVIDIA " prefix aside) against each row's name, NVML names and aliases, then after
//! [`normalise`] drops brand words and NVML form-factor suffixes; the second step only answers
//! when every row it finds agrees on compute capability and class.

use super::rows::{RawTable, Row};
use super::TableError;
use hwcheck_model::version::DottedVersion;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// File name of the table in `compat_tables/` (and in a `--tables` directory).
pub const FILE_NAME: &str = "gpus.toml";
/// The table built into the binary.
pub const EMBEDDED: &str = include_str!("../../../compat_tables/gpus.toml");

/// Most close matches an unknown name is answered with.
const MAX_SUGGESTIONS: usize = 5;
/// Longest GPU name looked up (longer input is cut).
const MAX_NAME: usize = 200;

/// Product class of a GPU, as far as forward compatibility cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpuClass {
    /// NVIDIA data-center GPUs (Tesla, A100, H100, …).
    DataCenter,
    /// Professional RTX / Quadro cards.
    Workstation,
    /// GeForce and TITAN consumer cards.
    Geforce,
    /// Jetson boards.
    Jetson,
}

impl GpuClass {
    /// Human name, e.g. "data-center GPU".
    pub fn label(self) -> &'static str {
        match self {
            GpuClass::DataCenter => "data-center GPU",
            GpuClass::Workstation => "workstation (RTX/Quadro) GPU",
            GpuClass::Geforce => "GeForce/TITAN GPU",
            GpuClass::Jetson => "Jetson board",
        }
    }
}

/// The brand string libnvidia-container compares `brand=` constraints with, for a GPU of this
/// name and class. It maps NVML's Quadro, Tesla, GeForce and TITAN brands and calls every other
/// brand (A100, H100, RTX A6000 report "NVIDIA"/"NVIDIA RTX") `Unknown`
/// (libnvidia-container `src/driver.c`).
pub fn toolkit_brand(name: &str, class: GpuClass) -> &'static str {
    let key = format!(" {}", exact_key(name));
    let has = |w: &str| key.contains(&format!(" {w}"));
    match class {
        GpuClass::Geforce if has("titan") => "titan",
        GpuClass::Geforce => "geforce",
        GpuClass::DataCenter if has("tesla") => "tesla",
        GpuClass::Workstation if has("quadro") => "quadro",
        GpuClass::DataCenter | GpuClass::Workstation | GpuClass::Jetson => "unknown",
    }
}

/// One GPU model.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpuRow {
    /// Marketing name without "NVIDIA ", e.g. "H100 SXM5".
    pub name: String,
    /// Names NVML reports, e.g. "NVIDIA H100 80GB HBM3".
    #[serde(default)]
    pub nvml: Vec<String>,
    /// Short forms people type, e.g. "H100 SXM".
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Compute capability.
    pub cc: DottedVersion,
    /// Architecture, e.g. "Hopper".
    pub arch: String,
    /// Product class.
    pub class: GpuClass,
    /// Where the compute capability comes from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
}

impl Row for GpuRow {
    fn source(&self) -> &str {
        &self.source
    }
    fn validate(&self) -> Result<(), String> {
        if self.cc.parts().len() != 2 {
            return Err(format!("cc must be major.minor, got {}", self.cc));
        }
        if exact_key(&self.name).is_empty() {
            return Err("name is empty".to_string());
        }
        Ok(())
    }
}

/// A product family recognised by a word in the name, for GPUs not listed one by one.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyRow {
    /// Family name for people.
    pub model: String,
    /// Words or phrases (matched at a word start, any case) that put a name in the family.
    pub words: Vec<String>,
    /// Product class.
    pub class: GpuClass,
    /// Where the classification comes from.
    pub source: String,
    /// True when no primary source confirms the row.
    #[serde(default)]
    pub unconfirmed: bool,
}

impl Row for FamilyRow {
    fn source(&self) -> &str {
        &self.source
    }
}

/// Why a name typed by a person does not name one GPU.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No row matches; the closest names, best first.
    #[error("unknown GPU {name:?}{}", suggest(.close))]
    Unknown {
        /// The name given.
        name: String,
        /// Up to five close names.
        close: Vec<String>,
    },
    /// Rows with different compute capabilities or classes match.
    #[error("GPU {name:?} is ambiguous: it matches {}; give the full name", .rows.join(", "))]
    Ambiguous {
        /// The name given.
        name: String,
        /// The names of the rows it matches.
        rows: Vec<String>,
    },
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        " (not in the GPU table; give a name such as \"RTX 4090\", \"A100-SXM4-40GB\", \"H200\")"
            .to_string()
    } else {
        format!(": not in the GPU table; did you mean {}?", close.join(", "))
    }
}

/// The whole table.
#[derive(Clone, Debug)]
pub struct GpuTable {
    /// Models, in file order.
    pub gpus: Vec<GpuRow>,
    /// Families, first match wins.
    pub families: Vec<FamilyRow>,
    exact: HashMap<String, Vec<usize>>,
    loose: HashMap<String, Vec<usize>>,
}

impl GpuTable {
    /// The embedded table, replaced by `dir/gpus.toml` when present.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut raw = RawTable::load(FILE_NAME, EMBEDDED, dir)?;
        let gpus: Vec<GpuRow> = raw.rows("gpu")?;
        let families = raw.rows("family")?;
        raw.finish()?;
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut loose: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, row) in gpus.iter().enumerate() {
            let names = std::iter::once(&row.name)
                .chain(&row.nvml)
                .chain(&row.aliases);
            for n in names {
                for (map, key) in [(&mut exact, exact_key(n)), (&mut loose, loose_key(n))] {
                    let list = map.entry(key).or_default();
                    if !list.contains(&i) {
                        list.push(i);
                    }
                }
            }
        }
        Ok(Self {
            gpus,
            families,
            exact,
            loose,
        })
    }

    /// The row naming a GPU: an NVML name ("NVIDIA GeForce RTX 4090") or a short form people
    /// type ("RTX 4090", "A100-SXM4-40GB"); `None` when unknown or ambiguous.
    pub fn model(&self, name: &str) -> Option<&GpuRow> {
        self.lookup(name).ok()
    }

    /// Like [`GpuTable::model`], saying why not: unknown (with close names) or ambiguous.
    pub fn lookup(&self, name: &str) -> Result<&GpuRow, LookupError> {
        let name: String = name.trim().chars().take(MAX_NAME).collect();
        for (map, key) in [
            (&self.exact, exact_key(&name)),
            (&self.loose, loose_key(&name)),
        ] {
            let Some(rows) = map.get(&key) else { continue };
            let first = &self.gpus[rows[0]];
            let agree = rows.iter().all(|&i| {
                let r = &self.gpus[i];
                r.cc == first.cc && r.class == first.class
            });
            if agree {
                return Ok(first);
            }
            return Err(LookupError::Ambiguous {
                name,
                rows: rows
                    .iter()
                    .map(|&i| format!("{} (CC {})", self.gpus[i].name, self.gpus[i].cc))
                    .collect(),
            });
        }
        Err(LookupError::Unknown {
            close: self.close_matches(&name),
            name,
        })
    }

    /// Up to five row names closest to `name`: shared words first, then edit distance.
    pub fn close_matches(&self, name: &str) -> Vec<String> {
        let key = normalise(name);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        let mut scored: Vec<(f64, &str)> = self
            .gpus
            .iter()
            .map(|row| {
                let best = std::iter::once(&row.name)
                    .chain(&row.aliases)
                    .map(|n| similarity(&key, &words, &normalise(n)))
                    .fold(0.0, f64::max);
                (best, row.name.as_str())
            })
            .filter(|(s, _)| *s >= 0.5)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, n) in scored {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
            if out.len() == MAX_SUGGESTIONS {
                break;
            }
        }
        out
    }

    /// The product class of a GPU name, with the source URL that decided it.
    pub fn class(&self, name: &str) -> Option<(GpuClass, &str)> {
        if let Some(row) = self.model(name) {
            return Some((row.class, row.source.as_str()));
        }
        let padded = format!(" {}", exact_key(name));
        self.families
            .iter()
            .find(|f| {
                f.words
                    .iter()
                    .any(|w| padded.contains(&format!(" {}", exact_key(w))))
            })
            .map(|f| (f.class, f.source.as_str()))
    }

    /// How many rows, and how many of them are unconfirmed.
    pub fn counts(&self) -> (usize, usize) {
        let unconfirmed = self.gpus.iter().filter(|r| r.unconfirmed).count();
        (self.gpus.len(), unconfirmed)
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        let gpus = self.gpus.iter().map(|r| r.source.as_str());
        gpus.chain(self.families.iter().map(|r| r.source.as_str()))
            .collect()
    }
}

/// Word overlap of two normalised names (0..=1), edit distance breaking ties.
fn similarity(key: &str, words: &[&str], other: &str) -> f64 {
    let theirs: Vec<&str> = other.split(' ').filter(|w| !w.is_empty()).collect();
    let shared = words.iter().filter(|w| theirs.contains(w)).count();
    let union = words.len() + theirs.len() - shared;
    let overlap = if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    };
    let edit = strsim::normalized_levenshtein(key, other);
    overlap.max(edit * 0.9) + edit * 0.1
}

/// Lower case, punctuation and dashes as spaces, single spaces, without a leading "nvidia".
fn exact_key(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let words = match words.split_first() {
        Some((&"nvidia", rest)) => rest,
        _ => &words[..],
    };
    words.join(" ")
}

/// Words that name a brand, not a product.
const BRAND_WORDS: [&str; 3] = ["nvidia", "tesla", "geforce"];
/// Form-factor and memory words of NVML names and marketing names.
const FORM_WORDS: [&str; 16] = [
    "sxm", "sxm2", "sxm3", "sxm4", "sxm5", "sxm6", "pcie", "hbm2", "hbm2e", "hbm3", "hbm3e", "nvl",
    "laptop", "gpu", "mobile", "ac",
];

/// [`exact_key`] without brand words ("NVIDIA", "Tesla", "GeForce"), memory sizes ("80gb"),
/// form factors ("SXM4", "PCIe", "HBM3", "NVL", "Laptop GPU") and "with Max-Q Design":
/// `Tesla V100-SXM2-16GB` and `V100` both become `v100`.
pub fn normalise(name: &str) -> String {
    let key = exact_key(name).replace("with max q design", "max q");
    key.split(' ')
        .filter(|w| !BRAND_WORDS.contains(w) && !FORM_WORDS.contains(w) && !is_memory_size(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`normalise`] without spaces, so that "gtx1080" finds "GTX 1080".
fn loose_key(name: &str) -> String {
    normalise(name).replace(' ', "")
}

/// "16gb", "80gb", "144g".
fn is_memory_size(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &word[digits.len()..];
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && matches!(unit, "gb" | "g")
}

#[cfg(test)]
mod tests;
