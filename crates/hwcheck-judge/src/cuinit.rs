//! `driver.cuda_init`: cuInit(0) and the devices through the libcuda the loader picks; a
//! failure is mapped to its cause (codes from the CUDA driver API, cuda.h), and a
//! CUDA_ERROR_UNKNOWN (999) or CUDA_ERROR_NO_DEVICE (100) to the device node that is missing or
//! refused when there is one.

use super::devices;
use super::stack::{self, NO_DRIVER};
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::{Component, CudaDriverApiFacts, Facts, ProbeError, SKIPPED_CUINIT};

const CUINIT: CheckKind = CheckKind::DriverCudaInit;

/// Judges cuInit.
pub fn cuda_init(facts: &Facts) -> Check {
    if stack::driver_absent(facts) {
        return Check::skip(CUINIT, NO_DRIVER);
    }
    if facts.skipped.iter().any(|s| s == SKIPPED_CUINIT) {
        return Check::skip(CUINIT, SKIPPED_CUINIT);
    }
    let Some(api) = facts.cuda_driver_api.as_ref() else {
        return no_libcuda(facts);
    };
    let check = match (&api.init_error, api.device_count) {
        (None, Some(0)) => no_device(facts, "cuInit succeeded but CUDA sees no device"),
        (None, count) => {
            let version = api
                .driver_api_version
                .as_ref()
                .map_or(String::new(), |v| format!(", driver API {v}"));
            let devices = count.map_or(String::new(), |c| format!(", {c} device(s)"));
            let named: Vec<String> = api
                .devices
                .iter()
                .map(|d| {
                    let name = d.name.as_deref().unwrap_or("?");
                    match &d.compute_capability {
                        Some(cc) => format!("{name} (compute capability {cc})"),
                        None => name.to_string(),
                    }
                })
                .collect();
            let named = if named.is_empty() {
                String::new()
            } else {
                format!(": {}", named.join(", "))
            };
            Check::pass(CUINIT, format!("cuInit succeeded{version}{devices}{named}"))
        }
        (Some(error), _) => cuda_init_failed(facts, api, error),
    };
    let check = match &api.library_path {
        Some(p) => check.with_evidence(format!("libcuda loaded: {p}")),
        None => check,
    };
    match &api.init_error {
        Some(e) => check.with_evidence(format!("cuInit: {} ({})", e.code, e.message)),
        None => check,
    }
}

fn no_libcuda(facts: &Facts) -> Check {
    if stack::libs(facts, Component::Libcuda).next().is_some() {
        return Check::skip(CUINIT, "cuInit was not probed");
    }
    Check::fail(
        CUINIT,
        "libcuda.so.1 was not found: no CUDA program can start",
    )
    .with_fix(if stack::in_container(facts) {
        "The container toolkit mounts libcuda only with the compute capability: set \
         NVIDIA_DRIVER_CAPABILITIES=compute,utility (or all) and start the container with --gpus all."
    } else {
        "Install the driver's CUDA library (the libnvidia-compute / libcuda1 package of the installed \
         driver branch) or reinstall the driver."
    })
}

fn no_device(facts: &Facts, summary: &str) -> Check {
    let check = Check::fail(CUINIT, summary);
    match stack::var(facts, hwcheck_model::env_vars::CUDA_VISIBLE_DEVICES) {
        Some(value) => check
            .with_evidence(format!("CUDA_VISIBLE_DEVICES={value:?}"))
            .with_fix(format!(
                "CUDA_VISIBLE_DEVICES={value:?} may hide the GPUs (see environment.cuda_visible_devices): \
                 unset it or list valid GPU indices or UUIDs."
            )),
        None => check.with_fix(
            "Check that `nvidia-smi` lists the GPU; in a container start it with --gpus all; look in \
             `dmesg` for NVIDIA errors.",
        ),
    }
}

