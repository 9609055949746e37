//! Driver checks: NVML, kernel module vs user-space libraries, `cuInit`.

use super::cuinit;
use super::stack::{self, CONTAINER_GPU_FIX, NO_DRIVER, RELOAD_FIX};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::{Component, Facts, ProbeError};
use hwcheck_model::version::DottedVersion;

const NVML: CheckKind = CheckKind::DriverNvml;
const KERNEL: CheckKind = CheckKind::DriverKernelModuleMatches;

/// Judges the driver.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    vec![
        nvml(facts, tables),
        kernel_module_matches(facts),
        cuinit::cuda_init(facts),
    ]
}

fn nvml(facts: &Facts, tables: &Tables) -> Check {
    let n = &facts.driver.nvml;
    if stack::is_jetson(facts) && n.driver_version.is_none() {
        return jetson_nvml(facts);
    }
    match (&n.error, &n.driver_version) {
        (None, Some(version)) => nvml_answered(facts, tables, version),
        (Some(error), _) => nvml_failed(facts, error),
        (None, None) if stack::driver_absent(facts) => no_driver(facts, None),
        (None, None) => Check::skip(NVML, "NVML was not queried"),
    }
}

fn nvml_answered(facts: &Facts, tables: &Tables, version: &DottedVersion) -> Check {
    let n = &facts.driver.nvml;
    let cuda = n.cuda_driver_version.clone().or_else(|| {
        let row = tables
            .cuda_driver
            .newest_supported(version, stack::platform(facts));
        row.map(|r| r.cuda.clone())
    });
    let supports = cuda.map_or(String::new(), |c| format!(" supports CUDA <= {c}"));
    let mut check = if n.device_count == Some(0) {
        Check::fail(
            NVML,
            format!("driver {version} is loaded but NVML sees no GPU"),
        )
        .with_fix(
            "Check that the GPU is on the bus (`lspci | grep -i nvidia`) and look in `dmesg` for NVIDIA Xid \
             errors; in a container, check NVIDIA_VISIBLE_DEVICES and start it with --gpus.",
        )
    } else {
        Check::pass(NVML, format!("driver {version}{supports}"))
    };
    if let Some(path) = &n.library_path {
        check = check.with_evidence(format!("libnvidia-ml: {path}"));
    }
    if let Some(nv) = &n.nvml_version {
        check = check.with_evidence(format!("NVML version {nv}"));
    }
    if let Some(count) = n.device_count {
        check = check.with_evidence(format!("{count} GPU(s)"));
    }
    match tables.forward_compat.branch(version) {
        Some(b) => check
            .with_evidence(format!("forward_compat.toml branch {}", b.describe()))
            .with_source(&b.source),
        None => check,
    }
}

/// NVML on a Jetson: absent on Xavier/JetPack 5, limited on Orin; never "no driver".
fn jetson_nvml(facts: &Facts) -> Check {
    let check = Check::skip(
        NVML,
        "NVML is not part of L4T on this Jetson (absent on JetPack 5 and Xavier, limited on Orin): \
         the driver is L4T's, judged through libcuda (driver.cuda_init, platform.jetson)",
    );
    match &facts.driver.nvml.error {
        Some(e) => check.with_evidence(format!("NVML error {}: {}", e.code, e.message)),
        None => check,
    }
}

