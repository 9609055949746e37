//! One GPU's facts through NVML. Every query stands alone: a query NVML refuses leaves its
//! field `None` and adds "field: ErrorName" to `query_errors`.

use super::error_name;
use hwcheck_model::facts::GpuFacts;
use hwcheck_model::version::DottedVersion;
use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::enum_wrappers::device::{EccCounter, MemoryError, TemperatureSensor};
use nvml_wrapper::error::{nvml_try, NvmlError};
use nvml_wrapper::{Device, Nvml};

/// NVML's "MIG enabled" value of `nvmlDeviceGetMigMode`'s current mode.
const MIG_ENABLED: u32 = 1;
/// NVML reports power in milliwatts.
const MILLIWATTS_PER_WATT: f64 = 1000.0;

/// Reported throttle reasons and their names (idle excluded: it is not a problem).
const THROTTLE_NAMES: [(ThrottleReasons, &str); 8] = [
    (ThrottleReasons::SW_POWER_CAP, "sw_power_cap"),
    (ThrottleReasons::HW_SLOWDOWN, "hw_slowdown"),
    (ThrottleReasons::SW_THERMAL_SLOWDOWN, "sw_thermal_slowdown"),
    (ThrottleReasons::HW_THERMAL_SLOWDOWN, "hw_thermal_slowdown"),
    (
        ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN,
        "hw_power_brake_slowdown",
    ),
    (ThrottleReasons::SYNC_BOOST, "sync_boost"),
    (
        ThrottleReasons::APPLICATIONS_CLOCKS_SETTING,
        "applications_clocks_setting",
    ),
    (
        ThrottleReasons::DISPLAY_CLOCK_SETTING,
        "display_clock_setting",
    ),
];

/// Collects failed queries as "field: ErrorName".
#[derive(Default)]
struct Errors(Vec<String>);

impl Errors {
    fn take<T>(&mut self, field: &str, result: Result<T, NvmlError>) -> Option<T> {
        result
            .map_err(|e| self.0.push(format!("{field}: {}", error_name(&e))))
            .ok()
    }
}

/// Everything NVML will say about the GPU at `index`.
pub fn gpu_facts(nvml: &Nvml, index: u32) -> GpuFacts {
    let mut errors = Errors::default();
    let Some(device) = errors.take("handle", nvml.device_by_index(index)) else {
        return GpuFacts {
            index,
            query_errors: errors.0,
            ..GpuFacts::default()
        };
    };
    let memory = errors.take("memory", device.memory_info());
    let ecc_enabled = errors
        .take("ecc_mode", device.is_ecc_enabled())
        .map(|m| m.currently_enabled);
    let ecc_uncorrected_volatile = match ecc_enabled {
        Some(false) => None,
        _ => errors.take(
            "ecc_uncorrected_volatile",
            device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile),
        ),
    };
    let remapped = errors.take("remapped_rows", remapped_rows(&device));
    let watts = |mw: u32| f64::from(mw) / MILLIWATTS_PER_WATT;
    GpuFacts {
        index,
        name: errors.take("name", device.name()).unwrap_or_default(),
        uuid: errors.take("uuid", device.uuid()),
        pci_bus_id: errors
            .take("pci_bus_id", device.pci_info())
            .map(|p| p.bus_id),
        compute_capability: errors
            .take("compute_capability", device.cuda_compute_capability())
            .and_then(|c| compute_capability(c.major, c.minor)),
        memory_total_bytes: memory.as_ref().map(|m| m.total),
        memory_used_bytes: memory.as_ref().map(|m| m.used),
        mig_enabled: errors
            .take("mig_mode", device.mig_mode())
            .map(|m| m.current == MIG_ENABLED),
        persistence_mode: errors.take("persistence_mode", device.is_in_persistent_mode()),
        ecc_enabled,
        ecc_uncorrected_volatile,
        retired_pages_pending: errors
            .take("retired_pages_pending", device.are_pages_pending_retired()),
        remapped_rows_pending: remapped.map(|r| r.pending),
        remapped_rows_failure: remapped.map(|r| r.failure),
        temperature_c: errors.take("temperature", device.temperature(TemperatureSensor::Gpu)),
        power_draw_w: errors.take("power_draw", device.power_usage()).map(watts),
        power_limit_w: errors
            .take("power_limit", device.enforced_power_limit())
            .map(watts),
        throttle_reasons: errors
            .take("throttle_reasons", device.current_throttle_reasons())
            .map(throttle_names)
            .unwrap_or_default(),
        query_errors: errors.0,
    }
}

