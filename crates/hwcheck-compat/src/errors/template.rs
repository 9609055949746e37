//! Cause and fix texts that use the values a phrase captured: `{1}` is the first value as
//! written, `{cuda:1}` reads it as CUDA's driver-version integer, and so on ([`Func`]).

use regex::Regex;
use std::sync::LazyLock;

/// How a captured value is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `{cuda:i}`: CUDA's version integer (1000 * major + 10 * minor) as `major.minor`.
    Cuda,
    /// `{cudnn:i}`: cuDNN's version integer (8906 = 8.9.6, 90100 = 9.1.0) as a version.
    Cudnn,
    /// `{libver:i}`: the version in a library file name (`libcudart.so.11.0` = 11.0,
    /// `cudart64_110.dll` = 11.0, `cublas64_12.dll` = 12).
    LibVersion,
    /// `{sm_cuda:i}`: the first CUDA version that supports compute capability `sm_i`.
    SmCuda,
    /// `{sm_wheel:i}`: the PyTorch wheel tag (`cu128`) of that CUDA version.
    SmWheel,
}

impl Func {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "cuda" => Func::Cuda,
            "cudnn" => Func::Cudnn,
            "libver" => Func::LibVersion,
            "sm_cuda" => Func::SmCuda,
            "sm_wheel" => Func::SmWheel,
            _ => return None,
        })
    }
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text shown as is.
    Text(String),
    /// A captured value (`index` counts from 0), shown through `func` when there is one.
    Value {
        /// How to show it.
        func: Option<Func>,
        /// Which captured value.
        index: usize,
    },
}

/// A parsed cause or fix text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
    pieces: Vec<Piece>,
}

static REFERENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{(?:([a-z_]+):)?([1-9])\}").ok());

impl Template {
    /// Parses `text`; a reference to a value beyond `values` (the phrase's placeholder count) or
    /// to an unknown function is an error. Other braces are plain text.
    pub fn parse(text: &str, values: usize) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut last = 0;
        if let Some(re) = REFERENCE.as_ref() {
            for caps in re.captures_iter(text) {
                let (Some(whole), Some(index)) = (caps.get(0), caps.get(2)) else {
                    continue;
                };
                let index: usize = index.as_str().parse().map_err(|e| format!("{e}"))?;
                if index > values {
                    return Err(format!(
                        "{} refers to value {index} but the phrase has {values} placeholder(s)",
                        whole.as_str()
                    ));
                }
                let func = match caps.get(1) {
                    Some(name) => Some(Func::parse(name.as_str()).ok_or_else(|| {
                        format!("{}: unknown function {:?}", whole.as_str(), name.as_str())
                    })?),
                    None => None,
                };
                if whole.start() > last {
                    pieces.push(Piece::Text(text[last..whole.start()].to_string()));
                }
                pieces.push(Piece::Value {
                    func,
                    index: index - 1,
                });
                last = whole.end();
            }
        }
        if last < text.len() {
            pieces.push(Piece::Text(text[last..].to_string()));
        }
        Ok(Self {
            text: text.to_string(),
            pieces,
        })
    }

    /// The text as written in the table.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The pieces in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_parsed_and_checked() {
        let t = Template::parse("up to {cuda:1}, saw {2} ({{.Arch}})", 2).unwrap();
        assert_eq!(
            t.pieces(),
            &[
                Piece::Text("up to ".into()),
                Piece::Value {
                    func: Some(Func::Cuda),
                    index: 0
                },
                Piece::Text(", saw ".into()),
                Piece::Value {
                    func: None,
                    index: 1
                },
                Piece::Text(" ({{.Arch}})".into()),
            ]
        );
        assert!(Template::parse("{3}", 2).unwrap_err().contains("value 3"));
        assert!(Template::parse("{nope:1}", 1)
            .unwrap_err()
            .contains("unknown function"));
        assert_eq!(
            Template::parse("plain {print $NF}", 0)
                .unwrap()
                .pieces()
                .len(),
            1
        );
    }
}
