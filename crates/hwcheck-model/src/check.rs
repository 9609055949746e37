//! Findings: the output of judging, the input of rendering.

pub use crate::area::Area;
pub use crate::check_id::{CheckId, CheckKind, Install};
pub use crate::facts::remedy::EnvChange;
use crate::facts::Facts;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Outcome of one check.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Something is broken: GPU inference will fail or silently run on the CPU.
    Fail,
    /// Works, but degraded or fragile (e.g. minor-version compatibility only).
    Warn,
    /// Verified to work.
    Pass,
    /// Not applicable or not checked (nothing to check, skipped by `--quick`).
    Skip,
}

impl Status {
    /// "FAIL", "WARN", "PASS", "SKIP".
    pub fn label(self) -> &'static str {
        match self {
            Status::Fail => "FAIL",
            Status::Warn => "WARN",
            Status::Pass => "PASS",
            Status::Skip => "SKIP",
        }
    }
}

/// One judged check: a stable id, a status, why, and what to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    /// Stable id, e.g. `cuda.runtime.driver_sufficient`; CI gates and docs refer to it.
    pub id: CheckId,
    /// What tells this row from others of the same id (a library path, a cuDNN folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Area for grouping (the id's kind decides it).
    pub area: Area,
    /// Outcome.
    pub status: Status,
    /// One line saying what was found.
    pub summary: String,
    /// The facts that decided: paths, versions, table rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// What to change, for WARN and FAIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Source URLs of the table rows used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Keys ([`Check::key`]) of the checks this one follows from: a FAIL or SKIP that is a
    /// consequence of another check's FAIL names it here. A FAIL with no cause is a root cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caused_by: Vec<String>,
    /// A change of environment that should fix this check, for hwcheck to verify by re-running
    /// the failing probe with it (`hwcheck fix` prints the verified ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

/// A change of the process environment that may fix a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Remedy {
    /// The variable changes, applied in order.
    pub changes: Vec<EnvChange>,
    /// Whether hwcheck re-ran the failing probe with the changes: `None` not tried,
    /// `Some(true)` the probe then passed, `Some(false)` it still failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// What the re-run showed, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl Check {
    /// A check with no evidence, fix or sources yet.
    pub fn new(id: impl Into<CheckId>, status: Status, summary: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            area: id.kind.area(),
            id,
            instance: None,
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
            sources: Vec::new(),
            caused_by: Vec::new(),
            remedy: None,
        }
    }

    /// Shorthand for a PASS.
    pub fn pass(id: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, summary)
    }

    /// Shorthand for a WARN.
    pub fn warn(id: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(id, Status::Warn, summary)
    }

    /// Shorthand for a FAIL.
    pub fn fail(id: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(id, Status::Fail, summary)
    }

    /// Shorthand for a SKIP.
    pub fn skip(id: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(id, Status::Skip, summary)
    }

    /// Sets what tells this row from others of the same id.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The row's key, unique within a report: the id, and the instance in brackets.
    pub fn key(&self) -> String {
        match &self.instance {
            Some(i) => format!("{} [{i}]", self.id),
            None => self.id.to_string(),
        }
    }

    /// Adds one line of evidence.
    pub fn with_evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    /// Sets the fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Adds a source URL (deduplicated).
    pub fn with_source(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        if !url.is_empty() && !self.sources.contains(&url) {
            self.sources.push(url);
        }
        self
    }
}

/// The overall outcome of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No FAIL (and no WARN under `--strict`).
    Ok,
    /// At least one FAIL (or WARN under `--strict`).
    Fail,
}

/// What hwcheck prints: facts, checks and the verdict.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Layout version ([`crate::facts::SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// hwcheck's version.
    pub hwcheck_version: String,
    /// When this report was made (RFC 3339, UTC, whole seconds); absent in reports of older
    /// hwcheck versions and in reports built by tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Count of checks per status.
    pub counts: StatusCounts,
    /// One line on the machine: driver, CUDA it supports, GPUs, container.
    #[serde(default)]
    pub machine: String,
    /// Checks, failures first, then by area.
    pub checks: Vec<Check>,
    /// Everything observed (re-judge with `--facts`).
    pub facts: Facts,
}

/// How many checks ended in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct StatusCounts {
    /// FAIL count.
    pub fail: usize,
    /// WARN count.
    pub warn: usize,
    /// PASS count.
    pub pass: usize,
    /// SKIP count.
    pub skip: usize,
}

