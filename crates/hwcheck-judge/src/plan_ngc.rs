//! NGC containers: the driver requirement of their release notes ("requires NVIDIA Driver
//! release N or later; on data-center GPUs R… (or later R…) also work").

use crate::plan_types::{How, PlanGpu, PlanHost};
use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::gpus::GpuClass;
use hwcheck_compat::ngc::NgcRow;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::version::DottedVersion;

const RUNTIME: CheckKind = CheckKind::CudaRuntimeDriverSufficient;
const FORWARD: CheckKind = CheckKind::CudaForwardCompat;

/// The outcome by the release notes' driver requirement; `None` when the row states none
/// (then the CUDA version's own rules apply).
pub fn ngc_path(
    row: &NgcRow,
    host: &PlanHost,
    host_cuda: &DottedVersion,
    gpu: &PlanGpu,
    tables: &Tables,
) -> Option<(How, Check)> {
    let min = row.min_driver.as_ref()?;
    let driver = &host.driver;
    let release = format!("NGC {} (CUDA {})", row.release, row.cuda);
    let unconfirmed = if row.unconfirmed {
        " (unconfirmed: NVIDIA's text only seen quoted)"
    } else {
        ""
    };
    let branches: Vec<String> = row
        .datacenter_compat_branches
        .iter()
        .map(|b| b.text.clone())
        .collect();
    let exception = if branches.is_empty() {
        String::new()
    } else {
        format!("; data-center GPUs may use {}", branches.join(", "))
    };
    let fix = format!("Upgrade the driver to {} or newer{exception}.", min.text);
    if *driver >= min.min {
        let floor = tables
            .cuda_driver
            .major(row.cuda.major())
            .and_then(|m| m.mvc(Platform::Linux));
        if host_cuda.major() < row.cuda.major() {
            let floor = floor.map_or(String::new(), |f| format!(" (>= {f})"));
            return Some((
                How::Uncertain,
                Check::warn(RUNTIME, format!("{release}: its release notes ask for driver {} and driver {driver} meets that, but it runs CUDA {host_cuda} and CUDA {} needs a CUDA {}.x driver{floor} or forward compatibility: NVIDIA's stated minimum looks stale{unconfirmed}", min.text, row.cuda, row.cuda.major()))
                    .with_fix(format!("Use a driver that runs CUDA {}.{} to be sure.", row.cuda.major(), row.cuda.minor()))
                    .with_source(&row.source),
            ));
        }
        return Some((
            How::Native,
            Check::pass(
                RUNTIME,
                format!(
                    "{release} requires driver {} or later: driver {driver} meets it{unconfirmed}",
                    min.text
                ),
            )
            .with_source(&row.source),
        ));
    }
    if gpu.class == GpuClass::DataCenter {
        let spec = row
            .datacenter_compat_branches
            .iter()
            .find(|b| b.branch() == driver.major());
        return Some(match spec {
            Some(b) if *driver >= b.min => (
                How::ForwardCompat,
                Check::pass(FORWARD, format!("{release} requires driver {}, but on a data-center GPU driver {driver} works through forward compatibility ({} listed in its release notes){unconfirmed}", min.text, b.text))
                    .with_source(&row.source),
            ),
            _ => (
                How::Fails,
                Check::fail(RUNTIME, format!("{release} requires driver {} or later{exception}; driver {driver} is neither{unconfirmed}", min.text))
                    .with_fix(fix)
                    .with_source(&row.source),
            ),
        });
    }
    let not_here = if branches.is_empty() {
        String::new()
    } else {
        format!(
            " (the data-center exception, {}, does not apply to a {})",
            branches.join(", "),
            gpu.class.label()
        )
    };
    Some((
        How::Fails,
        Check::fail(RUNTIME, format!("{release} requires driver {} or later; driver {driver} is older{not_here}{unconfirmed}", min.text))
            .with_fix(format!("Upgrade the driver to {} or newer, or use an older NGC release.", min.text))
            .with_source(&row.source),
    ))
}