fn nvml_failed(facts: &Facts, error: &ProbeError) -> Check {
    let seen = format!("NVML error {}: {}", error.code, error.message);
    let container = stack::in_container(facts);
    let kernel = facts.driver.kernel_module.as_ref();
    let kernel_text = kernel
        .and_then(|k| k.version.as_ref())
        .map_or("?".to_string(), DottedVersion::to_string);
    let check = match error.code.normalized().as_str() {
        _ if stack::driver_absent(facts) => return no_driver(facts, Some(error)),
        _ if stack::is_wsl(facts) => Check::fail(
            NVML,
            format!("the Windows driver's libnvidia-ml.so.1 cannot be used in WSL: {}", error.code),
        )
        .with_fix(format!(
            "See platform.wsl: a Linux NVIDIA driver inside WSL, or {} missing from the loader's \
             path, are the usual causes. {}",
            stack::WSL_LIB_DIR,
            stack::WSL_DRIVER_FIX
        ))
        .with_source(stack::WSL_GUIDE),
        "libloadingerror" | "librarynotfound" | "notfound" => Check::fail(
            NVML,
            format!("NVIDIA kernel module {kernel_text} is loaded but libnvidia-ml.so.1 cannot be loaded"),
        )
        .with_fix(if container {
            "The NVIDIA Container Toolkit did not mount the driver libraries: set \
             NVIDIA_DRIVER_CAPABILITIES=compute,utility (or all) and start the container with --gpus all."
        } else {
            "Install the driver's user-space libraries of the same version as the kernel module \
             (e.g. the libnvidia-compute/nvidia-utils packages of that branch), or reinstall the driver."
        }),
        "drivernotloaded" => Check::fail(
            NVML,
            "NVIDIA driver libraries are installed but the kernel driver is not loaded",
        )
        .with_fix(if container {
            CONTAINER_GPU_FIX
        } else {
            "Load it with `sudo modprobe nvidia` and read `dmesg` if that fails: with Secure Boot the \
             module must be signed, and after a kernel update it must be rebuilt (DKMS) or the driver \
             reinstalled; then reboot."
        }),
        "librmversionmismatch" => Check::fail(
            NVML,
            format!(
                "Driver/library version mismatch: kernel module {kernel_text}, user-space libraries {}: \
                 reboot or reload the nvidia modules",
                pick_version(facts, Component::Nvml)
            ),
        )
        .with_fix(RELOAD_FIX),
        "gpulost" => Check::fail(NVML, "a GPU has fallen off the bus (NVML: GPU is lost)")
            .with_fix(
                "Look in `dmesg` for Xid 79; reset the GPU (`nvidia-smi -r -i <index>`) or reboot. If it \
                 happens again, check power and PCIe seating, then have the GPU replaced (RMA).",
            ),
        "nopermission" => Check::fail(NVML, "no permission to use the NVIDIA devices")
            .with_fix(
                "Give the user access to /dev/nvidia* (device permissions, the `video` group, udev \
                 rules); in a container pass the GPUs with --gpus so the device cgroup allows them.",
            ),
        "timedout" => Check::fail(NVML, "NVML did not answer in time: the driver may be hung")
            .with_fix("Look in `dmesg` for NVIDIA Xid errors and reboot; a longer --timeout shows whether it is only slow."),
        _ => Check::fail(NVML, format!("NVML failed: {}", error.code)).with_fix(
            "Run `nvidia-smi` to see the same failure and look in `dmesg` for NVIDIA errors; reinstalling \
             the driver and rebooting clears most of them.",
        ),
    };
    check.with_evidence(seen)
}

/// "580.95.05 (/lib/…)" of the loader's pick of a component, or "unknown".
fn pick_version(facts: &Facts, component: Component) -> String {
    stack::loader_pick(facts, component, false)
        .and_then(|l| l.version.as_ref().map(|v| format!("{v} ({})", l.path)))
        .unwrap_or_else(|| "of another version".to_string())
}