impl Report {
    /// Builds the report: sorts checks (status, then area, then id) and computes the verdict.
    pub fn new(facts: Facts, mut checks: Vec<Check>, strict: bool) -> Self {
        checks.sort_by_cached_key(|c| (c.status, c.area, c.id.to_string(), c.instance.clone()));
        make_keys_unique(&mut checks);
        let mut counts = StatusCounts::default();
        for c in &checks {
            match c.status {
                Status::Fail => counts.fail += 1,
                Status::Warn => counts.warn += 1,
                Status::Pass => counts.pass += 1,
                Status::Skip => counts.skip += 1,
            }
        }
        // With `--require` gates, the gates decide the verdict: a CPU-only CI runner can gate on
        // `provider=cpu` and pass although `driver.nvml` fails there. A gate that fails names
        // the checks it depends on in `caused_by`.
        let gates: Vec<&Check> = checks
            .iter()
            .filter(|c| c.id.kind == CheckKind::Require)
            .collect();
        let failed = if gates.is_empty() {
            counts.fail > 0 || (strict && counts.warn > 0)
        } else {
            gates
                .iter()
                .any(|c| c.status == Status::Fail || (strict && c.status == Status::Warn))
        };
        Self {
            schema_version: crate::facts::SCHEMA_VERSION,
            hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at: None,
            verdict: if failed { Verdict::Fail } else { Verdict::Ok },
            counts,
            machine: crate::summary::machine_summary(&facts),
            checks,
            facts,
        }
    }
}

/// Gives the second and later rows that share an (id, instance) key an instance that tells them
/// apart (`#2`, …), so diff, JUnit and gates can key on it.
fn make_keys_unique(checks: &mut [Check]) {
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    for c in checks.iter_mut() {
        let n = seen.entry(c.key()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let tag = format!("#{n}");
            c.instance = Some(match c.instance.take() {
                Some(i) => format!("{i} {tag}"),
                None => tag,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_sort_first_and_decide_the_verdict() {
        let checks = vec![
            Check::pass(CheckKind::DriverNvml, "ok"),
            Check::fail(CheckKind::CudnnCudaMajor, "broken"),
            Check::warn(CheckKind::GpuHealth, "meh"),
        ];
        let report = Report::new(Facts::default(), checks, false);
        assert_eq!(report.checks[0].id, "cudnn.cuda_major");
        assert_eq!(report.checks[1].id, "gpu.health");
        assert_eq!(report.verdict, Verdict::Fail);
        assert_eq!(report.counts.fail, 1);
    }

    #[test]
    fn strict_turns_warnings_into_a_failed_verdict() {
        let checks = vec![Check::warn(CheckKind::GpuHealth, "meh")];
        assert_eq!(
            Report::new(Facts::default(), checks.clone(), false).verdict,
            Verdict::Ok
        );
        assert_eq!(
            Report::new(Facts::default(), checks, true).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn repeated_keys_are_told_apart() {
        let checks = vec![
            Check::pass(CheckKind::CudaRuntimeDriverSufficient, "a"),
            Check::pass(CheckKind::CudaRuntimeDriverSufficient, "b"),
            Check::pass(CheckKind::CudaRuntimeDriverSufficient, "c").with_instance("/x"),
        ];
        let report = Report::new(Facts::default(), checks, false);
        let keys: Vec<String> = report.checks.iter().map(Check::key).collect();
        assert_eq!(
            keys,
            [
                "cuda.runtime.driver_sufficient",
                "cuda.runtime.driver_sufficient [#2]",
                "cuda.runtime.driver_sufficient [/x]"
            ]
        );
    }

    #[test]
    fn gates_decide_the_verdict_when_present() {
        let failing = Check::fail(CheckKind::DriverNvml, "no driver");
        let gate = |status| Check::new(CheckId::require("provider", 1), status, "gate");
        let report = Report::new(
            Facts::default(),
            vec![failing.clone(), gate(Status::Pass)],
            false,
        );
        assert_eq!(report.verdict, Verdict::Ok);
        let report = Report::new(Facts::default(), vec![failing, gate(Status::Fail)], false);
        assert_eq!(report.verdict, Verdict::Fail);
        let strict = Report::new(Facts::default(), vec![gate(Status::Warn)], true);
        assert_eq!(strict.verdict, Verdict::Fail);
    }
}
