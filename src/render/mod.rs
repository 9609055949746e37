//! Rendering: formats a report. Knows nothing about GPUs, only checks and facts.

use crate::check::Report;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (comfy-table).
    Table,
    /// The full report as JSON (facts + checks), for machines and `--facts`.
    Json,
    /// Markdown, to paste into a support ticket.
    Markdown,
}

/// Renders `report` in `format`; `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    let _ = color;
    match format {
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        Format::Table | Format::Markdown => format!("{:?}", report.verdict),
    }
}
