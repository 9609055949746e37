//! Environment checks: the image's NVIDIA_REQUIRE_CUDA, GPUs passed into a container, and
//! CUDA_VISIBLE_DEVICES.

use super::stack::{self, CONTAINER_GPU_FIX, NO_DRIVER};
use hwcheck_compat::gpus::GpuClass;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::env_vars::{
    CUDA_VISIBLE_DEVICES, NVIDIA_DISABLE_REQUIRE, NVIDIA_DRIVER_CAPABILITIES,
    NVIDIA_VISIBLE_DEVICES,
};
use hwcheck_model::facts::Facts;
use hwcheck_model::version::DottedVersion;

const REQUIRE: CheckKind = CheckKind::EnvironmentRequireCuda;
const CONTAINER: CheckKind = CheckKind::EnvironmentContainerGpus;
const VISIBLE: CheckKind = CheckKind::EnvironmentCudaVisibleDevices;

/// Judges the environment.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    vec![
        require_cuda(facts, tables),
        container_gpus(facts),
        cuda_visible_devices(facts),
    ]
}

/// The newest CUDA the driver supports: NVML, else the table.
fn driver_cuda(facts: &Facts, tables: &Tables) -> Option<DottedVersion> {
    facts.driver.nvml.cuda_driver_version.clone().or_else(|| {
        let driver = stack::driver_version(facts)?;
        let row = tables
            .cuda_driver
            .newest_supported(driver, stack::platform(facts))?;
        Some(row.cuda.clone())
    })
}

fn require_cuda(facts: &Facts, tables: &Tables) -> Check {
    let Some(req) = facts.environment.require_cuda.as_ref() else {
        return Check::skip(REQUIRE, "NVIDIA_REQUIRE_CUDA is not set");
    };
    let raw = format!("NVIDIA_REQUIRE_CUDA={:?}", req.raw);
    if let Some(e) = &req.parse_error {
        return Check::warn(
            REQUIRE,
            format!("NVIDIA_REQUIRE_CUDA cannot be parsed: {e}"),
        )
        .with_evidence(raw)
        .with_fix("Check the image's NVIDIA_REQUIRE_CUDA (space-separated alternatives of comma-separated constraints).");
    }
    let Some(min) = req.cuda_min.as_ref() else {
        return Check::skip(REQUIRE, "NVIDIA_REQUIRE_CUDA has no cuda>= constraint")
            .with_evidence(raw);
    };
    if stack::driver_absent(facts) {
        return Check::skip(REQUIRE, NO_DRIVER).with_evidence(raw);
    }
    let (Some(cuda), Some(driver)) = (driver_cuda(facts, tables), stack::driver_version(facts))
    else {
        return Check::skip(
            REQUIRE,
            "skipped: the driver's CUDA version is unknown (see driver.nvml)",
        )
        .with_evidence(raw);
    };
    let check = if &cuda >= min {
        Check::pass(
            REQUIRE,
            format!("the image needs CUDA >= {min}; driver {driver} supports CUDA {cuda}"),
        )
    } else if let Some(alt) = req
        .alternatives
        .iter()
        .find(|a| alternative_met(a, facts, tables, driver))
    {
        Check::pass(
            REQUIRE,
            format!(
                "the image needs CUDA >= {min} or `{alt}`: driver {driver} meets the alternative"
            ),
        )
    } else {
        unmet(facts, tables, min, &cuda, driver)
    };
    let check = check.with_evidence(raw);
    match stack::var(facts, NVIDIA_DISABLE_REQUIRE) {
        Some(v) => check.with_evidence(format!(
            "NVIDIA_DISABLE_REQUIRE={v:?}: the container toolkit does not enforce the requirement"
        )),
        None => check,
    }
}

