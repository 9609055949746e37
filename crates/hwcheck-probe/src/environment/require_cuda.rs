//! NVIDIA_REQUIRE_CUDA, the CUDA requirement an image declares to the NVIDIA Container Toolkit.
//!
//! Format: space-separated alternatives (any one satisfied is enough), each a comma-separated
//! list of terms that must all hold, e.g.
//! `cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471`.

use hwcheck_model::facts::RequireCudaFacts;
use hwcheck_model::version::DottedVersion;

/// Constraint keys the container toolkit knows.
const KEYS: [&str; 4] = ["cuda", "driver", "arch", "brand"];
/// Comparison operators, longest first so "<=" is not read as "<".
const OPS: [&str; 7] = [">=", "<=", "==", "!=", "=", "<", ">"];
/// Most characters of the raw value kept.
const MAX_RAW: usize = 4096;

/// Parses an NVIDIA_REQUIRE_CUDA value. A lone `cuda>=X` alternative gives `cuda_min` (the
/// lowest when several); every other alternative is kept verbatim in `alternatives`. Anything
/// malformed gives `parse_error` and no partial results.
pub fn parse_require_cuda(raw: &str) -> RequireCudaFacts {
    let raw: String = raw.chars().take(MAX_RAW).collect();
    match parse_groups(&raw) {
        Ok((cuda_min, alternatives)) => RequireCudaFacts {
            raw,
            cuda_min,
            alternatives,
            parse_error: None,
        },
        Err(e) => RequireCudaFacts {
            raw,
            parse_error: Some(e),
            ..RequireCudaFacts::default()
        },
    }
}

type Parsed = (Option<DottedVersion>, Vec<String>);

fn parse_groups(raw: &str) -> Result<Parsed, String> {
    let mut cuda_min: Option<DottedVersion> = None;
    let mut alternatives = Vec::new();
    for group in raw.split_whitespace() {
        let terms = group
            .split(',')
            .map(parse_term)
            .collect::<Result<Vec<_>, _>>()?;
        match terms.as_slice() {
            [("cuda", ">=", v)] => {
                let v = DottedVersion::parse(v)
                    .map_err(|_| format!("cuda>= needs a version like 12.4, got {v:?}"))?;
                if cuda_min.as_ref().is_none_or(|m| v < *m) {
                    cuda_min = Some(v);
                }
            }
            _ => alternatives.push(group.to_string()),
        }
    }
    if cuda_min.is_none() && alternatives.is_empty() {
        return Err("empty value".to_string());
    }
    Ok((cuda_min, alternatives))
}

/// Splits "driver>=470" into ("driver", ">=", "470"), checking key, operator and value.
fn parse_term(term: &str) -> Result<(&str, &'static str, &str), String> {
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
    let op = OPS
        .iter()
        .find(|op| rest.starts_with(**op))
        .ok_or_else(|| bad("unknown comparison operator"))?;
    let value = &rest[op.len()..];
    if !KEYS.contains(&key) {
        return Err(bad("unknown key (expected cuda, driver, arch or brand)"));
    }
    let value_ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !value_ok {
        return Err(bad("missing or malformed value"));
    }
    Ok((key, op, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From nvidia/cuda:12.4.1-runtime-ubuntu22.04 (shortened to three brands).
    const CUDA_12_4: &str = "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471";

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
}
