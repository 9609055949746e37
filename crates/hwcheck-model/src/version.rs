//! Dotted numeric versions as NVIDIA prints them ("580.159.04", "13.0", "9.14.0").
//!
//! `semver` cannot hold these: driver versions have two or three parts and leading zeros
//! ("580.95.05") that semver rejects, so hwcheck keeps its own small, total ordering.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version made of up to eight dot-separated unsigned numbers, compared part by part with
/// missing parts read as zero (so "12.0" == "12.0.0" and "580.95.05" < "580.159.04").
#[derive(Clone, Debug, Eq)]
pub struct DottedVersion {
    parts: Vec<u32>,
    text: String,
}

/// Why a string is not a [`DottedVersion`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a version: {0:?} (expected numbers separated by dots, like 580.159.04)")]
pub struct VersionParseError(pub String);

impl DottedVersion {
    /// Builds a version from numeric parts (at least one).
    pub fn from_parts(parts: &[u32]) -> Self {
        let parts = if parts.is_empty() {
            vec![0]
        } else {
            parts.to_vec()
        };
        let text = parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".");
        Self { parts, text }
    }

    /// Parses "580.159.04", "13.0", "9" (whitespace around is ignored).
    pub fn parse(text: &str) -> Result<Self, VersionParseError> {
        let trimmed = text.trim();
        let err = || VersionParseError(text.chars().take(64).collect());
        if trimmed.is_empty() || trimmed.len() > 64 {
            return Err(err());
        }
        let mut parts = Vec::new();
        for piece in trimmed.split('.') {
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            parts.push(piece.parse::<u32>().map_err(|_| err())?);
        }
        if parts.len() > 8 {
            return Err(err());
        }
        Ok(Self {
            parts,
            text: trimmed.to_string(),
        })
    }

    /// The first number ("580" of "580.159.04").
    pub fn major(&self) -> u32 {
        self.parts[0]
    }

    /// The second number, zero when absent.
    pub fn minor(&self) -> u32 {
        self.part(1)
    }

    /// The n-th number (0-based), zero when absent.
    pub fn part(&self, n: usize) -> u32 {
        self.parts.get(n).copied().unwrap_or(0)
    }

    /// The numeric parts as parsed.
    pub fn parts(&self) -> &[u32] {
        &self.parts
    }

    /// The text as written (keeps leading zeros, e.g. "580.95.05").
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `self` starts with all the parts of `prefix` ("12.4.1" matches "12.4" and "12").
    pub fn matches_prefix(&self, prefix: &DottedVersion) -> bool {
        prefix
            .parts
            .iter()
            .enumerate()
            .all(|(i, p)| self.parts.get(i) == Some(p))
    }

    /// Decodes NVIDIA's packed integers: CUDA's 1000*major + 10*minor (12040 -> 12.4).
    pub fn from_cuda_int(value: i32) -> Option<Self> {
        (value > 0).then(|| {
            let v = value as u32;
            Self::from_parts(&[v / 1000, (v % 1000) / 10])
        })
    }
}

impl PartialEq for DottedVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl PartialOrd for DottedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DottedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        (0..n)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for DottedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for DottedVersion {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for DottedVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DottedVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DottedVersion {
        DottedVersion::parse(s).unwrap()
    }

    #[test]
    fn orders_driver_versions_numerically() {
        assert!(v("580.95.05") < v("580.159.04"));
        assert!(v("450.80.02") < v("450.80.10"));
        assert_eq!(v("12.0"), v("12.0.0"));
        assert!(v("13.0") > v("12.9"));
    }

    #[test]
    fn keeps_text_with_leading_zeros() {
        assert_eq!(v("580.95.05").to_string(), "580.95.05");
        assert_eq!(v(" 13.0 ").as_str(), "13.0");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "abc",
            "1..2",
            "1.2.",
            "-1",
            "1.2a",
            "99999999999",
            "1.2.3.4.5.6.7.8.9",
        ] {
            assert!(DottedVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decodes_cuda_ints() {
        assert_eq!(
            DottedVersion::from_cuda_int(12040).unwrap().to_string(),
            "12.4"
        );
        assert_eq!(
            DottedVersion::from_cuda_int(13000).unwrap().to_string(),
            "13.0"
        );
        assert!(DottedVersion::from_cuda_int(0).is_none());
    }

    #[test]
    fn prefix_matching() {
        assert!(v("12.4.1").matches_prefix(&v("12.4")));
        assert!(v("12.4.1").matches_prefix(&v("12")));
        assert!(!v("12.40").matches_prefix(&v("12.4")));
    }
}
