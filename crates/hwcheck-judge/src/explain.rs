//! `hwcheck explain "<error text>"`: find the known messages in pasted text, rank them, fill
//! their cause and fix with the values found in the text, and say from this machine's checks
//! whether the machine has the problem.
//!
//! The matcher is pure ([`explain`]); the machine lookup only reads checks the doctor's judges
//! produced ([`machine_status`]), so the rules stay in one place.

use hwcheck_compat::arch::ArchTable;
use hwcheck_compat::errors::phrase::Haystack;
use hwcheck_compat::errors::template::{Func, Piece, Template};
use hwcheck_compat::errors::{ErrorRow, ErrorTable};
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::version::DottedVersion;

/// Most bytes of error text looked at; longer input is cut (at a character boundary).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// The input after bounding: the text looked at, and whether it was cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedInput<'a> {
    /// At most [`MAX_INPUT_BYTES`] bytes of the input.
    pub text: &'a str,
    /// True when the input was longer and was cut.
    pub truncated: bool,
}

/// Cuts `text` to at most [`MAX_INPUT_BYTES`] bytes at a character boundary.
pub fn bound(text: &str) -> BoundedInput<'_> {
    if text.len() <= MAX_INPUT_BYTES {
        return BoundedInput {
            text,
            truncated: false,
        };
    }
    let mut end = MAX_INPUT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    BoundedInput {
        text: &text[..end],
        truncated: true,
    }
}

/// One known message found in the text.
#[derive(Clone, Debug)]
pub struct Match<'t> {
    /// The knowledge-base row.
    pub row: &'t ErrorRow,
    /// The values its placeholders took, in order.
    pub values: Vec<String>,
    /// Where it was found (byte range of the normalised text).
    pub span: (usize, usize),
}

impl Match<'_> {
    /// The phrase as written in the table, with the values found.
    pub fn matched(&self) -> String {
        self.row.phrase.fill(&self.values)
    }

    /// The cause, with the values found.
    pub fn cause(&self, arch: &ArchTable) -> String {
        render(&self.row.cause, &self.values, arch)
    }

    /// The fix, with the values found.
    pub fn fix(&self, arch: &ArchTable) -> String {
        render(&self.row.fix, &self.values, arch)
    }

    /// Ranking key: specific before generic rows, then the longest literal text, then the
    /// fewest placeholders (a smaller key ranks first).
    fn rank(&self) -> (bool, std::cmp::Reverse<usize>, usize) {
        (
            self.row.generic,
            std::cmp::Reverse(self.row.phrase.literal_len()),
            self.row.phrase.placeholders().len(),
        )
    }
}

/// Every known message in `text`, best first. A match lying inside the text of a better one is
/// left out (it is a less specific reading of the same words); each row appears once.
pub fn explain<'t>(text: &str, table: &'t ErrorTable) -> Vec<Match<'t>> {
    let hay = Haystack::new(text);
    let mut found: Vec<Match<'t>> = table
        .rows
        .iter()
        .filter_map(|row| {
            row.phrase.find(&hay).map(|f| Match {
                row,
                values: f.values,
                span: f.span,
            })
        })
        .collect();
    // A stable sort keeps table order among equals.
    found.sort_by_key(Match::rank);
    let mut kept: Vec<Match<'t>> = Vec::new();
    for m in found {
        let inside = kept
            .iter()
            .any(|k| k.span.0 <= m.span.0 && m.span.1 <= k.span.1);
        if !inside {
            kept.push(m);
        }
    }
    kept
}

/// A cause or fix text with the captured values filled in.
pub fn render(template: &Template, values: &[String], arch: &ArchTable) -> String {
    template
        .pieces()
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.clone(),
            Piece::Value { func, index } => {
                let value = values.get(*index).map_or("", String::as_str);
                match func {
                    None => value.to_string(),
                    Some(func) => convert(*func, value, arch),
                }
            }
        })
        .collect()
}

/// Shows `value` through `func`; a value that does not parse is shown as written.
fn convert(func: Func, value: &str, arch: &ArchTable) -> String {
    let number = value.parse::<u32>().ok();
    let shown = match (func, number) {
        (Func::Cuda, Some(n)) => Some(format!("{}.{}", n / 1000, (n % 1000) / 10)),
        (Func::Cudnn, Some(n)) if n >= 10_000 => {
            Some(format!("{}.{}.{}", n / 10_000, (n % 10_000) / 100, n % 100))
        }
        (Func::Cudnn, Some(n)) => Some(format!("{}.{}.{}", n / 1000, (n % 1000) / 100, n % 100)),
        (Func::LibVersion, _) => library_version(value),
        (Func::SmCuda, Some(n)) => first_cuda(n, arch).map(|v| v.to_string()),
        (Func::SmWheel, Some(n)) => {
            first_cuda(n, arch).map(|v| format!("cu{}{}", v.major(), v.minor()))
        }
        _ => None,
    };
    shown.unwrap_or_else(|| value.to_string())
}

/// The version in a library file name: `libcudart.so.11.0` -> 11.0, `cudart64_110.dll` -> 11.0,
/// `cublas64_12.dll` -> 12.
fn library_version(name: &str) -> Option<String> {
    if let Some((_, version)) = name.rsplit_once(".so.") {
        return Some(version.to_string());
    }
    let stem = name.strip_suffix(".dll")?;
    let (_, digits) = stem.rsplit_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.len() {
        1 | 2 => digits.to_string(),
        n => format!("{}.{}", &digits[..n - 1], &digits[n - 1..]),
    })
}

/// The first CUDA version supporting compute capability `sm_<n>` (86 = 8.6), from `arch.toml`.
fn first_cuda(sm: u32, arch: &ArchTable) -> Option<DottedVersion> {
    let cc = DottedVersion::parse(&format!("{}.{}", sm / 10, sm % 10)).ok()?;
    arch.cc(&cc).map(|row| row.first_cuda.clone())
}

/// What this machine's checks say about a row's problem.
#[derive(Clone, Debug, PartialEq)]
pub enum MachineStatus {
    /// The machine was not looked at (no probing asked for).
    NotChecked,
    /// No check of the row's ids ran on this machine (or the row names none).
    NoCheck,
    /// The worst matching check (FAIL before WARN before PASS before SKIP).
    Check(Box<Check>),
}

impl MachineStatus {
    /// Whether the machine shows the problem (a matching check FAILed or WARNed).
    pub fn has_problem(&self) -> Option<bool> {
        match self {
            MachineStatus::Check(c) if c.status == Status::Skip => None,
            MachineStatus::Check(c) => Some(matches!(c.status, Status::Fail | Status::Warn)),
            _ => None,
        }
    }
}

/// The worst check whose id is one of `check_ids` or starts with one of them followed by `.`
/// (a row may name a family such as `ort.provider`).
pub fn machine_status(check_ids: &[String], checks: &[Check]) -> MachineStatus {
    checks
        .iter()
        .filter(|c| {
            let id = c.id.to_string();
            check_ids
                .iter()
                .any(|want| id == *want || id.starts_with(&format!("{want}.")))
        })
        .min_by_key(|c| c.status)
        .cloned()
        .map_or(MachineStatus::NoCheck, |c| {
            MachineStatus::Check(Box::new(c))
        })
}

/// The failing `driver.nvml` check when the machine has no usable NVIDIA driver.
pub fn no_driver(checks: &[Check]) -> Option<&Check> {
    checks
        .iter()
        .find(|c| c.id.kind == CheckKind::DriverNvml && c.status == Status::Fail)
}

#[cfg(test)]
mod tests;
