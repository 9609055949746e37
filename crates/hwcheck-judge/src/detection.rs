//! Detection checks: golden answers per provider, cross-provider agreement, timings.
//!
//! - `detection.<provider>` (e.g. `detection.cpu`, `detection.cuda`): the detector ran on that
//!   provider and, for the bundled check, found exactly the golden people (IoU >= 0.9, score
//!   within 0.02) and nobody in the picture without people.
//! - `detection.agreement`: every provider found the same people as the first one (the CPU
//!   provider, probed first), by the same rule.
//! - `detection.run`: SKIP when detection could not be attempted.

use hwcheck_compat::Tables;
use hwcheck_detect::bundled;
use hwcheck_detect::golden::{compare, Comparison, Golden, TOLERANCE};
use hwcheck_model::check::{Check, CheckId, CheckKind, Install};
use hwcheck_model::facts::detection::{Detection, DetectionFacts, ProviderRun, Timings};
use hwcheck_model::facts::ort::OrtInstall;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::Facts;
use std::collections::BTreeMap;

/// Judges detection facts.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = tables;
    judge_detection(
        &facts.detection,
        bundled::golden().ok().as_ref(),
        &facts.ort.installs,
    )
}

/// The checks of `detection` against `golden` (the bundled answers; `None` if unreadable).
/// `installs` are the probed ONNX Runtime installs: a run on the n-th one gets the same
/// `.install<n>`/`.reference` suffix as that install's `ort.*` checks. Without them (a
/// `hwcheck detect` report), runs of one provider are numbered in order.
pub fn judge_detection(
    detection: &DetectionFacts,
    golden: Option<&Golden>,
    installs: &[OrtInstall],
) -> Vec<Check> {
    if let Some(why) = &detection.not_run {
        return vec![Check::skip(
            CheckKind::DetectionRun,
            format!("person detection not run: {why}"),
        )];
    }
    let threshold = detection
        .score_threshold
        .unwrap_or(hwcheck_detect::golden::SCORE_THRESHOLD);
    let reference = match (&detection.model, golden) {
        (Some(_), _) => Reference::Custom,
        (None, Some(g)) if detection.model_sha256.as_deref() == Some(g.model_sha256.as_str()) => {
            Reference::Golden(g)
        }
        (None, _) => Reference::Unknown,
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut checks: Vec<Check> = detection
        .runs
        .iter()
        .map(|run| {
            let short = run.provider.short_name();
            let n = seen.entry(short).or_insert(0);
            *n += 1;
            let install = installs
                .iter()
                .position(|i| i.path == run.library || i.real_path.as_deref() == Some(&run.library))
                .map_or_else(
                    || Install::at(*n - 1, false),
                    |index| Install::at(index, installs[index].is_reference),
                );
            let id = CheckId::provider(CheckKind::DetectionProvider, run.provider, install);
            judge_run(id, run, &reference, threshold)
        })
        .collect();
    checks.extend(agreement(&detection.runs, threshold));
    checks
}

/// What a provider's people are compared with.
enum Reference<'a> {
    /// The bundled golden answers.
    Golden(&'a Golden),
    /// The user's model or pictures: no known answers.
    Custom,
    /// The facts name another bundled model than this hwcheck's golden answers.
    Unknown,
}

fn judge_run(id: CheckId, run: &ProviderRun, reference: &Reference, threshold: f32) -> Check {
    let label = run.provider.label();
    if let Some(e) = &run.error {
        return with_context(
            Check::fail(
                id,
                format!(
                    "the person detector could not run on {label}: {}",
                    e.message
                ),
            ),
            run,
        )
        .with_fix(fix_for(&e.code));
    }
    if let Some((image, e)) = run
        .images
        .iter()
        .find_map(|i| i.error.as_ref().map(|e| (&i.image, e)))
    {
        return with_context(
            Check::fail(
                id,
                format!("{label}: picture {image} failed: {}", e.message),
            ),
            run,
        );
    }
    let check = match reference {
        Reference::Golden(g) => golden_check(id, run, g, threshold),
        Reference::Custom => {
            let people: usize = run.images.iter().map(|i| i.people.len()).sum();
            let mut c = Check::pass(
                id,
                format!("{label}: ran on {} picture(s), {people} person(s) found", run.images.len()),
            );
            for i in &run.images {
                c = c.with_evidence(format!("{}: {}", i.image, describe_people(&i.people)));
            }
            c
        }
        Reference::Unknown => Check::skip(
            id,
            format!("{label}: ran, but these facts name a different bundled model than this hwcheck's golden answers"),
        ),
    };
    with_context(check, run)
}

fn golden_check(id: CheckId, run: &ProviderRun, golden: &Golden, threshold: f32) -> Check {
    let label = run.provider.label();
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for g in &golden.images {
        let Some(got) = run.images.iter().find(|i| i.image == g.image) else {
            problems.push(format!("{} was not run", g.image));
            continue;
        };
        let c = compare(&g.people, &got.people, threshold, TOLERANCE);
        evidence.push(format!(
            "{}: {}",
            g.image,
            describe_comparison(&g.people, &c)
        ));
        if !c.agrees() {
            problems.push(format!("{}: {}", g.image, describe_difference(&c)));
        }
    }
    let check = if problems.is_empty() {
        let people: usize = golden.images.iter().map(|g| g.people.len()).sum();
        Check::pass(
            id,
            format!(
                "{label}: found the {people} expected people in {} pictures, nobody where there is nobody",
                golden.images.len()
            ),
        )
    } else {
        Check::fail(
            id,
            format!("{label}: detections differ from the golden answers: {}", problems.join("; ")),
        )
        .with_fix(format!(
            "Run `hwcheck detect --annotate DIR` and look at the boxes. If the CPU provider agrees with the golden answers and {label} does not, {label}'s kernels or libraries compute wrong results: check the library versions in this report against the ONNX Runtime build's requirements"
        ))
    };
    evidence.into_iter().fold(check, Check::with_evidence)
}

/// Adds the input, layout, timings and library lines every provider row carries.
fn with_context(mut check: Check, run: &ProviderRun) -> Check {
    let version = run.ort_version.as_deref().unwrap_or("version unknown");
    check = check.with_evidence(format!("ONNX Runtime {version}: {}", run.library));
    if let Some(input) = &run.input {
        check = check.with_evidence(format!("input {input}"));
    }
    if let Some(layout) = &run.layout {
        check = check.with_evidence(format!("outputs: {layout}"));
    }
    if let Some(variant) = &run.variant {
        check = check.with_evidence(format!("model: {variant}"));
    }
    if let Some(t) = &run.timings {
        check = check.with_evidence(describe_timings(t));
    }
    if run.provider.is_nvidia() {
        check = check.with_evidence(
            "ONNX Runtime places some nodes of a detector (NMS, Loop, shape arithmetic) on the CPU by design; that is expected, not a fallback",
        );
    }
    check
}

/// "session 112.0 ms, first inference 30.1 ms, steady median 11.2 ms, p95 12.9 ms (5 runs), whole pipeline 15.0 ms".
pub fn describe_timings(t: &Timings) -> String {
    let opt = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1} ms"));
    format!(
        "timings: session {:.1} ms, first inference {:.1} ms, steady median {}, p95 {} ({} runs), whole pipeline median {}",
        t.session_ms,
        t.first_inference_ms,
        opt(t.median_ms),
        opt(t.p95_ms),
        t.runs,
        opt(t.pipeline_median_ms)
    )
}

