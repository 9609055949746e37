//! Planning: will a CUDA runtime (from an image tag, or `--cuda X`) run on this host, or on a
//! planned one (`--driver`, `--gpu`)?
//!
//! No rule lives here. A hypothetical runtime is written into a copy of the host's facts (a
//! libcudart of that version picked by the loader, the image's toolkit with its cuda-compat
//! libcuda, a cuDNN of the image's major) and the doctor's own judges ([`crate::judge`])
//! decide; only the checks about the driver, GPUs, CUDA and cuDNN are kept.

use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Area, Check, Status};
use hwcheck_model::facts::{
    Component, CudaDriverApiFacts, Facts, FoundVia, GpuFacts, KernelModuleFacts, LibraryFacts,
    ToolkitFacts, VersionSource, SCHEMA_VERSION,
};
use hwcheck_model::version::DottedVersion;

/// Areas whose checks decide whether a runtime runs on a host.
pub const AREAS: [Area; 4] = [Area::Driver, Area::Gpu, Area::Cuda, Area::Cudnn];

/// A CUDA runtime to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// CUDA version, e.g. 11.4.1.
    pub cuda: DottedVersion,
    /// cuDNN major it ships, when any.
    pub cudnn_major: Option<u32>,
    /// True when it ships the cuda-compat libcuda (NVIDIA's CUDA images do).
    pub ships_compat: bool,
}

/// Why a planned host cannot be built from `--driver` / `--gpu`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The host part of `facts` that a container sees: driver, kernel module, GPUs, the driver's
/// libcuda/NVML; nothing of the host's own CUDA toolkit, libraries, environment or ORT.
pub fn host_base(facts: &Facts) -> Facts {
    Facts {
        schema_version: facts.schema_version,
        hwcheck_version: facts.hwcheck_version.clone(),
        host: facts.host.clone(),
        driver: facts.driver.clone(),
        gpus: facts.gpus.clone(),
        cuda_driver_api: facts.cuda_driver_api.clone(),
        libraries: facts
            .libraries
            .iter()
            .filter(|l| {
                matches!(l.component, Component::Libcuda | Component::Nvml)
                    && !l.found_via.contains(&FoundVia::CudaCompat)
            })
            .cloned()
            .collect(),
        ..Facts::default()
    }
}

/// A planned host: `driver` (its CUDA version from the toolkit table) and optionally one GPU
/// named `gpu` (compute capability from the GPU table). `base` supplies the GPUs when `gpu`
/// is `None` (this host's GPUs with another driver).
pub fn planned_host(
    driver: &DottedVersion,
    gpu: Option<&str>,
    base: Option<&Facts>,
    tables: &Tables,
) -> Result<Facts, PlanError> {
    let cuda = tables
        .cuda_driver
        .newest_supported(driver, Platform::Linux)
        .map(|r| DottedVersion::from_parts(&[r.cuda.major(), r.cuda.minor()]));
    let mut facts = Facts {
        schema_version: SCHEMA_VERSION,
        hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Facts::default()
    };
    facts.host.os = "linux".to_string();
    facts.host.arch = std::env::consts::ARCH.to_string();
    facts.gpus = match gpu {
        Some(name) => vec![planned_gpu(name, tables)?],
        None => base.map(|b| b.gpus.clone()).unwrap_or_default(),
    };
    let nvml = &mut facts.driver.nvml;
    nvml.driver_version = Some(driver.clone());
    nvml.cuda_driver_version = cuda.clone();
    // No GPU named and none known: the GPU count is unknown, not zero.
    let count = (!facts.gpus.is_empty()).then_some(facts.gpus.len() as u32);
    nvml.device_count = count;
    facts.driver.kernel_module = Some(KernelModuleFacts {
        version: Some(driver.clone()),
        flavour: None,
        raw: format!("planned driver {driver}"),
    });
    facts.cuda_driver_api = Some(CudaDriverApiFacts {
        library_path: Some("/usr/lib/x86_64-linux-gnu/libcuda.so.1".to_string()),
        driver_api_version: cuda,
        init_error: None,
        init_code: Some(0),
        device_count: count,
        ..CudaDriverApiFacts::default()
    });
    facts.libraries.push(library(
        Component::Libcuda,
        "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
        "libcuda.so.1",
        driver.clone(),
        FoundVia::LdconfigCache,
    ));
    Ok(facts)
}

