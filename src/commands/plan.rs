//! The `hwcheck image` and `hwcheck compat` commands: build the host, judge, print.

use crate::app::{AppError, EXIT_FAIL, EXIT_OK};
use crate::options::{Global, Plan, PlanHost, PlanSubject};
use hwcheck_compat::image_ref::{classify, parse_ref, ImageKind};
use hwcheck_compat::Tables;
use hwcheck_judge::plan::{
    host_base, judge_target, planned_host, suggest, worst, Suggestions, Target,
};
use hwcheck_model::check::{Check, Status};
use hwcheck_model::facts::Facts;
use hwcheck_model::version::DottedVersion;
use hwcheck_render::Format;
use serde_json::json;

/// Writes an image tag for another CUDA version.
type Retag = Box<dyn Fn(&DottedVersion) -> String>;

/// What is being judged, for the output.
struct Subject {
    /// e.g. "image nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04".
    title: String,
    /// e.g. "CUDA 11.4.1, cuDNN 8, runtime, ubuntu20.04".
    details: String,
    /// Source URL of a table row used to read the tag, if any.
    source: Option<String>,
    /// How to write a suggested tag for another CUDA version, when the repository's tags
    /// name the CUDA version (`nvidia/cuda`, `pytorch/pytorch`).
    retag: Option<Retag>,
}

/// Runs `hwcheck image <ref>` (exit 0 PASS, 1 FAIL, 2 unknown reference) or
/// `hwcheck compat --cuda X [--driver V] [--gpu NAME]` (exit 0 PASS, 1 FAIL).
pub fn run(global: &Global, options: &Plan) -> Result<u8, AppError> {
    let tables = Tables::load(global.tables.as_deref())?;
    let (target, subject) = match &options.subject {
        PlanSubject::Image(reference) => {
            let usage =
                |e: hwcheck_compat::image_ref::ImageRefError| AppError::Usage(e.to_string());
            let image = parse_ref(reference).map_err(usage)?;
            let kind = classify(&image).map_err(usage)?;
            describe(&image.text, &kind, &tables)?
        }
        PlanSubject::Cuda { cuda, cudnn } => compat_subject(cuda, *cudnn)?,
    };
    judge_and_print(global, options, &target, subject, &tables)
}

/// The target and subject of `hwcheck compat`.
fn compat_subject(cuda: &str, cudnn: Option<u32>) -> Result<(Target, Subject), AppError> {
    let cuda = DottedVersion::parse(cuda).map_err(|e| AppError::Usage(format!("--cuda: {e}")))?;
    let details = match cudnn {
        Some(m) => format!("CUDA {cuda}, cuDNN {m}"),
        None => format!("CUDA {cuda}"),
    };
    let subject = Subject {
        title: format!("CUDA {cuda} runtime"),
        details,
        source: None,
        retag: None,
    };
    let target = Target {
        cuda,
        cudnn_major: cudnn,
        ships_compat: false,
    };
    Ok((target, subject))
}

