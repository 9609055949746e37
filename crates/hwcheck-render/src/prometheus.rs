//! Prometheus text exposition format, for node_exporter's textfile collector (`hwcheck.prom`).
//!
//! Every family is a gauge with `# HELP` and `# TYPE` lines, its samples together; names match
//! `[a-zA-Z_:][a-zA-Z0-9_:]*` and use base units (seconds); label values escape `\`, `"` and
//! newlines. No sample carries a timestamp: the textfile collector refuses them; the report's
//! time is the `hwcheck_report_timestamp_seconds` gauge instead.
//!
//! `hwcheck_check_status` is a number per check, higher is worse: 0 pass, 1 skip, 2 warn,
//! 3 fail. The check's instance goes in the `check_instance` label: `instance` is the label
//! Prometheus gives every scraped target, and a sample's own `instance` would be renamed.

use hwcheck_model::check::{Report, Status, Verdict};
use hwcheck_model::facts::ort::OrtInstall;
use hwcheck_model::facts::Facts;

/// The file name node_exporter's textfile collector reads (it reads `*.prom`).
pub const FILE_NAME: &str = "hwcheck.prom";

/// `hwcheck_check_status`'s number for a status (higher is worse).
pub fn status_number(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Skip => 1,
        Status::Warn => 2,
        Status::Fail => 3,
    }
}

/// One metric family being written.
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            samples: Vec::new(),
        }
    }

    fn add(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push((labels, value));
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        out.push_str(&format!(
            "# HELP {} {}\n",
            self.name,
            escape_help(self.help)
        ));
        out.push_str(&format!("# TYPE {} gauge\n", self.name));
        for (labels, value) in &self.samples {
            out.push_str(self.name);
            if !labels.is_empty() {
                let inner: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
                    .collect();
                out.push_str(&format!("{{{}}}", inner.join(",")));
            }
            out.push_str(&format!(" {}\n", number(*value)));
        }
    }
}

/// The textfile for `report`.
pub fn render(report: &Report) -> String {
    let mut families = vec![
        info(report),
        verdict(report),
        check_status(report),
        check_counts(report),
    ];
    families.extend(ort_timings(&report.facts));
    families.extend(detection_timings(&report.facts));
    families.push(probe_durations(&report.facts));
    let mut gpus = Family::new("hwcheck_gpus", "GPUs NVML reported.");
    gpus.add(Vec::new(), report.facts.gpus.len() as f64);
    families.push(gpus);
    if let Some(at) = report
        .generated_at
        .as_deref()
        .and_then(hwcheck_model::time::parse_rfc3339)
    {
        let mut ts = Family::new(
            "hwcheck_report_timestamp_seconds",
            "When the report was made, in seconds since the Unix epoch.",
        );
        ts.add(Vec::new(), hwcheck_model::time::unix_seconds(at));
        families.push(ts);
    }
    let mut out = String::new();
    for family in &families {
        family.write(&mut out);
    }
    out
}

fn info(report: &Report) -> Family {
    let facts = &report.facts;
    let nvml = &facts.driver.nvml;
    let text = |v: Option<String>| v.unwrap_or_default();
    let mut f = Family::new(
        "hwcheck_info",
        "Versions on this node (value always 1): hwcheck, driver, CUDA the driver supports, the node's ONNX Runtime, first GPU.",
    );
    f.add(
        vec![
            ("hwcheck_version", report.hwcheck_version.clone()),
            (
                "driver",
                text(nvml.driver_version.as_ref().map(|v| v.to_string())),
            ),
            (
                "cuda",
                text(nvml.cuda_driver_version.as_ref().map(|v| v.to_string())),
            ),
            (
                "ort",
                text(
                    facts
                        .ort
                        .installs
                        .iter()
                        .filter(|i| !i.is_reference)
                        .find_map(|i| i.version.clone()),
                ),
            ),
            ("gpu", text(facts.gpus.first().map(|g| g.name.clone()))),
        ],
        1.0,
    );
    f
}

fn verdict(report: &Report) -> Family {
    let mut f = Family::new(
        "hwcheck_verdict_ok",
        "1 when no check failed (and no warning under --strict), else 0.",
    );
    f.add(
        Vec::new(),
        f64::from(u8::from(report.verdict == Verdict::Ok)),
    );
    f
}

fn check_status(report: &Report) -> Family {
    let mut f = Family::new(
        "hwcheck_check_status",
        "Status of one hwcheck check, higher is worse: 0 pass, 1 skip, 2 warn, 3 fail.",
    );
    for check in &report.checks {
        let mut labels = vec![
            ("id", check.id.to_string()),
            ("area", area_name(check.area).to_string()),
        ];
        if let Some(instance) = &check.instance {
            labels.push(("check_instance", instance.clone()));
        }
        f.add(labels, f64::from(status_number(check.status)));
    }
    f
}

