//! Requirement expressions for CI gates (`--require 'driver>=535'`): a pure parser.
//!
//! Grammar: `KEY OP VALUE`, spaces allowed around the operator.
//! - KEY: `driver`, `cuda` (the newest CUDA the driver supports), `cc` (compute capability),
//!   `gpu.memory`, `gpu.count`, `provider`, `detection`.
//! - OP: `>=`, `<=`, `>`, `<`, `=`, `==`, `!=` (`provider` and `detection` take `=`/`!=` only).
//! - VALUE: a dotted version for `driver`/`cuda`/`cc` (compared numerically part by part, so
//!   `580.95.05 < 580.159.04`); a size with a unit for `gpu.memory` (`16GiB`, `512MiB`,
//!   `16GB`, plain bytes); an integer for `gpu.count`; a provider's short or ORT name
//!   (`cuda`, `tensorrt`, `cpu`, `CUDAExecutionProvider`…) for `provider`;
//!   `pass` for `detection`.
//!
//! Evaluation against facts lives in [`crate::requirements`].

use hwcheck_model::facts::ort::Provider;
use hwcheck_model::version::DottedVersion;
use std::fmt;

/// Longest expression accepted.
const MAX_EXPR_LEN: usize = 200;

/// What a requirement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// NVIDIA driver version.
    Driver,
    /// Newest CUDA version the driver supports.
    Cuda,
    /// Compute capability of at least one GPU.
    Cc,
    /// Total memory of at least one GPU.
    GpuMemory,
    /// Number of GPUs.
    GpuCount,
    /// An ONNX Runtime execution provider whose session works.
    Provider,
    /// The end-to-end detection checks.
    Detection,
}

impl Key {
    /// Every key with its spelling, for parsing and messages.
    const ALL: [(Key, &'static str); 7] = [
        (Key::Driver, "driver"),
        (Key::Cuda, "cuda"),
        (Key::Cc, "cc"),
        (Key::GpuMemory, "gpu.memory"),
        (Key::GpuCount, "gpu.count"),
        (Key::Provider, "provider"),
        (Key::Detection, "detection"),
    ];

    /// The key as written, e.g. `gpu.memory`.
    pub fn name(self) -> &'static str {
        Key::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("?", |(_, n)| n)
    }

    fn parse(text: &str) -> Option<Key> {
        let lowered = text.to_ascii_lowercase();
        Key::ALL
            .iter()
            .find(|(_, n)| *n == lowered)
            .map(|(k, _)| *k)
    }
}

/// Comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Operators by spelling, longest first so `>=` wins over `>`.
    const SPELLINGS: [(&'static str, Op); 7] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        ("==", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ];

    /// Whether `ordering` (actual compared with required) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Ge => ordering != Less,
            Op::Gt => ordering == Greater,
            Op::Le => ordering != Greater,
            Op::Lt => ordering == Less,
            Op::Eq => ordering == Equal,
            Op::Ne => ordering != Equal,
        }
    }
}

/// The required value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A dotted version (driver, cuda, cc).
    Version(DottedVersion),
    /// A size in bytes (gpu.memory).
    Bytes(u64),
    /// A count (gpu.count).
    Count(u64),
    /// A lowercase word (provider, detection).
    Word(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Version(v) => write!(f, "{v}"),
            Value::Bytes(b) => f.write_str(&format_bytes(*b)),
            Value::Count(n) => write!(f, "{n}"),
            Value::Word(w) => f.write_str(w),
        }
    }
}

/// One parsed requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The expression as given (trimmed).
    pub text: String,
    /// What it is about.
    pub key: Key,
    /// How to compare.
    pub op: Op,
    /// The required value.
    pub value: Value,
}

/// Why an expression is not a valid requirement (a usage error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid --require {expr:?}: {reason}")]
pub struct RequireError {
    /// The expression (shortened).
    pub expr: String,
    /// What is wrong.
    pub reason: String,
}

/// Parses one requirement expression.
pub fn parse(expr: &str) -> Result<Requirement, RequireError> {
    let text = expr.trim();
    let err = |reason: String| RequireError {
        expr: text.chars().take(80).collect(),
        reason,
    };
    if text.is_empty() {
        return Err(err("empty expression (expected e.g. driver>=535)".into()));
    }
    if text.len() > MAX_EXPR_LEN {
        return Err(err(format!("longer than {MAX_EXPR_LEN} characters")));
    }
    let (at, spelling, op) =
        find_operator(text).ok_or_else(|| err("no operator (use >=, <=, >, <, =, !=)".into()))?;
    let key_text = text[..at].trim();
    let value_text = text[at + spelling.len()..].trim();
    let key = Key::parse(key_text).ok_or_else(|| {
        let known: Vec<&str> = Key::ALL.iter().map(|(_, n)| *n).collect();
        err(format!(
            "unknown key {key_text:?} (known: {})",
            known.join(", ")
        ))
    })?;
    if value_text.is_empty() {
        return Err(err("missing value after the operator".into()));
    }
    let value = parse_value(key, op, value_text).map_err(err)?;
    Ok(Requirement {
        text: text.to_string(),
        key,
        op,
        value,
    })
}

fn find_operator(text: &str) -> Option<(usize, &'static str, Op)> {
    let at = text.find(['<', '>', '=', '!'])?;
    Op::SPELLINGS
        .iter()
        .find(|(s, _)| text[at..].starts_with(s))
        .map(|(s, op)| (at, *s, *op))
}

