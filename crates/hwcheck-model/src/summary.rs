//! The one-line machine summary at the top of every report: driver, CUDA, GPUs, and what the
//! Linux runs in (container, VM, WSL2, Jetson) with the evidence that tells it.

use crate::facts::Facts;

/// A one-line machine summary from the facts: driver, CUDA supported, GPUs, container.
pub fn machine_summary(facts: &Facts) -> String {
    let nvml = &facts.driver.nvml;
    if nvml.driver_version.is_none() && nvml.error.is_none() && facts.driver.kernel_module.is_none()
    {
        // The NVML probe always leaves a version or an error: this report did not probe the
        // machine (e.g. `hwcheck detect`).
        return "driver and GPUs not probed in this run".to_string();
    }
    [
        driver_summary(facts),
        gpu_summary(facts),
        environment_summary(facts),
    ]
    .join(" · ")
}

fn driver_summary(facts: &Facts) -> String {
    let nvml = &facts.driver.nvml;
    let version = nvml.driver_version.as_ref().or(facts
        .driver
        .kernel_module
        .as_ref()
        .and_then(|m| m.version.as_ref()));
    let jetson = facts.platform.jetson.as_ref();
    let mut text = match (version, &nvml.error) {
        (Some(v), _) if facts.platform.wsl.is_some() => format!("Windows driver {v}"),
        (Some(v), _) => format!("driver {v}"),
        (None, _) if jetson.is_some() => match jetson.and_then(|j| j.l4t.as_ref()) {
            Some(l4t) => format!("L4T {l4t} driver (no NVML on Jetson)"),
            None => "L4T driver (no NVML on Jetson)".to_string(),
        },
        (None, Some(e)) if e.code.is_vendor("LibraryNotFound") => {
            "no NVIDIA driver (libnvidia-ml not found)".to_string()
        }
        (None, Some(e)) => format!("driver not usable (NVML: {})", e.code),
        (None, None) => "no NVIDIA driver found (kernel module only)".to_string(),
    };
    if let Some(cuda) = &nvml.cuda_driver_version {
        text.push_str(&format!(" (supports CUDA up to {cuda})"));
    }
    text
}

