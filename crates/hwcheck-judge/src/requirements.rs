//! Requirement checks (`--require`): each parsed [`Requirement`] becomes one check
//! `require.<key>`, PASS when met, FAIL when unmet or when the fact it needs is unknown.
//!
//! Pure: facts, the other checks (for `provider=` and `detection=`), requirements in; checks out.

use crate::require::{format_bytes, Key, Op, Requirement, Value};
use hwcheck_model::check::{Area, Check, CheckId, CheckKind, Status};
use hwcheck_model::facts::Facts;
use hwcheck_model::version::DottedVersion;
use std::cmp::Ordering;

/// One check per requirement; ids `require.<key>`, with `#2`, `#3`… for repeated keys.
pub fn judge(requirements: &[Requirement], facts: &Facts, checks: &[Check]) -> Vec<Check> {
    let mut out: Vec<Check> = Vec::with_capacity(requirements.len());
    for req in requirements {
        let key = req.key.name();
        let seen = out
            .iter()
            .filter(|c| c.id.qualifier.as_deref() == Some(key))
            .count();
        let id = CheckId::require(key, seen as u32 + 1);
        out.push(evaluate(id, req, facts, checks));
    }
    out
}

/// What was observed for a requirement: a comparable value, or why it is unknown.
enum Observed {
    /// Versions (or sizes/counts) seen; the requirement holds if any satisfies it.
    Values(Vec<(String, Value)>),
    /// Checks that decided (provider, detection): met or not, with a description.
    Verdict(bool, String),
    /// Nothing to compare with.
    Unknown(String),
    /// The checks it needs were skipped on purpose: the `facts.skipped` entry that says so.
    Skipped(String),
}

fn evaluate(id: CheckId, req: &Requirement, facts: &Facts, checks: &[Check]) -> Check {
    let observed = observe(req, facts, checks);
    let (met, seen) = match observed {
        Observed::Unknown(why) => {
            return Check::fail(
                id,
                format!("requirement {} cannot be checked: {why}", req.text),
            )
            .with_evidence(format!("required: {}", req.text))
            .with_fix(unknown_fix(req.key))
        }
        Observed::Skipped(entry) => {
            let option = entry
                .rsplit_once("skipped by ")
                .map_or("the option that skipped it", |(_, o)| o);
            return Check::fail(
                id,
                format!("requirement {} could not be judged: {entry}", req.text),
            )
            .with_evidence(format!("required: {}", req.text))
            .with_evidence(format!("skipped: {entry}"))
            .with_fix(format!(
                "Run without {option}: this gate needs the checks it skipped."
            ));
        }
        Observed::Verdict(met, what) => (met, what),
        Observed::Values(values) => {
            let met = values.iter().any(|(_, v)| satisfies(v, req.op, &req.value));
            let seen: Vec<String> = values.into_iter().map(|(label, _)| label).collect();
            (met, seen.join(", "))
        }
    };
    let status = if met { Status::Pass } else { Status::Fail };
    let summary = if met {
        format!("{} met ({seen})", req.text)
    } else {
        format!("{} not met: found {seen}", req.text)
    };
    let check = Check::new(id, status, summary)
        .with_evidence(format!("required: {}", req.text))
        .with_evidence(format!("found: {seen}"));
    if met {
        check
    } else {
        check.with_fix(fix_for(req.key))
    }
}

