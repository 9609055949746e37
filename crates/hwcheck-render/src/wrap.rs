//! Wrapping text to a width, for every text output (report, `explain`, `image`, `compat`).
//!
//! The binary resolves the width once (`COLUMNS`, else the terminal, else none when piped);
//! renderers get it as a plain `Option<usize>` and never look at the environment. Words are
//! never split: a path or URL longer than the width stays whole on its own line (so it can be
//! copied), and is the only thing that may run past the width.

use textwrap::{Options, WordSplitter};

/// The narrowest width text is wrapped to: narrower terminals get 80 columns and scroll.
pub const MIN_WIDTH: usize = 80;

/// `text` wrapped to `width`, line by line (existing line breaks are kept); `None` leaves it as
/// it is.
pub fn wrap(text: &str, width: Option<usize>) -> String {
    indented(text, width, "", "")
}

/// `text` wrapped to `width` with `first` before its first line and `rest` before every other
/// line (a hanging indent); each line of `text` starts a new paragraph indented with `rest`.
pub fn indented(text: &str, width: Option<usize>, first: &str, rest: &str) -> String {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lead = if i == 0 { first } else { rest };
        match width {
            None => out.push(format!("{lead}{line}")),
            Some(width) => {
                let options = Options::new(width.max(lead.chars().count() + 1))
                    .initial_indent(lead)
                    .subsequent_indent(rest)
                    .break_words(false)
                    .word_splitter(WordSplitter::NoHyphenation);
                let wrapped = textwrap::wrap(line, options);
                if wrapped.is_empty() {
                    out.push(lead.trim_end().to_string());
                }
                out.extend(wrapped.into_iter().map(|l| l.trim_end().to_string()));
            }
        }
    }
    if out.is_empty() {
        out.push(first.trim_end().to_string());
    }
    out.join("\n")
}

/// `text` wrapped to `width` line by line, each line's continuation indented like the line,
/// and past a leading label ("  cause:   ") when it has one, so indented listings stay readable.
pub fn block(text: &str, width: Option<usize>) -> String {
    text.split('\n')
        .map(|line| {
            let hang = " ".repeat(hang_width(line));
            let lead = line.len() - line.trim_start().len();
            indented(&line[lead..], width, &line[..lead], &hang)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Columns before a line's text proper: its indent, and a short "label: " after it.
fn hang_width(line: &str) -> usize {
    let body = line.trim_start();
    let lead = line.len() - body.len();
    let label = body
        .split_once(": ")
        .filter(|(label, _)| label.chars().count() <= 12)
        .map(|(label, after)| {
            let spaces = after.len() - after.trim_start().len();
            label.chars().count() + 2 + spaces
        });
    lead + label.unwrap_or(2)
}

/// The longest line's width in characters.
pub fn widest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_width_leaves_text_alone() {
        let long = "word ".repeat(50);
        assert_eq!(wrap(&long, None), long);
        assert_eq!(indented("a\nb", None, "- ", "  "), "- a\n  b");
    }

    #[test]
    fn wraps_with_a_hanging_indent_and_keeps_line_breaks() {
        let out = indented(
            &format!("{}\nnext", "word ".repeat(30)),
            Some(40),
            "> ",
            "  ",
        );
        assert!(out.starts_with("> word"), "{out}");
        assert!(out.lines().skip(1).all(|l| l.starts_with("  ")), "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
        assert_eq!(out.lines().last(), Some("  next"));
    }

    #[test]
    fn a_block_keeps_indents_and_hangs_past_labels() {
        let text = format!(
            "title\n  cause:   {}\n\n  plain {}",
            "word ".repeat(30),
            "x ".repeat(50)
        );
        let out = block(&text, Some(60));
        assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "title");
        assert!(lines[1].starts_with("  cause:   word"));
        assert!(lines[2].starts_with("           word"), "{out}");
        assert!(out.contains("\n\n  plain x"), "{out}");
        assert!(out.lines().last().unwrap().starts_with("    x"), "{out}");
        assert_eq!(block("a\nb", None), "a\nb");
    }

    #[test]
    fn a_path_longer_than_the_width_stays_whole() {
        let path = format!("/opt/{}/libcudnn.so.9", "x-y".repeat(40));
        let out = wrap(&format!("found {path} here"), Some(80));
        assert!(out.lines().any(|l| l == path), "{out}");
        assert_eq!(widest_line(&out), path.len());
    }
}
