//! Per-GPU checks: compute capability against the CUDA runtimes and cuDNN found, and health.

use super::stack::{self, Runtime, NO_DRIVER};
use hwcheck_compat::arch::{CcRow, CudaSupport, DriverSupport};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::{Component, Facts, GpuFacts};
use hwcheck_model::version::DottedVersion;

const CC: CheckKind = CheckKind::GpuComputeCapability;
const HEALTH: CheckKind = CheckKind::GpuHealth;

/// Judges every GPU.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let skip_reason = if stack::driver_absent(facts) {
        Some(NO_DRIVER)
    } else if facts.gpus.is_empty() {
        Some("skipped: NVML listed no GPU (see driver.nvml)")
    } else {
        None
    };
    if let Some(reason) = skip_reason {
        return vec![Check::skip(CC, reason), Check::skip(HEALTH, reason)];
    }
    let runtimes = stack::cuda_runtimes(facts);
    facts
        .gpus
        .iter()
        .flat_map(|g| {
            let instance = g.uuid.clone().unwrap_or_else(|| format!("GPU {}", g.index));
            [
                compute_capability(g, facts, tables, &runtimes).with_instance(&instance),
                health(g).with_instance(instance),
            ]
        })
        .collect()
}

fn gpu_label(g: &GpuFacts) -> String {
    format!("GPU {} ({})", g.index, g.name)
}

/// Collects findings of one check: the worst status wins; every finding becomes evidence.
struct Findings {
    status: Status,
    problems: Vec<String>,
    fixes: Vec<String>,
}

impl Findings {
    fn new() -> Self {
        Self {
            status: Status::Pass,
            problems: Vec::new(),
            fixes: Vec::new(),
        }
    }

    fn add(&mut self, status: Status, problem: String, fix: String) {
        self.status = self.status.min(status);
        self.problems.push(problem);
        if !self.fixes.contains(&fix) {
            self.fixes.push(fix);
        }
    }

    /// The check: `ok` as summary when nothing was found, else the problems.
    fn into_check(self, id: CheckKind, label: &str, ok: String) -> Check {
        if self.problems.is_empty() {
            return Check::pass(id, ok);
        }
        Check::new(
            id,
            self.status,
            format!("{label}: {}", self.problems.join("; ")),
        )
        .with_fix(self.fixes.join(" "))
    }
}

fn compute_capability(g: &GpuFacts, facts: &Facts, tables: &Tables, runtimes: &[Runtime]) -> Check {
    let label = gpu_label(g);
    let model = tables.gpus.model(&g.name);
    let (cc, cc_evidence) = match (&g.compute_capability, model) {
        (Some(cc), _) => (cc.clone(), format!("CC {cc} reported by NVML")),
        (None, Some(row)) => (
            row.cc.clone(),
            format!("CC {} from gpus.toml ({})", row.cc, row.name),
        ),
        (None, None) => {
            return Check::warn(
                CC,
                format!("{label}: compute capability unknown (NVML did not say and gpus.toml does not list it)"),
            )
            .with_fix(
                "Read it with `nvidia-smi --query-gpu=name,compute_cap --format=csv` and add the GPU to a \
                 gpus.toml passed with --tables.",
            );
        }
    };
    let with_model = |c: Check| match model.filter(|_| g.compute_capability.is_none()) {
        Some(row) => c.with_source(&row.source),
        None => c,
    };
    let Some(row) = tables.arch.cc(&cc) else {
        return with_model(
            Check::warn(
                CC,
                format!("{label}: CC {cc} is not in arch.toml: cannot tell which CUDA supports it"),
            )
            .with_evidence(cc_evidence)
            .with_fix("Update hwcheck or pass an arch.toml with this compute capability through --tables."),
        );
    };
    let mut findings = Findings::new();
    let mut sources = vec![row.source.clone()];
    if let Some((problem, fix, source)) =
        stack::driver_version(facts).and_then(|d| driver_finding(row, &cc, d))
    {
        findings.add(Status::Fail, problem, fix);
        sources.push(source);
    }
    let primary = stack::primary_runtime(runtimes);
    let mut supported_by = Vec::new();
    for rt in runtimes {
        let is_primary = primary.is_some_and(|p| std::ptr::eq(p, rt));
        match cuda_finding(row, &cc, rt) {
            Some((problem, fix)) => {
                let status = if is_primary {
                    Status::Fail
                } else {
                    Status::Warn
                };
                findings.add(status, problem, fix);
            }
            None => supported_by.push(format!("CUDA {}", rt.version)),
        }
    }
    for (cudnn, path) in cudnn_versions(facts) {
        let cuda = primary.map(|p| &p.version);
        match cudnn_finding(tables, row, &cc, &cudnn, cuda) {
            Some((status, problem, fix, source)) => {
                findings.add(status, format!("{problem} ({path})"), fix);
                sources.push(source);
            }
            None => supported_by.push(format!("cuDNN {cudnn}")),
        }
    }
    supported_by.dedup();
    let by = if supported_by.is_empty() {
        format!("supported from CUDA {}", row.first_cuda)
    } else {
        format!("supported by {}", stack::join_list(&supported_by))
    };
    let ok = format!("{label}: CC {cc} ({}) is {by}", row.arch);
    let mut check = findings
        .into_check(CC, &label, ok)
        .with_evidence(cc_evidence)
        .with_evidence(format!(
            "arch.toml row: CC {} {}: CUDA {}-{}{}",
            row.cc,
            row.arch,
            row.first_cuda,
            row.last_cuda
                .as_ref()
                .map_or("now".to_string(), |l| l.to_string()),
            if row.unconfirmed {
                " (unconfirmed)"
            } else {
                ""
            }
        ));
    for rt in runtimes {
        check = check.with_evidence(rt.describe());
    }
    with_model(sources.into_iter().fold(check, Check::with_source))
}

