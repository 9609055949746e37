//! The outcome of an image on a host with one GPU (or one GPU class): does the NVIDIA
//! Container Toolkit start it, and which libcuda runs its CUDA code, with what result.
//!
//! Rules (NVIDIA's compatibility guide and the toolkit's source):
//! 1. A driver branch that predates (or has dropped) the GPU's architecture drives nothing.
//! 2. The toolkit (legacy mode: `docker --gpus`) refuses to start an image whose
//!    NVIDIA_REQUIRE_CUDA no alternative of holds, unless NVIDIA_DISABLE_REQUIRE is true.
//! 3. An image with cuda-compat on an older driver branch gets the compat libcuda put first:
//!    forward compatibility, which works on data-center GPUs on the branches the package
//!    supports, and fails with error 804 on GeForce.
//! 4. Otherwise the host libcuda runs it: natively when the driver's CUDA is at least the
//!    image's, through minor-version compatibility within a major (CUDA 11+), else error 35.
//! 5. CUDA built before the GPU's architecture runs only through PTX JIT (a condition); CUDA
//!    that dropped it does not run; NGC releases state a minimum compute capability.

use crate::plan_image::{ImageSpec, Packaging};
use crate::plan_types::{How, Outcome, PlanGpu, PlanHost};
use hwcheck_compat::arch::CudaSupport;
use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::forward_compat::Support;
use hwcheck_compat::gpus::GpuClass;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::require_cuda::RequireHost;
use hwcheck_model::version::DottedVersion;

const CC: CheckKind = CheckKind::GpuComputeCapability;
const REQUIRE: CheckKind = CheckKind::EnvironmentRequireCuda;
const FORWARD: CheckKind = CheckKind::CudaForwardCompat;
const RUNTIME: CheckKind = CheckKind::CudaRuntimeDriverSufficient;

const COMPAT_DOC: &str =
    "https://docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html";
const MVC_DOC: &str =
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html";
const DSL_SOURCE: &str = "https://github.com/NVIDIA/libnvidia-container/blob/main/src/cli/dsl.c";
const DISABLE_SOURCE: &str =
    "https://github.com/NVIDIA/nvidia-container-toolkit/blob/main/internal/config/image/cuda_image.go";

