//! NVIDIA_REQUIRE_CUDA, the requirement an image declares to the NVIDIA Container Toolkit, and
//! how the toolkit evaluates it (libnvidia-container `src/cli/dsl.c`).
//!
//! Format: space-separated alternatives (any one satisfied is enough), each a comma-separated
//! list of constraints that must all hold, e.g.
//! `cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471`.
//! `cuda` is the host driver's CUDA version (what nvidia-smi shows), `driver` the driver
//! version, `brand` the GPU brand (case-insensitive), `arch` the compute capability. Versions
//! compare number by number. With no GPU visible, brand and arch constraints hold.

use crate::facts::RequireCudaFacts;
use crate::version::DottedVersion;
use std::fmt;

/// Comparison operators, longest first so "<=" is not read as "<".
const OPS: [(&str, Op); 7] = [
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("=", Op::Eq),
    ("<", Op::Lt),
    (">", Op::Gt),
];
/// Most characters of the raw value kept.
const MAX_RAW: usize = 4096;

/// What a constraint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// The host driver's CUDA version.
    Cuda,
    /// The host driver version.
    Driver,
    /// The GPU's compute capability.
    Arch,
    /// The GPU's brand (tesla, geforce, …).
    Brand,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
}

/// One `key<op>value` constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    /// What it is about.
    pub key: Key,
    /// The comparison.
    pub op: Op,
    /// The value as written.
    pub value: String,
}

/// An alternative: constraints that must all hold, and its text as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    /// The constraints.
    pub constraints: Vec<Constraint>,
    /// e.g. "brand=tesla,driver>=470,driver<471".
    pub text: String,
}

/// A parsed NVIDIA_REQUIRE_CUDA: alternatives, any of which is enough.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The alternatives, in order.
    pub alternatives: Vec<Alternative>,
}

/// What the toolkit compares a requirement against.
#[derive(Clone, Copy, Debug)]
pub struct RequireHost<'a> {
    /// The driver's CUDA version (major.minor).
    pub cuda: &'a DottedVersion,
    /// The driver version.
    pub driver: &'a DottedVersion,
    /// The GPU brand as libnvidia-container names it; `None` = no GPU visible (holds).
    pub brand: Option<&'a str>,
    /// The GPU's compute capability; `None` = unknown (holds).
    pub arch: Option<&'a DottedVersion>,
}