fn describe_people(people: &[Detection]) -> String {
    if people.is_empty() {
        return "nobody".to_string();
    }
    let list: Vec<String> = people.iter().map(describe_person).collect();
    list.join(", ")
}

fn describe_person(d: &Detection) -> String {
    let b = d.bbox;
    format!(
        "{:.3} at (ymin {:.3}, xmin {:.3}, ymax {:.3}, xmax {:.3})",
        d.score, b.ymin, b.xmin, b.ymax, b.xmax
    )
}

fn describe_comparison(expected: &[Detection], c: &Comparison) -> String {
    match (c.worst_iou, c.worst_score_diff) {
        (Some(iou), Some(diff)) => format!(
            "{} of {} expected people matched (lowest IoU {iou:.3}, largest score difference {diff:.3})",
            c.matched,
            expected.len()
        ),
        _ if expected.is_empty() && c.extra.is_empty() => "nobody expected, nobody found".to_string(),
        _ => format!("{} of {} expected people matched", c.matched, expected.len()),
    }
}

fn describe_difference(c: &Comparison) -> String {
    let mut parts = Vec::new();
    if !c.missing.is_empty() {
        parts.push(format!("missing {}", describe_people(&c.missing)));
    }
    if !c.extra.is_empty() {
        parts.push(format!("unexpected {}", describe_people(&c.extra)));
    }
    parts.join(", ")
}

/// "CUDA (ORT 1.31.1)": a run's provider and the ONNX Runtime it ran on.
fn run_label(run: &ProviderRun) -> String {
    match &run.ort_version {
        Some(v) => format!("{} (ORT {v})", run.provider.label()),
        None => run.provider.label().to_string(),
    }
}

/// `detection.agreement`: every provider that ran vs the first that ran.
fn agreement(runs: &[ProviderRun], threshold: f32) -> Option<Check> {
    let ran: Vec<&ProviderRun> = runs
        .iter()
        .filter(|r| r.error.is_none() && r.images.iter().all(|i| i.error.is_none()))
        .collect();
    let (first, others) = ran.split_first()?;
    if others.is_empty() {
        return None;
    }
    let base = run_label(first);
    let mut problems = Vec::new();
    for other in others {
        for (a, b) in first.images.iter().zip(&other.images) {
            let c = compare(&a.people, &b.people, threshold, TOLERANCE);
            if !c.agrees() {
                problems.push(format!(
                    "{} on {}: {}",
                    run_label(other),
                    a.image,
                    describe_difference(&c)
                ));
            }
        }
    }
    let names: Vec<String> = others.iter().map(|r| run_label(r)).collect();
    let check = if problems.is_empty() {
        Check::pass(
            CheckKind::DetectionAgreement,
            format!(
                "{} found the same people as {base} in every picture",
                names.join(", ")
            ),
        )
    } else {
        Check::fail(
            CheckKind::DetectionAgreement,
            format!("providers disagree with {base}: {}", problems.join("; ")),
        )
        .with_fix("A provider that finds other people than the CPU on the same model computes wrong results: check its library versions against the ONNX Runtime build's requirements, and compare annotated pictures (`hwcheck detect --annotate DIR`)")
    };
    Some(check.with_evidence(format!(
        "same person: IoU >= {}, score within {} (boxes within {} of the {threshold} threshold may fall either side)",
        TOLERANCE.min_iou, TOLERANCE.max_score_diff, TOLERANCE.max_score_diff
    )))
}

/// What to do about a run that failed, by error code.
fn fix_for(code: &Code) -> String {
    match code {
        Code::TimedOut => "The detector did not finish in time: raise --timeout (a GPU provider's first session can take tens of seconds, TensorRT builds engines), or look for a hung driver".to_string(),
        Code::Crashed => "ONNX Runtime crashed while running the detector on this provider: see the ONNX Runtime checks for missing or mismatched libraries".to_string(),
        _ => "See the ONNX Runtime checks for this provider; `hwcheck explain \"<the message>\"` explains the exact error".to_string(),
    }
}

#[cfg(test)]
mod tests;