/// Why driver `driver` cannot drive a GPU of this CC at all (its branch predates the
/// architecture, or no longer supports it), with the fix and source; `None` when it can.
pub fn driver_finding(
    row: &CcRow,
    cc: &DottedVersion,
    driver: &DottedVersion,
) -> Option<(String, String, String)> {
    let branch = driver.major();
    let unconfirmed = if row.driver_unconfirmed {
        " (branch unconfirmed: no NVIDIA page read states it)"
    } else {
        ""
    };
    let source = row
        .driver_source
        .clone()
        .unwrap_or_else(|| row.source.clone());
    match row.driver_support(branch) {
        DriverSupport::Supported => None,
        DriverSupport::TooOld { first } => Some((
            format!(
                "driver {driver} (R{branch}) predates {} (CC {cc}): GPUs of this architecture need the R{first} branch or newer{unconfirmed}",
                row.arch
            ),
            format!("Install an R{first} or newer driver; no CUDA version or image can work around a driver that cannot drive the GPU."),
            source,
        )),
        DriverSupport::Dropped { last } => Some((
            format!(
                "driver {driver} (R{branch}) no longer supports {} (CC {cc}): R{last} was the last branch for it",
                row.arch
            ),
            format!("Install an R{last} driver (the legacy branch for this GPU), or move the work to a newer GPU."),
            row.source.clone(),
        )),
    }
}

/// Why a CUDA runtime cannot drive this CC, with the fix; `None` when it can.
fn cuda_finding(row: &CcRow, cc: &DottedVersion, rt: &Runtime) -> Option<(String, String)> {
    match row.cuda_support(&rt.version) {
        CudaSupport::Supported => None,
        CudaSupport::TooOld { first } => Some((
            format!("CUDA {} predates CC {cc} ({}): it needs CUDA >= {first}", rt.version, row.arch),
            format!("Use a CUDA >= {first} build (runtime, libraries and image)."),
        )),
        CudaSupport::Dropped { last } => Some((
            format!(
                "CUDA {} no longer supports CC {cc} ({}): the last CUDA supporting it is {}",
                rt.version,
                row.arch,
                last_text(&last)
            ),
            format!(
                "Use a CUDA {} build (runtime, libraries and image) on this GPU, or move the work to a newer GPU.",
                last_text(&last)
            ),
        )),
    }
}

/// "12.x" for a bare major, else the version.
fn last_text(last: &DottedVersion) -> String {
    if last.parts().len() == 1 {
        format!("{last}.x")
    } else {
        last.to_string()
    }
}

/// Each distinct cuDNN version found (front library), with one path.
fn cudnn_versions(facts: &Facts) -> Vec<(DottedVersion, String)> {
    let mut out: Vec<(DottedVersion, String)> = Vec::new();
    for lib in stack::libs(facts, Component::Cudnn) {
        if let Some(v) = &lib.version {
            if !out.iter().any(|(o, _)| o == v) {
                out.push((v.clone(), stack::dir_name(&lib.path).to_string()));
            }
        }
    }
    out
}