fn unmet(
    facts: &Facts,
    tables: &Tables,
    min: &DottedVersion,
    cuda: &DottedVersion,
    driver: &DottedVersion,
) -> Check {
    let platform = stack::platform(facts);
    let release = tables.cuda_driver.release(min);
    let full = release.and_then(|r| r.driver(platform));
    let major = tables.cuda_driver.major(min.major());
    let mvc = major.and_then(|m| m.mvc(platform));
    let target = match (full, mvc) {
        (Some(f), Some(m)) => {
            format!(">= {f} (>= {m} runs it through minor-version compatibility)")
        }
        (Some(f), None) => format!(">= {f}"),
        (None, Some(m)) => format!(">= {m}"),
        (None, None) => format!("one that supports CUDA {min}"),
    };
    let summary = format!("the image needs CUDA >= {min} (NVIDIA_REQUIRE_CUDA) but driver {driver} supports CUDA {cuda}");
    let fix =
        format!("Upgrade the host driver to {target}, or use an image built for CUDA <= {cuda}.");
    let check = if mvc.is_some_and(|m| driver >= m) {
        Check::warn(
            REQUIRE,
            format!("{summary}: it runs only through minor-version compatibility, and the container toolkit refuses to start it unless NVIDIA_DISABLE_REQUIRE is set"),
        )
    } else {
        Check::fail(REQUIRE, summary)
    };
    let check = check.with_fix(fix);
    let check = match release {
        Some(r) => check.with_source(&r.source),
        None => check,
    };
    match major {
        Some(m) => check.with_source(&m.source),
        None => check,
    }
}

/// Whether one "brand=tesla,driver>=470,driver<471" alternative holds for this driver and GPUs.
fn alternative_met(alt: &str, facts: &Facts, tables: &Tables, driver: &DottedVersion) -> bool {
    alt.split(',').all(|term| {
        let term = term.trim();
        if let Some(brand) = term.strip_prefix("brand=") {
            facts
                .gpus
                .iter()
                .any(|g| brand_matches(brand, tables.gpus.class(&g.name).map(|c| c.0)))
        } else if let Some(v) = term.strip_prefix("driver>=") {
            DottedVersion::parse(v).is_ok_and(|v| driver >= &v)
        } else if let Some(v) = term.strip_prefix("driver<") {
            DottedVersion::parse(v).is_ok_and(|v| driver < &v)
        } else {
            false
        }
    })
}

/// Container-toolkit brand names against the GPU class.
fn brand_matches(brand: &str, class: Option<GpuClass>) -> bool {
    let brand = brand.to_ascii_lowercase();
    match class {
        Some(GpuClass::DataCenter) => brand == "tesla",
        Some(GpuClass::Geforce) => brand.starts_with("geforce") || brand == "titan",
        Some(GpuClass::Workstation) => {
            ["quadro", "quadrortx", "nvidiartx", "nvidia"].contains(&brand.as_str())
        }
        Some(GpuClass::Jetson) | None => false,
    }
}