/// Go's strconv.ParseBool, as the toolkit reads NVIDIA_DISABLE_REQUIRE: true for
/// 1, t, T, TRUE, true, True; anything else (false, or not a boolean) keeps the check.
pub fn disables_require(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// The outcome of `spec` on `host` with `gpu`; `disable_require` is NVIDIA_DISABLE_REQUIRE.
pub fn outcome(
    spec: &ImageSpec,
    host: &PlanHost,
    gpu: &PlanGpu,
    disable_require: Option<&str>,
    tables: &Tables,
) -> Outcome {
    let mut out = Outcome {
        gpu: gpu.clone(),
        starts: Some(true),
        cuda_works: Some(true),
        how: How::Native,
        checks: Vec::new(),
    };
    if let Some(check) = driver_window(host, gpu, tables) {
        out.checks.push(check);
        return Outcome {
            starts: None,
            cuda_works: Some(false),
            how: How::GpuUnsupported,
            ..out
        };
    }
    let host_cuda = host.cuda.clone().or_else(|| {
        let row = tables
            .cuda_driver
            .newest_supported(&host.driver, Platform::Linux)?;
        Some(DottedVersion::from_parts(&[
            row.cuda.major(),
            row.cuda.minor(),
        ]))
    });
    let Some(host_cuda) = host_cuda else {
        out.checks.push(
            Check::warn(RUNTIME, format!("driver {} is older than every CUDA release hwcheck knows: cannot tell what it runs", host.driver))
                .with_fix("Install a driver from the last few years (R535 or newer)."),
        );
        return Outcome {
            cuda_works: None,
            how: How::Uncertain,
            ..out
        };
    };
    if let Some(check) = start_check(spec, host, &host_cuda, gpu, disable_require) {
        let refused = check.status == Status::Fail;
        out.checks.push(check);
        if refused {
            return Outcome {
                starts: Some(false),
                cuda_works: Some(false),
                how: How::Refused,
                ..out
            };
        }
    }
    if matches!(spec.packaging, Packaging::Ngc(_)) {
        // What an NGC container declares to the toolkit is not in hwcheck's tables.
        out.starts = None;
    }
    let (how, check) = cuda_path(spec, host, &host_cuda, gpu, tables);
    out.how = how;
    out.cuda_works = match check.status {
        Status::Fail => Some(false),
        _ if how == How::Uncertain => None,
        _ => Some(true),
    };
    out.checks.push(check);
    for check in arch_checks(spec, gpu, tables) {
        if check.status == Status::Fail {
            out.cuda_works = Some(false);
            out.how = How::Fails;
        }
        out.checks.push(check);
    }
    out
}

/// Rule 1: the driver branch must drive the GPU's architecture.
fn driver_window(host: &PlanHost, gpu: &PlanGpu, tables: &Tables) -> Option<Check> {
    let cc = gpu.cc.as_ref()?;
    let row = tables.arch.cc(cc)?;
    let (problem, fix, source) = crate::gpu::driver_finding(row, cc, &host.driver)?;
    Some(
        Check::fail(CC, format!("{}: {problem}", gpu.label))
            .with_fix(fix)
            .with_source(source),
    )
}

/// Rule 2: NVIDIA_REQUIRE_CUDA at container start. `None` when the image declares nothing.
fn start_check(
    spec: &ImageSpec,
    host: &PlanHost,
    host_cuda: &DottedVersion,
    gpu: &PlanGpu,
    disable_require: Option<&str>,
) -> Option<Check> {
    let req = spec.require.as_ref()?;
    let raw = format!("NVIDIA_REQUIRE_CUDA={}", req.requirement);
    let unconfirmed = match (&req.source, req.unconfirmed) {
        (None, _) => " (unconfirmed: this release is not in cuda_images.toml, cuda>=X.Y assumed; its real value may also list data-center branches; check `docker inspect`)",
        (Some(_), true) => " (unconfirmed row of cuda_images.toml)",
        _ => "",
    };
    let with_sources = |c: Check| {
        let c = c.with_evidence(raw.clone()).with_source(DSL_SOURCE);
        match &req.source {
            Some(s) => c.with_source(s),
            None => c,
        }
    };
    if let Some(value) = disable_require {
        if disables_require(value) {
            return Some(with_sources(
                Check::warn(REQUIRE, format!("starts: NVIDIA_DISABLE_REQUIRE={value} turns the toolkit's check of NVIDIA_REQUIRE_CUDA off"))
                    .with_source(DISABLE_SOURCE),
            ));
        }
    }
    let probe = RequireHost {
        cuda: host_cuda,
        driver: &host.driver,
        brand: Some(gpu.brand),
        arch: gpu.cc.as_ref(),
    };
    let brand = format!(
        "GPU brand {:?} as the toolkit reads it ({})",
        gpu.brand, gpu.label
    );
    let check = match req.requirement.satisfied_by(&probe) {
        Some(alt) => Check::pass(
            REQUIRE,
            format!("starts: `{}` of NVIDIA_REQUIRE_CUDA holds for driver {} (CUDA {host_cuda}){unconfirmed}", alt.text, host.driver),
        ),
        None => refused(req, host, host_cuda, gpu, unconfirmed),
    };
    let check = check.with_evidence(brand);
    let check = match disable_require {
        Some(v) => check.with_evidence(format!("NVIDIA_DISABLE_REQUIRE={v:?} is not true for the toolkit (Go ParseBool): the check stays on")),
        None => check,
    };
    Some(with_sources(check))
}

fn refused(
    req: &crate::plan_image::RequireSpec,
    host: &PlanHost,
    host_cuda: &DottedVersion,
    gpu: &PlanGpu,
    unconfirmed: &str,
) -> Check {
    let branches = req.requirement.branches();
    let min = req.requirement.cuda_min();
    let listed = if branches.is_empty() {
        "and lists no forward-compatibility branch".to_string()
    } else {
        let brands = req.requirement.brands();
        let geforce = if brands.iter().any(|b| b == "geforce") {
            ""
        } else {
            " (brands without GeForce/TITAN)"
        };
        format!(
            "or one of the data-center branches {}{geforce}",
            branches
                .iter()
                .map(|b| format!("R{b}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let needs = min
        .as_ref()
        .map_or_else(|| "a listed driver".to_string(), |m| format!("CUDA >= {m}"));
    let summary = format!(
        "refused at start: the image needs {needs} {listed}; driver {} runs CUDA {host_cuda} on a {}{unconfirmed}: the NVIDIA Container Toolkit stops with `unsatisfied condition: {}`",
        host.driver,
        gpu.class.label(),
        min.as_ref().map_or_else(|| req.requirement.to_string(), |m| format!("cuda>={m}"))
    );
    let mut fix = match &min {
        Some(m) => format!("Upgrade the driver to one that runs CUDA {m} or newer, or use an image built for CUDA <= {host_cuda}."),
        None => "Upgrade the driver, or use an older image.".to_string(),
    };
    if !branches.is_empty() && gpu.class == GpuClass::DataCenter {
        fix.push_str(
            " On a data-center GPU a listed branch also starts it (forward compatibility).",
        );
    }
    fix.push_str(" NVIDIA_DISABLE_REQUIRE=true skips the check, but CUDA then still needs a driver that runs it.");
    Check::fail(REQUIRE, summary).with_fix(fix)
}

/// Rules 3 and 4: which libcuda runs the image's CUDA, and with what result.
fn cuda_path(
    spec: &ImageSpec,
    host: &PlanHost,
    host_cuda: &DottedVersion,
    gpu: &PlanGpu,
    tables: &Tables,
) -> (How, Check) {
    let branch = host.driver.major();
    let cuda = &spec.cuda;
    if let Packaging::Ngc(row) = &spec.packaging {
        if let Some(result) = crate::plan_ngc::ngc_path(row, host, host_cuda, gpu, tables) {
            return result;
        }
    }
    let compat_injected = matches!(spec.packaging, Packaging::CudaImage | Packaging::Ngc(_))
        && spec.compat_branch.is_some_and(|c| branch < c);
    if compat_injected {
        return forward_compat(spec, host, gpu, tables);
    }
    let image_mm = DottedVersion::from_parts(&[cuda.major(), cuda.minor()]);
    if *host_cuda >= image_mm {
        return (
            How::Native,
            Check::pass(
                RUNTIME,
                format!(
                    "CUDA {cuda} runs natively: driver {} runs CUDA {host_cuda}",
                    host.driver
                ),
            ),
        );
    }
    minor_version(spec, host, host_cuda, tables)
}

/// Rule 3: the cuda-compat libcuda is put first on an older branch.
fn forward_compat(
    spec: &ImageSpec,
    host: &PlanHost,
    gpu: &PlanGpu,
    tables: &Tables,
) -> (How, Check) {
    let branch = host.driver.major();
    let compat = spec.compat_branch.unwrap_or(branch);
    let what = format!(
        "the image's cuda-compat libcuda (R{compat}, CUDA {}) is put first on the R{branch} driver",
        spec.cuda
    );
    let support = tables
        .forward_compat
        .class(gpu.class)
        .map_or(Support::No, |r| r.support);
    let (listed, earlier) = match &spec.require {
        Some(req) => (
            req.requirement.branches().contains(&branch),
            req.earlier_branches.contains(&branch),
        ),
        None => (false, false),
    };
    match support {
        Support::No => (
            How::Fails,
            Check::fail(FORWARD, format!("CUDA fails with error 804 (forward compatibility is not supported on this device): {what}, and a {} cannot use forward compatibility", gpu.class.label()))
                .with_fix(format!("Upgrade the host driver to R{compat} or newer (then the host libcuda runs it natively), or use an image built for the CUDA the driver runs."))
                .with_source(COMPAT_DOC),
        ),
        Support::Select => (
            How::Uncertain,
            Check::warn(FORWARD, format!("{what}: forward compatibility works only on the RTX/Quadro SKUs NVIDIA lists as NGC Server Ready; other cards fail with error 804"))
                .with_fix(format!("Upgrade the host driver to R{compat} or newer to be sure."))
                .with_source(COMPAT_DOC),
        ),
        Support::Yes if listed || earlier => {
            let mut check = Check::pass(FORWARD, format!("CUDA works through forward compatibility: {what}, a branch the image supports, on a {}", gpu.class.label()))
                .with_source(COMPAT_DOC);
            if earlier && !listed {
                check = Check::warn(FORWARD, format!("CUDA works through forward compatibility: {what}; R{branch} was dropped from the image's list when it reached end of life (an older push of the tag listed it)"))
                    .with_fix(format!("Move to a supported branch (R{compat} or a listed long-term branch)."))
                    .with_source(COMPAT_DOC);
            }
            (How::ForwardCompat, check)
        }
        Support::Yes => (
            How::Uncertain,
            Check::warn(FORWARD, format!("{what}, a branch the image does not list as supported: depending on the toolkit version the compat library fails (error 803) or is not used (then the host driver must run CUDA {} itself)", spec.cuda))
                .with_fix(format!("Upgrade the host driver to R{compat} or newer, or to a branch the image lists."))
                .with_source(COMPAT_DOC),
        ),
    }
}

/// Rule 4 for an older driver without compat libraries.
fn minor_version(
    spec: &ImageSpec,
    host: &PlanHost,
    host_cuda: &DottedVersion,
    tables: &Tables,
) -> (How, Check) {
    let cuda = &spec.cuda;
    let major = tables.cuda_driver.major(cuda.major());
    let floor = major.and_then(|m| m.mvc(Platform::Linux));
    let toolkit_driver = tables
        .cuda_driver
        .release(cuda)
        .and_then(|r| r.driver(Platform::Linux).cloned());
    let needed = toolkit_driver.map_or_else(
        || format!("one that runs CUDA {cuda}"),
        |d| format!(">= {d}"),
    );
    let same_major = host_cuda.major() == cuda.major();
    match floor {
        Some(floor) if same_major && host.driver >= *floor => (
            How::MinorVersionCompat,
            Check::warn(RUNTIME, format!("CUDA {cuda} runs through minor-version compatibility: driver {} (CUDA {host_cuda}) is >= {floor}, the minimum for every CUDA {}.x; code that needs newer driver features or JIT-compiles newer PTX fails", host.driver, cuda.major()))
                .with_fix(format!("For full support upgrade the driver to {needed}."))
                .with_source(MVC_DOC),
        ),
        _ => (
            How::Fails,
            Check::fail(RUNTIME, format!("CUDA fails with error 35 (CUDA driver version is insufficient for CUDA runtime version): CUDA {cuda} needs a driver that runs CUDA {}.x{}, driver {} runs CUDA {host_cuda}{}",
                cuda.major(),
                floor.map_or(String::new(), |f| format!(" (>= {f})")),
                host.driver,
                if spec.compat_branch.is_none() && spec.packaging != Packaging::Runtime { " and the image has no cuda-compat package" } else { "" }))
                .with_fix(format!("Upgrade the driver to {needed}, or use a build for CUDA <= {host_cuda}."))
                .with_source(MVC_DOC),
        ),
    }
}

/// Rule 5: the GPU's architecture against the image's CUDA (and an NGC release's minimum CC).
fn arch_checks(spec: &ImageSpec, gpu: &PlanGpu, tables: &Tables) -> Vec<Check> {
    let Some(cc) = gpu.cc.as_ref() else {
        return vec![Check::skip(
            CC,
            format!(
                "{}: compute capability unknown, architecture support not judged",
                gpu.label
            ),
        )];
    };
    let mut out = Vec::new();
    if let Packaging::Ngc(row) = &spec.packaging {
        if let Some(min) = row.min_cc.as_ref().filter(|m| cc < *m) {
            out.push(
                Check::fail(CC, format!("{}: NGC {} supports compute capability {min} and newer; this GPU is CC {cc}", gpu.label, row.release))
                    .with_fix("Use an older NGC release that supports this GPU, or a newer GPU.")
                    .with_source(&row.source),
            );
        }
    }
    let Some(row) = tables.arch.cc(cc) else {
        return out;
    };
    let check = match row.cuda_support(&spec.cuda) {
        CudaSupport::Supported => Check::pass(CC, format!("{}: CC {cc} ({}) is supported by CUDA {}", gpu.label, row.arch, spec.cuda)),
        CudaSupport::TooOld { first } => Check::warn(CC, format!(
            "{}: CUDA {} predates {} (CC {cc}; first CUDA {first}): code built with it runs on this GPU only if it ships PTX, which the driver JIT-compiles at first start; kernels without PTX fail with `no kernel image is available for execution on the device`",
            gpu.label, spec.cuda, row.arch))
            .with_fix(format!("Use an image built with CUDA >= {first}, or make sure the application ships PTX (e.g. TORCH_CUDA_ARCH_LIST with +PTX).")),
        CudaSupport::Dropped { last } => Check::fail(CC, format!("{}: CUDA {} no longer supports {} (CC {cc}); the last CUDA for it is {last}", gpu.label, spec.cuda, row.arch))
            .with_fix(format!("Use an image built with CUDA {last} or older on this GPU.")),
    };
    out.push(check.with_source(&row.source));
    out
}