/// Whether cuDNN `cudnn` runs on CC `cc`: (status, problem, fix, source) when it does not.
fn cudnn_finding(
    tables: &Tables,
    row: &CcRow,
    cc: &DottedVersion,
    cudnn: &DottedVersion,
    cuda: Option<&DottedVersion>,
) -> Option<(Status, String, String, String)> {
    let rows = match cuda.and_then(|c| tables.cudnn.support_row(cudnn, c)) {
        Some(r) => vec![r],
        None => tables.cudnn.rows_for(cudnn),
    };
    let lowest = rows.iter().min_by(|a, b| a.cc_min.cmp(&b.cc_min))?;
    if cc < &lowest.cc_min {
        let last = row.last_cudnn.as_ref().map_or(String::new(), |l| {
            format!("; the last cuDNN supporting it is {}", last_text(l))
        });
        return Some((
            Status::Fail,
            format!(
                "cuDNN {cudnn} needs CC >= {} (this GPU: {cc}, {}){last}",
                lowest.cc_min, row.arch
            ),
            format!(
                "Use a cuDNN that supports CC {cc}{}, or a newer GPU.",
                row.last_cudnn
                    .as_ref()
                    .map_or(String::new(), |l| format!(" (<= {})", last_text(l)))
            ),
            lowest.source.clone(),
        ));
    }
    let highest = rows.iter().filter_map(|r| r.cc_max.as_ref()).max();
    match highest {
        Some(max) if rows.iter().all(|r| r.cc_max.is_some()) && cc > max => Some((
            Status::Warn,
            format!("CC {cc} is newer than cuDNN {cudnn}'s support matrix (up to CC {max})"),
            format!("Use a cuDNN release whose support matrix lists CC {cc}."),
            rows[0].source.clone(),
        )),
        _ => None,
    }
}

/// Names of throttle reasons that mean trouble (not idle, not the application's own cap).
fn bad_throttle(reason: &str) -> bool {
    let r: String = reason
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    r.contains("thermal") || r.contains("hwslowdown") || r.contains("powerbrake")
}

fn health(g: &GpuFacts) -> Check {
    let label = gpu_label(g);
    let known = g.ecc_uncorrected_volatile.is_some()
        || g.retired_pages_pending.is_some()
        || g.remapped_rows_pending.is_some()
        || g.remapped_rows_failure.is_some()
        || !g.throttle_reasons.is_empty()
        || g.temperature_c.is_some();
    if !known {
        return Check::skip(HEALTH, format!("{label}: NVML gave no health counters"));
    }
    let mut f = Findings::new();
    if g.remapped_rows_failure == Some(true) {
        f.add(
            Status::Fail,
            "a memory row remapping failed".to_string(),
            "The GPU needs service: drain it and have it replaced (RMA).".to_string(),
        );
    }
    if let Some(n) = g.ecc_uncorrected_volatile.filter(|n| *n > 0) {
        f.add(
            Status::Warn,
            format!("{n} uncorrected ECC error(s) since the driver loaded"),
            format!(
                "Reset the GPU (`nvidia-smi -r -i {}`) or reboot so the bad memory is remapped or retired; if errors come back, have the GPU replaced (RMA).",
                g.index
            ),
        );
    }
    if g.remapped_rows_pending == Some(true) {
        f.add(
            Status::Warn,
            "memory row remapping pending".to_string(),
            format!(
                "Reset the GPU (`nvidia-smi -r -i {}`) or reboot to apply the remapping.",
                g.index
            ),
        );
    }
    if g.retired_pages_pending == Some(true) {
        f.add(
            Status::Warn,
            "retired memory pages pending".to_string(),
            "Reboot to retire the pages.".to_string(),
        );
    }
    let throttled: Vec<String> = g
        .throttle_reasons
        .iter()
        .filter(|r| bad_throttle(r))
        .cloned()
        .collect();
    if !throttled.is_empty() {
        f.add(
            Status::Warn,
            format!("clocks throttled ({})", throttled.join(", ")),
            "Check cooling (fans, airflow, inlet temperature) and power delivery; see `nvidia-smi -q -d PERFORMANCE`."
                .to_string(),
        );
    }
    let ok =
        format!("{label}: no uncorrected ECC errors, no pending memory repairs, not throttled");
    let mut check = f.into_check(HEALTH, &label, ok);
    if let Some(t) = g.temperature_c {
        check = check.with_evidence(format!("temperature {t} °C"));
    }
    if let (Some(p), Some(l)) = (g.power_draw_w, g.power_limit_w) {
        check = check.with_evidence(format!("power {p:.0} W of {l:.0} W"));
    }
    if !g.throttle_reasons.is_empty() {
        check = check.with_evidence(format!(
            "throttle reasons: {}",
            g.throttle_reasons.join(", ")
        ));
    }
    g.query_errors
        .iter()
        .fold(check, |c, e| c.with_evidence(format!("query failed: {e}")))
}

#[cfg(test)]
mod tests;
