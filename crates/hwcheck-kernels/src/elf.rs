//! Finding the fatbin sections of an ELF file with bounded reads.

use crate::fatbin::{self, WRAPPER_MAGIC};
use crate::source::{self, Source};
use crate::{KernelImages, Limits, ScanError};
use object::read::elf::{FileHeader, SectionHeader};
use object::{elf as abi, Endianness, FileKind, ReadCache, ReadRef};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Sections holding fatbin containers back to back, scanned whole.
pub(crate) const FATBIN_SECTIONS: [&str; 2] = [".nv_fatbin", "__nv_relfatbin"];
/// Section holding `__fatBinC_Wrapper_t` records that point at containers.
pub(crate) const WRAPPER_SECTION: &str = ".nvFatBinSegment";
/// Most bytes of `.nvFatBinSegment` read at once.
const WRAPPER_CHUNK: u64 = 64 * 1024;

/// One section header, reduced to what the scan needs.
#[derive(Debug, Clone)]
pub(crate) struct SectionInfo {
    pub name: Vec<u8>,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    /// False for `SHT_NOBITS` (no bytes in the file).
    pub in_file: bool,
}

/// The parts of an ELF file's layout the scan needs.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub sections: Vec<SectionInfo>,
    pub is_64: bool,
    pub little_endian: bool,
}

/// Parses the ELF file header, section headers and section names only,
/// through a [`ReadCache`] so nothing else of the file is read.
pub(crate) fn read_layout(file: &File) -> Result<Layout, ScanError> {
    let cache = ReadCache::new(file);
    let data = &cache;
    let ident = data.read_bytes_at(0, 4).map_err(|()| ScanError::NotElf)?;
    if ident != b"\x7fELF" {
        return Err(ScanError::NotElf);
    }
    let elf = |e: object::Error| ScanError::Elf(e.to_string());
    match FileKind::parse(data).map_err(elf)? {
        FileKind::Elf32 => layout_of::<abi::FileHeader32<Endianness>, _>(data),
        FileKind::Elf64 => layout_of::<abi::FileHeader64<Endianness>, _>(data),
        _ => Err(ScanError::NotElf),
    }
}

fn layout_of<'data, Elf, R>(data: R) -> Result<Layout, ScanError>
where
    Elf: FileHeader<Endian = Endianness>,
    R: ReadRef<'data>,
{
    let elf = |e: object::Error| ScanError::Elf(e.to_string());
    let header = Elf::parse(data).map_err(elf)?;
    let endian = header.endian().map_err(elf)?;
    let table = header.sections(endian, data).map_err(elf)?;
    let sections = table
        .iter()
        .skip(1) // the null section
        .map(|s| SectionInfo {
            name: table.section_name(endian, s).unwrap_or_default().to_vec(),
            addr: s.sh_addr(endian).into(),
            offset: s.sh_offset(endian).into(),
            size: s.sh_size(endian).into(),
            in_file: s.sh_type(endian) != abi::SHT_NOBITS,
        })
        .collect();
    Ok(Layout {
        sections,
        is_64: header.is_type_64(),
        little_endian: endian == Endianness::Little,
    })
}

/// A window of a file, read with seek + `read_exact`.
pub(crate) struct FileWindow<'f> {
    file: &'f File,
    base: u64,
    len: u64,
}

impl Source for FileWindow<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or_else(source::eof)?;
        if end > self.len {
            return Err(source::eof());
        }
        let mut f = self.file;
        f.seek(SeekFrom::Start(self.base + offset))?;
        f.read_exact(buf)
    }
}

/// The bytes of `section` that lie in the file, capped at
/// `limits.max_section_bytes`. A section reaching past the end of the file is
/// cut there and counted as an error; a capped one marks the scan truncated.
pub(crate) fn window<'f>(
    file: &'f File,
    file_len: u64,
    section: &SectionInfo,
    limits: &Limits,
    out: &mut KernelImages,
) -> Option<FileWindow<'f>> {
    if !section.in_file {
        return None;
    }
    if section.offset > file_len {
        out.errors += 1;
        return None;
    }
    let mut len = section.size;
    if len > file_len - section.offset {
        out.errors += 1;
        len = file_len - section.offset;
    }
    if len > limits.max_section_bytes {
        out.truncated = true;
        len = limits.max_section_bytes;
    }
    Some(FileWindow {
        file,
        base: section.offset,
        len,
    })
}

/// Follows the `__fatBinC_Wrapper_t` records of `.nvFatBinSegment`
/// (`{ u32 magic 0x466243B1; u32 version; ptr data; ptr filename_or_fatbins }`)
/// and scans each container whose `data` address lands in a section that is
/// not already scanned whole. Zero pointers (relocatable objects) are skipped;
/// nvcc-built shared objects keep the address on disk (the field also holds
/// the `R_X86_64_RELATIVE` addend), so this works on them.
pub(crate) fn follow_wrappers(
    file: &File,
    file_len: u64,
    layout: &Layout,
    segment: &SectionInfo,
    scanned: &[&SectionInfo],
    limits: &Limits,
    out: &mut KernelImages,
) -> Result<(), ScanError> {
    let Some(mut seg) = window(file, file_len, segment, limits, out) else {
        return Ok(());
    };
    let record = if layout.is_64 { 24 } else { 16 };
    let count = (seg.len() / record).min(limits.max_wrappers as u64);
    if seg.len() / record > count {
        out.truncated = true;
    }
    let mut seen = BTreeSet::new();
    let mut buf = vec![0u8; WRAPPER_CHUNK as usize];
    let per_chunk = WRAPPER_CHUNK / record;
    let mut first = 0;
    while first < count {
        let n = per_chunk.min(count - first);
        let bytes = &mut buf[..(n * record) as usize];
        seg.read_at(first * record, bytes)?;
        for rec in bytes.chunks_exact(record as usize) {
            if let Some(addr) = wrapper_target(rec, layout) {
                if seen.insert(addr) {
                    scan_target(file, file_len, layout, addr, scanned, limits, out)?;
                }
            }
        }
        first += n;
    }
    Ok(())
}

/// The `data` address of one wrapper record, if the record is valid.
fn wrapper_target(rec: &[u8], layout: &Layout) -> Option<u64> {
    let word = |b: &[u8]| -> u64 {
        let mut a = [0u8; 8];
        let n = b.len();
        if layout.little_endian {
            a[..n].copy_from_slice(b);
            u64::from_le_bytes(a)
        } else {
            a[8 - n..].copy_from_slice(b);
            u64::from_be_bytes(a)
        }
    };
    if word(&rec[..4]) != u64::from(WRAPPER_MAGIC) {
        return None;
    }
    let addr = if layout.is_64 {
        word(&rec[8..16])
    } else {
        word(&rec[8..12])
    };
    (addr != 0).then_some(addr)
}

fn scan_target(
    file: &File,
    file_len: u64,
    layout: &Layout,
    addr: u64,
    scanned: &[&SectionInfo],
    limits: &Limits,
    out: &mut KernelImages,
) -> Result<(), ScanError> {
    let holder = layout
        .sections
        .iter()
        .find(|s| s.in_file && s.addr != 0 && addr >= s.addr && addr - s.addr < s.size);
    let Some(holder) = holder else {
        out.errors += 1;
        return Ok(());
    };
    if scanned
        .iter()
        .any(|s| s.offset == holder.offset && s.name == holder.name)
    {
        return Ok(());
    }
    if let Some(mut w) = window(file, file_len, holder, limits, out) {
        fatbin::scan_one_container(&mut w, addr - holder.addr, limits, out)?;
    }
    Ok(())
}