/// Maps a cuInit failure to its cause. Codes from the CUDA driver API (cuda.h).
fn cuda_init_failed(facts: &Facts, api: &CudaDriverApiFacts, error: &ProbeError) -> Check {
    let code = api.init_code.unwrap_or(-1);
    let name = error.code.normalized();
    let libcuda = api.library_path.as_deref().unwrap_or("libcuda.so.1");
    if matches!(code, 999 | 100) || matches!(name.as_str(), "unknown" | "nodevice") {
        if let Some(node) = devices::problems(facts).into_iter().next() {
            let uvm = node.summary.starts_with("/dev/nvidia-uvm is missing");
            let check = Check::fail(
                CUINIT,
                format!("cuInit: {} ({code}) because {}", error.code, node.summary),
            )
            .with_fix(node.fix);
            return if uvm {
                check.with_source(devices::UVM_ISSUE)
            } else {
                check
            };
        }
    }
    match (code, name.as_str()) {
        (100, _) | (_, "nodevice") => {
            no_device(facts, "cuInit: no CUDA-capable device (CUDA_ERROR_NO_DEVICE, 100)")
        }
        (803, _) | (_, "systemdrivermismatch") => Check::fail(
            CUINIT,
            format!(
                "cuInit: CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803): {libcuda} does not match the kernel module {}",
                stack::kernel_version(facts).map_or("?".to_string(), |v| v.to_string())
            ),
        )
        .with_fix(
            "If that libcuda is a cuda-compat copy (…/compat/), remove its directory from LD_LIBRARY_PATH \
             and /etc/ld.so.conf.d (see cuda.forward_compat); otherwise reboot or reinstall so libcuda \
             and the kernel module have the same version.",
        ),
        (804, _) | (_, "compatnotsupportedondevice") => Check::fail(
            CUINIT,
            "cuInit: CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804): forward compatibility was attempted on a GPU that does not support it",
        )
        .with_fix(
            "Remove the cuda-compat directory from LD_LIBRARY_PATH / ld.so.conf (or use an image whose CUDA \
             the host driver supports), and upgrade the host driver to one that supports this CUDA version.",
        ),
        (35, _) | (_, "insufficientdriver") => Check::fail(
            CUINIT,
            "cuInit: CUDA_ERROR_INSUFFICIENT_DRIVER (35): the kernel driver is older than this libcuda needs",
        )
        .with_fix("Upgrade the NVIDIA driver (see cuda.runtime.driver_sufficient for the version needed)."),
        _ => Check::fail(
            CUINIT,
            format!("cuInit failed: {} ({})", error.code, error.message),
        )
        .with_fix(
            "Run a CUDA sample (deviceQuery) to see the same failure; look in `dmesg` for NVIDIA Xid \
             errors; a reboot clears a wedged driver.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{status, tables, FactsBuilder};
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::platform::DeviceNodeFacts;

    fn run(b: FactsBuilder) -> Vec<Check> {
        crate::driver::judge(&b.build(), &tables())
    }

    fn judge(facts: &Facts, tables: &hwcheck_compat::Tables) -> Vec<Check> {
        crate::driver::judge(facts, tables)
    }

    #[test]
    fn cuinit_errors_have_causes() {
        let cases = [
            ("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 803, "803"),
            ("CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", 804, "804"),
            ("CUDA_ERROR_INSUFFICIENT_DRIVER", 35, "35"),
            ("CUDA_ERROR_UNKNOWN", 999, "cuInit failed"),
        ];
        for (name, code, text) in cases {
            let checks = run(FactsBuilder::h100().cuinit(Some((name, code)), 0));
            let c = checks.iter().find(|c| c.id == CUINIT).unwrap();
            assert_eq!(c.status, Status::Fail, "{name}");
            assert!(c.summary.contains(text), "{name}: {}", c.summary);
        }
    }

    #[test]
    fn no_device_mentions_cuda_visible_devices() {
        let b = FactsBuilder::h100()
            .cuinit(Some(("CUDA_ERROR_NO_DEVICE", 100)), 0)
            .env("CUDA_VISIBLE_DEVICES", "");
        let checks = run(b);
        let c = checks.iter().find(|c| c.id == CUINIT).unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(c.fix.as_deref().unwrap().contains("CUDA_VISIBLE_DEVICES"));
    }

    #[test]
    fn quick_runs_skip_cuinit() {
        let mut facts = FactsBuilder::h100().build();
        facts.cuda_driver_api = None;
        facts.skipped.push(SKIPPED_CUINIT.to_string());
        assert_eq!(status(&judge(&facts, &tables()), CUINIT), Status::Skip);
    }

    #[test]
    fn missing_libcuda_fails_cuinit() {
        let mut facts = FactsBuilder::h100().without(Component::Libcuda).build();
        facts.cuda_driver_api = None;
        assert_eq!(status(&judge(&facts, &tables()), CUINIT), Status::Fail);
    }

    #[test]
    fn error_999_with_a_missing_uvm_node_names_the_node() {
        let node = |path: &str, present: bool| DeviceNodeFacts {
            path: path.to_string(),
            present,
            readable: present.then_some(true),
            writable: present.then_some(true),
            ..DeviceNodeFacts::default()
        };
        let b = FactsBuilder::h100()
            .cuinit(Some(("CUDA_ERROR_UNKNOWN", 999)), 0)
            .map_facts(move |f| {
                f.environment.container = None;
                f.environment.device_nodes = vec![
                    node("/dev/nvidiactl", true),
                    node("/dev/nvidia-uvm", false),
                    node("/dev/nvidia0", true),
                ];
            });
        let checks = run(b.clone());
        let c = checks.iter().find(|c| c.id == CUINIT).unwrap();
        assert!(
            c.summary
                .starts_with("cuInit: CUDA_ERROR_UNKNOWN (999) because /dev/nvidia-uvm is missing"),
            "{}",
            c.summary
        );
        assert!(c
            .fix
            .as_deref()
            .unwrap()
            .contains("nvidia-modprobe -u -c=0"));
        assert!(c.sources.iter().any(|s| s == devices::UVM_ISSUE));
        // Other codes keep their own cause even with a node missing.
        let b = b.cuinit(Some(("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 803)), 0);
        let checks = run(b);
        let c = checks.iter().find(|c| c.id == CUINIT).unwrap();
        assert!(c.summary.contains("803"), "{}", c.summary);
    }
}