fn satisfies(actual: &Value, op: Op, required: &Value) -> bool {
    let ordering = match (actual, required) {
        (Value::Version(a), Value::Version(r)) => a.cmp(r),
        (Value::Bytes(a), Value::Bytes(r)) | (Value::Count(a), Value::Count(r)) => a.cmp(r),
        (Value::Word(a), Value::Word(r)) => {
            if a == r {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        }
        _ => return false,
    };
    op.holds(ordering)
}

fn observe(req: &Requirement, facts: &Facts, checks: &[Check]) -> Observed {
    let nvml = &facts.driver.nvml;
    let why_no_driver = || match &nvml.error {
        Some(e) => format!("no driver version (NVML: {}: {})", e.code, e.message),
        None => "no driver version known".to_string(),
    };
    match req.key {
        Key::Driver => {
            let version = nvml.driver_version.clone().or_else(|| {
                facts
                    .driver
                    .kernel_module
                    .as_ref()
                    .and_then(|k| k.version.clone())
            });
            version_observed("driver", version, why_no_driver)
        }
        Key::Cuda => {
            let version = nvml.cuda_driver_version.clone().or_else(|| {
                facts
                    .cuda_driver_api
                    .as_ref()
                    .and_then(|c| c.driver_api_version.clone())
            });
            version_observed("driver supports CUDA", version, || {
                format!("the driver's CUDA version is unknown ({})", why_no_driver())
            })
        }
        Key::Cc => per_gpu(facts, |g| {
            g.compute_capability
                .clone()
                .map(|cc| (format!("GPU {} cc {cc}", g.index), Value::Version(cc)))
        }),
        Key::GpuMemory => per_gpu(facts, |g| {
            g.memory_total_bytes.map(|b| {
                (
                    format!("GPU {} {}", g.index, format_bytes(b)),
                    Value::Bytes(b),
                )
            })
        }),
        Key::GpuCount => {
            let count = if facts.gpus.is_empty() {
                u64::from(nvml.device_count.unwrap_or(0))
            } else {
                facts.gpus.len() as u64
            };
            Observed::Values(vec![(format!("{count} GPU(s)"), Value::Count(count))])
        }
        Key::Provider => {
            let Value::Word(name) = &req.value else {
                return Observed::Unknown("provider name missing".into());
            };
            let related: Vec<&Check> = checks
                .iter()
                .filter(|c| {
                    c.id.kind == CheckKind::OrtProvider
                        && c.id.provider_name() == Some(name.as_str())
                })
                .collect();
            if let Some(entry) = skipped(facts, &related, &["ONNX Runtime", "execution providers"])
            {
                return entry;
            }
            word_verdict(req, &related, &format!("no ONNX Runtime check for the {name} provider (run without --quick, with an ONNX Runtime installed)"))
        }
        Key::Detection => {
            let related: Vec<&Check> = checks
                .iter()
                .filter(|c| c.area == Area::Detection)
                .collect();
            if let Some(entry) = skipped(facts, &related, &["detection"]) {
                return entry;
            }
            word_verdict(
                req,
                &related,
                "no detection check ran (run without --quick)",
            )
        }
    }
}

fn version_observed(
    label: &str,
    version: Option<DottedVersion>,
    why: impl FnOnce() -> String,
) -> Observed {
    match version {
        Some(v) => Observed::Values(vec![(format!("{label} {v}"), Value::Version(v))]),
        None => Observed::Unknown(why()),
    }
}

fn per_gpu(
    facts: &Facts,
    value: impl Fn(&hwcheck_model::facts::GpuFacts) -> Option<(String, Value)>,
) -> Observed {
    if facts.gpus.is_empty() {
        return Observed::Unknown("no GPU was found".into());
    }
    let values: Vec<(String, Value)> = facts.gpus.iter().filter_map(value).collect();
    if values.is_empty() {
        Observed::Unknown("NVML did not report it for any GPU".into())
    } else {
        Observed::Values(values)
    }
}

/// When no related check ran because a probe was skipped on purpose (`--quick`,
/// `--no-detect`, `--providers`): the `facts.skipped` entry naming one of `topics`.
fn skipped(facts: &Facts, related: &[&Check], topics: &[&str]) -> Option<Observed> {
    if !related.is_empty() {
        return None;
    }
    facts
        .skipped
        .iter()
        .find(|s| topics.iter().any(|t| s.contains(t)))
        .map(|s| Observed::Skipped(s.clone()))
}

/// `=`: met when the related checks include a PASS and no FAIL; `!=` is the opposite.
fn word_verdict(req: &Requirement, related: &[&Check], none: &str) -> Observed {
    if related.is_empty() {
        return Observed::Unknown(none.to_string());
    }
    let passed = related.iter().any(|c| c.status == Status::Pass)
        && related.iter().all(|c| c.status != Status::Fail);
    let listed: Vec<String> = related
        .iter()
        .map(|c| format!("{} {}", c.id, c.status.label()))
        .collect();
    let met = if req.op == Op::Ne { !passed } else { passed };
    Observed::Verdict(met, listed.join(", "))
}

/// The fix when a requirement cannot be checked: no related check exists to point at.
fn unknown_fix(key: Key) -> &'static str {
    match key {
        Key::Provider => "Run without --quick, with an ONNX Runtime installed (or --ort PATH), so that its provider sessions are checked.",
        Key::Detection => "Run without --quick and --no-detect, with an ONNX Runtime installed (or --ort PATH), so that the person detector runs.",
        _ => fix_for(key),
    }
}

