//! The knowledge base of real failure messages (`compat_tables/errors/<family>.toml`): each row
//! is a phrase copied from a public report (its `source` and verbatim `quote`), what it means
//! (`cause`, `fix`, which may use the values the phrase captured), whether it is an environment
//! or a program problem, and the hwcheck check that detects it on a machine.
//!
//! Every family file is embedded; `--tables DIR` replaces a family file with `DIR/errors/<same
//! name>.toml` and adds any other `DIR/errors/*.toml` as a new family. A bad row is an error that
//! names the file and the row.

pub mod phrase;
pub mod template;

use super::rows::{row_message, RawTable, Row};
use super::TableError;
use hwcheck_model::check_id::CheckKind;
use phrase::{Haystack, Phrase};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use template::Template;

/// Folder of the family files in `compat_tables/` (and in a `--tables` directory).
pub const DIR_NAME: &str = "errors";
/// Most family files read from a `--tables` directory.
const MAX_OVERRIDE_FILES: usize = 64;

/// The family files built into the binary: (file name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "container.toml",
        include_str!("../../../../compat_tables/errors/container.toml"),
    ),
    (
        "cublas.toml",
        include_str!("../../../../compat_tables/errors/cublas.toml"),
    ),
    (
        "cuda-driver-api.toml",
        include_str!("../../../../compat_tables/errors/cuda-driver-api.toml"),
    ),
    (
        "cuda-runtime.toml",
        include_str!("../../../../compat_tables/errors/cuda-runtime.toml"),
    ),
    (
        "cudnn.toml",
        include_str!("../../../../compat_tables/errors/cudnn.toml"),
    ),
    (
        "jax.toml",
        include_str!("../../../../compat_tables/errors/jax.toml"),
    ),
    (
        "jetson.toml",
        include_str!("../../../../compat_tables/errors/jetson.toml"),
    ),
    (
        "nvidia-smi.toml",
        include_str!("../../../../compat_tables/errors/nvidia-smi.toml"),
    ),
    (
        "nvml.toml",
        include_str!("../../../../compat_tables/errors/nvml.toml"),
    ),
    (
        "onnxruntime.toml",
        include_str!("../../../../compat_tables/errors/onnxruntime.toml"),
    ),
    (
        "program.toml",
        include_str!("../../../../compat_tables/errors/program.toml"),
    ),
    (
        "pytorch.toml",
        include_str!("../../../../compat_tables/errors/pytorch.toml"),
    ),
    (
        "tensorflow.toml",
        include_str!("../../../../compat_tables/errors/tensorflow.toml"),
    ),
    (
        "tensorrt.toml",
        include_str!("../../../../compat_tables/errors/tensorrt.toml"),
    ),
    (
        "wsl2.toml",
        include_str!("../../../../compat_tables/errors/wsl2.toml"),
    ),
];

/// Whether the message means the machine or install is wrong, or the program itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Driver, libraries, container or configuration: changing the environment fixes it.
    Environment,
    /// The program, model, data or memory use: changing drivers or libraries does not fix it.
    Program,
}

/// One known message.
#[derive(Clone, Debug)]
pub struct ErrorRow {
    /// Stable row name, e.g. `cudart-35-insufficient-driver-text`.
    pub id: String,
    /// Family: the layer whose wording the message is in (`cuda-runtime`, `onnxruntime`, …).
    pub family: String,
    /// Environment or program problem.
    pub kind: Kind,
    /// How the message is recognised.
    pub phrase: Phrase,
    /// Why it happens.
    pub cause: Template,
    /// What to change.
    pub fix: Template,
    /// Ids (or id prefixes) of the hwcheck checks that detect it on a machine; may be empty.
    pub checks: Vec<String>,
    /// URL of the public report the quote comes from.
    pub source: String,
    /// The line as it appears in that report.
    pub quote: String,
    /// Primary documentation for the cause and fix, when there is one.
    pub doc: Option<String>,
    /// No primary source states the cause.
    pub unconfirmed: bool,
    /// A line that follows many different causes (a summary or a hint): ranked after every
    /// specific match.
    pub generic: bool,
    /// Further reports showing the same message.
    pub also: Vec<String>,
}

/// Every known message, family file by family file.
#[derive(Clone, Debug, Default)]
pub struct ErrorTable {
    /// The rows.
    pub rows: Vec<ErrorRow>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Checks {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    id: String,
    family: String,
    kind: Kind,
    phrase: String,
    cause: String,
    fix: String,
    check: Checks,
    source: String,
    quote: String,
    doc: Option<String>,
    #[serde(default)]
    unconfirmed: bool,
    #[serde(default)]
    generic: bool,
    #[serde(default)]
    also: Vec<String>,
}

impl Row for RawRow {
    fn source(&self) -> &str {
        &self.source
    }

    fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("id", &self.id),
            ("cause", &self.cause),
            ("fix", &self.fix),
            ("quote", &self.quote),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{:?}: empty `{name}`", self.id));
            }
        }
        let urls = self.also.iter().chain(self.doc.as_ref());
        if let Some(bad) = urls.into_iter().find(|u| !u.starts_with("https://")) {
            return Err(format!("{:?}: {bad:?} is not an https URL", self.id));
        }
        for check in self.checks() {
            if !names_a_check(&check) {
                return Err(format!(
                    "{:?}: `check` {check:?} names no hwcheck check",
                    self.id
                ));
            }
        }
        Ok(())
    }
}

impl RawRow {
    fn checks(&self) -> Vec<String> {
        let all = match &self.check {
            Checks::One(c) => vec![c.clone()],
            Checks::Many(cs) => cs.clone(),
        };
        all.into_iter().filter(|c| !c.trim().is_empty()).collect()
    }

    /// Compiles the phrase and templates and checks the phrase matches the row's own quote.
    fn build(self) -> Result<ErrorRow, String> {
        let id = self.id.clone();
        let phrase = Phrase::compile(&self.phrase).map_err(|e| format!("{id:?}: {e}"))?;
        if phrase.find(&Haystack::new(&self.quote)).is_none() {
            return Err(format!(
                "{id:?}: the phrase does not match the row's own quote"
            ));
        }
        let values = phrase.placeholders().len();
        let cause =
            Template::parse(&self.cause, values).map_err(|e| format!("{id:?}: cause: {e}"))?;
        let fix = Template::parse(&self.fix, values).map_err(|e| format!("{id:?}: fix: {e}"))?;
        Ok(ErrorRow {
            checks: self.checks(),
            id: self.id,
            family: self.family,
            kind: self.kind,
            phrase,
            cause,
            fix,
            source: self.source,
            quote: self.quote,
            doc: self.doc,
            unconfirmed: self.unconfirmed,
            generic: self.generic,
            also: self.also,
        })
    }
}

/// Whether `check` is a check id hwcheck makes, or a dotted prefix of one (`cudnn`,
/// `ort.provider`, `ort.provider.cuda`).
fn names_a_check(check: &str) -> bool {
    CheckKind::ALL.iter().any(|kind| {
        let name = kind.name();
        let fixed = name.split(".<").next().unwrap_or(name);
        name == check
            || name.starts_with(&format!("{check}."))
            || (name.contains('<') && (check == fixed || check.starts_with(&format!("{fixed}."))))
    })
}

impl ErrorTable {
    /// The embedded family files, each replaced by `dir/errors/<name>` when present, plus any
    /// other `dir/errors/*.toml`.
    pub fn load(dir: Option<&Path>) -> Result<Self, TableError> {
        let mut files: Vec<(String, &str)> = EMBEDDED
            .iter()
            .map(|(name, text)| (name.to_string(), *text))
            .collect();
        if let Some(extra) = dir.map(|d| d.join(DIR_NAME)).filter(|d| d.is_dir()) {
            for name in override_names(&extra)? {
                if !files.iter().any(|(n, _)| *n == name) {
                    files.push((name, ""));
                }
            }
        }
        let mut rows: Vec<ErrorRow> = Vec::new();
        for (name, embedded) in files {
            let path = format!("{DIR_NAME}/{name}");
            let mut raw = RawTable::load(&path, embedded, dir)?;
            let family = name.trim_end_matches(".toml");
            for (index, row) in raw.rows::<RawRow>("error")?.into_iter().enumerate() {
                let bad = |message: String| raw.invalid(row_message("error", index, &message));
                if row.family != family {
                    return Err(bad(format!(
                        "{:?}: family {:?} in the file of family {family:?}",
                        row.id, row.family
                    )));
                }
                if rows.iter().any(|r| r.id == row.id) {
                    return Err(bad(format!("duplicate row id {:?}", row.id)));
                }
                rows.push(row.build().map_err(bad)?);
            }
            raw.finish()?;
        }
        Ok(Self { rows })
    }

    /// Rows per family.
    pub fn families(&self) -> BTreeMap<&str, usize> {
        let mut out = BTreeMap::new();
        for row in &self.rows {
            *out.entry(row.family.as_str()).or_insert(0) += 1;
        }
        out
    }

    /// Every row's source URL.
    pub fn sources(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r.source.as_str()).collect()
    }
}

/// The `*.toml` file names in an override folder (sorted, at most [`MAX_OVERRIDE_FILES`]).
fn override_names(dir: &Path) -> Result<Vec<String>, TableError> {
    let err = |message: String| TableError::Read {
        path: dir.to_path_buf(),
        message,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| err(e.to_string()))? {
        let name = entry.map_err(|e| err(e.to_string()))?.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".toml") {
            if names.len() == MAX_OVERRIDE_FILES {
                return Err(err(format!("more than {MAX_OVERRIDE_FILES} family files")));
            }
            names.push(name.into_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests;
