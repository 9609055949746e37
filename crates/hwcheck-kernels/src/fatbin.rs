//! The CUDA fat binary container, as found in `.nv_fatbin` / `__nv_relfatbin`.
//!
//! NVIDIA does not document this format. The layout below is the one that
//! these public descriptions agree on (all little-endian):
//!
//! 1. NVIDIA's own `fatbinary.h` (2010-2018; a copy is vendored, for example,
//!    in LLVM's OpenMP CUDA host wrapper): `struct fatBinaryHeader { u32 magic
//!    = 0xBA55ED50; u16 version = 1; u16 headerSize; u64 fatSize; }`, "fatSize
//!    ... excluding this header", structures 8-byte aligned, and the code kinds
//!    `FATBIN_KIND_PTX = 1`, `FATBIN_KIND_ELF = 2`, `FATBIN_KIND_OLDCUBIN = 4`,
//!    `FATBIN_KIND_IR = 8`. Entry headers are "in a separate internal header".
//! 2. n-eiling/cuda-fatbin-decompression (`fatbin-decompress.h/.c`, 2023) and
//!    jiegec/fatbinary (Rust crate `src/lib.rs` and the Kaitai spec
//!    `fatbinary.ksy`, derived from 2): the 64-byte entry header below,
//!    flags `0x1` 64-bit, `0x2` debug, `0x4` CUDA producer, `0x10` Linux host,
//!    `0x2000` compressed.
//! 3. GrigoryEvko/nvopen-tools `fatbin/FORMAT_SPECIFICATION.md` (from reverse
//!    engineering `cuobjdump`, "validated against CUDA 11.x-13.x", e.g.
//!    libcublasLt.so.13 with 2,775 containers): next entry = entry + header
//!    size + padded payload size; header sizes 64, 80 or 112 (larger ones for
//!    sm_100+/sm_120+ entries); ZSTD compression flag `0x8000`; kind `0x10`
//!    also counted as ELF by `cuobjdump`; many containers per section.
//! 4. tiran/objectfile (`crates/cuda-fatbin/src/lib.rs` and its Python
//!    `fatbin.py`, checked against `cuobjdump` on nvcc 12.8+ output built for
//!    `sm_90a`/`sm_120a`): flag `0x10_0000` marks architecture-specific `a`
//!    targets and `0x20_0000` family-specific `f` targets; compression flags
//!    `0x1000` (NVIDIA), `0x2000` (LZ4), `0x8000` (ZSTD); containers in a
//!    section may be aligned and zero-padded.
//!
//! Container header (16 bytes):
//!
//! | offset | type | field |
//! |---|---|---|
//! | 0 | u32 | magic `0xBA55ED50` |
//! | 4 | u16 | version, `1` |
//! | 6 | u16 | header size, `16` |
//! | 8 | u64 | fat size: bytes of entries after the header |
//!
//! Entry header (`header size` bytes, at least 64; payload follows it):
//!
//! | offset | type | field |
//! |---|---|---|
//! | 0x00 | u16 | kind: 1 PTX, 2 ELF (SASS cubin), 4 old cubin, 8 NVVM/LTO IR, 0x10 ELF (per 3) |
//! | 0x02 | u16 | unknown, usually `0x0101` |
//! | 0x04 | u32 | header size: 64, 80, 96 or 112 seen (72 reported by 2) |
//! | 0x08 | u64 | payload size as stored, padded to 8 |
//! | 0x10 | u32 | compressed payload size (0 when stored plain) |
//! | 0x14 | u32 | unknown (offset of PTX options for PTX entries) |
//! | 0x18 | u16 | code version minor |
//! | 0x1a | u16 | code version major |
//! | 0x1c | u32 | SM number, e.g. 90 for `sm_90` / `compute_90` |
//! | 0x20 | u32 | object name offset (from the entry start) |
//! | 0x24 | u32 | object name length |
//! | 0x28 | u64 | flags |
//! | 0x30 | u64 | zero |
//! | 0x38 | u64 | uncompressed payload size (0 when stored plain) |
//!
//! The next entry starts at `entry + header size + payload size`; the next
//! container at `container + 16 + fat size`, after optional zero padding.
//!
//! Checked against real output (CUDA 13.0, nvcc V13.0.88, `cuobjdump` 13.0
//! on an H200 machine): a test library built with `sm_75` ... `sm_120a`,
//! `sm_100f`, `compute_90`, `compute_90a` and `compute_120f`, compressed and
//! not, and the CUDA 13 builds of `libcublasLt.so.13.1.0.3` (139.7 MB section,
//! 5,737 entries), `libtorch_cuda.so` (torch 2.11.0+cu130; 2,789 entries) and
//! `libcudnn_engines_precompiled.so.9` (4,036 entries). Entry counts and
//! architecture sets equal `cuobjdump --list-elf --list-ptx` for every file.
//! (The test library was scanned whole; the three big ones as a sparse copy
//! holding only their container and entry headers at the original offsets,
//! plus whole 16 MB prefixes of two of their sections.) Seen there: entry
//! header sizes 64 (SASS below sm_100), 80 (PTX), 96 and 112 (sm_100+ SASS);
//! containers back to back with no padding (in the prefixes); every entry
//! of those libraries ZSTD-compressed (`0x8000`); flag `0x10_0000` on exactly
//! the entries `cuobjdump` names `sm_90a` / `sm_100a` / `sm_120a` /
//! `compute_90a`; flag `0x20_0000` on the `sm_100f` cubin and the
//! `compute_120f` PTX; an unexplained flag `0x100_0000` on every sm_100+
//! entry; usual flags `0x11` (64-bit, Linux).
//!
//! Points to keep in mind:
//! * `cuobjdump` prints a family-specific cubin without its suffix (the
//!   `sm_100f` cubin is listed as `sm_100`; the `compute_120f` PTX keeps it).
//!   This crate reports it in [`KernelImages::sass_family_specific`]
//!   (`sm_100f`), which [`judge`](crate::judge) treats like plain SASS.
//! * `e_flags` do not tell `a` apart in the CUDA 13 ELF ABI (version 8): the
//!   `sm_90` and `sm_90a` cubins above both carry `0x06005a04`. As a second
//!   signal for older files only, an uncompressed cubin whose
//!   `EI_ABIVERSION` is below 8 and whose `e_flags` has
//!   `EF_CUDA_ACCELERATORS` (`0x800`, the pre-Blackwell layout that LLVM's
//!   `ELF.h` documents for `sm_90a`) is counted as arch-specific. That path
//!   was not seen on real CUDA 12 files here. Compressed cubins are never
//!   decompressed.
//! * Compression: any of `0x1000`, `0x2000`, `0x8000`, or a non-zero
//!   uncompressed size, marks an entry compressed. Kinds `0x4` and `0x10`
//!   count as SASS from the sources; neither appeared in the files above.