fn describe(text: &str, kind: &ImageKind, tables: &Tables) -> Result<(Target, Subject), AppError> {
    let title = format!("image {text}");
    Ok(match kind {
        ImageKind::Cuda(tag) => {
            let cudnn = match (tag.cudnn, tag.cudnn_major) {
                (true, Some(m)) => format!(", cuDNN {m}"),
                (true, None) => ", cuDNN (major not in tag)".to_string(),
                (false, _) => String::new(),
            };
            let (c, f, os) = (tag.cudnn, tag.flavour.clone(), tag.os.clone());
            let cudnn_part = match tag.cudnn_major {
                Some(m) if c => format!("cudnn{m}-"),
                None if c => "cudnn-".to_string(),
                _ => String::new(),
            };
            let subject = Subject {
                title,
                details: format!("CUDA {}{cudnn}, {f}, {os}", tag.cuda),
                source: None,
                retag: Some(Box::new(move |v| {
                    format!("nvidia/cuda:{v}-{cudnn_part}{f}-{os}")
                })),
            };
            let target = Target {
                cuda: tag.cuda.clone(),
                cudnn_major: tag.cudnn_major,
                ships_compat: true,
            };
            (target, subject)
        }
        ImageKind::Pytorch {
            torch,
            cuda,
            cudnn_major,
            flavour,
        } => {
            let (m, f) = (*cudnn_major, flavour.clone());
            let subject = Subject {
                title,
                details: format!("PyTorch {torch}, CUDA {cuda}, cuDNN {m}, {f}"),
                source: None,
                retag: Some(Box::new(move |v| {
                    format!(
                        "pytorch/pytorch:<torch>-cuda{}.{}-cudnn{m}-{f}",
                        v.major(),
                        v.minor()
                    )
                })),
            };
            let target = Target {
                cuda: cuda.clone(),
                cudnn_major: Some(m),
                ships_compat: false,
            };
            (target, subject)
        }
        ImageKind::Ngc { framework, release } => {
            let row = tables.images.ngc(release).ok_or_else(|| {
                AppError::Usage(format!(
                    "cannot judge image {text:?}: NGC release {release} is not in the images table (known: {}); use hwcheck compat --cuda X instead",
                    tables.images.releases().join(", ")
                ))
            })?;
            let unconfirmed = if row.unconfirmed { ", unconfirmed" } else { "" };
            let cudnn = row
                .cudnn_major
                .map_or(String::new(), |m| format!(", cuDNN {m}"));
            let subject = Subject {
                title,
                details: format!(
                    "NGC {framework} {release}: CUDA {}{cudnn} (images table{unconfirmed})",
                    row.cuda
                ),
                source: Some(row.source.clone()),
                retag: None,
            };
            let target = Target {
                cuda: row.cuda.clone(),
                cudnn_major: row.cudnn_major,
                ships_compat: true,
            };
            (target, subject)
        }
    })
}

/// The host to judge on: this machine (quick probe or `--facts`), or a planned one.
fn host(global: &Global, args: &PlanHost, tables: &Tables) -> Result<(Facts, String), AppError> {
    let usage = |m: String| AppError::Usage(m);
    let this_host = || -> Result<Facts, AppError> {
        crate::app::gather(global, &args.machine).map(|f| host_base(&f))
    };
    let label = |planned: bool| if planned { "planned host" } else { "this host" };
    match (&args.driver, &args.gpu) {
        (Some(d), gpu) => {
            let driver = DottedVersion::parse(d).map_err(|e| usage(format!("--driver: {e}")))?;
            let base = if gpu.is_none() {
                Some(this_host()?)
            } else {
                None
            };
            let facts = planned_host(&driver, gpu.as_deref(), base.as_ref(), tables)
                .map_err(|e| usage(e.0))?;
            Ok((facts, label(true).to_string()))
        }
        (None, Some(gpu)) => {
            let base = this_host()?;
            let driver = base.driver.nvml.driver_version.clone().ok_or_else(|| {
                usage("--gpu needs a driver: this host has none, give --driver VERSION".to_string())
            })?;
            let facts =
                planned_host(&driver, Some(gpu), Some(&base), tables).map_err(|e| usage(e.0))?;
            Ok((facts, label(true).to_string()))
        }
        (None, None) => Ok((this_host()?, label(false).to_string())),
    }
}

fn judge_and_print(
    global: &Global,
    options: &Plan,
    target: &Target,
    subject: Subject,
    tables: &Tables,
) -> Result<u8, AppError> {
    let (base, host_label) = host(global, &options.host, tables)?;
    let checks = judge_target(&base, target, tables);
    let status = worst(&checks);
    let failed = status == Status::Fail;
    let suggestions = failed.then(|| suggest(&base, target, tables));
    let host_line = format!(
        "{host_label}: {}",
        hwcheck_model::summary::machine_summary(&base)
    );
    let outcome = Outcome {
        subject,
        host_line,
        status,
        checks,
        suggestions,
    };
    let out = match options.format {
        Format::Json => render_json(&outcome),
        _ => render_text(&outcome),
    };
    println!("{out}");
    Ok(if failed { EXIT_FAIL } else { EXIT_OK })
}

