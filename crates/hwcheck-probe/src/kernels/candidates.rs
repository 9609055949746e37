//! Which library files the kernel probe scans, how each is named in reports, and whether
//! something here loads it.

use crate::context::SystemContext;
use crate::ort::discover;
use hwcheck_model::facts::{Code, FoundVia, LibraryFacts};
use std::path::{Path, PathBuf};

/// ONNX Runtime provider libraries with CUDA kernels, and their labels.
const ORT_PROVIDERS: [(&str, &str); 2] = [
    (
        "libonnxruntime_providers_cuda.so",
        "ONNX Runtime CUDA provider",
    ),
    (
        "libonnxruntime_providers_tensorrt.so",
        "ONNX Runtime TensorRT provider",
    ),
];

/// Framework CUDA libraries inside a Python environment: (folder under site-packages, file
/// name prefix, label). PyTorch's `libtorch_cuda.so` (also the older `libtorch_cuda_cu.so` /
/// `_cpp.so` split and `libtorch_cuda_linalg.so`) and `libc10_cuda.so`.
const FRAMEWORK_LIBS: [(&str, &str, &str); 2] = [
    ("torch/lib", "libtorch_cuda", "PyTorch"),
    ("torch/lib", "libc10_cuda", "PyTorch"),
];

/// Most entries listed in one framework folder.
const MAX_LISTING: usize = 4096;
/// Most files scanned.
pub const MAX_CANDIDATES: usize = 2000;

/// One library file to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The real (symlink-resolved) path on this machine: what is read and cached.
    pub real: PathBuf,
    /// The path shown in reports (as the probed system names it).
    pub shown: String,
    /// The real path as shown, when it differs from `shown`.
    pub shown_real: Option<String>,
    /// What it is ("cuBLASLt", "ONNX Runtime CUDA provider", "PyTorch").
    pub label: String,
    /// Something here loads this copy (see `KernelImageFacts::in_use`).
    pub in_use: bool,
}

/// Every file to scan, one per real file (the first way it was met names it; it is in use
/// when any way says so), at most [`MAX_CANDIDATES`].
pub fn candidates(ctx: &SystemContext, libraries: &[LibraryFacts]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut add = |host: PathBuf, label: &str, in_use: bool| {
        let Ok(real) = std::fs::canonicalize(&host) else {
            return;
        };
        if let Some(seen) = out.iter_mut().find(|c| c.real == real) {
            seen.in_use |= in_use;
            return;
        }
        if out.len() >= MAX_CANDIDATES {
            return;
        }
        let shown = ctx.display_path(&host);
        let shown_real = Some(crate::libs::shown_path(ctx, &real)).filter(|r| *r != shown);
        out.push(Candidate {
            real,
            shown,
            shown_real,
            label: label.to_string(),
            in_use,
        });
    };
    for found in &discover::discover(ctx).0 {
        let Some(dir) = found.host_path.parent() else {
            continue;
        };
        for plib in &found.install.provider_libraries {
            if let Some((_, label)) = ORT_PROVIDERS.iter().find(|(n, _)| *n == plib.name) {
                add(dir.join(&plib.name), label, true);
            }
        }
    }
    for site in crate::python_envs::site_packages(ctx) {
        for (folder, prefix, label) in FRAMEWORK_LIBS {
            for file in files_named(&site.join(folder), prefix) {
                add(file, label, true);
            }
        }
    }
    for lib in libraries
        .iter()
        .filter(|l| l.component.carries_gpu_code() && !unusable_file(l))
    {
        let in_use = lib.loader_selected
            || lib
                .found_via
                .iter()
                .any(|v| matches!(v, FoundVia::PipWheel(_) | FoundVia::Conda(_)));
        add(ctx.path(&lib.path), lib.component.label(), in_use);
    }
    out
}