/// The one clear failure of a machine (or container) that no NVIDIA driver reaches.
fn no_driver(facts: &Facts, error: Option<&ProbeError>) -> Check {
    let lib = match error.map(|e| e.code.normalized()).as_deref() {
        Some("drivernotloaded") => "the user-space libraries are there but no kernel driver",
        _ => "libnvidia-ml.so.1 cannot be loaded",
    };
    let host_module = facts
        .driver
        .kernel_module
        .as_ref()
        .and_then(|k| k.version.as_ref());
    let check = if stack::is_wsl(facts) {
        Check::fail(
            NVML,
            format!(
                "no NVIDIA driver reaches this WSL 2 distribution: {} has no libcuda and {lib}",
                stack::WSL_LIB_DIR
            ),
        )
        .with_fix(stack::WSL_DRIVER_FIX)
        .with_source(stack::WSL_GUIDE)
    } else if stack::in_container(facts) {
        let summary = match host_module {
            Some(v) => format!(
                "no NVIDIA driver in this container: no /dev/nvidia* devices and {lib}, although the host's kernel module {v} is loaded (no GPU was passed in)"
            ),
            None => format!(
                "no NVIDIA driver in this container: no kernel module, no /dev/nvidia* devices, and {lib}"
            ),
        };
        Check::fail(NVML, summary).with_fix(format!(
            "{CONTAINER_GPU_FIX} If the host has no NVIDIA GPU, CUDA cannot work here: use the CPU execution provider."
        ))
    } else {
        Check::fail(
            NVML,
            format!(
                "no NVIDIA driver on this machine: no kernel module (/proc/driver/nvidia/version), no /dev/nvidia* devices, and {lib}"
            ),
        )
        .with_fix(
            "Install the NVIDIA driver for this GPU (e.g. `sudo ubuntu-drivers install` or the distribution's \
             nvidia-driver package) and reboot. A machine without an NVIDIA GPU cannot run CUDA: use the CPU \
             execution provider there.",
        )
        .with_evidence("/proc/driver/nvidia/version: absent")
    };
    let check = check.with_evidence("/dev/nvidia*: none");
    match error {
        Some(e) => check.with_evidence(format!("NVML error {}: {}", e.code, e.message)),
        None => check,
    }
}

