//! Read which GPU kernel images a CUDA library carries, straight from the
//! library file, and predict whether a given GPU can run them.
//!
//! `hwcheck` uses this to predict CUDA's "no kernel image is available for
//! execution on the device" error before a user deploys: [`scan_file`] lists
//! the SASS (cubin) and PTX architectures embedded in a shared library's
//! `.nv_fatbin` section without `cuobjdump`, and [`judge`] applies NVIDIA's
//! compatibility rules to a device's compute capability.
//!
//! ```no_run
//! use hwcheck_kernels::{judge, scan_file, Limits, Support};
//! use std::path::Path;
//!
//! let images = scan_file(Path::new("/usr/lib/libfoo.so"), &Limits::default())?;
//! match judge(&images, (9, 0)) {
//!     Support::Sass { arch } => println!("native SASS sm_{arch}"),
//!     Support::PtxJit { ptx } => println!("JIT from compute_{ptx} at first launch"),
//!     Support::None => println!("no kernel image is available for execution on the device"),
//! }
//! # Ok::<(), hwcheck_kernels::ScanError>(())
//! ```
//!
//! The container layout and every source it was checked against are in the
//! [`fatbin`] module. Reads are bounded: only ELF headers, the section header
//! table, the section-name table and the fatbin headers are read; kernel
//! payloads are never loaded (at most the first 64 bytes of an uncompressed
//! cubin are read, to look at its ELF `e_flags`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod elf;
pub mod fatbin;
#[cfg(feature = "fixtures")]
pub mod fixtures;
mod judge;
mod source;
mod target;

pub use judge::{judge, Support};
pub use target::{Kind, Target, Variant};

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::Path;

/// The kernel images found in one library (or one fatbin byte string).
///
/// Architectures are stored as NVIDIA's SM numbers: `major * 10 + minor`,
/// so `sm_90` is `90`, `sm_86` is `86`, `sm_120` is `120` and `sm_103` is
/// `103`. The `a` / `f` suffix is not part of the number; it selects the set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KernelImages {
    /// SASS (cubin) for a plain real architecture, e.g. `sm_80` as `80`.
    pub sass: BTreeSet<u32>,
    /// SASS for an architecture-specific target (`sm_90a`, `sm_100a`,
    /// `sm_120a`), stored without the suffix. Runs only on exactly that
    /// compute capability.
    pub sass_arch_specific: BTreeSet<u32>,
    /// SASS for a family-specific target (`sm_100f`, `sm_120f`; CUDA 12.9+),
    /// stored without the suffix. Runs on the same major with an equal or
    /// higher minor, like plain SASS.
    pub sass_family_specific: BTreeSet<u32>,
    /// PTX for a plain virtual architecture, e.g. `compute_90` as `90`.
    pub ptx: BTreeSet<u32>,
    /// PTX for an architecture-specific virtual target (`compute_90a`).
    pub ptx_arch_specific: BTreeSet<u32>,
    /// PTX for a family-specific virtual target (`compute_100f`).
    pub ptx_family_specific: BTreeSet<u32>,
    /// Number of well-formed entries read (all kinds).
    pub entries: usize,
    /// Entries whose payload is compressed (LZ4, ZSTD or NVIDIA's own scheme).
    pub compressed_entries: usize,
    /// Entries that are neither SASS nor PTX (NVVM IR / LTO-IR, unknown kinds).
    pub other_entries: usize,
    /// Number of fatbin containers (`0xBA55ED50` headers) found.
    pub containers: usize,
    /// Malformed structures met (bad headers, lengths past the end, junk
    /// between containers). Each one ends its container; scanning goes on.
    pub errors: usize,
    /// True when a [`Limits`] cap stopped the scan before the end.
    pub truncated: bool,
}

impl KernelImages {
    /// True when no SASS and no PTX was found.
    pub fn is_empty(&self) -> bool {
        self.sass.is_empty()
            && self.sass_arch_specific.is_empty()
            && self.sass_family_specific.is_empty()
            && self.ptx.is_empty()
            && self.ptx_arch_specific.is_empty()
            && self.ptx_family_specific.is_empty()
    }

    /// Human-readable target names in `cuobjdump` style, sorted by kind:
    /// `sm_80`, `sm_90a`, `sm_100f`, `compute_90`, ...
    pub fn target_names(&self) -> Vec<String> {
        self.targets().iter().map(Target::to_string).collect()
    }
}