impl Requirement {
    /// Parses a value; the error names the first malformed constraint.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut alternatives = Vec::new();
        for group in raw.split_whitespace() {
            let constraints = group
                .split(',')
                .map(parse_constraint)
                .collect::<Result<Vec<_>, _>>()?;
            alternatives.push(Alternative {
                constraints,
                text: group.to_string(),
            });
        }
        if alternatives.is_empty() {
            return Err("empty value".to_string());
        }
        Ok(Self { alternatives })
    }

    /// The first alternative that holds on `host`, as the toolkit evaluates it.
    pub fn satisfied_by(&self, host: &RequireHost<'_>) -> Option<&Alternative> {
        self.alternatives
            .iter()
            .find(|a| a.constraints.iter().all(|c| c.holds(host)))
    }

    /// The lowest `cuda>=X` that stands alone as an alternative.
    pub fn cuda_min(&self) -> Option<DottedVersion> {
        self.alternatives
            .iter()
            .filter_map(|a| match a.constraints.as_slice() {
                [c] if c.key == Key::Cuda && c.op == Op::Ge => DottedVersion::parse(&c.value).ok(),
                _ => None,
            })
            .min()
    }

    /// The driver branches B of `driver>=B,driver<B+1` alternatives (forward-compatibility
    /// branches), sorted.
    pub fn branches(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .alternatives
            .iter()
            .filter_map(|a| {
                let value = |op| {
                    a.constraints
                        .iter()
                        .find(|c| c.key == Key::Driver && c.op == op)
                        .and_then(|c| DottedVersion::parse(&c.value).ok())
                };
                let (low, high) = (value(Op::Ge)?, value(Op::Lt)?);
                (high.major() == low.major() + 1).then_some(low.major())
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The brands named by `brand=` constraints, in order of first appearance.
    pub fn brands(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.alternatives.iter().flat_map(|a| &a.constraints) {
            let b = c.value.to_ascii_lowercase();
            if c.key == Key::Brand && !out.contains(&b) {
                out.push(b);
            }
        }
        out
    }
}

impl Constraint {
    /// Whether the constraint holds on `host`.
    pub fn holds(&self, host: &RequireHost<'_>) -> bool {
        let version = |have: &DottedVersion| {
            DottedVersion::parse(&self.value).is_ok_and(|want| self.op.apply(have.cmp(&want)))
        };
        match self.key {
            Key::Cuda => version(host.cuda),
            Key::Driver => version(host.driver),
            Key::Arch => host.arch.is_none_or(version),
            Key::Brand => host.brand.is_none_or(|b| {
                let same = b.eq_ignore_ascii_case(&self.value);
                match self.op {
                    Op::Eq => same,
                    Op::Ne => !same,
                    _ => false,
                }
            }),
        }
    }
}

impl Op {
    fn apply(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Ge => ord != Less,
            Op::Le => ord != Greater,
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Lt => ord == Less,
            Op::Gt => ord == Greater,
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let texts: Vec<&str> = self.alternatives.iter().map(|a| a.text.as_str()).collect();
        f.write_str(&texts.join(" "))
    }
}

/// Parses an NVIDIA_REQUIRE_CUDA value into facts. A lone `cuda>=X` alternative gives
/// `cuda_min` (the lowest when several); every other alternative is kept verbatim in
/// `alternatives`. Anything malformed gives `parse_error` and no partial results.
pub fn parse_require_cuda(raw: &str) -> RequireCudaFacts {
    let raw: String = raw.chars().take(MAX_RAW).collect();
    match Requirement::parse(&raw) {
        Ok(req) => {
            let cuda_min = req.cuda_min();
            let alternatives = req
                .alternatives
                .iter()
                .filter(|a| {
                    !matches!(a.constraints.as_slice(), [c] if c.key == Key::Cuda && c.op == Op::Ge)
                })
                .map(|a| a.text.clone())
                .collect();
            RequireCudaFacts {
                raw,
                cuda_min,
                alternatives,
                parse_error: None,
            }
        }
        Err(e) => RequireCudaFacts {
            raw,
            parse_error: Some(e),
            ..RequireCudaFacts::default()
        },
    }
}

/// Splits "driver>=470" into a constraint, checking key, operator and value.
fn parse_constraint(term: &str) -> Result<Constraint, String> {
    let bad = |why: &str| {
        format!(
            "term {:?}: {why}",
            term.chars().take(64).collect::<String>()
        )
    };
    let at = term
        .find(|c: char| "<>=!".contains(c))
        .ok_or_else(|| bad("no comparison operator"))?;
    let (key, rest) = term.split_at(at);
    let (op_text, op) = OPS
        .iter()
        .find(|(text, _)| rest.starts_with(text))
        .ok_or_else(|| bad("unknown comparison operator"))?;
    let value = &rest[op_text.len()..];
    let key = match key.to_ascii_lowercase().as_str() {
        "cuda" => Key::Cuda,
        "driver" => Key::Driver,
        "arch" => Key::Arch,
        "brand" => Key::Brand,
        _ => return Err(bad("unknown key (expected cuda, driver, arch or brand)")),
    };
    let value_ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !value_ok {
        return Err(bad("missing or malformed value"));
    }
    if matches!(key, Key::Cuda | Key::Driver) && DottedVersion::parse(value).is_err() {
        return Err(bad("needs a version like 12.4"));
    }
    Ok(Constraint {
        key,
        op: *op,
        value: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From nvidia/cuda:12.4.1-runtime-ubuntu22.04 (shortened to three brands).
    const CUDA_12_4: &str = "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471";

    fn v(s: &str) -> DottedVersion {
        DottedVersion::parse(s).unwrap()
    }

    fn host<'a>(
        cuda: &'a DottedVersion,
        driver: &'a DottedVersion,
        brand: Option<&'a str>,
    ) -> RequireHost<'a> {
        RequireHost {
            cuda,
            driver,
            brand,
            arch: None,
        }
    }

    #[test]
    fn reads_the_minimum_and_alternatives() {
        let f = parse_require_cuda(CUDA_12_4);
        assert_eq!(f.parse_error, None);
        assert_eq!(f.cuda_min.unwrap().as_str(), "12.4");
        assert_eq!(f.alternatives.len(), 3);
        assert_eq!(f.alternatives[0], "brand=tesla,driver>=470,driver<471");
        assert_eq!(f.raw, CUDA_12_4);
    }

    #[test]
    fn a_lone_requirement() {
        let f = parse_require_cuda("cuda>=13.0");
        assert_eq!(f.cuda_min.unwrap().as_str(), "13.0");
        assert!(f.alternatives.is_empty());
    }

    #[test]
    fn keeps_the_lowest_of_several_minimums() {
        let f = parse_require_cuda("cuda>=12.4  cuda>=11.8");
        assert_eq!(f.cuda_min.unwrap().as_str(), "11.8");
    }

    #[test]
    fn a_combined_group_is_an_alternative() {
        let f = parse_require_cuda("cuda>=12.0,driver>=525 arch=x86_64");
        assert!(f.cuda_min.is_none());
        assert_eq!(
            f.alternatives,
            vec!["cuda>=12.0,driver>=525", "arch=x86_64"]
        );
    }

    #[test]
    fn garbage_is_a_parse_error() {
        for bad in [
            "",
            "   ",
            "cuda",
            "cuda>=",
            "cuda>=twelve",
            "gpu>=12",
            "cuda=>12.4",
            "cuda>=12.4 brand=tesla,,driver>=470",
            "cuda>=12.4;rm",
            "\u{0}",
        ] {
            let f = parse_require_cuda(bad);
            assert!(f.parse_error.is_some(), "{bad:?}");
            assert!(f.cuda_min.is_none() && f.alternatives.is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn raw_is_bounded() {
        let long = format!("cuda>=12.4 {}", "brand=tesla,driver>=470 ".repeat(1000));
        assert_eq!(parse_require_cuda(&long).raw.chars().count(), MAX_RAW);
    }

    #[test]
    fn evaluates_like_the_toolkit() {
        let r = Requirement::parse(CUDA_12_4).unwrap();
        let (c124, c114, c122) = (v("12.4"), v("11.4"), v("12.2"));
        let (d550, d470, d535) = (v("550.54.15"), v("470.256.02"), v("535.183.01"));
        assert_eq!(
            r.satisfied_by(&host(&c124, &d550, Some("GeForce")))
                .unwrap()
                .text,
            "cuda>=12.4"
        );
        assert_eq!(
            r.satisfied_by(&host(&c114, &d470, Some("Tesla")))
                .unwrap()
                .text,
            "brand=tesla,driver>=470,driver<471"
        );
        assert!(r
            .satisfied_by(&host(&c114, &d470, Some("GeForce")))
            .is_none());
        assert!(r.satisfied_by(&host(&c122, &d535, Some("tesla"))).is_none());
        // No GPU visible: brand holds.
        assert!(r.satisfied_by(&host(&c114, &d470, None)).is_some());
        assert_eq!(r.branches(), vec![470]);
        assert_eq!(r.brands(), vec!["tesla", "unknown", "nvidia"]);
        assert_eq!(r.to_string(), CUDA_12_4);
    }

    #[test]
    fn upper_case_keys_and_other_operators() {
        let r = Requirement::parse("CUDA>=12.3").unwrap();
        assert_eq!(r.cuda_min(), Some(v("12.3")));
        let r = Requirement::parse("driver>=450,driver<=450.80,brand!=geforce").unwrap();
        let c = v("11.0");
        assert!(r
            .satisfied_by(&host(&c, &v("450.80.02"), Some("tesla")))
            .is_none());
        assert!(r
            .satisfied_by(&host(&c, &v("450.51"), Some("tesla")))
            .is_some());
        assert!(r
            .satisfied_by(&host(&c, &v("450.51"), Some("GeForce")))
            .is_none());
        assert!(r.branches().is_empty());
    }
}
