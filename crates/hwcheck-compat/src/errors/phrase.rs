//! Phrases: the literal text of a known message with placeholders, compiled once into a
//! linear-time, size-limited regular expression; and the normalisation both the phrase and a
//! pasted text go through (case, whitespace, line wraps, quotes, ANSI codes, log prefixes).

use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// Largest compiled regex (bytes) one phrase may use.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Most characters `{*}` stands for.
const ANY_MAX: usize = 160;

/// What a placeholder in a phrase stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `{N}`: an integer (e.g. `10020`, `-1`).
    Int,
    /// `{V}`: a dotted version (e.g. `8.0.5`, `12`).
    Version,
    /// `{*}`: any short text (at most 160 characters).
    Any,
    /// `{LIB}`: a library file name (`libcudnn_ops_infer.so.8`, `cudart64_110.dll`).
    Lib,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 4] = [
        ("{N}", Placeholder::Int),
        ("{V}", Placeholder::Version),
        ("{*}", Placeholder::Any),
        ("{LIB}", Placeholder::Lib),
    ];

    fn pattern(self) -> String {
        match self {
            Placeholder::Int => "(-?[0-9]+)".to_string(),
            Placeholder::Version => "([0-9]+(?:\\.[0-9]+)*)".to_string(),
            Placeholder::Any => format!("(.{{0,{ANY_MAX}}}?)"),
            Placeholder::Lib => {
                "([A-Za-z0-9_.+-]*?(?:\\.so(?:\\.[0-9]+)*|\\.dll|\\.dylib))".to_string()
            }
        }
    }
}

/// A compiled phrase.
#[derive(Clone, Debug)]
pub struct Phrase {
    text: String,
    regex: Regex,
    /// The longest literal piece, lowercased: a cheap substring test before the regex runs.
    anchor: String,
    literal_len: usize,
    placeholders: Vec<Placeholder>,
}

/// Where a phrase occurs in a normalised text, and the values its placeholders took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Byte range in the normalised text.
    pub span: (usize, usize),
    /// One value per placeholder, in order.
    pub values: Vec<String>,
}

impl Phrase {
    /// Compiles `text`; an empty phrase, one without literal text, or one too large is an error.
    pub fn compile(text: &str) -> Result<Self, String> {
        let normal = collapse(&unify_quotes(text));
        let mut pattern = String::new();
        let mut placeholders = Vec::new();
        let mut literal_len = 0;
        let mut anchor = String::new();
        let mut rest = normal.as_str();
        while !rest.is_empty() {
            let next = Placeholder::ALL
                .iter()
                .filter_map(|(tok, p)| rest.find(tok).map(|at| (at, *tok, *p)))
                .min_by_key(|(at, _, _)| *at);
            let (literal, after) = match next {
                Some((at, tok, p)) => {
                    placeholders.push(p);
                    (&rest[..at], Some((p, &rest[at + tok.len()..])))
                }
                None => (rest, None),
            };
            literal_len += literal.chars().count();
            if literal.trim().len() > anchor.len() {
                anchor = literal.trim().to_lowercase();
            }
            pattern.push_str(&regex::escape(literal));
            match after {
                Some((p, tail)) => {
                    pattern.push_str(&p.pattern());
                    rest = tail;
                }
                None => rest = "",
            }
        }
        if literal_len < 4 {
            return Err(format!(
                "phrase {text:?} needs at least 4 literal characters"
            ));
        }
        let regex = RegexBuilder::new(&pattern)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("phrase {text:?} does not compile: {e}"))?;
        Ok(Self {
            text: text.to_string(),
            regex,
            anchor,
            literal_len,
            placeholders,
        })
    }

    /// The phrase as written in the table.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Characters of literal text (the phrase's specificity: longer is more specific).
    pub fn literal_len(&self) -> usize {
        self.literal_len
    }

    /// The placeholders, in order.
    pub fn placeholders(&self) -> &[Placeholder] {
        &self.placeholders
    }

    /// The first occurrence in a text.
    pub fn find(&self, hay: &Haystack) -> Option<Found> {
        if !hay.lower.contains(&self.anchor) {
            return None;
        }
        let caps = self.regex.captures(&hay.text)?;
        let whole = caps.get(0)?;
        let values = (1..caps.len())
            .map(|i| caps.get(i).map_or("", |m| m.as_str()).trim().to_string())
            .collect();
        Some(Found {
            span: (whole.start(), whole.end()),
            values,
        })
    }

    /// The phrase as written, with each placeholder replaced by its value.
    pub fn fill(&self, values: &[String]) -> String {
        let mut out = self.text.clone();
        for value in values {
            let first = Placeholder::ALL
                .iter()
                .filter_map(|(tok, _)| out.find(tok).map(|at| (at, tok.len())))
                .min_by_key(|(at, _)| *at);
            if let Some((at, len)) = first {
                out.replace_range(at..at + len, value);
            }
        }
        out
    }
}