/// "9.0" from NVML's (9, 0); `None` for negative nonsense.
pub fn compute_capability(major: i32, minor: i32) -> Option<DottedVersion> {
    let major = u32::try_from(major).ok()?;
    let minor = u32::try_from(minor).ok()?;
    Some(DottedVersion::from_parts(&[major, minor]))
}

/// Names of the active throttle reasons, idle excluded; unknown bits as "other(0x…)".
pub fn throttle_names(reasons: ThrottleReasons) -> Vec<String> {
    let mut names: Vec<String> = THROTTLE_NAMES
        .iter()
        .filter(|(flag, _)| reasons.contains(*flag))
        .map(|(_, name)| name.to_string())
        .collect();
    let known = THROTTLE_NAMES
        .iter()
        .fold(ThrottleReasons::GPU_IDLE, |all, (flag, _)| all | *flag);
    let other = reasons.bits() & !known.bits();
    if other != 0 {
        names.push(format!("other(0x{other:x})"));
    }
    names
}

/// The row-remapper state that matters for health.
#[derive(Clone, Copy)]
struct RemappedRows {
    pending: bool,
    failure: bool,
}

/// `nvmlDeviceGetRemappedRows`, which nvml-wrapper 0.12 does not wrap: the one raw NVML call.
fn remapped_rows(device: &Device) -> Result<RemappedRows, NvmlError> {
    let sym = device
        .nvml()
        .lib()
        .nvmlDeviceGetRemappedRows
        .as_ref()
        .map_err(|e| NvmlError::FailedToLoadSymbol(e.to_string()))?;
    let (mut corrected, mut uncorrected, mut pending, mut failure) = (0, 0, 0, 0);
    // SAFETY: the symbol was resolved from the loaded NVML with its documented signature
    // (device, *corr, *unc, *isPending, *failureOccurred); the handle comes from a live `Device`
    // borrowed for this call, and the four out-pointers are to locals that outlive it.
    let code = unsafe {
        sym(
            device.handle(),
            &mut corrected,
            &mut uncorrected,
            &mut pending,
            &mut failure,
        )
    };
    nvml_try(code)?;
    Ok(RemappedRows {
        pending: pending != 0,
        failure: failure != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_throttle_reasons_without_idle() {
        let r = ThrottleReasons::GPU_IDLE | ThrottleReasons::SW_POWER_CAP;
        assert_eq!(throttle_names(r), vec!["sw_power_cap"]);
        let r = ThrottleReasons::HW_SLOWDOWN | ThrottleReasons::HW_THERMAL_SLOWDOWN;
        assert_eq!(
            throttle_names(r),
            vec!["hw_slowdown", "hw_thermal_slowdown"]
        );
        assert!(throttle_names(ThrottleReasons::NONE).is_empty());
        assert!(throttle_names(ThrottleReasons::GPU_IDLE).is_empty());
    }

    #[test]
    fn keeps_unknown_throttle_bits() {
        let r = ThrottleReasons::from_bits_retain(0x1000 | 0x4);
        assert_eq!(throttle_names(r), vec!["sw_power_cap", "other(0x1000)"]);
    }

    #[test]
    fn compute_capabilities() {
        assert_eq!(compute_capability(9, 0).unwrap().as_str(), "9.0");
        assert_eq!(compute_capability(12, 1).unwrap().as_str(), "12.1");
        assert!(compute_capability(-1, 0).is_none());
    }

    #[test]
    fn errors_are_terse() {
        let mut e = Errors::default();
        assert_eq!(e.take("x", Ok::<_, NvmlError>(3)), Some(3));
        assert_eq!(
            e.take::<u32>("mig_mode", Err(NvmlError::NotSupported)),
            None
        );
        assert_eq!(e.0, vec!["mig_mode: NotSupported"]);
    }
}
