//! Rendering: formats a report. Knows nothing about GPUs, only checks and facts.
//!
//! Every renderer is a pure function from a [`Report`] to a `String`: no terminal queries, no
//! environment reads. The caller ([`crate::app`]) decides colour (TTY and `NO_COLOR`).

pub mod json;
pub mod junit;
pub mod markdown;
pub mod table;

use crate::check::{Report, Verdict};
use crate::facts::Facts;

/// Width of the table output, in columns. Fixed so that piped output and logs stay stable.
pub const TABLE_WIDTH: u16 = 120;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (comfy-table).
    Table,
    /// The full report as JSON (facts + checks), for machines and `--facts`.
    Json,
    /// Markdown, to paste into a support ticket.
    Markdown,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
}

/// Renders `report` in `format`; `color` only affects the table.
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Table => table::render(report, color, TABLE_WIDTH),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Junit => junit::render(report),
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

/// A one-line machine summary from the facts: driver, CUDA supported, GPUs, container.
pub fn machine_summary(facts: &Facts) -> String {
    let nvml = &facts.driver.nvml;
    if nvml.driver_version.is_none() && nvml.error.is_none() && facts.driver.kernel_module.is_none()
    {
        // The NVML probe always leaves a version or an error: this report did not probe the
        // machine (e.g. `hwcheck detect`).
        return "driver and GPUs not probed in this run".to_string();
    }
    [
        driver_summary(facts),
        gpu_summary(facts),
        container_summary(facts),
    ]
    .join(" · ")
}

fn driver_summary(facts: &Facts) -> String {
    let nvml = &facts.driver.nvml;
    let version = nvml.driver_version.as_ref().or(facts
        .driver
        .kernel_module
        .as_ref()
        .and_then(|m| m.version.as_ref()));
    let mut text = match (version, &nvml.error) {
        (Some(v), _) => format!("driver {v}"),
        (None, Some(e)) if e.code == "LibraryNotFound" => {
            "no NVIDIA driver (libnvidia-ml not found)".to_string()
        }
        (None, Some(e)) => format!("driver not usable (NVML: {})", e.code),
        (None, None) => "no NVIDIA driver found (kernel module only)".to_string(),
    };
    if let Some(cuda) = &nvml.cuda_driver_version {
        text.push_str(&format!(" (supports CUDA up to {cuda})"));
    }
    text
}

fn gpu_summary(facts: &Facts) -> String {
    // Count identical names, keeping the order NVML reported them in.
    let mut names: Vec<(&str, usize)> = Vec::new();
    for gpu in &facts.gpus {
        match names.iter_mut().find(|(n, _)| *n == gpu.name) {
            Some((_, count)) => *count += 1,
            None => names.push((&gpu.name, 1)),
        }
    }
    let listed = names
        .iter()
        .map(|(name, count)| match count {
            1 => (*name).to_string(),
            n => format!("{n}× {name}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match facts.gpus.len() {
        0 => "no GPU seen".to_string(),
        1 => format!("1 GPU: {listed}"),
        n => format!("{n} GPUs: {listed}"),
    }
}

fn container_summary(facts: &Facts) -> String {
    match &facts.environment.container {
        Some(kind) => format!("container: {kind}"),
        None => "no container".to_string(),
    }
}

/// Shared test data for the renderers' unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::check::{Area, Check, Report};
    use crate::facts::{Facts, GpuFacts};
    use crate::version::DottedVersion;

    /// A report with one check of each status, a pipe in a summary and facts for the header.
    pub fn report() -> Report {
        let mut facts = Facts {
            schema_version: crate::facts::SCHEMA_VERSION,
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
            Check::pass("driver.loaded", Area::Driver, "driver 550.54.15 loaded"),
            Check::skip("detection.run", Area::Detection, "skipped by --quick"),
            Check::fail(
                "cuda.runtime.driver_sufficient",
                Area::Cuda,
                "libcudart 13.0 needs driver >= 580 | found 550.54.15",
            )
            .with_evidence("/usr/lib/libcudart.so.13 (version 13.0.48)")
            .with_evidence("driver 550.54.15 from NVML")
            .with_fix("Install driver 580 or newer, or use a CUDA 12.4 runtime.")
            .with_source("https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/"),
            Check::warn("gpu.persistence", Area::Gpu, "persistence mode is off")
                .with_fix("Run `nvidia-smi -pm 1` as root."),
        ];
        Report::new(facts, checks, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ProbeError;

    #[test]
    fn verdict_line_counts_every_status() {
        let report = fixtures::report();
        assert_eq!(
            verdict_line(&report),
            "verdict: FAIL — 1 fail, 1 warn, 1 pass, 1 skip"
        );
    }

    #[test]
    fn machine_summary_names_driver_cuda_gpus_and_container() {
        let summary = machine_summary(&fixtures::report().facts);
        assert_eq!(
            summary,
            "driver 550.54.15 (supports CUDA up to 12.4) · 2 GPUs: 2× NVIDIA H100 80GB HBM3 · container: docker"
        );
    }

    #[test]
    fn machine_summary_explains_a_missing_driver() {
        let mut facts = Facts::default();
        assert_eq!(
            machine_summary(&facts),
            "driver and GPUs not probed in this run"
        );
        facts.driver.nvml.error = Some(ProbeError::new("LibraryNotFound", "no libnvidia-ml"));
        assert_eq!(
            machine_summary(&facts),
            "no NVIDIA driver (libnvidia-ml not found) · no GPU seen · no container"
        );
        facts.driver.nvml.error = Some(ProbeError::new("DriverNotLoaded", "driver not loaded"));
        assert!(machine_summary(&facts).starts_with("driver not usable (NVML: DriverNotLoaded)"));
    }

    #[test]
    fn every_format_renders_the_verdict() {
        let report = fixtures::report();
        for format in [Format::Table, Format::Markdown] {
            assert!(render(&report, format, false).contains(&counts_text(&report)));
        }
        assert!(render(&report, Format::Json, false).contains("\"verdict\": \"fail\""));
    }
}
