//! The one-line machine summary at the top of every report: driver, CUDA, GPUs, container.

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
        container_summary(facts),
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
    let mut text = match (version, &nvml.error) {
        (Some(v), _) => format!("driver {v}"),
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
    match facts.gpus.len() {
        0 => "no GPU seen".to_string(),
        1 => format!("1 GPU: {listed}"),
        n => format!("{n} GPUs: {listed}"),
    }
}

fn container_summary(facts: &Facts) -> String {
    match &facts.environment.container {
        Some(kind) => format!("container: {kind}"),
        None => "no container".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