/// Caps on how much of a file a scan may touch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest section (in bytes) that is scanned; a larger one is scanned up
    /// to this many bytes and the result is marked
    /// [`truncated`](KernelImages::truncated). Default: 2 GiB. Payloads are
    /// skipped by seeking, so this bounds the addresses touched, not memory.
    pub max_section_bytes: u64,
    /// Most fatbin entries read before the scan stops (default 1,000,000;
    /// libcublasLt has a few thousand).
    pub max_entries: usize,
    /// Most `.nvFatBinSegment` wrapper records followed (default 100,000).
    pub max_wrappers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_section_bytes: 2 << 30,
            max_entries: 1_000_000,
            max_wrappers: 100_000,
        }
    }
}

/// Why a scan produced no result.
#[derive(Debug)]
pub enum ScanError {
    /// Opening or reading the file failed.
    Io(io::Error),
    /// The file is not an ELF file.
    NotElf,
    /// The ELF headers could not be parsed.
    Elf(String),
    /// The ELF file has no `.nv_fatbin`, `__nv_relfatbin` or
    /// `.nvFatBinSegment` section: it carries no CUDA device code.
    NoFatbinSection,
    /// The bytes hold no fatbin container magic at all.
    NotFatbin,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Io(e) => write!(f, "I/O error: {e}"),
            ScanError::NotElf => f.write_str("not an ELF file"),
            ScanError::Elf(e) => write!(f, "malformed ELF file: {e}"),
            ScanError::NoFatbinSection => f.write_str("no CUDA fatbin section (no device code)"),
            ScanError::NotFatbin => f.write_str("no CUDA fatbin container found"),
        }
    }
}

impl std::error::Error for ScanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScanError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// Scans the contents of a fatbin section (one or more containers back to
/// back, possibly zero-padded) held in memory.
///
/// Malformed parts are counted in [`KernelImages::errors`] and skipped; this
/// never panics and runs in time linear in `section.len()`. Returns
/// [`ScanError::NotFatbin`] when non-empty input holds no valid container
/// header at all; empty input gives an empty result.
pub fn scan_bytes(section: &[u8]) -> Result<KernelImages, ScanError> {
    let mut out = KernelImages::default();
    let mut src = source::SliceSource(section);
    fatbin::scan_section(&mut src, &Limits::default(), &mut out)?;
    if out.containers == 0 && !section.is_empty() {
        return Err(ScanError::NotFatbin);
    }
    Ok(out)
}

/// Opens an ELF shared library (or executable / object) and lists the kernel
/// images in its fatbin sections.
///
/// Scans `.nv_fatbin` and `__nv_relfatbin` whole, and follows each
/// `.nvFatBinSegment` wrapper (`__fatBinC_Wrapper_t`, magic `0x466243B1`)
/// whose data pointer lands in some other section, reading the one container
/// it points at. ELF headers are parsed through [`object::ReadCache`], so the
/// file is never read whole; fatbin headers are read with seek + `read_exact`
/// of at most 64 KiB at a time, and payloads are skipped by seeking.
pub fn scan_file(path: &Path, limits: &Limits) -> Result<KernelImages, ScanError> {
    let file = File::open(path)?;
    scan_open_file(&file, limits)
}

/// [`scan_file`] on an already open file.
pub fn scan_open_file(file: &File, limits: &Limits) -> Result<KernelImages, ScanError> {
    let file_len = file.metadata()?.len();
    let layout = elf::read_layout(file)?;
    let mut out = KernelImages::default();
    let mut whole: Vec<&elf::SectionInfo> = Vec::new();
    for name in elf::FATBIN_SECTIONS {
        whole.extend(layout.sections.iter().filter(|s| s.name == name.as_bytes()));
    }
    let segment = layout
        .sections
        .iter()
        .find(|s| s.name == elf::WRAPPER_SECTION.as_bytes());
    if whole.is_empty() && segment.is_none() {
        return Err(ScanError::NoFatbinSection);
    }
    for section in &whole {
        let Some(mut window) = elf::window(file, file_len, section, limits, &mut out) else {
            continue;
        };
        fatbin::scan_section(&mut window, limits, &mut out)?;
    }
    if let Some(segment) = segment {
        elf::follow_wrappers(file, file_len, &layout, segment, &whole, limits, &mut out)?;
    }
    Ok(out)
}