fn fix_for(key: Key) -> &'static str {
    match key {
        Key::Driver => "Install an NVIDIA driver that meets the requirement (or relax the requirement).",
        Key::Cuda => "Upgrade the NVIDIA driver: the CUDA version it supports is decided by the driver, not the toolkit.",
        Key::Cc => "Run on a GPU with the required compute capability.",
        Key::GpuMemory => "Run on a GPU with more memory (or lower the requirement).",
        Key::GpuCount => "Make the GPUs visible: start containers with --gpus all, check CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES.",
        Key::Provider => "See the failing ONNX Runtime checks above for the missing library or package.",
        Key::Detection => "See the failing detection checks above.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::require::parse;
    use hwcheck_model::facts::ort::Provider;
    use hwcheck_model::facts::GpuFacts;

    fn facts(driver: Option<&str>, gpus: &[(&str, u64)]) -> Facts {
        let mut f = Facts::default();
        f.driver.nvml.driver_version = driver.map(|d| DottedVersion::parse(d).unwrap());
        f.driver.nvml.cuda_driver_version = driver.map(|_| DottedVersion::parse("13.0").unwrap());
        f.gpus = gpus
            .iter()
            .enumerate()
            .map(|(i, (cc, mem))| GpuFacts {
                index: i as u32,
                name: "GPU".into(),
                compute_capability: Some(DottedVersion::parse(cc).unwrap()),
                memory_total_bytes: Some(*mem),
                ..GpuFacts::default()
            })
            .collect();
        f
    }

    fn run(exprs: &[&str], facts: &Facts, checks: &[Check]) -> Vec<Check> {
        let reqs: Vec<Requirement> = exprs.iter().map(|e| parse(e).unwrap()).collect();
        judge(&reqs, facts, checks)
    }

    #[test]
    fn driver_and_cuda_compare_numerically() {
        let f = facts(Some("580.95.05"), &[("9.0", 80 << 30)]);
        let out = run(
            &[
                "driver>=535",
                "driver>=580.159.04",
                "cuda>=12.2",
                "driver>=9999",
            ],
            &f,
            &[],
        );
        let st: Vec<Status> = out.iter().map(|c| c.status).collect();
        assert_eq!(st, [Status::Pass, Status::Fail, Status::Pass, Status::Fail]);
        assert_eq!(out[0].id, "require.driver");
        assert_eq!(out[1].id, "require.driver#2");
        assert!(out[3].fix.is_some());
    }

    #[test]
    fn unknown_facts_fail_with_the_reason() {
        let mut f = facts(None, &[]);
        f.driver.nvml.error = Some(hwcheck_model::facts::ProbeError::new(
            "LibloadingError",
            "libnvidia-ml.so.1: cannot open",
        ));
        let out = run(&["driver>=535", "gpu.memory>=16GiB", "cc>=8.0"], &f, &[]);
        assert!(out.iter().all(|c| c.status == Status::Fail));
        assert!(
            out[0].summary.contains("LibloadingError"),
            "{}",
            out[0].summary
        );
        assert!(out[1].summary.contains("no GPU"));
    }

    #[test]
    fn any_gpu_may_satisfy_memory_and_cc() {
        let f = facts(Some("580.95.05"), &[("7.5", 16 << 30), ("9.0", 80 << 30)]);
        let out = run(
            &[
                "gpu.memory>=40GiB",
                "cc>=8.0",
                "gpu.count>=2",
                "gpu.count>=3",
            ],
            &f,
            &[],
        );
        let st: Vec<Status> = out.iter().map(|c| c.status).collect();
        assert_eq!(st, [Status::Pass, Status::Pass, Status::Pass, Status::Fail]);
    }

    fn provider(kind: CheckKind, p: Provider) -> CheckId {
        CheckId::provider(kind, p, hwcheck_model::check::Install::First)
    }

    #[test]
    fn provider_and_detection_follow_their_checks() {
        let f = facts(Some("580.95.05"), &[]);
        let checks = vec![
            Check::pass(provider(CheckKind::OrtProvider, Provider::Cuda), "ok"),
            Check::fail(
                provider(CheckKind::OrtProvider, Provider::Tensorrt),
                "libnvinfer missing",
            ),
            Check::pass(provider(CheckKind::DetectionProvider, Provider::Cpu), "ok"),
        ];
        let out = run(
            &[
                "provider=cuda",
                "provider=tensorrt",
                "provider!=tensorrt",
                "detection=pass",
                "provider=cpu",
            ],
            &f,
            &checks,
        );
        let st: Vec<Status> = out.iter().map(|c| c.status).collect();
        assert_eq!(
            st,
            [
                Status::Pass,
                Status::Fail,
                Status::Pass,
                Status::Pass,
                Status::Fail
            ]
        );
        assert!(out[4].summary.contains("cannot be checked"));
    }

    #[test]
    fn gates_on_probes_skipped_on_purpose_say_so_and_blame_no_check() {
        let mut f = facts(Some("580.95.05"), &[]);
        f.skipped
            .push("ONNX Runtime sessions and detection: skipped by --quick".to_string());
        let out = run(&["detection=pass", "provider=cuda"], &f, &[]);
        for c in &out {
            assert_eq!(c.status, Status::Fail);
            assert!(c.summary.contains("could not be judged"), "{}", c.summary);
            assert!(c.summary.contains("skipped by --quick"), "{}", c.summary);
            let fix = c.fix.as_deref().unwrap();
            assert!(fix.starts_with("Run without --quick"), "{fix}");
            assert!(!fix.contains("failing"), "{fix}");
        }
        // Nothing skipped and no detection check: no failing checks to point at either.
        let out = run(&["detection=pass"], &facts(None, &[]), &[]);
        assert!(!out[0].fix.as_deref().unwrap().contains("failing"));
    }
}
