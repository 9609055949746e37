//! Many nodes at once: saved reports (one per node) summed up for support and fleet owners.
//!
//! [`summarize`] is pure: the caller reads the files (and knows the time); this module counts
//! verdicts, ranks failing checks by how many nodes they hit, spreads versions and finds stale
//! reports.

mod digest;

pub use digest::{failing_ids, Digest, DigestCheck, DigestFacts};

use crate::check::Verdict;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

/// One saved report, read.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The file it came from, as the user named it.
    pub file: String,
    /// The file's modification time, when known (the age of reports without `generated_at`).
    pub modified: Option<SystemTime>,
    /// The report.
    pub digest: Digest,
}

/// A file that could not be read as a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// The file.
    pub file: String,
    /// Why, as a sentence.
    pub problem: String,
}

/// How to summarize.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The time ages are measured at.
    pub now: SystemTime,
    /// Reports older than this are stale; `None`: no age limit.
    pub max_age: Option<Duration>,
    /// Example nodes listed per failing check.
    pub examples: usize,
}

/// The fleet at a glance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FleetSummary {
    /// Nodes summarized (one per node name; the newest report of a node counts).
    pub nodes: usize,
    /// Nodes per verdict.
    pub verdicts: VerdictCounts,
    /// Failing check ids, most nodes first.
    pub root_causes: Vec<RootCause>,
    /// Version spreads.
    pub versions: Versions,
    /// The age limit, in seconds, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
    /// Nodes whose report is older than the age limit, oldest first.
    pub stale: Vec<Stale>,
    /// Older reports of a node that has a newer one (not counted).
    pub superseded: Vec<Superseded>,
    /// Files that are not readable hwcheck reports.
    pub unreadable: Vec<Unreadable>,
    /// Every node, by name.
    pub node_list: Vec<Node>,
}

/// Nodes per verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    /// Verdict OK.
    pub ok: usize,
    /// Verdict FAIL.
    pub fail: usize,
}

/// One failing check id across the fleet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RootCause {
    /// The check id.
    pub id: String,
    /// Nodes where it failed.
    pub nodes: usize,
    /// Nodes where it was the first (deepest) failure.
    pub first_failure: usize,
    /// Some of those nodes, by name.
    pub examples: Vec<String>,
}

/// How many nodes have each value of one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Spread {
    /// The value ("unknown" when the report has none).
    pub value: String,
    /// Nodes with it.
    pub nodes: usize,
}

/// Version spreads, most common first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Versions {
    /// Driver versions.
    pub driver: Vec<Spread>,
    /// The newest CUDA each driver supports.
    pub cuda: Vec<Spread>,
    /// The node's ONNX Runtime (first install that loaded, not hwcheck's reference runtime).
    pub ort: Vec<Spread>,
    /// The first GPU's name.
    pub gpu: Vec<Spread>,
}

/// A node whose report is too old.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stale {
    /// The node.
    pub node: String,
    /// Its report file.
    pub file: String,
    /// The report's age in seconds.
    pub age_seconds: u64,
    /// Where the age comes from: "report" (`generated_at`) or "file time".
    pub age_from: &'static str,
}

/// An older report of a node that has a newer one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Superseded {
    /// The node.
    pub node: String,
    /// The older file, not counted.
    pub file: String,
    /// The file that counts.
    pub kept: String,
}

/// One node's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Its name: the report's host name, else the file name.
    pub node: String,
    /// Its report file.
    pub file: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// When its report was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// Its failing check ids.
    pub failing: Vec<String>,
}

/// The node a report is about: its host name, else the file name without `.json`/`.json.gz`.
pub fn node_name(loaded: &Loaded) -> String {
    if let Some(name) = loaded.digest.facts.host.hostname.as_deref() {
        if !name.trim().is_empty() {
            return name.trim().to_string();
        }
    }
    let base = loaded.file.rsplit('/').next().unwrap_or(&loaded.file);
    [".json.gz", ".json"]
        .iter()
        .find_map(|ext| base.strip_suffix(ext))
        .unwrap_or(base)
        .to_string()
}

/// The time a report was made: `generated_at`, else the file time; and which one it was.
fn made_at(loaded: &Loaded) -> Option<(SystemTime, &'static str)> {
    let generated = loaded.digest.generated_at.as_deref();
    generated
        .and_then(crate::time::parse_rfc3339)
        .map(|t| (t, "report"))
        .or(loaded.modified.map(|t| (t, "file time")))
}