fn kernel_module_matches(facts: &Facts) -> Check {
    if stack::driver_absent(facts) {
        return Check::skip(KERNEL, NO_DRIVER);
    }
    let Some(km) = facts.driver.kernel_module.as_ref() else {
        return Check::skip(
            KERNEL,
            "/proc/driver/nvidia/version cannot be read: nothing to compare",
        );
    };
    let Some(kernel) = km.version.as_ref() else {
        return Check::warn(
            KERNEL,
            "cannot read the kernel module's version from /proc/driver/nvidia/version",
        )
        .with_evidence(format!("read: {}", km.raw))
        .with_fix("Run `cat /proc/driver/nvidia/version` and `nvidia-smi` to compare by hand.");
    };
    let mut others: Vec<(String, &DottedVersion)> = Vec::new();
    if let Some(v) = &facts.driver.nvml.driver_version {
        others.push(("NVML driver".to_string(), v));
    }
    for component in [Component::Nvml, Component::Libcuda] {
        if let Some(lib) = stack::loader_pick(facts, component, false) {
            if let Some(v) = &lib.version {
                others.push((format!("{} ({})", component.label(), lib.path), v));
            }
        }
    }
    let nvml_says_mismatch = facts
        .driver
        .nvml
        .error
        .as_ref()
        .is_some_and(|e| e.code.normalized() == "librmversionmismatch");
    let differing: Vec<String> = others
        .iter()
        .filter(|(_, v)| *v != kernel)
        .map(|(what, v)| format!("{what} {v}"))
        .collect();
    let evidence = std::iter::once(format!("kernel module {kernel}: {}", km.raw))
        .chain(others.iter().map(|(what, v)| format!("{what}: {v}")));
    let check = if !differing.is_empty() || nvml_says_mismatch {
        let what = if differing.is_empty() {
            "NVML reports a driver/library version mismatch".to_string()
        } else {
            stack::join_list(&differing)
        };
        Check::fail(
            KERNEL,
            format!("kernel module {kernel} does not match the user-space driver: {what}"),
        )
        .with_fix(RELOAD_FIX)
    } else if others.is_empty() {
        Check::skip(
            KERNEL,
            format!("kernel module {kernel}; no user-space driver version to compare with"),
        )
    } else {
        Check::pass(
            KERNEL,
            format!("kernel module {kernel} matches the user-space driver"),
        )
    };
    evidence.fold(check, Check::with_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUINIT: CheckKind = CheckKind::DriverCudaInit;
    use crate::testkit::{status, tables, FactsBuilder};
    use hwcheck_model::check::Status;

    fn run(b: FactsBuilder) -> Vec<Check> {
        judge(&b.build(), &tables())
    }

    #[test]
    fn healthy_driver_passes_everything() {
        let checks = run(FactsBuilder::h100());
        for id in [NVML, KERNEL, CUINIT] {
            assert_eq!(status(&checks, id), Status::Pass, "{id}: {checks:#?}");
        }
        let nvml = checks.iter().find(|c| c.id == NVML).unwrap();
        assert_eq!(nvml.summary, "driver 580.159.04 supports CUDA <= 13.0");
        assert!(!nvml.sources.is_empty(), "branch row source");
    }

    #[test]
    fn nothing_nvidia_gives_one_fail_and_skips() {
        let checks = run(FactsBuilder::cpu_only());
        let nvml = checks.iter().find(|c| c.id == NVML).unwrap();
        assert_eq!(nvml.status, Status::Fail);
        assert!(
            nvml.summary.starts_with("no NVIDIA driver on this machine"),
            "{}",
            nvml.summary
        );
        assert!(nvml
            .fix
            .as_deref()
            .unwrap()
            .contains("Install the NVIDIA driver"));
        assert_eq!(status(&checks, KERNEL), Status::Skip);
        assert_eq!(status(&checks, CUINIT), Status::Skip);
    }

    #[test]
    fn no_driver_in_a_container_says_gpus_all() {
        let b = FactsBuilder::cpu_only()
            .container("docker")
            .kernel("580.159.04");
        let checks = run(b);
        let nvml = checks.iter().find(|c| c.id == NVML).unwrap();
        assert!(
            nvml.summary.contains("in this container"),
            "{}",
            nvml.summary
        );
        assert!(
            nvml.summary.contains("host's kernel module 580.159.04"),
            "{}",
            nvml.summary
        );
        assert_eq!(status(&checks, CUINIT), Status::Skip);
        assert!(nvml.fix.as_deref().unwrap().contains("--gpus all"));
    }

    #[test]
    fn each_nvml_error_has_its_cause() {
        let cases = [
            ("LibRmVersionMismatch", "Driver/library version mismatch"),
            ("NVML_ERROR_LIB_RM_VERSION_MISMATCH", "reboot or reload"),
            ("GpuLost", "fallen off the bus"),
            ("NoPermission", "no permission"),
            ("DriverNotLoaded", "kernel driver is not loaded"),
            ("LibloadingError", "libnvidia-ml.so.1 cannot be loaded"),
            ("timed_out", "did not answer in time"),
            ("Uninitialized", "NVML failed: Uninitialized"),
        ];
        for (code, text) in cases {
            let b = FactsBuilder::h100().nvml_error(code, "message");
            let checks = run(b);
            let nvml = checks.iter().find(|c| c.id == NVML).unwrap();
            assert_eq!(nvml.status, Status::Fail, "{code}");
            assert!(nvml.summary.contains(text), "{code}: {}", nvml.summary);
            assert!(nvml.fix.is_some(), "{code}");
        }
    }

    #[test]
    fn driver_not_loaded_without_module_or_devices_is_no_driver() {
        let b = FactsBuilder::cpu_only().nvml_error("DriverNotLoaded", "Driver Not Loaded");
        let checks = run(b);
        let nvml = checks.iter().find(|c| c.id == NVML).unwrap();
        assert!(
            nvml.summary.starts_with("no NVIDIA driver"),
            "{}",
            nvml.summary
        );
        assert!(nvml.summary.contains("no kernel driver"));
    }

    #[test]
    fn zero_gpus_fails_nvml() {
        let checks = run(FactsBuilder::h100().no_gpus());
        assert_eq!(status(&checks, NVML), Status::Fail);
    }

    #[test]
    fn kernel_and_library_versions_must_agree() {
        let b = FactsBuilder::h100()
            .nvml_error("LibRmVersionMismatch", "Driver/library version mismatch")
            .kernel("580.95.05");
        let checks = run(b);
        let k = checks.iter().find(|c| c.id == KERNEL).unwrap();
        assert_eq!(k.status, Status::Fail);
        assert!(
            k.summary.contains("580.95.05") && k.summary.contains("580.159.04"),
            "{}",
            k.summary
        );
        assert!(k.fix.as_deref().unwrap().contains("Reboot"));
    }

    #[test]
    fn kernel_module_unreadable_skips() {
        let mut facts = FactsBuilder::h100().build();
        facts.driver.kernel_module = None;
        assert_eq!(status(&judge(&facts, &tables()), KERNEL), Status::Skip);
    }
}
