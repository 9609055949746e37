//! Kernel images (SASS and PTX) inside CUDA libraries (filled by `probe::kernels`).
//!
//! A CUDA library carries its GPU code in a fat binary: SASS compiled for real architectures
//! (`sm_80`, `sm_90a`, `sm_100f`) and PTX for virtual ones (`compute_90`). Which of them a GPU
//! can run decides between native code, JIT compilation at first launch, and CUDA's "no kernel
//! image is available for execution on the device".

use super::ProbeError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kernel images of one library file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KernelImageFacts {
    /// The library path as found (may be a symlink).
    pub path: String,
    /// The path after resolving symlinks, when it differs.
    pub real_path: Option<String>,
    /// What the library is, e.g. "cuBLASLt", "ONNX Runtime CUDA provider", "PyTorch".
    pub label: String,
    /// True when something here loads this copy: an ONNX Runtime install's provider library,
    /// the dynamic loader's pick for its soname, a copy inside a Python environment or conda
    /// prefix (loaded by that environment's frameworks through their RUNPATH), or a framework
    /// library. False for other copies (an older toolkit's, one the loader passes over).
    #[serde(default)]
    pub in_use: bool,
    /// SASS targets in `cuobjdump` style, suffix kept: `sm_80`, `sm_90a`, `sm_100f`.
    #[serde(default)]
    pub sass: Vec<String>,
    /// PTX targets: `compute_90`, `compute_90a`, `compute_120f`.
    #[serde(default)]
    pub ptx: Vec<String>,
    /// Fatbin entries read (all kinds).
    #[serde(default)]
    pub entries: usize,
    /// Entries with a compressed payload (read from their headers; never decompressed).
    #[serde(default)]
    pub compressed_entries: usize,
    /// Malformed structures met while scanning (each is skipped).
    #[serde(default)]
    pub malformed: usize,
    /// True when a scan limit stopped the scan early: the lists may be incomplete.
    #[serde(default)]
    pub truncated: bool,
    /// True when the result came from hwcheck's cache (same path, size and mtime).
    #[serde(default)]
    pub cached: bool,
    /// Why the library could not be scanned (`unreadable`, `not_elf`, `malformed_elf`), or
    /// `no_device_code` for a library without a fatbin section.
    pub error: Option<ProbeError>,
}

impl KernelImageFacts {
    /// True when the library carries at least one SASS or PTX image.
    pub fn has_device_code(&self) -> bool {
        !self.sass.is_empty() || !self.ptx.is_empty()
    }
}