/// Whether a /dev node names a GPU (nvidia0, nvidia1, …), not a control node.
fn is_gpu_node(node: &str) -> bool {
    stack::file_name(node)
        .strip_prefix("nvidia")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

fn container_gpus(facts: &Facts) -> Check {
    let Some(kind) = facts.environment.container.as_deref() else {
        return Check::skip(CONTAINER, "not in a container");
    };
    let visible = stack::var(facts, NVIDIA_VISIBLE_DEVICES);
    let nodes = &facts.environment.dev_nodes;
    let meant_for_gpus = visible.is_some() || facts.driver.kernel_module.is_some();
    if stack::driver_absent(facts) && !meant_for_gpus {
        return Check::skip(
            CONTAINER,
            "skipped: no NVIDIA driver and no sign this container was meant to have GPUs (see driver.nvml)",
        );
    }
    let check = if !nodes.iter().any(|n| is_gpu_node(n)) {
        let why = match visible.map(str::trim) {
            Some(v @ ("void" | "none" | "")) => {
                format!(" (NVIDIA_VISIBLE_DEVICES={v:?} asks for none)")
            }
            Some(_) => String::new(),
            None => " (NVIDIA_VISIBLE_DEVICES is unset)".to_string(),
        };
        let fix = match visible.map(str::trim) {
            Some(v @ ("void" | "none" | "")) => format!(
                "NVIDIA_VISIBLE_DEVICES={v:?} asks for no GPU: set it to `all` (or GPU indices/UUIDs). {CONTAINER_GPU_FIX}"
            ),
            _ => CONTAINER_GPU_FIX.to_string(),
        };
        Check::fail(
            CONTAINER,
            format!("this {kind} container has no /dev/nvidia<N> GPU device: it was started without GPUs{why}"),
        )
        .with_fix(fix)
    } else {
        match stack::var(facts, NVIDIA_DRIVER_CAPABILITIES) {
            Some(caps) if !caps.split(',').any(|c| matches!(c.trim(), "compute" | "all")) => Check::warn(
                CONTAINER,
                format!("NVIDIA_DRIVER_CAPABILITIES={caps:?} lacks `compute`: the toolkit does not mount libcuda"),
            )
            .with_fix("Set NVIDIA_DRIVER_CAPABILITIES=compute,utility (or all) when starting the container."),
            _ => Check::pass(
                CONTAINER,
                format!("this {kind} container sees {}", nodes.join(", ")),
            ),
        }
    };
    let check = match &facts.environment.container_evidence {
        Some(e) => check.with_evidence(format!("container: {e}")),
        None => check,
    };
    match visible {
        Some(v) => check.with_evidence(format!("NVIDIA_VISIBLE_DEVICES={v:?}")),
        None => check,
    }
}

fn cuda_visible_devices(facts: &Facts) -> Check {
    if stack::driver_absent(facts) {
        return Check::skip(VISIBLE, NO_DRIVER);
    }
    let Some(value) = stack::var(facts, CUDA_VISIBLE_DEVICES) else {
        return Check::pass(
            VISIBLE,
            "CUDA_VISIBLE_DEVICES is not set: CUDA sees every GPU",
        );
    };
    let count = gpu_count(facts);
    let shown = format!("CUDA_VISIBLE_DEVICES={value:?}");
    let fix = "Unset CUDA_VISIBLE_DEVICES, or set it to valid GPU indices (e.g. 0) or UUIDs from `nvidia-smi -L`.";
    let (visible, stop) = parse_visible(value, count, facts);
    let total = count.map_or(String::new(), |c| format!(" of {c}"));
    let check = match (visible, stop) {
        (0, reason) => Check::fail(
            VISIBLE,
            format!(
                "{shown} hides every GPU from CUDA ({})",
                reason.unwrap_or_else(|| "empty".to_string())
            ),
        )
        .with_fix(fix),
        (n, Some(reason)) => Check::warn(
            VISIBLE,
            format!("{shown}: CUDA sees {n}{total} GPU(s) and ignores the rest ({reason})"),
        )
        .with_fix(fix),
        (n, None) => Check::pass(VISIBLE, format!("{shown}: CUDA sees {n}{total} GPU(s)")),
    };
    match facts.cuda_driver_api.as_ref().and_then(|a| a.device_count) {
        Some(n) => check.with_evidence(format!("cuDeviceGetCount: {n}")),
        None => check,
    }
}

/// How many GPUs NVML reported (else how many GPU facts there are).
fn gpu_count(facts: &Facts) -> Option<u32> {
    facts
        .driver
        .nvml
        .device_count
        .or((!facts.gpus.is_empty()).then_some(facts.gpus.len() as u32))
}

/// Counts the entries CUDA honours: it reads the list up to the first invalid entry.
/// Returns (visible, why reading stopped).
fn parse_visible(value: &str, count: Option<u32>, facts: &Facts) -> (usize, Option<String>) {
    if value.trim().is_empty() {
        return (0, Some("empty".to_string()));
    }
    let mut visible = 0;
    for entry in value.split(',').map(str::trim) {
        match entry_problem(entry, count, facts) {
            Some(p) => return (visible, Some(p)),
            None => visible += 1,
        }
    }
    (visible, None)
}

/// The entries of a CUDA_VISIBLE_DEVICES value that name a GPU, in order (what a corrected
/// value keeps).
pub(crate) fn valid_visible_entries(value: &str, facts: &Facts) -> Vec<String> {
    let count = gpu_count(facts);
    value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && entry_problem(e, count, facts).is_none())
        .map(str::to_string)
        .collect()
}

