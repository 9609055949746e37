//! The `hwcheck image` and `hwcheck compat` commands: describe the image, build the host,
//! plan, print.

use crate::common::{AppError, EXIT_FAIL, EXIT_OK};
use crate::options::{Global, Plan, PlanHost, PlanSubject};
use hwcheck_compat::image_ref::{classify, parse_ref};
use hwcheck_compat::Tables;
use hwcheck_judge::plan::{observed_host, plan, planned_host, HostSpec, Plan as Planned};
use hwcheck_judge::plan_image::{image_spec, runtime_spec, ImageSpec};
use hwcheck_judge::plan_types::Outcome;
use hwcheck_model::check::{Check, Status};
use hwcheck_model::version::DottedVersion;
use hwcheck_render::Format;
use serde_json::{json, Value};

/// Runs `hwcheck image <ref>` or `hwcheck compat --cuda X`: exit 0 when it runs (PASS or
/// PASS with warnings), 1 on FAIL, 2 for a reference, version or GPU hwcheck cannot read.
pub fn run(global: &Global, options: &Plan) -> Result<u8, AppError> {
    let tables = Tables::load(global.tables.as_deref())?;
    let usage = |m: String| AppError::Usage(m);
    let (spec, disable_require) = match &options.subject {
        PlanSubject::Image {
            reference,
            disable_require,
        } => {
            let image = parse_ref(reference).map_err(|e| usage(e.to_string()))?;
            let kind = classify(&image).map_err(|e| usage(e.to_string()))?;
            let spec = image_spec(&image, &kind, &tables).map_err(|e| usage(e.0))?;
            (spec, disable_require.as_deref())
        }
        PlanSubject::Cuda { cuda, cudnn } => {
            let cuda = DottedVersion::parse(cuda).map_err(|e| usage(format!("--cuda: {e}")))?;
            (runtime_spec(&cuda, *cudnn), None)
        }
    };
    let (host, host_line) = host(global, &options.host, &tables)?;
    let planned = plan(&spec, &host, disable_require, &tables);
    let out = match options.format {
        Format::Json => render_json(&spec, &host_line, &planned),
        _ => hwcheck_render::wrap::block(&render_text(&spec, &host_line, &planned), global.width),
    };
    println!("{out}");
    Ok(if planned.status == Status::Fail {
        EXIT_FAIL
    } else {
        EXIT_OK
    })
}

/// The host to plan on: this machine (quick probe or `--facts`), or a planned one; with the
/// line that says which.
fn host(global: &Global, args: &PlanHost, tables: &Tables) -> Result<(HostSpec, String), AppError> {
    let usage = |m: String| AppError::Usage(m);
    let this_host = || crate::common::gather(global, &args.machine);
    let planned_line = |h: &HostSpec| {
        let gpus: Vec<&str> = h.gpus.iter().map(|g| g.label.as_str()).collect();
        let gpus = if h.gpus_assumed {
            "no GPU named".to_string()
        } else {
            gpus.join(", ")
        };
        format!(
            "planned host (assumed, nothing observed): driver {}, {gpus}",
            h.host.driver
        )
    };
    match (&args.driver, &args.gpu) {
        (Some(d), gpu) => {
            let driver = DottedVersion::parse(d).map_err(|e| usage(format!("--driver: {e}")))?;
            let base = match gpu {
                None => Some(this_host()?),
                Some(_) => None,
            };
            let h = planned_host(&driver, gpu.as_deref(), base.as_ref(), tables)
                .map_err(|e| usage(e.0))?;
            let line = planned_line(&h);
            Ok((h, line))
        }
        (None, Some(gpu)) => {
            let base = this_host()?;
            let driver = hwcheck_judge::stack::driver_version(&base)
                .cloned()
                .ok_or_else(|| {
                    usage(
                        "--gpu needs a driver: this host has none, give --driver VERSION"
                            .to_string(),
                    )
                })?;
            let h = planned_host(&driver, Some(gpu), None, tables).map_err(|e| usage(e.0))?;
            let line = planned_line(&h);
            Ok((h, line))
        }
        (None, None) => {
            let facts = this_host()?;
            let h = observed_host(&facts, tables).map_err(|e| usage(e.0))?;
            let line = format!(
                "this host: {}",
                hwcheck_model::summary::machine_summary(&facts)
            );
            Ok((h, line))
        }
    }
}