/// Everything one run prints: the subject, the host it was judged on, and the verdict.
struct Outcome {
    /// What was judged.
    subject: Subject,
    /// e.g. "this host: …".
    host_line: String,
    /// The worst status of `checks`.
    status: Status,
    /// Every check against the host.
    checks: Vec<Check>,
    /// What the host does run, when the subject fails.
    suggestions: Option<Suggestions>,
}

fn verdict(status: Status) -> &'static str {
    match status {
        Status::Fail => "FAIL",
        Status::Warn => "PASS with warnings",
        Status::Pass | Status::Skip => "PASS",
    }
}

fn suggestion_lines(subject: &Subject, s: &Suggestions) -> Vec<String> {
    let tag = |v: &DottedVersion| {
        subject.retag.as_ref().map_or(String::new(), |f| {
            format!(
                " — e.g. {} (same variant; check the tag is published)",
                f(v)
            )
        })
    };
    let mut lines = Vec::new();
    if let Some(v) = &s.newest_clean {
        lines.push(format!("newest CUDA fully supported here: {v}{}", tag(v)));
    }
    if let Some(v) = s
        .newest_running
        .as_ref()
        .filter(|v| Some(*v) != s.newest_clean.as_ref())
    {
        lines.push(format!(
            "newest CUDA that runs here (with warnings): {v}{}",
            tag(v)
        ));
    }
    if let Some((release, cuda)) = &s.newest_ngc {
        lines.push(format!(
            "newest NGC release that runs here: {release} (CUDA {cuda}) — e.g. nvcr.io/nvidia/pytorch:{release}-py3"
        ));
    }
    if lines.is_empty() {
        lines.push(
            "no CUDA release in hwcheck's tables runs here: fix the FAILs above first".into(),
        );
    }
    lines
}

fn render_text(outcome: &Outcome) -> String {
    let mut out = format!("{}\n  {}\n", outcome.subject.title, outcome.subject.details);
    if let Some(src) = &outcome.subject.source {
        out.push_str(&format!("  source: {src}\n"));
    }
    out.push_str(&format!(
        "{}\nverdict: {}\n\n",
        outcome.host_line,
        verdict(outcome.status)
    ));
    for c in &outcome.checks {
        out.push_str(&format!(
            "  {:4} {}: {}\n",
            c.status.label(),
            c.id,
            c.summary
        ));
        if c.status != Status::Pass {
            if let Some(fix) = &c.fix {
                out.push_str(&format!("       fix: {fix}\n"));
            }
        }
    }
    if outcome.checks.is_empty() {
        out.push_str("  (no check applies)\n");
    }
    if let Some(s) = &outcome.suggestions {
        out.push_str("\nwhat this host does run:\n");
        for line in suggestion_lines(&outcome.subject, s) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.trim_end().to_string()
}

fn render_json(outcome: &Outcome) -> String {
    let doc = json!({
        "subject": outcome.subject.title,
        "details": outcome.subject.details,
        "source": outcome.subject.source,
        "host": outcome.host_line,
        "verdict": verdict(outcome.status),
        "checks": outcome.checks,
        "suggestions": outcome.suggestions.as_ref().map(|s| json!({
            "newest_clean_cuda": s.newest_clean.as_ref().map(|v| v.to_string()),
            "newest_running_cuda": s.newest_running.as_ref().map(|v| v.to_string()),
            "newest_ngc_release": s.newest_ngc.as_ref().map(|(r, _)| r.clone()),
            "lines": suggestion_lines(&outcome.subject, s),
        })),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
