//! `kernels.images`: can each GPU run the kernels the CUDA libraries here carry?
//!
//! A library's fatbin holds SASS for real architectures and PTX for virtual ones (facts from
//! `probe::kernels`). NVIDIA's rules, applied by [`hwcheck_kernels::judge`]: SASS for `sm_XY`
//! runs on compute capability X.Z with Z >= Y, never across majors; `a` targets only on exactly
//! X.Y, `f` targets like plain SASS; PTX for `compute_XY` is JIT-compiled by the driver for
//! X.Y and newer. SASS -> PASS; only PTX -> WARN (the first launch compiles, the JIT cache must
//! hold the result); neither -> CUDA's "no kernel image is available for execution on the
//! device": FAIL for a library something here loads, WARN for a copy nothing loads by default.

use hwcheck_compat::Tables;
use hwcheck_kernels::{KernelImages, Support};
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::kernels::KernelImageFacts;
use hwcheck_model::facts::{Code, Component, Facts};
use std::collections::BTreeMap;

const ID: CheckKind = CheckKind::KernelsImages;

/// CUDA C++ Programming Guide: SASS runs on the same major, equal or higher minor.
pub const BINARY_COMPAT: &str =
    "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#binary-compatibility";
/// CUDA C++ Programming Guide: PTX is JIT-compiled for the device at load time.
pub const APP_COMPAT: &str =
    "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#application-compatibility";
/// nvcc: architecture-specific (`a`) and family-specific (`f`) targets.
pub const NVCC_TARGETS: &str =
    "https://docs.nvidia.com/cuda/cuda-compiler-driver-nvcc/index.html#gpu-feature-list";
/// NVIDIA blog: fat binaries, JIT at context creation, and the JIT cache.
pub const JIT_CACHE: &str =
    "https://developer.nvidia.com/blog/cuda-pro-tip-understand-fat-binaries-jit-caching/";
/// CUDA environment variables (`CUDA_CACHE_PATH`, `CUDA_CACHE_MAXSIZE`, `CUDA_CACHE_DISABLE`).
pub const ENV_VARS: &str =
    "https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html";

/// GPUs of one compute capability: (major, minor) -> labels.
type GpusByCc = BTreeMap<(u32, u32), Vec<String>>;

/// Judges every library with device code against every compute capability present.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let with_code: Vec<&KernelImageFacts> = facts
        .kernels
        .iter()
        .filter(|k| k.has_device_code())
        .collect();
    let unreadable: Vec<&KernelImageFacts> = facts
        .kernels
        .iter()
        .filter(|k| {
            k.in_use
                && k.error
                    .as_ref()
                    .is_some_and(|e| e.code != Code::NoDeviceCode)
        })
        .collect();
    if with_code.is_empty() && unreadable.is_empty() {
        return vec![Check::skip(ID, nothing_to_judge(facts))];
    }
    let gpus = gpus_by_cc(facts, tables);
    let mut checks: Vec<Check> = unreadable.iter().map(|k| unreadable_row(k)).collect();
    if gpus.is_empty() {
        let mut skip = Check::skip(
            ID,
            format!(
                "no GPU compute capability known (see driver.nvml): the kernel images of {} librar{} were not judged",
                with_code.len(),
                if with_code.len() == 1 { "y" } else { "ies" }
            ),
        );
        for k in &with_code {
            skip = skip.with_evidence(format!("{}: {}", k.path, targets(k)));
        }
        checks.push(skip);
        return checks;
    }
    for k in with_code {
        for (&cc, names) in &gpus {
            let row = row(k, cc, names);
            checks.push(match gpus.len() {
                1 => row.with_instance(&k.path),
                _ => row.with_instance(format!("{} (CC {}.{})", k.path, cc.0, cc.1)),
            });
        }
    }
    checks
}

/// Why there is nothing to judge.
fn nothing_to_judge(facts: &Facts) -> String {
    if facts.skipped.iter().any(|s| s.starts_with("kernel images")) {
        "skipped: kernel images not scanned yet (--quick uses cached scans only)".to_string()
    } else {
        "no CUDA library carrying GPU code was found (ONNX Runtime CUDA/TensorRT providers, cuBLAS, cuDNN, PyTorch…)".to_string()
    }
}

/// Compute capabilities of the GPUs (NVML's, else gpus.toml's for the model name).
fn gpus_by_cc(facts: &Facts, tables: &Tables) -> GpusByCc {
    let mut out = GpusByCc::new();
    for g in &facts.gpus {
        let cc = g
            .compute_capability
            .clone()
            .or_else(|| tables.gpus.model(&g.name).map(|row| row.cc.clone()));
        if let Some(cc) = cc {
            out.entry((cc.major(), cc.minor()))
                .or_default()
                .push(format!("GPU {} ({})", g.index, g.name));
        }
    }
    out
}

/// The target list of a library, for evidence.
fn targets(k: &KernelImageFacts) -> String {
    let all: Vec<&str> = k.sass.iter().chain(&k.ptx).map(String::as_str).collect();
    all.join(" ")
}