fn verdict(status: Status) -> &'static str {
    match status {
        Status::Fail => "FAIL",
        Status::Warn => "PASS with warnings",
        Status::Pass | Status::Skip => "PASS",
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

/// "verdict: FAIL (worst case: the outcome depends on the GPU)".
fn verdict_line(planned: &Planned) -> String {
    let mut line = format!("verdict: {}", verdict(planned.status));
    if planned.outcomes.len() > 1 {
        line.push_str(if planned.agree {
            " (the same for every case below)"
        } else {
            " (worst case: the outcome depends on the GPU, see each case)"
        });
    }
    line
}

fn outcome_line(o: &Outcome) -> String {
    format!(
        "on {}: starts: {}, CUDA works: {} ({}) — {}",
        o.gpu.label,
        yes_no(o.starts),
        yes_no(o.cuda_works),
        o.how.name(),
        verdict(o.status())
    )
}

fn check_lines(out: &mut String, checks: &[Check]) {
    for c in checks {
        out.push_str(&format!(
            "    {:4} {}: {}\n",
            c.status.label(),
            c.id,
            c.summary
        ));
        if matches!(c.status, Status::Fail | Status::Warn) {
            if let Some(fix) = &c.fix {
                out.push_str(&format!("         fix: {fix}\n"));
            }
        }
    }
}

fn suggestion_lines(planned: &Planned) -> Vec<String> {
    let Some(s) = &planned.suggestions else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(t) = &s.newest_clean {
        lines.push(format!("newest that runs natively here: {t}"));
    }
    if let Some(t) = s
        .newest_running
        .as_ref()
        .filter(|t| Some(*t) != s.newest_clean.as_ref())
    {
        lines.push(format!("newest that runs here through compatibility: {t}"));
    }
    if lines.is_empty() {
        lines.push(
            "nothing of this kind in hwcheck's tables runs here: fix the FAILs above first".into(),
        );
    } else {
        lines.push("(same variant; check that the tag is published)".into());
    }
    lines
}

fn render_text(spec: &ImageSpec, host_line: &str, planned: &Planned) -> String {
    let mut out = format!("{}\n  {}\n", spec.title, spec.details);
    for src in &spec.sources {
        out.push_str(&format!("  source: {src}\n"));
    }
    out.push_str(&format!("{host_line}\n{}\n", verdict_line(planned)));
    if let Some(a) = &planned.assumed {
        out.push_str(&format!(
            "  {:4} {}: {}\n",
            a.status.label(),
            a.id,
            a.summary
        ));
    }
    for o in &planned.outcomes {
        out.push_str(&format!("\n  {}\n", outcome_line(o)));
        check_lines(&mut out, &o.checks);
    }
    let lines = suggestion_lines(planned);
    if !lines.is_empty() {
        out.push_str("\nwhat this host does run:\n");
        for line in lines {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.trim_end().to_string()
}

/// A field of every outcome when they all agree, else null.
fn agreed<T: PartialEq + Clone + Into<Value>>(
    planned: &Planned,
    f: impl Fn(&Outcome) -> T,
) -> Value {
    let mut values = planned.outcomes.iter().map(&f);
    match values.next() {
        Some(first) if planned.outcomes.iter().map(&f).all(|v| v == first) => first.into(),
        _ => Value::Null,
    }
}

fn render_json(spec: &ImageSpec, host_line: &str, planned: &Planned) -> String {
    let outcomes: Vec<Value> = planned
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "gpu": o.gpu.label,
                "class": o.gpu.class.label(),
                "starts": o.starts,
                "cuda_works": o.cuda_works,
                "how": o.how.name(),
                "verdict": verdict(o.status()),
                "checks": o.checks,
            })
        })
        .collect();
    let doc = json!({
        "subject": spec.title,
        "details": spec.details,
        "sources": spec.sources,
        "host": host_line,
        "verdict": verdict(planned.status),
        "cases_agree": planned.agree,
        "starts": agreed(planned, |o| o.starts),
        "cuda_works": agreed(planned, |o| o.cuda_works),
        "how": agreed(planned, |o| o.how.name()),
        "assumed": planned.assumed,
        "outcomes": outcomes,
        "suggestions": planned.suggestions.as_ref().map(|s| json!({
            "newest_clean": s.newest_clean,
            "newest_running": s.newest_running,
            "lines": suggestion_lines(planned),
        })),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