fn gpu_summary(facts: &Facts) -> String {
    // Count identical names, keeping the order NVML reported them in.
    let mut names: Vec<(&str, usize)> = Vec::new();
    for gpu in &facts.gpus {
        match names.iter_mut().find(|(n, _)| *n == gpu.name) {
            Some((_, count)) => *count += 1,
            None => names.push((&gpu.name, 1)),
        }
    }
    let listed = names
        .iter()
        .map(|(name, count)| match count {
            1 => (*name).to_string(),
            n => format!("{n}× {name}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let cuda_devices = facts
        .cuda_driver_api
        .as_ref()
        .map(|a| a.devices.as_slice())
        .unwrap_or_default();
    if facts.gpus.is_empty() && !cuda_devices.is_empty() {
        let names: Vec<String> = cuda_devices
            .iter()
            .map(|d| d.name.clone().unwrap_or_else(|| "GPU".to_string()))
            .collect();
        return format!("{} GPU(s) (CUDA): {}", names.len(), names.join(", "));
    }
    match facts.gpus.len() {
        0 => "no GPU seen".to_string(),
        1 => format!("1 GPU: {listed}"),
        n => format!("{n} GPUs: {listed}"),
    }
}

/// What this Linux runs in, with its evidence: "WSL2 (…)", "Jetson … (…)", "container: docker
/// (/.dockerenv exists)", "VM (kvm: …)", or "no container" when nothing tells.
pub fn environment_summary(facts: &Facts) -> String {
    let p = &facts.platform;
    let vm = p.virtualization.as_ref().map(|v| {
        let name = v
            .hypervisor
            .as_deref()
            .map_or(String::new(), |h| format!("{h}: "));
        format!("VM ({name}{})", brief(&v.evidence))
    });
    if let Some(w) = &p.wsl {
        return format!("WSL2 ({})", brief(&w.evidence));
    }
    let base = if let Some(j) = &p.jetson {
        let model = j.model.as_deref().unwrap_or("Jetson");
        let l4t = j
            .l4t
            .as_ref()
            .map_or(String::new(), |v| format!(", L4T {v}"));
        format!("{model}{l4t} ({})", brief(&j.evidence))
    } else {
        match (
            &facts.environment.container,
            &facts.environment.container_evidence,
        ) {
            (Some(kind), Some(e)) => format!("container: {kind} ({e})"),
            (Some(kind), None) => format!("container: {kind}"),
            (None, _) => return vm.unwrap_or_else(|| "no container".to_string()),
        }
    };
    match vm {
        Some(vm) => format!("{base} in a {vm}"),
        None => base,
    }
}

/// The first two pieces of evidence, "; "-joined.
fn brief(evidence: &[String]) -> String {
    evidence
        .iter()
        .take(2)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::platform::{JetsonFacts, VirtualizationFacts, WslFacts};
    use crate::facts::{GpuFacts, ProbeError};
    use crate::version::DottedVersion;

    fn fixture() -> Facts {
        let mut facts = Facts::default();
        facts.driver.nvml.driver_version = DottedVersion::parse("550.54.15").ok();
        facts.driver.nvml.cuda_driver_version = DottedVersion::parse("12.4").ok();
        for index in 0..2 {
            facts.gpus.push(GpuFacts {
                index,
                name: "NVIDIA H100 80GB HBM3".to_string(),
                ..GpuFacts::default()
            });
        }
        facts.environment.container = Some("docker".to_string());
        facts
    }

    #[test]
    fn machine_summary_names_driver_cuda_gpus_and_container() {
        let summary = machine_summary(&fixture());
        assert_eq!(
            summary,
            "driver 550.54.15 (supports CUDA up to 12.4) · 2 GPUs: 2× NVIDIA H100 80GB HBM3 · container: docker"
        );
    }

    #[test]
    fn machine_summary_explains_a_missing_driver() {
        let mut facts = Facts::default();
        assert_eq!(
            machine_summary(&facts),
            "driver and GPUs not probed in this run"
        );
        facts.driver.nvml.error = Some(ProbeError::new("LibraryNotFound", "no libnvidia-ml"));
        assert_eq!(
            machine_summary(&facts),
            "no NVIDIA driver (libnvidia-ml not found) · no GPU seen · no container"
        );
        facts.driver.nvml.error = Some(ProbeError::new("DriverNotLoaded", "driver not loaded"));
        assert!(machine_summary(&facts).starts_with("driver not usable (NVML: DriverNotLoaded)"));
    }

    #[test]
    fn a_vm_made_from_a_docker_image_says_vm_with_its_evidence() {
        let mut facts = fixture();
        facts.environment.container = None;
        facts.platform.virtualization = Some(VirtualizationFacts {
            hypervisor: Some("kvm".to_string()),
            evidence: vec![
                "CPUID hypervisor vendor \"KVMKVMKVM\"".to_string(),
                "hypervisor flag in /proc/cpuinfo".to_string(),
            ],
        });
        assert!(machine_summary(&facts).ends_with(
            " · VM (kvm: CPUID hypervisor vendor \"KVMKVMKVM\"; hypervisor flag in /proc/cpuinfo)"
        ));
        facts.environment.container = Some("docker".to_string());
        facts.environment.container_evidence = Some("/.dockerenv exists".to_string());
        assert!(
            environment_summary(&facts)
                .starts_with("container: docker (/.dockerenv exists) in a VM (kvm:"),
            "{}",
            environment_summary(&facts)
        );
    }

    #[test]
    fn wsl_and_jetson_lines() {
        let mut facts = fixture();
        facts.platform.wsl = Some(WslFacts {
            evidence: vec!["/dev/dxg exists".to_string()],
            ..WslFacts::default()
        });
        let line = machine_summary(&facts);
        assert!(line.starts_with("Windows driver 550.54.15"), "{line}");
        assert!(line.ends_with("WSL2 (/dev/dxg exists)"), "{line}");
        let mut facts = Facts::default();
        facts.driver.nvml.error = Some(ProbeError::new("LibraryNotFound", "none"));
        facts.platform.jetson = Some(JetsonFacts {
            evidence: vec!["/etc/nv_tegra_release: # R36 (release), REVISION: 4.3".to_string()],
            l4t: DottedVersion::parse("36.4.3").ok(),
            model: Some("NVIDIA Jetson AGX Orin Developer Kit".to_string()),
            soc: None,
        });
        facts.cuda_driver_api = Some(crate::facts::CudaDriverApiFacts {
            devices: vec![crate::facts::CudaDeviceFacts {
                index: 0,
                name: Some("Orin".to_string()),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(
            machine_summary(&facts),
            "L4T 36.4.3 driver (no NVML on Jetson) · 1 GPU(s) (CUDA): Orin · NVIDIA Jetson AGX Orin Developer Kit, L4T 36.4.3 (/etc/nv_tegra_release: # R36 (release), REVISION: 4.3)"
        );
    }
}
