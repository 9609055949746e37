//! Root causes: links each failed or skipped check to the failed check it follows from
//! (`caused_by`), so reports lead with one block per root cause and fold its consequences.
//!
//! The links follow how a GPU inference stack depends on itself, upstream first: the container
//! and `CUDA_VISIBLE_DEVICES`, the kernel module and NVML, a cuda-compat libcuda, `cuInit`, the
//! CUDA/cuDNN/TensorRT libraries, then each ONNX Runtime provider session, then detection on
//! that provider. A check is linked to the first of its possible causes (in that order) that
//! FAILed in the same report; ONNX Runtime and detection checks only to checks of the same
//! install. Pure: checks in, the same checks with `caused_by` set out.

use hwcheck_model::check::{Check, CheckId, CheckKind, Status};
use hwcheck_model::facts::ort::Provider;

/// Sets `caused_by` on every FAIL, WARN or SKIP check that follows from another check's FAIL
/// (or from one of the WARNs that name a concrete cause, see [`WARN_CAUSES`]).
pub fn link(checks: &mut [Check]) {
    let failed: Vec<(CheckId, String)> = checks
        .iter()
        .filter(|c| {
            c.status == Status::Fail
                || (c.status == Status::Warn && WARN_CAUSES.contains(&c.id.kind))
        })
        .map(|c| (c.id.clone(), c.key()))
        .collect();
    for check in checks.iter_mut() {
        if check.status == Status::Pass || !check.caused_by.is_empty() {
            continue;
        }
        let cause = possible_causes(&check.id).into_iter().find_map(|wanted| {
            failed
                .iter()
                .find(|(id, key)| *key != check.key() && wanted.matches(id, &check.id))
                .map(|(_, key)| key.clone())
        });
        if let Some(key) = cause {
            check.caused_by.push(key);
        }
    }
}

/// WARNs that are causes when a check downstream of them fails: a provider library whose
/// dependencies the loader cannot find, two copies of a library, the TensorRT SDK missing.
const WARN_CAUSES: [CheckKind; 3] = [
    CheckKind::LibrariesLoadProblems,
    CheckKind::LibrariesDuplicates,
    CheckKind::TensorrtPresent,
];

/// A check that may cause another.
#[derive(Clone, Copy, Debug)]
enum Upstream {
    /// Any check of this kind.
    Kind(CheckKind),
    /// A check of this kind for the same ONNX Runtime install (and provider, when given).
    SameInstall(CheckKind, Option<Provider>),
}

impl Upstream {
    fn matches(self, upstream: &CheckId, downstream: &CheckId) -> bool {
        match self {
            Upstream::Kind(kind) => upstream.kind == kind,
            Upstream::SameInstall(kind, provider) => {
                upstream.kind == kind
                    && upstream.install == downstream.install
                    && provider
                        .is_none_or(|p| upstream.qualifier.as_deref() == Some(p.short_name()))
            }
        }
    }
}

/// What may make a check of `id`'s kind fail or skip, the most direct cause first.
fn possible_causes(id: &CheckId) -> Vec<Upstream> {
    use CheckKind as K;
    use Upstream::{Kind, SameInstall};
    match id.kind {
        K::DriverNvml => vec![
            Kind(K::DriverKernelModuleMatches),
            Kind(K::EnvironmentContainerGpus),
        ],
        K::DriverCudaInit => vec![
            Kind(K::CudaForwardCompat),
            Kind(K::EnvironmentCudaVisibleDevices),
            Kind(K::DriverNvml),
        ],
        K::GpuComputeCapability
        | K::GpuHealth
        | K::CudaRuntimeDriverSufficient
        | K::CudaForwardCompat
        | K::CudnnCudaMajor
        | K::CudnnSupportMatrix
        | K::EnvironmentRequireCuda
        | K::EnvironmentCudaVisibleDevices => vec![Kind(K::DriverNvml)],
        K::OrtProvider if id.provider_name() == Some(Provider::Cpu.short_name()) => {
            vec![SameInstall(K::OrtRuntime, None)]
        }
        K::OrtProvider => {
            let mut causes = vec![SameInstall(K::OrtRuntime, None)];
            if id.provider_name() == Some(Provider::Tensorrt.short_name()) {
                causes.push(Kind(K::TensorrtPresent));
            }
            causes.extend([
                Kind(K::DriverCudaInit),
                Kind(K::EnvironmentCudaVisibleDevices),
                Kind(K::DriverNvml),
                Kind(K::CudaRuntimeDriverSufficient),
                Kind(K::CudnnCudaMajor),
                SameInstall(K::OrtCompat, None),
                Kind(K::LibrariesLoadProblems),
                Kind(K::LibrariesDuplicates),
            ]);
            causes
        }
        K::DetectionProvider => {
            let provider = id.provider_name().and_then(Provider::from_short_name);
            vec![SameInstall(K::OrtProvider, provider)]
        }
        K::DetectionAgreement => vec![Kind(K::DetectionProvider)],
        _ => Vec::new(),
    }
}