/// Why CUDA would stop reading the list at `entry`, if it would.
fn entry_problem(entry: &str, count: Option<u32>, facts: &Facts) -> Option<String> {
    if let Ok(i) = entry.parse::<i64>() {
        if i < 0 {
            Some(format!("{entry} is negative"))
        } else {
            count
                .filter(|c| i >= i64::from(*c))
                .map(|c| format!("index {i} is beyond the {c} GPU(s)"))
        }
    } else if entry.starts_with("GPU-") {
        let known = facts
            .gpus
            .iter()
            .any(|g| g.uuid.as_deref().is_some_and(|u| u.starts_with(entry)));
        (!known).then(|| format!("{entry} matches no GPU's UUID"))
    } else if entry.starts_with("MIG-") {
        None
    } else {
        Some(format!("{entry:?} is neither an index nor a UUID"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, status, tables, FactsBuilder};
    use hwcheck_model::check::Status;

    fn run(b: FactsBuilder) -> Vec<Check> {
        judge(&b.build(), &tables())
    }

    const REQ: &str =
        "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=535,driver<536";

    #[test]
    fn require_cuda_met_and_unmet() {
        let b = FactsBuilder::h100().require_cuda("cuda>=13.0", "13.0", &[]);
        assert_eq!(status(&run(b), REQUIRE), Status::Pass);
        let b = FactsBuilder::h100()
            .driver("470.82.01", "11.4")
            .require_cuda(REQ, "12.4", &[])
            .edit_gpu(0, |g| g.name = "NVIDIA GeForce RTX 3090".to_string());
        let c = only(&run(b), REQUIRE).clone();
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("needs CUDA >= 12.4") && c.summary.contains("CUDA 11.4"),
            "{}",
            c.summary
        );
        assert!(c.fix.unwrap().contains(">= 550.54.14"));
        assert!(!c.sources.is_empty());
    }

    #[test]
    fn require_cuda_alternative_for_tesla_passes() {
        let b = FactsBuilder::h100()
            .driver("470.82.01", "11.4")
            .require_cuda(
                REQ,
                "12.4",
                &[
                    "brand=tesla,driver>=470,driver<471",
                    "brand=tesla,driver>=535,driver<536",
                ],
            );
        assert_eq!(status(&run(b), REQUIRE), Status::Pass);
    }

    #[test]
    fn require_cuda_through_mvc_warns() {
        let b = FactsBuilder::h100()
            .driver("535.104.05", "12.2")
            .require_cuda("cuda>=12.4", "12.4", &[]);
        assert_eq!(status(&run(b), REQUIRE), Status::Warn);
    }

    #[test]
    fn require_cuda_unset_skips() {
        assert_eq!(status(&run(FactsBuilder::h100()), REQUIRE), Status::Skip);
    }

    #[test]
    fn container_without_gpu_nodes_fails() {
        let b = FactsBuilder::cpu_only()
            .container("docker")
            .env("NVIDIA_VISIBLE_DEVICES", "void");
        let c = only(&run(b), CONTAINER).clone();
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("started without GPUs") && c.summary.contains("void"));
        assert!(c.fix.unwrap().contains("--gpus all"));
        let b = FactsBuilder::h100().dev_nodes(&["nvidiactl"]);
        assert_eq!(status(&run(b), CONTAINER), Status::Fail);
    }

    #[test]
    fn container_with_gpus_passes_and_missing_compute_warns() {
        assert_eq!(status(&run(FactsBuilder::h100()), CONTAINER), Status::Pass);
        let b = FactsBuilder::h100().env("NVIDIA_DRIVER_CAPABILITIES", "utility");
        assert_eq!(status(&run(b), CONTAINER), Status::Warn);
        assert_eq!(
            status(&run(FactsBuilder::cpu_only()), CONTAINER),
            Status::Skip
        );
    }

    #[test]
    fn cuda_visible_devices_cases() {
        let st = |value: &str| {
            status(
                &run(FactsBuilder::h100().env("CUDA_VISIBLE_DEVICES", value)),
                VISIBLE,
            )
        };
        assert_eq!(st(""), Status::Fail);
        assert_eq!(st("-1"), Status::Fail);
        assert_eq!(st("1"), Status::Fail);
        assert_eq!(st("GPU-ffff"), Status::Fail);
        assert_eq!(st("0"), Status::Pass);
        assert_eq!(st("GPU-0a2b"), Status::Pass);
        assert_eq!(st("0,3"), Status::Warn);
        assert_eq!(status(&run(FactsBuilder::h100()), VISIBLE), Status::Pass);
        assert_eq!(
            status(&run(FactsBuilder::cpu_only()), VISIBLE),
            Status::Skip
        );
    }
}