/// True when the copy is not a readable ELF file for this machine (`libraries.load_problems`
/// reports it); a copy that only failed to load (a missing dependency) is still scanned.
fn unusable_file(lib: &LibraryFacts) -> bool {
    lib.problem.as_ref().is_some_and(|p| {
        matches!(
            p.code,
            Code::NotElf
                | Code::Truncated
                | Code::WrongArchitecture
                | Code::Unreadable
                | Code::NotFound
                | Code::DanglingSymlink
                | Code::SymlinkLoop
        )
    })
}

/// Files in `dir` named `<prefix>*.so*`, sorted; empty when `dir` cannot be listed.
fn files_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .take(MAX_LISTING)
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with(prefix) && name.contains(".so")
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};
    use hwcheck_model::facts::Component;
    use hwcheck_model::facts::ProbeError;

    #[test]
    fn finds_providers_frameworks_and_kernel_libraries_once_each() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let site = "/opt/app/.venv/lib/python3.12/site-packages";
        write(
            r,
            &format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1"),
            "",
        );
        for p in ["cuda", "tensorrt", "shared"] {
            write(
                r,
                &format!("{site}/onnxruntime/capi/libonnxruntime_providers_{p}.so"),
                "",
            );
        }
        write(r, &format!("{site}/torch/lib/libtorch_cuda.so"), "");
        write(r, &format!("{site}/torch/lib/libtorch_cpu.so"), "");
        write(r, "/usr/lib/x86_64-linux-gnu/libcublasLt.so.13.1.0.3", "");
        std::os::unix::fs::symlink(
            "libcublasLt.so.13.1.0.3",
            r.join("usr/lib/x86_64-linux-gnu/libcublasLt.so.13"),
        )
        .unwrap();
        write(r, "/usr/local/cuda-12.4/lib64/libcufft.so.11", "");
        write(r, "/usr/lib/x86_64-linux-gnu/libcudart.so.13", "");
        let lib = |component, path: &str, selected: bool| LibraryFacts {
            loader_selected: selected,
            ..LibraryFacts::new(component, path)
        };
        let libraries = [
            lib(
                Component::CublasLt,
                "/usr/lib/x86_64-linux-gnu/libcublasLt.so.13",
                true,
            ),
            // The same real file through its full name: merged.
            lib(
                Component::CublasLt,
                "/usr/lib/x86_64-linux-gnu/libcublasLt.so.13.1.0.3",
                false,
            ),
            lib(
                Component::Cufft,
                "/usr/local/cuda-12.4/lib64/libcufft.so.11",
                false,
            ),
            lib(
                Component::Cudart,
                "/usr/lib/x86_64-linux-gnu/libcudart.so.13",
                true,
            ),
            lib(Component::Cublas, "/nowhere/libcublas.so.13", true),
            LibraryFacts {
                problem: Some(ProbeError::new(Code::WrongArchitecture, "PowerPC64")),
                ..lib(
                    Component::Cufft,
                    "/usr/lib/x86_64-linux-gnu/libcudart.so.13",
                    true,
                )
            },
        ];
        let c = ctx(r, &[("VIRTUAL_ENV", "/opt/app/.venv")]);
        let found = candidates(&c, &libraries);
        let shown: Vec<(&str, &str, bool)> = found
            .iter()
            .map(|c| (c.shown.as_str(), c.label.as_str(), c.in_use))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    &*format!("{site}/onnxruntime/capi/libonnxruntime_providers_cuda.so"),
                    "ONNX Runtime CUDA provider",
                    true
                ),
                (
                    &*format!("{site}/onnxruntime/capi/libonnxruntime_providers_tensorrt.so"),
                    "ONNX Runtime TensorRT provider",
                    true
                ),
                (
                    &*format!("{site}/torch/lib/libtorch_cuda.so"),
                    "PyTorch",
                    true
                ),
                (
                    "/usr/lib/x86_64-linux-gnu/libcublasLt.so.13",
                    "cuBLASLt",
                    true
                ),
                ("/usr/local/cuda-12.4/lib64/libcufft.so.11", "cuFFT", false),
            ]
        );
        assert_eq!(
            found[3].shown_real.as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libcublasLt.so.13.1.0.3")
        );
    }
}