/// The root cause a check leads back to: follows `caused_by` to a check with none.
pub fn root_of<'a>(check: &'a Check, checks: &'a [Check]) -> &'a Check {
    let mut current = check;
    for _ in 0..checks.len() {
        let Some(parent) = current
            .caused_by
            .first()
            .and_then(|k| checks.iter().find(|c| c.key() == *k))
        else {
            break;
        };
        current = parent;
    }
    current
}

/// The checks no other check explains: FAILs with no `caused_by`.
pub fn roots(checks: &[Check]) -> impl Iterator<Item = &Check> {
    checks
        .iter()
        .filter(|c| c.status == Status::Fail && c.caused_by.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::check::Install;

    fn keys(checks: &[Check]) -> Vec<(String, Vec<String>)> {
        checks
            .iter()
            .map(|c| (c.key(), c.caused_by.clone()))
            .collect()
    }

    #[test]
    fn compat_libcuda_first_is_the_one_root_cause() {
        let cuda = CheckId::provider(CheckKind::OrtProvider, Provider::Cuda, Install::First);
        let det = CheckId::provider(CheckKind::DetectionProvider, Provider::Cuda, Install::First);
        let mut checks = vec![
            Check::fail(CheckKind::DriverCudaInit, "803"),
            Check::fail(CheckKind::CudaForwardCompat, "compat first"),
            Check::fail(cuda, "CUDA failure 803"),
            Check::skip(det, "not run"),
            Check::pass(CheckKind::DriverNvml, "ok"),
        ];
        link(&mut checks);
        assert_eq!(
            keys(&checks),
            [
                (
                    "driver.cuda_init".into(),
                    vec!["cuda.forward_compat".into()]
                ),
                ("cuda.forward_compat".into(), vec![]),
                ("ort.provider.cuda".into(), vec!["driver.cuda_init".into()]),
                ("detection.cuda".into(), vec!["ort.provider.cuda".into()]),
                ("driver.nvml".into(), vec![]),
            ]
        );
        let roots: Vec<String> = roots(&checks).map(Check::key).collect();
        assert_eq!(roots, ["cuda.forward_compat"]);
        assert_eq!(root_of(&checks[3], &checks).key(), "cuda.forward_compat");
    }

    #[test]
    fn a_warning_that_names_a_cause_roots_the_failure_it_explains() {
        // The H200 with cuBLASLt moved off the loader's path: the provider library's missing
        // dependency is a WARN of the library scan, the CUDA session a FAIL.
        let cuda = CheckId::provider(CheckKind::OrtProvider, Provider::Cuda, Install::First);
        let trt = CheckId::provider(CheckKind::OrtProvider, Provider::Tensorrt, Install::First);
        let mut checks = vec![
            Check::warn(
                CheckKind::LibrariesLoadProblems,
                "libcublasLt.so.13 not found",
            ),
            Check::fail(cuda, "cannot load the CUDA provider"),
            Check::warn(CheckKind::TensorrtPresent, "no TensorRT"),
            Check::warn(trt, "TensorRT provider not usable"),
            Check::warn(CheckKind::CudaForwardCompat, "a WARN that names no cause"),
        ];
        link(&mut checks);
        assert_eq!(checks[1].caused_by, ["libraries.load_problems"]);
        assert_eq!(checks[3].caused_by, ["tensorrt.present"]);
        assert!(checks[4].caused_by.is_empty());
    }

    #[test]
    fn installs_are_not_mixed() {
        let second = CheckId::provider(CheckKind::OrtProvider, Provider::Cuda, Install::Nth(2));
        let det = CheckId::provider(CheckKind::DetectionProvider, Provider::Cuda, Install::First);
        let mut checks = vec![
            Check::fail(second, "missing lib"),
            Check::fail(det, "bad boxes"),
        ];
        link(&mut checks);
        assert!(checks.iter().all(|c| c.caused_by.is_empty()));
    }

    #[test]
    fn no_driver_explains_the_skips() {
        let mut checks = vec![
            Check::fail(CheckKind::DriverNvml, "no driver"),
            Check::skip(CheckKind::GpuHealth, "skipped: no NVIDIA driver"),
            Check::fail(CheckKind::EnvironmentContainerGpus, "no /dev/nvidia0"),
        ];
        link(&mut checks);
        assert_eq!(checks[0].caused_by, ["environment.container_gpus"]);
        assert_eq!(checks[1].caused_by, ["driver.nvml"]);
        assert_eq!(roots(&checks).count(), 1);
    }
}
