//! NVIDIA's rules for which kernel image a device can load.

use crate::KernelImages;
use serde::{Deserialize, Serialize};

/// How a device of a given compute capability would get a kernel image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Support {
    /// A SASS (cubin) image loads directly. `arch` is the SM number of the
    /// best such image: the highest compatible one (plain, `a` or `f`).
    Sass {
        /// SM number, e.g. `86` for `sm_86`.
        arch: u32,
    },
    /// No SASS fits, but PTX for an architecture at or below the device's
    /// compute capability does: the driver JIT-compiles it at first launch
    /// (slow start-up; needs a driver that knows that PTX ISA version).
    PtxJit {
        /// Virtual architecture of the PTX used, e.g. `90` for `compute_90`.
        ptx: u32,
    },
    /// Neither: CUDA reports "no kernel image is available for execution on
    /// the device".
    None,
}

/// Decides how a GPU of compute capability `cc = (major, minor)` would run
/// code from `images`, following NVIDIA's rules:
///
/// * CUDA C++ Programming Guide, "Binary Compatibility": a cubin generated
///   for compute capability X.y runs only on devices of compute capability
///   X.z where z >= y. So `sm_80` runs on 8.0, 8.6, 8.7 and 8.9, but `sm_86`
///   does not run on 8.0, and no cubin crosses a major: `sm_90` does not run
///   on 10.0 and `sm_120` does not run on 10.0 (nor `sm_100` on 12.0).
/// * CUDA C++ Programming Guide, "Application Compatibility": PTX for
///   `compute_XY` can be JIT-compiled by the driver for any device of compute
///   capability X.Y or higher, across majors; newer PTX than the device is
///   unusable.
/// * Architecture-specific targets (`sm_90a`, `sm_100a`, `sm_120a`, PTX
///   `compute_90a`): "supported on the specified architecture only", with no
///   forward or backward compatibility: they run only on exactly that
///   compute capability (PTX ISA, `.target` directive; Hopper and Blackwell
///   compatibility guides).
/// * Family-specific targets (`sm_100f`, `sm_120f`, CUDA 12.9+; Programming
///   Guide "Feature Set Compiler Targets" and
///   <https://docs.nvidia.com/cuda/blackwell-compatibility-guide/>): run on
///   devices of the same major with an equal or higher minor (`sm_100f` on
///   10.0 and 10.3, `sm_120f` on 12.0 and 12.1), i.e. like plain SASS. LLVM
///   developers observed that an `f` cubin's ELF header looks like a plain
///   one; only its fatbin entry is marked.
///
/// SASS wins over PTX when both fit, as the driver prefers a compatible cubin
/// to JIT compilation. Only the compute capability is judged: whether the
/// installed driver supports the CUDA version the library was built with is
/// a separate check.
pub fn judge(images: &KernelImages, cc: (u32, u32)) -> Support {
    let (major, minor) = cc;
    let device = major.saturating_mul(10).saturating_add(minor);
    let same_family = |arch: u32| arch / 10 == major && arch % 10 <= minor;

    let sass = images
        .sass
        .iter()
        .chain(&images.sass_family_specific)
        .copied()
        .filter(|&a| same_family(a))
        .chain(
            images
                .sass_arch_specific
                .iter()
                .copied()
                .filter(|&a| a == device),
        )
        .max();
    if let Some(arch) = sass {
        return Support::Sass { arch };
    }

    let ptx = images
        .ptx
        .iter()
        .copied()
        .filter(|&p| (p / 10, p % 10) <= (major, minor))
        .chain(
            images
                .ptx_family_specific
                .iter()
                .copied()
                .filter(|&p| same_family(p)),
        )
        .chain(
            images
                .ptx_arch_specific
                .iter()
                .copied()
                .filter(|&p| p == device),
        )
        .max();
    match ptx {
        Some(ptx) => Support::PtxJit { ptx },
        None => Support::None,
    }
}