fn planned_gpu(name: &str, tables: &Tables) -> Result<GpuFacts, PlanError> {
    let row = tables.gpus.model(name).ok_or_else(|| {
        PlanError(format!(
            "unknown GPU {name:?}: not in the GPU table (try a model name such as H100, A100, L4, T4, RTX 4090)"
        ))
    })?;
    Ok(GpuFacts {
        index: 0,
        name: name.to_string(),
        compute_capability: Some(row.cc.clone()),
        ..GpuFacts::default()
    })
}

fn library(
    component: Component,
    path: &str,
    soname: &str,
    version: DottedVersion,
    via: FoundVia,
) -> LibraryFacts {
    LibraryFacts {
        soname: Some(soname.to_string()),
        version: Some(version),
        version_source: Some(VersionSource::VersionFile),
        found_via: vec![via],
        loader_selected: true,
        ..LibraryFacts::new(component, path)
    }
}

/// `base` with `target` installed the way a CUDA image installs it: the toolkit (its full
/// version), its libcudart (major.minor: a runtime is judged against its release's GA driver),
/// cuDNN of the image's major, and, for images that ship cuda-compat, its libcuda, which the
/// NVIDIA Container Toolkit puts first only when it is newer than the host's driver.
pub fn with_runtime(base: &Facts, target: &Target, tables: &Tables) -> Facts {
    let mut facts = base.clone();
    let cuda = &target.cuda;
    let root = format!("/usr/local/cuda-{}.{}", cuda.major(), cuda.minor());
    let soname = if cuda.major() == 11 {
        "libcudart.so.11.0".to_string()
    } else {
        format!("libcudart.so.{}", cuda.major())
    };
    facts.libraries.push(library(
        Component::Cudart,
        &format!("{root}/lib64/{soname}"),
        &soname,
        DottedVersion::from_parts(&[cuda.major(), cuda.minor()]),
        FoundVia::CudaToolkit,
    ));
    if let Some(major) = target.cudnn_major {
        let soname = format!("libcudnn.so.{major}");
        facts.libraries.push(library(
            Component::Cudnn,
            &format!("/usr/lib/x86_64-linux-gnu/{soname}"),
            &soname,
            DottedVersion::from_parts(&[major]),
            FoundVia::LdconfigCache,
        ));
    }
    let compat = target
        .ships_compat
        .then(|| tables.cuda_driver.release(cuda))
        .flatten()
        .and_then(|r| r.driver(Platform::Linux).cloned());
    if let Some(version) = &compat {
        let host_driver = facts.driver.nvml.driver_version.clone().or_else(|| {
            facts
                .driver
                .kernel_module
                .as_ref()
                .and_then(|k| k.version.clone())
        });
        let newer = host_driver.is_some_and(|d| version > &d);
        if newer {
            for lib in facts
                .libraries
                .iter_mut()
                .filter(|l| l.component == Component::Libcuda)
            {
                lib.loader_selected = false;
            }
        }
        let mut copy = library(
            Component::Libcuda,
            &format!("{root}/compat/libcuda.so.1"),
            "libcuda.so.1",
            version.clone(),
            FoundVia::CudaCompat,
        );
        copy.loader_selected = newer;
        facts.libraries.push(copy);
    }
    facts.toolkits.push(ToolkitFacts {
        root,
        is_default: true,
        version: Some(cuda.clone()),
        problem: None,
        compat_libcuda_version: compat,
        ..ToolkitFacts::default()
    });
    facts
}

/// The doctor's checks about driver, GPUs, CUDA and cuDNN for `target` on `base`.
pub fn judge_target(base: &Facts, target: &Target, tables: &Tables) -> Vec<Check> {
    let facts = with_runtime(base, target, tables);
    let mut checks: Vec<Check> = crate::judge(&facts, tables)
        .into_iter()
        .filter(|c| AREAS.contains(&c.area))
        .collect();
    checks.sort_by(|a, b| (a.status, a.area, &a.id).cmp(&(b.status, b.area, &b.id)));
    checks
}

