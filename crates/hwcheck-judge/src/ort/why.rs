//! Why a provider failed: missing libraries, wrong major versions, and the fixes for each.

use super::*;

/// Why a provider failed, and the fix.
#[derive(Debug, Default)]
pub(super) struct Explanation {
    pub(super) cause: String,
    pub(super) fix: String,
    pub(super) evidence: Vec<String>,
    pub(super) used_table: bool,
}

/// What a missing soname stands for.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Missing {
    /// A CUDA toolkit library carrying the CUDA major (cuBLAS, cuBLASLt, cudart, NVRTC).
    Cuda(u32),
    /// cuDNN of this major.
    Cudnn(u32),
    /// TensorRT of this major.
    Tensorrt(u32),
    /// The driver's libcuda.so.1.
    Libcuda,
    /// Anything else.
    Other,
}

/// Classifies "libcublasLt.so.12" etc.
pub(super) fn classify_missing(soname: &str) -> Missing {
    let Some((stem, major)) = soname.split_once(".so.") else {
        return Missing::Other;
    };
    let major = major.split('.').next().and_then(|m| m.parse::<u32>().ok());
    match (stem, major) {
        ("libcuda", _) => Missing::Libcuda,
        ("libcublasLt" | "libcublas" | "libcudart" | "libnvrtc", Some(m)) => Missing::Cuda(m),
        (s, Some(m)) if s.starts_with("libcudnn") => Missing::Cudnn(m),
        (s, Some(m)) if s.starts_with("libnvinfer") || s.starts_with("libnvonnxparser") => {
            Missing::Tensorrt(m)
        }
        _ => Missing::Other,
    }
}

/// Majors of a component on disk, from versions or sonames.
pub(super) fn majors_on_disk(facts: &Facts, components: &[Component]) -> BTreeSet<u32> {
    facts
        .libraries
        .iter()
        .filter(|l| components.contains(&l.component))
        .filter_map(|l| {
            l.version.as_ref().map(DottedVersion::major).or_else(|| {
                l.soname
                    .as_deref()
                    .and_then(|s| s.rsplit_once(".so."))
                    .and_then(|(_, m)| m.split('.').next()?.parse().ok())
            })
        })
        .collect()
}

