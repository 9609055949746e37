//! Rendering: formats a report. Knows nothing about GPUs, only checks and facts.
//!
//! Every renderer is a pure function from a [`Report`] to a `String`: no terminal queries, no
//! environment reads. The binary decides colour (TTY and `NO_COLOR`).

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod clean;
pub mod fleet;
pub mod json;
pub mod junit;
pub mod layout;
pub mod markdown;
pub mod nfd;
pub mod prometheus;
pub mod table;
pub mod wrap;

use hwcheck_model::check::{Report, Verdict};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table for people (comfy-table).
    Table,
    /// The full report as JSON (facts + checks), for machines and `--facts`.
    Json,
    /// Markdown, to paste into a support ticket.
    Markdown,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
    /// A Node Feature Discovery feature file (node labels), without an expiry directive.
    Nfd,
    /// Prometheus text format for node_exporter's textfile collector.
    Prometheus,
}

/// Renders `report` in `format`; `color` and `width` (columns to wrap to, `None`: no wrapping)
/// only affect the table.
pub fn render(report: &Report, format: Format, color: bool, width: Option<usize>) -> String {
    match format {
        Format::Table => table::render(report, color, width),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Junit => junit::render(report),
        Format::Nfd => nfd::render(report, None),
        Format::Prometheus => prometheus::render(report),
    }
}

/// "OK" or "FAIL".
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ok => "OK",
        Verdict::Fail => "FAIL",
    }
}

/// The counts part of the verdict line: "1 fail, 0 warn, 12 pass, 3 skip".
pub fn counts_text(report: &Report) -> String {
    let c = report.counts;
    format!(
        "{} fail, {} warn, {} pass, {} skip",
        c.fail, c.warn, c.pass, c.skip
    )
}

/// "verdict: FAIL — 1 fail, 0 warn, 12 pass, 3 skip".
pub fn verdict_line(report: &Report) -> String {
    format!(
        "verdict: {} — {}",
        verdict_label(report.verdict),
        counts_text(report)
    )
}

/// Shared test data for the renderers' unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use hwcheck_model::check::{Check, CheckKind, Report};
    use hwcheck_model::facts::{Facts, GpuFacts};
    use hwcheck_model::version::DottedVersion;

    /// A report with one check of each status, a pipe in a summary and facts for the header.
    pub fn report() -> Report {
        let mut facts = Facts {
            schema_version: hwcheck_model::facts::SCHEMA_VERSION,
            hwcheck_version: "0.1.0".to_string(),
            ..Facts::default()
        };
        facts.driver.nvml.driver_version = DottedVersion::parse("550.54.15").ok();
        facts.driver.nvml.cuda_driver_version = DottedVersion::parse("12.4").ok();
        for index in 0..2 {
            facts.gpus.push(GpuFacts {
                index,
                name: "NVIDIA H100 80GB HBM3".to_string(),
                ..GpuFacts::default()
            });
        }
        facts.environment.container = Some("docker".to_string());
        let checks = vec![
            Check::pass(CheckKind::DriverNvml, "driver 550.54.15 loaded"),
            Check::skip(CheckKind::DetectionRun, "skipped by --quick"),
            Check::fail(
                CheckKind::CudaRuntimeDriverSufficient,
                "libcudart 13.0 needs driver >= 580 | found 550.54.15",
            )
            .with_evidence("/usr/lib/libcudart.so.13 (version 13.0.48)")
            .with_evidence("driver 550.54.15 from NVML")
            .with_fix("Install driver 580 or newer, or use a CUDA 12.4 runtime.")
            .with_source("https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/"),
            Check::warn(CheckKind::GpuHealth, "persistence mode is off")
                .with_fix("Run `nvidia-smi -pm 1` as root."),
        ];
        Report::new(facts, checks, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_line_counts_every_status() {
        let report = fixtures::report();
        assert_eq!(
            verdict_line(&report),
            "verdict: FAIL — 1 fail, 1 warn, 1 pass, 1 skip"
        );
    }

    #[test]
    fn every_format_renders_the_verdict() {
        let report = fixtures::report();
        for format in [Format::Table, Format::Markdown] {
            assert!(render(&report, format, false, Some(120)).contains(&counts_text(&report)));
        }
        assert!(render(&report, Format::Json, false, None).contains("\"verdict\": \"fail\""));
    }
}
