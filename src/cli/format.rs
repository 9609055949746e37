//! `--format`: one value parser over the renderer's formats, each command accepting only the
//! formats it can print (clap refuses the others, listing the possible values).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use hwcheck_render::Format;

/// The doctor run: the report formats and the fleet engines' file formats.
pub const DOCTOR: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Markdown,
    Format::Junit,
    Format::Nfd,
    Format::Prometheus,
];
/// Commands that print a report of checks (`detect`).
pub const REPORT: &[Format] = &[Format::Table, Format::Json, Format::Markdown, Format::Junit];
/// `summarize`: a summary of many reports (no checks of its own for JUnit).
pub const SUMMARY: &[Format] = &[Format::Table, Format::Json, Format::Markdown];
/// Commands that print an answer rather than a report (`explain`, `diff`, `image`, `compat`):
/// Markdown is their text in a fenced block.
pub const ANSWER: &[Format] = &[Format::Table, Format::Json, Format::Markdown];

/// A `--format` parser accepting only `allowed`, each shown with its description in `--help`.
pub fn parser(allowed: &'static [Format]) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(
        allowed
            .iter()
            .map(|f| PossibleValue::new(f.name()).help(f.description())),
    )
    .try_map(|name| Format::from_name(&name).ok_or_else(|| format!("unknown format {name:?}")))
}