use crate::source::{u16_at, u32_at, u64_at, Source};
use crate::{KernelImages, Kind, Limits, Target, Variant};
use std::io;

/// Fatbin container magic (`FATBIN_MAGIC` in NVIDIA's `fatbinary.h`).
pub const FATBIN_MAGIC: u32 = 0xBA55_ED50;
/// `__fatBinC_Wrapper_t` magic, the records in `.nvFatBinSegment`.
pub const WRAPPER_MAGIC: u32 = 0x4662_43B1;
/// Size of a container header.
pub const CONTAINER_HEADER_LEN: u64 = 16;
/// Size of the fixed part of an entry header.
pub const ENTRY_HEADER_LEN: u64 = 64;

/// Entry kind: PTX text.
pub const KIND_PTX: u16 = 0x1;
/// Entry kind: ELF cubin holding SASS.
pub const KIND_ELF: u16 = 0x2;
/// Entry kind: pre-ELF cubin (no longer generated).
pub const KIND_OLDCUBIN: u16 = 0x4;
/// Entry kind: NVVM IR / LTO-IR (not loadable without the JIT linker).
pub const KIND_IR: u16 = 0x8;
/// Entry kind that source 3 reports `cuobjdump` counting as ELF.
pub const KIND_ELF_ALT: u16 = 0x10;

/// Flag: NVIDIA's own compression.
pub const FLAG_COMPRESSED_NV: u64 = 0x1000;
/// Flag: LZ4-compressed payload.
pub const FLAG_COMPRESSED_LZ4: u64 = 0x2000;
/// Flag: ZSTD-compressed payload.
pub const FLAG_COMPRESSED_ZSTD: u64 = 0x8000;
/// Flag: architecture-specific target (`sm_90a`); see the module notes.
pub const FLAG_ARCH_SPECIFIC: u64 = 0x10_0000;
/// Flag: family-specific target (`sm_100f`); see the module notes.
pub const FLAG_FAMILY_SPECIFIC: u64 = 0x20_0000;

const MAX_CONTAINER_HEADER: u64 = 4096;
const MAX_ENTRY_HEADER: u64 = 64 * 1024;
const MAX_ARCH: u32 = 1000;
const CHUNK: usize = 64 * 1024;
const EM_CUDA: u16 = 190;
const EF_CUDA_ACCELERATORS_V1: u32 = 0x800;