/// Worst status of `checks` (PASS when empty).
pub fn worst(checks: &[Check]) -> Status {
    checks
        .iter()
        .map(|c| c.status)
        .filter(|s| *s != Status::Skip)
        .min()
        .unwrap_or(Status::Pass)
}

/// What this host does run: newest CUDA releases the judges accept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suggestions {
    /// Newest CUDA with no FAIL and no WARN (full support).
    pub newest_clean: Option<DottedVersion>,
    /// Newest CUDA with no FAIL (may rely on minor-version compatibility).
    pub newest_running: Option<DottedVersion>,
    /// Newest NGC release (and its CUDA) with no FAIL.
    pub newest_ngc: Option<(String, DottedVersion)>,
}

/// Tries every CUDA release of the toolkit table (newest first) with `template`'s cuDNN and
/// compat settings, and every NGC release, through the same judges.
pub fn suggest(base: &Facts, template: &Target, tables: &Tables) -> Suggestions {
    let status_of = |cuda: &DottedVersion| {
        let target = Target {
            cuda: cuda.clone(),
            ..template.clone()
        };
        worst(&judge_target(base, &target, tables))
    };
    let mut releases: Vec<DottedVersion> = tables
        .cuda_driver
        .releases
        .iter()
        .map(|r| DottedVersion::from_parts(&[r.cuda.major(), r.cuda.minor(), r.update]))
        .collect();
    releases.sort();
    releases.dedup();
    let mut out = Suggestions::default();
    for cuda in releases.iter().rev() {
        let status = status_of(cuda);
        if out.newest_running.is_none() && status != Status::Fail {
            out.newest_running = Some(cuda.clone());
        }
        if status == Status::Pass {
            out.newest_clean = Some(cuda.clone());
            break;
        }
    }
    out.newest_ngc = tables
        .images
        .newest_ngc(|cuda| status_of(cuda) != Status::Fail)
        .map(|r| (r.release.clone(), r.cuda.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DottedVersion {
        DottedVersion::parse(s).unwrap()
    }

    fn tables() -> Tables {
        Tables::load(None).unwrap()
    }

    #[test]
    fn planned_host_takes_cc_from_the_gpu_table_and_cuda_from_the_driver() {
        let t = tables();
        let f = planned_host(&v("450.80.02"), Some("NVIDIA A100-SXM4-40GB"), None, &t).unwrap();
        assert_eq!(f.gpus[0].compute_capability, Some(v("8.0")));
        assert_eq!(f.driver.nvml.cuda_driver_version, Some(v("11.0")));
        assert!(planned_host(&v("450.80.02"), Some("Voodoo 5"), None, &t).is_err());
    }

    #[test]
    fn runtime_is_added_as_the_loader_pick_with_its_compat_libcuda() {
        let t = tables();
        let base = planned_host(&v("470.82.01"), Some("Tesla T4"), None, &t).unwrap();
        let target = Target {
            cuda: v("11.4.1"),
            cudnn_major: Some(8),
            ships_compat: true,
        };
        let f = with_runtime(&base, &target, &t);
        let cudart = f
            .libraries
            .iter()
            .find(|l| l.component == Component::Cudart)
            .unwrap();
        assert_eq!(cudart.soname.as_deref(), Some("libcudart.so.11.0"));
        assert!(cudart.loader_selected);
        assert_eq!(f.toolkits[0].compat_libcuda_version, Some(v("470.57.02")));
        assert!(f.libraries.iter().any(|l| l.component == Component::Cudnn));
    }

    #[test]
    fn host_base_drops_host_toolkits_and_libraries() {
        let mut f = Facts::default();
        f.toolkits.push(ToolkitFacts::default());
        f.libraries.push(library(
            Component::Cudnn,
            "/x/libcudnn.so.9",
            "libcudnn.so.9",
            v("9.1"),
            FoundVia::LdconfigCache,
        ));
        f.libraries.push(library(
            Component::Libcuda,
            "/x/libcuda.so.1",
            "libcuda.so.1",
            v("580.1"),
            FoundVia::LdconfigCache,
        ));
        let b = host_base(&f);
        assert!(b.toolkits.is_empty());
        assert_eq!(b.libraries.len(), 1);
        assert_eq!(b.libraries[0].component, Component::Libcuda);
    }
}