/// A text prepared for matching: [`normalize`]d, and lowercased once for the phrases' cheap
/// substring pre-test (each phrase then scans only texts holding its longest literal piece).
#[derive(Clone, Debug)]
pub struct Haystack {
    /// The normalised text.
    pub text: String,
    lower: String,
}

impl Haystack {
    /// Normalises `text` for matching.
    pub fn new(text: &str) -> Self {
        let text = normalize(text);
        let lower = text.to_lowercase();
        Self { text, lower }
    }
}

/// ANSI escape sequences (colours, cursor moves).
static ANSI: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]").ok());
/// `\\n` of messages quoted inside JSON-like docker output (two or more backslashes).
static ESCAPED_NEWLINE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\\{2,}[nrt]").ok());
/// Backslashes escaping a quote.
static ESCAPED_QUOTE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"\\+(["'])"#).ok());
/// Prefixes of log lines: markdown quote/bullet marks, journald, ISO timestamps, glog, TensorFlow
/// and ONNX Runtime log headers.
static LINE_PREFIX: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\s*(?:[>*-]\s+)*",
        r"(?:[A-Z][a-z]{2} +[0-9]+ [0-9]{2}:[0-9]{2}:[0-9]{2} \S+ [^:\s]+: )?",
        r"(?:\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?\]?:?\s*)?",
        r"(?:[IWEF][0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+\s+[0-9]+\s+\S+:[0-9]+\]\s*",
        r"|[IWEF] (?:tensorflow|external|xla|third_party|tsl)/\S+:[0-9]+\]\s*",
        r"|\[[IWEFV]:onnxruntime:[^\]]*\]\s*)?",
    ))
    .ok()
});

fn replace(re: &LazyLock<Option<Regex>>, text: &str, with: &str) -> String {
    match re.as_ref() {
        Some(re) => re.replace_all(text, with).into_owned(),
        None => text.to_string(),
    }
}

fn unify_quotes(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' => '"',
            c => c,
        })
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The form both phrases and pasted texts are matched in: ANSI codes and common log-line
/// prefixes removed, escaped quotes and escaped newlines undone, every quote character made `"`,
/// and all whitespace (line wraps included) collapsed to single spaces. Linear in the input.
pub fn normalize(text: &str) -> String {
    let text = replace(&ANSI, text, "");
    let text = replace(&ESCAPED_NEWLINE, &text, " ");
    let text = replace(&ESCAPED_QUOTE, &text, "$1");
    let lines: Vec<String> = text
        .lines()
        .map(|line| match LINE_PREFIX.as_ref() {
            Some(re) => re.replace(line, "").into_owned(),
            None => line.to_string(),
        })
        .collect();
    collapse(&unify_quotes(&lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normalising_expressions_compile() {
        for re in [&ANSI, &ESCAPED_NEWLINE, &ESCAPED_QUOTE, &LINE_PREFIX] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn normalize_collapses_wraps_quotes_ansi_and_log_prefixes() {
        let text = "2021-11-24 04:51:47.954507: E tensorflow/stream_executor/cuda/cuda_dnn.cc:362] Loaded runtime\n   CuDNN library: \x1b[31m8.0.5\x1b[0m but `source`";
        assert_eq!(
            normalize(text),
            "Loaded runtime CuDNN library: 8.0.5 but \"source\""
        );
        assert_eq!(
            normalize(
                "[E:onnxruntime:Default, provider_bridge_ort.cc:1548 TryGetProviderInfo_CUDA] x  y"
            ),
            "x y"
        );
        assert_eq!(
            normalize(r#"cuda>=10.0\\\\n\\\"\"": unknown"#),
            "cuda>=10.0 \"\"\": unknown"
        );
    }

    #[test]
    fn placeholders_capture_values_and_keep_spaces_significant() {
        let p =
            Phrase::compile("Loaded runtime CuDNN library: {V} but source was compiled with: {V}")
                .unwrap();
        let found = p
            .find(&Haystack::new("E x.cc:1] loaded runtime cudnn library: 8.0.5 but source was compiled with: 8.1.0."))
            .unwrap();
        assert_eq!(found.values, vec!["8.0.5", "8.1.0"]);
        assert_eq!(
            p.fill(&found.values),
            "Loaded runtime CuDNN library: 8.0.5 but source was compiled with: 8.1.0"
        );
        let spaced = Phrase::compile("unsatisfied condition: cuda >= {V}").unwrap();
        assert!(spaced
            .find(&Haystack::new("unsatisfied condition: cuda>=12.4"))
            .is_none());
        let lib = Phrase::compile("Could not load library {LIB}. Error").unwrap();
        let found = lib
            .find(&Haystack::new(
                "Could not load library libcudnn_cnn_infer.so.8. Error: x",
            ))
            .unwrap();
        assert_eq!(found.values, vec!["libcudnn_cnn_infer.so.8"]);
        assert_eq!(lib.placeholders(), &[Placeholder::Lib]);
    }

    #[test]
    fn too_short_phrases_are_rejected() {
        assert!(Phrase::compile("{*}").is_err());
        assert!(Phrase::compile("ab{N}").is_err());
        assert!(Phrase::compile("abcd").is_ok());
    }
}