/// The fields of an entry header this crate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryHeader {
    pub kind: u16,
    pub header_size: u32,
    pub size: u64,
    pub compressed_size: u32,
    pub arch: u32,
    pub flags: u64,
    pub uncompressed_size: u64,
}

impl EntryHeader {
    fn parse(b: &[u8; ENTRY_HEADER_LEN as usize]) -> Self {
        EntryHeader {
            kind: u16_at(b, 0x00),
            header_size: u32_at(b, 0x04),
            size: u64_at(b, 0x08),
            compressed_size: u32_at(b, 0x10),
            arch: u32_at(b, 0x1c),
            flags: u64_at(b, 0x28),
            uncompressed_size: u64_at(b, 0x38),
        }
    }

    fn is_compressed(&self) -> bool {
        let any = FLAG_COMPRESSED_NV | FLAG_COMPRESSED_LZ4 | FLAG_COMPRESSED_ZSTD;
        self.flags & any != 0 || self.uncompressed_size != 0
    }
}

/// Scans a whole fatbin section: containers back to back, with optional
/// zero padding (or, counted as errors, junk) between them.
pub(crate) fn scan_section<S: Source>(
    src: &mut S,
    limits: &Limits,
    out: &mut KernelImages,
) -> io::Result<()> {
    let len = src.len();
    let mut pos = 0u64;
    let mut head = [0u8; CONTAINER_HEADER_LEN as usize];
    while len - pos >= CONTAINER_HEADER_LEN {
        if out.entries >= limits.max_entries {
            out.truncated = true;
            return Ok(());
        }
        src.read_at(pos, &mut head)?;
        if u32_at(&head, 0) != FATBIN_MAGIC {
            match find_magic(src, pos, out)? {
                Some(next) => {
                    pos = next;
                    continue;
                }
                None => return Ok(()),
            }
        }
        pos = scan_container(src, pos, limits, out)?;
    }
    if pos < len {
        let mut tail = [0u8; CONTAINER_HEADER_LEN as usize];
        let tail = &mut tail[..(len - pos) as usize];
        src.read_at(pos, tail)?;
        if tail.iter().any(|&b| b != 0) {
            out.errors += 1;
        }
    }
    Ok(())
}

/// Scans the one container that starts at `at` (a `.nvFatBinSegment`
/// target); counts an error when no container starts there.
pub(crate) fn scan_one_container<S: Source>(
    src: &mut S,
    at: u64,
    limits: &Limits,
    out: &mut KernelImages,
) -> io::Result<()> {
    let mut head = [0u8; 4];
    if src.len().saturating_sub(at) < CONTAINER_HEADER_LEN {
        out.errors += 1;
        return Ok(());
    }
    src.read_at(at, &mut head)?;
    if u32_at(&head, 0) != FATBIN_MAGIC {
        out.errors += 1;
        return Ok(());
    }
    scan_container(src, at, limits, out).map(|_| ())
}

/// Finds the next container magic after `from` (where there is none).
/// Reads 64 KiB chunks; counts one error if non-zero bytes are skipped.
fn find_magic<S: Source>(
    src: &mut S,
    from: u64,
    out: &mut KernelImages,
) -> io::Result<Option<u64>> {
    let magic = FATBIN_MAGIC.to_le_bytes();
    let len = src.len();
    let mut junk = false;
    let mut start = from;
    let mut chunk = vec![0u8; (len - from).min(CHUNK as u64) as usize];
    while start < len {
        let n = (len - start).min(CHUNK as u64) as usize;
        let hay = &mut chunk[..n];
        src.read_at(start, hay)?;
        if let Some(i) = hay.windows(4).position(|w| w == magic) {
            junk |= hay[..i].iter().any(|&b| b != 0);
            out.errors += usize::from(junk);
            return Ok(Some(start + i as u64));
        }
        if start + n as u64 >= len {
            junk |= hay.iter().any(|&b| b != 0);
            break;
        }
        // Keep the last 3 bytes: a magic may straddle two chunks.
        let done = n - 3;
        junk |= hay[..done].iter().any(|&b| b != 0);
        start += done as u64;
    }
    out.errors += usize::from(junk);
    Ok(None)
}