/// Sums up the reports. `unreadable` files are listed as they are.
pub fn summarize(
    reports: Vec<Loaded>,
    unreadable: Vec<Unreadable>,
    options: &Options,
) -> FleetSummary {
    let (reports, superseded) = newest_per_node(reports);
    let mut summary = FleetSummary {
        nodes: reports.len(),
        max_age_seconds: options.max_age.map(|d| d.as_secs()),
        superseded,
        unreadable,
        ..FleetSummary::default()
    };
    let mut causes: HashMap<&str, RootCause> = HashMap::new();
    let mut spreads: [BTreeMap<String, usize>; 4] = Default::default();
    for (node, loaded) in &reports {
        let digest = &loaded.digest;
        match digest.verdict {
            Verdict::Ok => summary.verdicts.ok += 1,
            Verdict::Fail => summary.verdicts.fail += 1,
        }
        let failing = digest.failing_ids();
        for (i, id) in failing.iter().enumerate() {
            let cause = causes.entry(id).or_insert_with(|| RootCause {
                id: id.to_string(),
                nodes: 0,
                first_failure: 0,
                examples: Vec::new(),
            });
            cause.nodes += 1;
            cause.first_failure += usize::from(i == 0);
            if cause.examples.len() < options.examples {
                cause.examples.push(node.clone());
            }
        }
        let facts = &digest.facts;
        let values = [
            facts.driver.nvml.driver_version.as_deref(),
            facts.driver.nvml.cuda_driver_version.as_deref(),
            digest.ort_version(),
            facts.gpus.first().map(|g| g.name.as_str()),
        ];
        for (spread, value) in spreads.iter_mut().zip(values) {
            let value = value.filter(|v| !v.is_empty()).unwrap_or("unknown");
            *spread.entry(value.to_string()).or_insert(0) += 1;
        }
        if let Some(stale) = staleness(node, loaded, options) {
            summary.stale.push(stale);
        }
        summary.node_list.push(Node {
            node: node.clone(),
            file: loaded.file.clone(),
            verdict: digest.verdict,
            generated_at: digest.generated_at.clone(),
            failing: failing.iter().map(|s| s.to_string()).collect(),
        });
    }
    let mut causes: Vec<RootCause> = causes.into_values().collect();
    causes.sort_by(|a, b| {
        (b.nodes, b.first_failure)
            .cmp(&(a.nodes, a.first_failure))
            .then_with(|| a.id.cmp(&b.id))
    });
    summary.root_causes = causes;
    let [driver, cuda, ort, gpu] = spreads.map(ranked);
    summary.versions = Versions {
        driver,
        cuda,
        ort,
        gpu,
    };
    summary
        .stale
        .sort_by(|a, b| b.age_seconds.cmp(&a.age_seconds).then(a.node.cmp(&b.node)));
    summary
}

/// Keeps the newest report of each node name (by the time it was made; later files win ties),
/// sorted by node name; lists the others.
fn newest_per_node(reports: Vec<Loaded>) -> (Vec<(String, Loaded)>, Vec<Superseded>) {
    let mut by_node: BTreeMap<String, Loaded> = BTreeMap::new();
    let mut superseded = Vec::new();
    for loaded in reports {
        let node = node_name(&loaded);
        match by_node.remove(&node) {
            None => {
                by_node.insert(node, loaded);
            }
            Some(kept) => {
                let newer = made_at(&loaded).map(|t| t.0) >= made_at(&kept).map(|t| t.0);
                let (keep, drop) = if newer {
                    (loaded, kept)
                } else {
                    (kept, loaded)
                };
                superseded.push(Superseded {
                    node: node.clone(),
                    file: drop.file,
                    kept: keep.file.clone(),
                });
                by_node.insert(node, keep);
            }
        }
    }
    superseded.sort_by(|a, b| (&a.node, &a.file).cmp(&(&b.node, &b.file)));
    (by_node.into_iter().collect(), superseded)
}

/// The node's staleness entry, when its report is older than the limit.
fn staleness(node: &str, loaded: &Loaded, options: &Options) -> Option<Stale> {
    let max_age = options.max_age?;
    let (made, age_from) = made_at(loaded)?;
    let age = options.now.duration_since(made).ok()?;
    (age > max_age).then(|| Stale {
        node: node.to_string(),
        file: loaded.file.clone(),
        age_seconds: age.as_secs(),
        age_from,
    })
}

/// Values by node count, most first, then by value.
fn ranked(counts: BTreeMap<String, usize>) -> Vec<Spread> {
    let mut spread: Vec<Spread> = counts
        .into_iter()
        .map(|(value, nodes)| Spread { value, nodes })
        .collect();
    spread.sort_by(|a, b| b.nodes.cmp(&a.nodes).then_with(|| a.value.cmp(&b.value)));
    spread
}

#[cfg(test)]
mod tests;