fn parse_value(key: Key, op: Op, text: &str) -> Result<Value, String> {
    match key {
        Key::Driver | Key::Cuda | Key::Cc => DottedVersion::parse(text)
            .map(Value::Version)
            .map_err(|e| e.to_string()),
        Key::GpuMemory => parse_size(text).map(Value::Bytes),
        Key::GpuCount => text
            .parse::<u64>()
            .map(Value::Count)
            .map_err(|_| format!("{text:?} is not a whole number")),
        Key::Provider | Key::Detection => {
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err(format!("{} takes only = or !=", key.name()));
            }
            parse_word(key, text).map(Value::Word)
        }
    }
}

fn parse_word(key: Key, text: &str) -> Result<String, String> {
    let lowered = text.to_ascii_lowercase();
    if key == Key::Detection {
        return (lowered == "pass")
            .then_some(lowered)
            .ok_or_else(|| format!("detection takes only `pass`, got {text:?}"));
    }
    Provider::ALL
        .iter()
        .find(|p| lowered == p.short_name() || lowered == p.ort_name().to_ascii_lowercase())
        .map(|p| p.short_name().to_string())
        .ok_or_else(|| {
            let names: Vec<&str> = Provider::ALL.iter().map(|p| p.short_name()).collect();
            format!("unknown provider {text:?} (known: {})", names.join(", "))
        })
}

/// Parses a size: a number (decimals allowed) and an optional unit: B, KiB, MiB, GiB, TiB
/// (powers of 1024) or KB, MB, GB, TB (powers of 1000); case-insensitive.
pub fn parse_size(text: &str) -> Result<u64, String> {
    const UNITS: [(&str, f64); 9] = [
        ("kib", 1024.0),
        ("mib", 1048576.0),
        ("gib", 1073741824.0),
        ("tib", 1099511627776.0),
        ("kb", 1e3),
        ("mb", 1e6),
        ("gb", 1e9),
        ("tb", 1e12),
        ("b", 1.0),
    ];
    let lowered = text.trim().to_ascii_lowercase();
    let split = lowered
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lowered.len());
    let (number, unit) = (&lowered[..split], lowered[split..].trim());
    let bad = || format!("{text:?} is not a size (e.g. 16GiB, 512MiB, 24GB)");
    if number.is_empty() || number.starts_with('.') || number.matches('.').count() > 1 {
        return Err(bad());
    }
    let n: f64 = number.parse().map_err(|_| bad())?;
    let factor = if unit.is_empty() {
        1.0
    } else {
        UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, f)| *f)
            .ok_or_else(bad)?
    };
    let bytes = n * factor;
    if !bytes.is_finite() || bytes > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes.round() as u64)
}

/// Formats bytes with a binary unit, e.g. "16 GiB", "79.6 GiB", "512 MiB".
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        Value::Version(DottedVersion::parse(s).unwrap())
    }

    #[test]
    fn parses_the_documented_examples() {
        let r = parse("driver>=535").unwrap();
        assert_eq!((r.key, r.op, r.value), (Key::Driver, Op::Ge, v("535")));
        let r = parse(" cuda >= 12.2 ").unwrap();
        assert_eq!((r.key, r.op, r.value), (Key::Cuda, Op::Ge, v("12.2")));
        let r = parse("provider=CUDAExecutionProvider").unwrap();
        assert_eq!(r.value, Value::Word("cuda".into()));
        let r = parse("gpu.memory>=16GiB").unwrap();
        assert_eq!(r.value, Value::Bytes(16 << 30));
        let r = parse("gpu.count>=1").unwrap();
        assert_eq!(r.value, Value::Count(1));
        let r = parse("detection=pass").unwrap();
        assert_eq!((r.key, r.op), (Key::Detection, Op::Eq));
        let r = parse("cc>=8.0").unwrap();
        assert_eq!((r.key, r.value), (Key::Cc, v("8.0")));
        assert_eq!(parse("driver<600").unwrap().op, Op::Lt);
        assert_eq!(parse("driver!=550.54.14").unwrap().op, Op::Ne);
        assert_eq!(parse("driver==550.54.14").unwrap().op, Op::Eq);
    }

    #[test]
    fn rejects_invalid_expressions() {
        for bad in [
            "",
            "driver",
            "driver>=",
            ">=535",
            "drivr>=535",
            "driver>=abc",
            "driver>=5..3",
            "provider>=cuda",
            "provider=vulkan",
            "detection=maybe",
            "gpu.memory>=lots",
            "gpu.memory>=16XB",
            "gpu.count>=-1",
            "gpu.count>=1.5",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse(&"x".repeat(1000)).is_err());
    }

    #[test]
    fn sizes_use_binary_and_decimal_units() {
        assert_eq!(parse_size("16GiB").unwrap(), 17_179_869_184);
        assert_eq!(parse_size("16 gb").unwrap(), 16_000_000_000);
        assert_eq!(parse_size("512MiB").unwrap(), 536_870_912);
        assert_eq!(parse_size("1.5KiB").unwrap(), 1536);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("1e9").is_err());
        assert!(parse_size("99999999999999999999999TiB").is_err());
        assert_eq!(format_bytes(16 << 30), "16 GiB");
        assert_eq!(format_bytes(85_520_809_984), "79.6 GiB");
    }

    #[test]
    fn operators_compare_as_documented() {
        use std::cmp::Ordering::*;
        assert!(Op::Ge.holds(Equal) && Op::Ge.holds(Greater) && !Op::Ge.holds(Less));
        assert!(Op::Lt.holds(Less) && !Op::Lt.holds(Equal));
        assert!(Op::Ne.holds(Less) && !Op::Ne.holds(Equal));
    }
}