/// The area as reports spell it in JSON ("driver", "ort").
fn area_name(area: hwcheck_model::check::Area) -> String {
    serde_json::to_value(area)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn check_counts(report: &Report) -> Family {
    let mut f = Family::new("hwcheck_checks", "Checks per status in the report.");
    let c = report.counts;
    for (status, n) in [
        ("fail", c.fail),
        ("warn", c.warn),
        ("pass", c.pass),
        ("skip", c.skip),
    ] {
        f.add(vec![("status", status.to_string())], n as f64);
    }
    f
}

/// "1", "2", … for the installs probed, "reference" for hwcheck's reference runtime.
fn install_label(index: usize, install: &OrtInstall) -> String {
    if install.is_reference {
        "reference".to_string()
    } else {
        (index + 1).to_string()
    }
}

fn ort_timings(facts: &Facts) -> [Family; 2] {
    let mut session = Family::new(
        "hwcheck_ort_session_seconds",
        "ONNX Runtime session creation on one provider with hwcheck's probe model.",
    );
    let mut first = Family::new(
        "hwcheck_ort_first_inference_seconds",
        "First inference of hwcheck's probe model on one provider.",
    );
    for (i, install) in facts.ort.installs.iter().enumerate() {
        for probe in &install.providers {
            let labels = vec![
                ("provider", probe.provider.short_name().to_string()),
                ("install", install_label(i, install)),
            ];
            if let Some(ms) = probe.session_ms {
                session.add(labels.clone(), ms / 1000.0);
            }
            if let Some(ms) = probe.first_run_ms {
                first.add(labels, ms / 1000.0);
            }
        }
    }
    [session, first]
}

fn detection_timings(facts: &Facts) -> [Family; 4] {
    let mut session = Family::new(
        "hwcheck_detection_session_seconds",
        "Person-detector session creation on one provider.",
    );
    let mut first = Family::new(
        "hwcheck_detection_first_inference_seconds",
        "The person detector's first inference on one provider (includes lazy provider set-up).",
    );
    let mut median = Family::new(
        "hwcheck_detection_latency_seconds",
        "Median steady-state inference of the person detector on one provider.",
    );
    let mut p95 = Family::new(
        "hwcheck_detection_latency_p95_seconds",
        "95th percentile (nearest rank) of the person detector's steady-state inferences.",
    );
    for run in &facts.detection.runs {
        let Some(t) = &run.timings else { continue };
        let install = facts
            .ort
            .installs
            .iter()
            .enumerate()
            .find(|(_, i)| i.path == run.library)
            .map_or_else(|| run.library.clone(), |(i, inst)| install_label(i, inst));
        let labels = vec![
            ("provider", run.provider.short_name().to_string()),
            ("install", install),
        ];
        session.add(labels.clone(), t.session_ms / 1000.0);
        first.add(labels.clone(), t.first_inference_ms / 1000.0);
        if let Some(ms) = t.median_ms {
            median.add(labels.clone(), ms / 1000.0);
        }
        if let Some(ms) = t.p95_ms {
            p95.add(labels, ms / 1000.0);
        }
    }
    [session, first, median, p95]
}

fn probe_durations(facts: &Facts) -> Family {
    let mut f = Family::new(
        "hwcheck_probe_duration_seconds",
        "Wall time of each hwcheck probe (parallel probes overlap; \"total\" is the whole run).",
    );
    for (probe, ms) in &facts.probe_ms {
        f.add(vec![("probe", probe.clone())], ms / 1000.0);
    }
    f
}

/// A sample value as the text format writes it (`NaN`, `+Inf`, `-Inf` for the odd ones),
/// rounded to nanoseconds' precision so that `ms / 1000` prints without binary noise.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        let text = format!("{value:.9}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0" } else { text }.to_string()
    }
}

/// Escapes a label value: backslash, double quote and line feed.
pub fn escape_label_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes HELP text: backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use hwcheck_model::facts::ort::{Provider, ProviderProbe};

    #[test]
    fn every_check_is_a_numbered_gauge_with_help_and_type() {
        let mut report = fixtures::report();
        report.generated_at = Some("2026-11-18T11:06:40Z".into());
        report.checks[0].instance = Some("/usr/lib/a \"b\"\\c\nd".into());
        let text = render(&report);
        assert!(text.contains("# TYPE hwcheck_check_status gauge\n"));
        assert!(text.contains(
            "hwcheck_check_status{id=\"cuda.runtime.driver_sufficient\",area=\"cuda\",check_instance=\"/usr/lib/a \\\"b\\\"\\\\c\\nd\"} 3\n"
        ), "{text}");
        assert!(text.contains("hwcheck_check_status{id=\"driver.nvml\",area=\"driver\"} 0\n"));
        assert!(text.contains("hwcheck_check_status{id=\"gpu.health\",area=\"gpu\"} 2\n"));
        assert!(text.contains("hwcheck_report_timestamp_seconds 1795000000\n"));
        assert!(text.contains("hwcheck_verdict_ok 0\n"));
        assert!(text.contains("driver=\"550.54.15\",cuda=\"12.4\""));
        assert!(text.contains("hwcheck_checks{status=\"fail\"} 1\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
    }

    #[test]
    fn provider_timings_are_seconds_per_install() {
        let mut report = fixtures::report();
        let mut probe = ProviderProbe::new(Provider::Cuda, true);
        probe.session_ms = Some(250.0);
        probe.first_run_ms = Some(1500.0);
        report.facts.ort.installs = vec![
            OrtInstall::default(),
            OrtInstall {
                is_reference: true,
                providers: vec![probe],
                ..OrtInstall::default()
            },
        ];
        let text = render(&report);
        assert!(text.contains(
            "hwcheck_ort_session_seconds{provider=\"cuda\",install=\"reference\"} 0.25\n"
        ));
        assert!(text.contains(
            "hwcheck_ort_first_inference_seconds{provider=\"cuda\",install=\"reference\"} 1.5\n"
        ));
        assert!(
            !text.contains("hwcheck_report_timestamp_seconds"),
            "no time, no gauge"
        );
    }

    #[test]
    fn odd_numbers_use_the_format_spelling() {
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(184.357 / 1000.0), "0.184357");
        assert_eq!(number(1_795_000_000.0), "1795000000");
        assert_eq!(number(-0.0), "0");
    }
}