/// Scans the container at `pos` (magic already checked) and returns where
/// the next one may start, always past `pos`.
fn scan_container<S: Source>(
    src: &mut S,
    pos: u64,
    limits: &Limits,
    out: &mut KernelImages,
) -> io::Result<u64> {
    let len = src.len();
    let mut head = [0u8; CONTAINER_HEADER_LEN as usize];
    src.read_at(pos, &mut head)?;
    let version = u16_at(&head, 4);
    let header_size = u64::from(u16_at(&head, 6));
    let fat_size = u64_at(&head, 8);
    if version != 1
        || !(CONTAINER_HEADER_LEN..=MAX_CONTAINER_HEADER).contains(&header_size)
        || header_size > len - pos
    {
        out.errors += 1;
        return Ok(pos + 4);
    }
    out.containers += 1;
    let body = pos + header_size;
    let end = match body.checked_add(fat_size) {
        Some(end) if end <= len => end,
        _ => {
            out.errors += 1; // fat size runs past the section: keep what fits
            len
        }
    };
    scan_entries(src, body, end, limits, out)?;
    Ok(end)
}

/// Walks the entries in `[start, end)`. A malformed entry ends the walk.
fn scan_entries<S: Source>(
    src: &mut S,
    start: u64,
    end: u64,
    limits: &Limits,
    out: &mut KernelImages,
) -> io::Result<()> {
    let mut p = start;
    let mut raw = [0u8; ENTRY_HEADER_LEN as usize];
    while p < end {
        if out.entries >= limits.max_entries {
            out.truncated = true;
            return Ok(());
        }
        let remaining = end - p;
        if remaining < ENTRY_HEADER_LEN {
            let tail = &mut raw[..remaining as usize];
            src.read_at(p, tail)?;
            out.errors += usize::from(tail.iter().any(|&b| b != 0));
            return Ok(());
        }
        src.read_at(p, &mut raw)?;
        if raw.iter().all(|&b| b == 0) {
            return Ok(()); // zero padding, not an entry
        }
        let e = EntryHeader::parse(&raw);
        let header = u64::from(e.header_size);
        let fits = (ENTRY_HEADER_LEN..=MAX_ENTRY_HEADER).contains(&header)
            && header <= remaining
            && e.size <= remaining - header
            && u64::from(e.compressed_size) <= e.size;
        if !fits {
            out.errors += 1;
            return Ok(());
        }
        record(src, p + header, &e, out)?;
        p += header + e.size; // advances by at least 64 bytes
    }
    Ok(())
}

fn record<S: Source>(
    src: &mut S,
    payload: u64,
    e: &EntryHeader,
    out: &mut KernelImages,
) -> io::Result<()> {
    out.entries += 1;
    let compressed = e.is_compressed();
    out.compressed_entries += usize::from(compressed);
    let sass = matches!(e.kind, KIND_ELF | KIND_OLDCUBIN | KIND_ELF_ALT);
    if !sass && e.kind != KIND_PTX {
        out.other_entries += 1;
        return Ok(());
    }
    if e.arch == 0 || e.arch > MAX_ARCH {
        out.errors += 1;
        return Ok(());
    }
    let mut variant = if e.flags & FLAG_ARCH_SPECIFIC != 0 {
        Variant::ArchSpecific
    } else if e.flags & FLAG_FAMILY_SPECIFIC != 0 {
        Variant::FamilySpecific
    } else {
        Variant::Plain
    };
    if sass && variant == Variant::Plain && !compressed && e.size >= ENTRY_HEADER_LEN {
        let mut elf = [0u8; ENTRY_HEADER_LEN as usize];
        src.read_at(payload, &mut elf)?;
        if cubin_is_arch_specific(&elf, e.arch) {
            variant = Variant::ArchSpecific;
        }
    }
    let kind = if sass { Kind::Sass } else { Kind::Ptx };
    out.insert(Target {
        kind,
        arch: e.arch,
        variant,
    });
    Ok(())
}

/// True when `elf` (the first 64 bytes of a cubin) is a pre-CUDA-13 ELF
/// (`EI_ABIVERSION` < 8) for SM `arch` with `EF_CUDA_ACCELERATORS` set.
fn cubin_is_arch_specific(elf: &[u8; 64], arch: u32) -> bool {
    if &elf[..4] != b"\x7fELF" || elf[5] != 1 || u16_at(elf, 18) != EM_CUDA {
        return false;
    }
    let flags = match elf[4] {
        1 => u32_at(elf, 36), // ELFCLASS32
        2 => u32_at(elf, 48), // ELFCLASS64
        _ => return false,
    };
    elf[8] < 8 && flags & 0xff == arch && flags & EF_CUDA_ACCELERATORS_V1 != 0
}
