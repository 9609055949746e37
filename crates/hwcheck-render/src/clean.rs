//! Error text cleaned for people: ONNX Runtime and CUDA messages quote the C++ source location,
//! the function signature (templates and all) and a `file= ; line= ; expr=` tail around the one
//! sentence that matters. The table and Markdown show that sentence; the JSON keeps the raw text.

use regex::Regex;
use std::sync::LazyLock;

/// A log line's prefix: `2024-02-23 12:12:19.240 [E:onnxruntime:Default, x.cc:1546 Fn] `
/// (the timestamp and the opening bracket may be missing when the text was cut).
static LOG_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?\s+)?\[?[EWIVF]:onnxruntime:[^\]\n]*\]\s*",
    )
    .unwrap_or_else(|_| unreachable!("constant pattern"))
});

/// A C++ source location: `/onnxruntime_src/…/cuda_call.cc:154`, `D:\a\…\cuda_call.cc:121` or
/// `cuda_call.cc:119`.
static SOURCE_LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[A-Za-z]:)?(?:[\w.+\\/-]*[/\\])?[\w+-]+\.(?:cc|cpp|cxx|c|h|hpp|cu|cuh):\d+\b")
        .unwrap_or_else(|_| unreachable!("constant pattern"))
});

/// ONNX Runtime's status header: `[ONNXRuntimeError] : 1 : FAIL : `.
static ORT_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*")
        .unwrap_or_else(|_| unreachable!("constant pattern"))
});

/// The diagnostic tail of a CUDA call failure: ` ; GPU=0 ; hostname=x ; file=… ; line=… ; expr=…`.
static CALL_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*;\s*(?:GPU|hostname|file|line|expr)=.*$")
        .unwrap_or_else(|_| unreachable!("constant pattern"))
});

/// `text` without source locations, C++ signatures, log prefixes and `file=/line=/expr=` tails,
/// line by line; text without any of them comes back unchanged (but for trailing blanks).
pub fn clean_error(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(clean_line)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn clean_line(line: &str) -> String {
    let line = LOG_PREFIX.replace_all(line, "");
    let line = CALL_TAIL.replace(&line, "");
    let mut out = String::with_capacity(line.len());
    let mut rest: &str = &line;
    while let Some(m) = SOURCE_LOCATION.find(rest) {
        out.push_str(&rest[..m.start()]);
        rest = skip_signature(&rest[m.end()..]);
    }
    out.push_str(rest);
    let out = ORT_STATUS.replace_all(&out, "");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` after the C++ declaration it starts with (`std::conditional_t<…> ns::Fn(…)`, then
/// an optional `[with T = …]`); unchanged when it starts with plain words.
fn skip_signature(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        let (word, after) = split_word(trimmed);
        if word.is_empty() {
            return rest;
        }
        if word.starts_with("[with ") || is_cpp_token(word) {
            rest = after;
        } else {
            return rest;
        }
    }
}

/// True for a token of a C++ declaration: qualified names, templates, calls, references.
fn is_cpp_token(word: &str) -> bool {
    word.contains("::")
        || word.contains('<')
        || (word.contains('(') && word.ends_with(')') && !word.starts_with('('))
        || word.ends_with('&')
        || word.ends_with('*')
        || matches!(word, "const" | "void" | "static" | "virtual")
}

/// The first whitespace-separated word of `text`, keeping bracketed parts (`<…>`, `(…)`, `[…]`)
/// whole, and the text after it.
fn split_word(text: &str) -> (&str, &str) {
    let mut depth = 0usize;
    for (i, ch) in text.char_indices() {
        match ch {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => return (&text[..i], &text[i..]),
            _ => {}
        }
    }
    (text, "")
}

#[cfg(test)]
#[path = "clean_tests.rs"]
mod tests;