pub(super) fn list(majors: &BTreeSet<u32>) -> String {
    majors
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn explain(
    facts: &Facts,
    probe: &ProviderProbe,
    error: &ProbeError,
    row: Option<&OrtRow>,
) -> Explanation {
    let msg = &error.message;
    match error.code.as_str() {
        "timed_out" => {
            return Explanation {
                cause: format!("the session probe {msg}"),
                fix: "a provider that hangs while starting usually waits on the driver or a GPU in a bad state: check nvidia-smi and dmesg; raise --timeout if the machine is just slow".to_string(),
                ..Explanation::default()
            }
        }
        "crashed" | "exited" => {
            return Explanation {
                cause: format!("the session probe {msg}"),
                fix: "the provider library crashed while loading or starting: usually a library built for another CUDA/cuDNN/driver; compare versions in this report".to_string(),
                ..Explanation::default()
            }
        }
        _ => {}
    }
    if msg.contains("CUDA driver version is insufficient") || msg.contains("CUDA failure 35") {
        let driver = facts
            .driver
            .nvml
            .cuda_driver_version
            .as_ref()
            .map(|v| format!(" (the driver supports CUDA {v})"))
            .unwrap_or_default();
        let needs = row
            .map(|r| format!(" CUDA {}", r.cuda_major))
            .unwrap_or_default();
        return Explanation {
            cause: format!("the NVIDIA driver is too old for this ORT's{needs} runtime{driver}"),
            fix: "upgrade the NVIDIA driver (CUDA 13 needs >= 580, CUDA 12 >= 525.60.13), or use an onnxruntime-gpu built for the CUDA the driver supports".to_string(),
            used_table: row.is_some(),
            ..Explanation::default()
        };
    }
    if msg.contains("no CUDA-capable device") || msg.contains("CUDA failure 100") {
        return Explanation {
            cause: "no GPU is visible to CUDA".to_string(),
            fix: "check CUDA_VISIBLE_DEVICES and, in a container, that it was started with the NVIDIA runtime (--gpus all)".to_string(),
            ..Explanation::default()
        };
    }
    if msg.contains("fallback to CPU EP has been explicitly disabled") {
        return Explanation {
            cause: "the provider registered but left some probe-model nodes to the CPU".to_string(),
            fix: "the provider cannot run plain Conv/Relu/Sigmoid nodes: its build or the GPU is unsupported; check the provider's requirements for this ORT version".to_string(),
            ..Explanation::default()
        };
    }
    let mut missing: Vec<String> = soname_in_error(msg).into_iter().collect();
    for m in &probe.missing_libraries {
        if !missing.contains(m) {
            missing.push(m.clone());
        }
    }
    match missing.first() {
        Some(first) => explain_missing(facts, probe.provider, first, &missing, row),
        None => Explanation {
            cause: format!("{} ({})", error.code, first_line(msg)),
            fix:
                "see the error; rerun with a fresh onnxruntime-gpu install if it names an ORT file"
                    .to_string(),
            ..Explanation::default()
        },
    }
}

pub(super) fn first_line(msg: &str) -> &str {
    msg.lines().next().unwrap_or(msg)
}

pub(super) fn explain_missing(
    facts: &Facts,
    provider: Provider,
    first: &str,
    all: &[String],
    row: Option<&OrtRow>,
) -> Explanation {
    let mut ex = Explanation::default();
    let mut causes: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut families: Vec<Missing> = Vec::new();
    for soname in all {
        if let Some(path) = hidden_copy(facts, soname) {
            let dir = std::path::Path::new(&path)
                .parent()
                .map_or(path.clone(), |p| p.display().to_string());
            causes.push(format!(
                "{soname} is on disk ({path}) but not on the loader's search path"
            ));
            fixes.push(format!("add {dir} to LD_LIBRARY_PATH (Python's onnxruntime preloads pip's nvidia libraries; other programs do not)"));
            continue;
        }
        let family = classify_missing(soname);
        if families.contains(&family) || (family == Missing::Other && !families.is_empty()) {
            continue;
        }
        let (cause, fix) = explain_family(facts, provider, &family, soname, row);
        causes.push(cause);
        fixes.push(fix);
        ex.used_table |= matches!(family, Missing::Cudnn(_) | Missing::Tensorrt(_));
        families.push(family);
    }
    ex.cause = causes.join("; ");
    ex.fix = fixes.join("; ");
    if all.len() > 1 {
        ex.evidence.push(format!(
            "the loader names only the first missing library ({first}); the whole list: {}",
            all.join(", ")
        ));
    }
    ex
}

/// Cause and fix for one missing library family, from the libraries found on disk.
pub(super) fn explain_family(
    facts: &Facts,
    provider: Provider,
    family: &Missing,
    soname: &str,
    row: Option<&OrtRow>,
) -> (String, String) {
    let cuda_build = row.map_or(13, |r| r.cuda_major);
    match *family {
        Missing::Cuda(n) => {
            let on_disk = majors_on_disk(
                facts,
                &[Component::Cudart, Component::Cublas, Component::CublasLt],
            );
            let others: BTreeSet<u32> = on_disk.into_iter().filter(|m| *m != n).collect();
            let cause = if others.is_empty() {
                format!("this ORT is a CUDA {n} build and {soname} is missing (no CUDA {n} libraries found)")
            } else {
                format!(
                    "this ORT is a CUDA {n} build ({soname} missing); only CUDA {} libraries found",
                    list(&others)
                )
            };
            (cause, cuda_fix(n, &others))
        }
        Missing::Cudnn(n) => {
            let found = majors_on_disk(facts, &[Component::Cudnn]);
            let others: BTreeSet<u32> = found.into_iter().filter(|m| *m != n).collect();
            let cause = if others.is_empty() {
                format!("cuDNN {n} is not installed ({soname} missing)")
            } else {
                format!(
                    "cuDNN major mismatch: this ORT needs cuDNN {n}, found cuDNN {} ({soname} missing)",
                    list(&others)
                )
            };
            let fix = format!("install cuDNN {n} (pip install nvidia-cudnn-cu{cuda_build}, or NVIDIA's packages) and put its lib directory on LD_LIBRARY_PATH; cuDNN majors are not interchangeable");
            (cause, fix)
        }
        Missing::Tensorrt(n) => {
            let found = majors_on_disk(facts, &[Component::Tensorrt]);
            let cause = if found.is_empty() {
                format!("TensorRT {n} is not installed ({soname} missing)")
            } else {
                format!(
                    "TensorRT {n} is needed ({soname} missing); found TensorRT {}",
                    list(&found)
                )
            };
            let fix = format!("install TensorRT {n} for CUDA {cuda_build} (pip install tensorrt-cu{cuda_build}, or NVIDIA's packages) and put its lib directory on LD_LIBRARY_PATH, or do without the TensorRT provider (the CUDA provider does not need it)");
            (cause, fix)
        }
        Missing::Libcuda => (
            "the NVIDIA driver's libcuda.so.1 is not visible".to_string(),
            "install the NVIDIA driver; in a container, start it with the NVIDIA runtime (--gpus all) so libcuda is mounted".to_string(),
        ),
        Missing::Other if soname.starts_with("libonnxruntime") => (
            format!("{soname} is missing beside the ORT library"),
            format!(
                "the install is incomplete: reinstall it so all libonnxruntime_providers_*.so of the {} provider sit beside libonnxruntime.so",
                provider.label()
            ),
        ),
        Missing::Other => (
            format!("{soname} cannot be found by the loader"),
            format!("install the package that provides {soname} or add its directory to LD_LIBRARY_PATH"),
        ),
    }
}

pub(super) fn cuda_fix(n: u32, others: &BTreeSet<u32>) -> String {
    match n {
        12 => {
            let newer = if others.contains(&13) {
                " or use onnxruntime-gpu >= 1.27 (a CUDA 13 build)"
            } else {
                ""
            };
            format!("install CUDA 12 cuBLAS and runtime (pip install nvidia-cublas-cu12 nvidia-cuda-runtime-cu12, or the CUDA 12 toolkit) and put them on LD_LIBRARY_PATH{newer}")
        }
        13 => {
            let older = if others.contains(&12) {
                ", or use onnxruntime-gpu 1.26 or older (a CUDA 12 build)"
            } else {
                ""
            };
            format!("install CUDA 13 cuBLAS and runtime (pip install nvidia-cublas nvidia-cuda-runtime: CUDA 13 wheels have no -cu13 suffix; or the CUDA 13 toolkit; driver >= 580) and put them on LD_LIBRARY_PATH{older}")
        }
        _ => format!("install the CUDA {n} libraries this ORT was built against and put them on LD_LIBRARY_PATH, or use an ORT built for the CUDA you have"),
    }
}