/// One library on one compute capability.
fn row(k: &KernelImageFacts, (major, minor): (u32, u32), gpus: &[String]) -> Check {
    let (images, unknown) =
        KernelImages::from_target_names(k.sass.iter().chain(&k.ptx).map(String::as_str));
    let device = format!("{} (compute capability {major}.{minor})", gpus.join(", "));
    let sm = format!("sm_{major}{minor}");
    let label = &k.label;
    let mut check = match hwcheck_kernels::judge(&images, (major, minor)) {
        Support::Sass { arch } => Check::pass(
            ID,
            format!(
                "{label}: {} SASS runs natively on {device}",
                sass_name(&images, arch)
            ),
        ),
        Support::PtxJit { ptx } => Check::warn(
            ID,
            format!(
                "{label}: no SASS for {device}; the driver JIT-compiles its compute_{ptx} PTX at first launch (the first run compiles kernels)"
            ),
        )
        .with_fix(format!(
            "Expect a slow first start: keep CUDA's JIT cache persistent and large enough for the compiled kernels (CUDA_CACHE_PATH sets where it lives, CUDA_CACHE_MAXSIZE its size limit; in a container, mount it as a volume). A build of {label} that includes {sm} SASS avoids the JIT."
        ))
        .with_source(APP_COMPAT)
        .with_source(JIT_CACHE)
        .with_source(ENV_VARS),
        Support::None => no_image(k, &device, &sm),
    };
    check = check
        .with_evidence(match &k.real_path {
            Some(real) => format!("{} -> {real}", k.path),
            None => k.path.clone(),
        })
        .with_evidence(format!("carries: {}", targets(k)))
        .with_source(BINARY_COMPAT);
    if images
        .sass_arch_specific
        .iter()
        .chain(&images.sass_family_specific)
        .next()
        .is_some()
    {
        check = check.with_source(NVCC_TARGETS);
    }
    if !unknown.is_empty() {
        check = check.with_evidence(format!("unrecognised targets: {}", unknown.join(" ")));
    }
    if k.compressed_entries > 0 {
        check = check.with_evidence(format!(
            "{} of {} fatbin entries compressed (read from their headers)",
            k.compressed_entries, k.entries
        ));
    }
    incomplete_scan(check, k)
}

/// The FAIL (or WARN for a copy nothing loads) for a library with no usable image.
fn no_image(k: &KernelImageFacts, device: &str, sm: &str) -> Check {
    let label = &k.label;
    let summary = format!(
        "{label}: no kernel image for {device}: CUDA will fail with \"no kernel image is available for execution on the device\""
    );
    let fix = match label.as_str() {
        l if l.starts_with("ONNX Runtime") => format!(
            "Install an onnxruntime-gpu release whose CUDA build includes {sm} (newer releases add newer GPUs), or build ONNX Runtime with CMAKE_CUDA_ARCHITECTURES including {}.",
            sm.trim_start_matches("sm_")
        ),
        "PyTorch" => format!(
            "Install a PyTorch build for this GPU: a newer release or another CUDA variant whose torch.cuda.get_arch_list() includes {sm}."
        ),
        _ => format!(
            "Install a {label} release that supports this GPU (its SASS list must include {sm}, or PTX for an older architecture), e.g. a newer version or the wheel for another CUDA major."
        ),
    };
    if !k.in_use {
        Check::warn(
            ID,
            format!("{summary} (nothing here loads this copy by default: not the loader's pick)"),
        )
        .with_fix(fix)
    } else if vendor_library(k) {
        Check::warn(
            ID,
            format!(
                "{label}: its .nv_fatbin holds no kernel image for {device} (unconfirmed: NVIDIA's libraries can load kernels kept outside that section)"
            ),
        )
        .with_fix(format!(
            "Confirm with `cuobjdump --list-elf {}` (a {sm} line means it is fine) or by running a {label} call on this GPU; if it fails with \"no kernel image is available\", {}",
            k.real_path.as_deref().unwrap_or(&k.path),
            lowercase_first(&fix)
        ))
    } else {
        Check::fail(ID, summary).with_fix(fix)
    }
    .with_source(APP_COMPAT)
}

/// NVIDIA's own CUDA libraries (cuBLAS, cuFFT, cuDNN, TensorRT…): their `.nv_fatbin` need not
/// hold every kernel (seen on the H200: CUDA 13.0's cuFFT, which supports sm_90, carries a
/// single sm_75 entry there), so a scan of it cannot prove a kernel image missing. The
/// libraries hwcheck knows to keep all their kernels there are ONNX Runtime's providers and the
/// frameworks' CUDA libraries.
fn vendor_library(k: &KernelImageFacts) -> bool {
    Component::ALL.iter().any(|c| c.label() == k.label)
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

/// A scan that stopped early or met malformed data cannot prove absence: FAIL becomes WARN.
fn incomplete_scan(check: Check, k: &KernelImageFacts) -> Check {
    if !k.truncated && k.malformed == 0 {
        return check;
    }
    let note = format!(
        "scan incomplete ({}{} malformed structure(s) skipped): an image may have been missed",
        if k.truncated {
            "stopped at a limit; "
        } else {
            ""
        },
        k.malformed
    );
    let mut check = check.with_evidence(note);
    if check.status == Status::Fail {
        check.status = Status::Warn;
        check
            .summary
            .push_str(" (unconfirmed: the scan was incomplete)");
    }
    check
}

/// `sm_90a` / `sm_100f` / `sm_86`: the name of the SASS image the device would use.
fn sass_name(images: &KernelImages, arch: u32) -> String {
    if images.sass.contains(&arch) {
        format!("sm_{arch}")
    } else if images.sass_family_specific.contains(&arch) {
        format!("sm_{arch}f")
    } else {
        format!("sm_{arch}a")
    }
}

/// A library something here loads whose kernel images could not be read.
fn unreadable_row(k: &KernelImageFacts) -> Check {
    let why = k.error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
    Check::warn(
        ID,
        format!("{}: kernel images could not be read ({why})", k.label),
    )
    .with_evidence(&k.path)
    .with_fix(
        "Check that the file is a complete, readable copy (reinstall the package that ships it).",
    )
    .with_instance(&k.path)
}

#[cfg(test)]
mod tests;
