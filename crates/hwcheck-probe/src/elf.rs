//! Reads what hwcheck needs from an ELF shared library without loading it: machine, class,
//! SONAME, DT_NEEDED and RUNPATH. Reads only the headers and dynamic section (bounded), so a
//! 2 GB file or a truncated one is handled without reading it whole.
//!
//! Layout per the System V gABI: the ELF header gives the program headers; `PT_DYNAMIC` gives the
//! dynamic entries; `DT_STRTAB` (a virtual address, mapped to a file offset through `PT_LOAD`)
//! holds the strings that `DT_SONAME`, `DT_NEEDED` and `DT_RUNPATH` point into.

use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Dynamic-linking facts of one ELF file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfInfo {
    /// e_machine (62 = x86-64, 183 = AArch64).
    pub machine: u16,
    /// True for ELFCLASS64.
    pub is_64: bool,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_NEEDED entries, in order.
    pub needed: Vec<String>,
    /// DT_RUNPATH / DT_RPATH entries.
    pub runpath: Vec<String>,
}

/// e_machine of x86-64.
pub const EM_X86_64: u16 = 62;
/// e_machine of AArch64.
pub const EM_AARCH64: u16 = 183;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;
/// Most program headers read (real libraries have about ten).
const MAX_PHNUM: u64 = 512;
/// Most bytes of PT_DYNAMIC read.
const MAX_DYNAMIC_BYTES: u64 = 256 * 1024;
/// Longest string read from the string table.
const MAX_STRING: u64 = 4096;

impl ElfInfo {
    /// e_machine as a name ("x86-64", "AArch64", "machine 40").
    pub fn machine_name(&self) -> String {
        match self.machine {
            EM_X86_64 => "x86-64".to_string(),
            EM_AARCH64 => "AArch64".to_string(),
            3 => "i386".to_string(),
            40 => "ARM (32-bit)".to_string(),
            21 => "PowerPC64".to_string(),
            other => format!("machine {other}"),
        }
    }

    /// True when a process of this build could load the file (same machine, 64-bit).
    pub fn matches_host(&self) -> bool {
        self.is_64 && self.machine == host_machine()
    }
}

/// e_machine of the architecture hwcheck was built for.
pub fn host_machine() -> u16 {
    if cfg!(target_arch = "aarch64") {
        EM_AARCH64
    } else {
        EM_X86_64
    }
}

/// Reads the dynamic-linking facts of `path`. Errors: `unreadable` (permission, a directory,
/// not a regular file), `not_found`, `symlink_loop`, `not_elf`, `truncated`.
pub fn read_dynamic(path: &Path) -> Result<ElfInfo, ProbeError> {
    let file = hwcheck_model::read::open_nonblocking(path).map_err(|e| open_error(&e))?;
    let meta = file.metadata().map_err(|e| open_error(&e))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "is a directory"
        } else {
            "is not a regular file"
        };
        return Err(ProbeError::new(Code::Unreadable, what));
    }
    Reader::new(file, meta.len())?.dynamic_info()
}

/// Maps an `open(2)` failure to a probe error code.
pub fn open_error(e: &io::Error) -> ProbeError {
    let code = match (e.kind(), e.raw_os_error()) {
        (_, Some(libc::ELOOP)) => "symlink_loop",
        (io::ErrorKind::NotFound, _) => "not_found",
        _ => "unreadable",
    };
    ProbeError::new(code, format!("cannot open: {e}"))
}

fn truncated(what: &str) -> ProbeError {
    ProbeError::new(
        Code::Truncated,
        format!("ELF file is truncated ({what} lies past its end)"),
    )
}

/// Bounded positional reads of one ELF file with its class and byte order.
struct Reader {
    file: File,
    len: u64,
    is_64: bool,
    little: bool,
}

impl Reader {
    fn new(file: File, len: u64) -> Result<Self, ProbeError> {
        let mut ident = [0u8; 16];
        let got = read_up_to(&file, 0, &mut ident)?;
        if got < 4 || &ident[..4] != b"\x7fELF" {
            return Err(ProbeError::new(
                Code::NotElf,
                "not an ELF file (no \\x7fELF magic at its start)",
            ));
        }
        if got < 16 {
            return Err(truncated("the ELF identification"));
        }
        let is_64 = match ident[4] {
            1 => false,
            2 => true,
            c => {
                return Err(ProbeError::new(
                    Code::NotElf,
                    format!("unknown ELF class {c}"),
                ))
            }
        };
        let little = match ident[5] {
            1 => true,
            2 => false,
            d => {
                return Err(ProbeError::new(
                    Code::NotElf,
                    format!("unknown ELF byte order {d}"),
                ))
            }
        };
        Ok(Self {
            file,
            len,
            is_64,
            little,
        })
    }

    /// Reads exactly `len` bytes at `offset`, or reports what was cut off.
    fn bytes(&self, offset: u64, len: u64, what: &str) -> Result<Vec<u8>, ProbeError> {
        let end = offset.checked_add(len).ok_or_else(|| truncated(what))?;
        if end > self.len {
            return Err(truncated(what));
        }
        let size = usize::try_from(len).map_err(|_| truncated(what))?;
        let mut buf = vec![0u8; size];
        let got = read_up_to(&self.file, offset, &mut buf)?;
        if got < size {
            return Err(truncated(what));
        }
        Ok(buf)
    }

    fn u16_at(&self, b: &[u8], at: usize) -> u16 {
        let raw = [byte(b, at), byte(b, at + 1)];
        if self.little {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        }
    }

    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        let raw = [0, 1, 2, 3].map(|i| byte(b, at + i));
        if self.little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        }
    }

    fn u64_at(&self, b: &[u8], at: usize) -> u64 {
        let raw = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| byte(b, at + i));
        if self.little {
            u64::from_le_bytes(raw)
        } else {
            u64::from_be_bytes(raw)
        }
    }

    /// A class-sized word: 8 bytes for ELF64, 4 for ELF32.
    fn word_at(&self, b: &[u8], at: usize) -> u64 {
        if self.is_64 {
            self.u64_at(b, at)
        } else {
            u64::from(self.u32_at(b, at))
        }
    }

    fn dynamic_info(&self) -> Result<ElfInfo, ProbeError> {
        let header_len = if self.is_64 { 64 } else { 52 };
        let header = self.bytes(0, header_len, "the ELF header")?;
        let machine = self.u16_at(&header, 18);
        let (phoff, phentsize, phnum) = if self.is_64 {
            (
                self.u64_at(&header, 32),
                self.u16_at(&header, 54),
                self.u16_at(&header, 56),
            )
        } else {
            (
                u64::from(self.u32_at(&header, 28)),
                self.u16_at(&header, 42),
                self.u16_at(&header, 44),
            )
        };
        let mut info = ElfInfo {
            machine,
            is_64: self.is_64,
            ..ElfInfo::default()
        };
        let min_entsize = if self.is_64 { 56 } else { 32 };
        let phnum = u64::from(phnum).min(MAX_PHNUM);
        if phnum == 0 {
            return Ok(info);
        }
        if u64::from(phentsize) < min_entsize {
            return Err(ProbeError::new(
                Code::NotElf,
                format!("program header size {phentsize} is too small"),
            ));
        }
        let table = self.bytes(
            phoff,
            phnum * u64::from(phentsize),
            "the program header table",
        )?;
        let segments: Vec<Segment> = table
            .chunks_exact(usize::from(phentsize))
            .map(|ph| self.segment(ph))
            .collect();
        let Some(dynamic) = segments.iter().find(|s| s.kind == PT_DYNAMIC) else {
            return Ok(info);
        };
        let dyn_bytes = self.bytes(
            dynamic.offset,
            dynamic.filesz.min(MAX_DYNAMIC_BYTES),
            "the dynamic section",
        )?;
        let entries = self.dynamic_entries(&dyn_bytes);
        let find = |tag| entries.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
        let Some(strtab_addr) = find(DT_STRTAB) else {
            return Ok(info);
        };
        let strtab = StringTable {
            offset: segments
                .iter()
                .filter(|s| s.kind == PT_LOAD)
                .find_map(|s| s.file_offset(strtab_addr))
                .ok_or_else(|| {
                    ProbeError::new(Code::NotElf, "DT_STRTAB is outside every loadable segment")
                })?,
            size: find(DT_STRSZ),
        };
        for (tag, value) in &entries {
            match *tag {
                DT_SONAME => info.soname = Some(self.string(&strtab, *value)?),
                DT_NEEDED => info.needed.push(self.string(&strtab, *value)?),
                DT_RPATH | DT_RUNPATH => info.runpath.extend(
                    self.string(&strtab, *value)?
                        .split(':')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                ),
                _ => {}
            }
        }
        Ok(info)
    }

    fn segment(&self, ph: &[u8]) -> Segment {
        if self.is_64 {
            Segment {
                kind: self.u32_at(ph, 0),
                offset: self.u64_at(ph, 8),
                vaddr: self.u64_at(ph, 16),
                filesz: self.u64_at(ph, 32),
            }
        } else {
            Segment {
                kind: self.u32_at(ph, 0),
                offset: u64::from(self.u32_at(ph, 4)),
                vaddr: u64::from(self.u32_at(ph, 8)),
                filesz: u64::from(self.u32_at(ph, 16)),
            }
        }
    }

    /// (tag, value) pairs up to DT_NULL.
    fn dynamic_entries(&self, bytes: &[u8]) -> Vec<(u64, u64)> {
        let word = if self.is_64 { 8 } else { 4 };
        bytes
            .chunks_exact(2 * word)
            .map(|e| (self.word_at(e, 0), self.word_at(e, word)))
            .take_while(|(tag, _)| *tag != DT_NULL)
            .collect()
    }

    /// The NUL-terminated string at `index` of the string table (bounded).
    fn string(&self, table: &StringTable, index: u64) -> Result<String, ProbeError> {
        if table.size.is_some_and(|size| index >= size) {
            return Err(ProbeError::new(
                Code::NotElf,
                format!("string index {index} is past the string table"),
            ));
        }
        let start = table
            .offset
            .checked_add(index)
            .filter(|s| *s < self.len)
            .ok_or_else(|| truncated("a dynamic string"))?;
        let len = MAX_STRING.min(self.len - start);
        let bytes = self.bytes(start, len, "a dynamic string")?;
        let end = bytes
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| truncated("the end of a dynamic string"))?;
        Ok(String::from_utf8_lossy(&bytes[..end]).into_owned())
    }
}

/// One program header, reduced to what the reader needs.
struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

impl Segment {
    /// The file offset of virtual address `addr`, when this segment's file image holds it.
    fn file_offset(&self, addr: u64) -> Option<u64> {
        let delta = addr.checked_sub(self.vaddr)?;
        (delta < self.filesz).then(|| self.offset.checked_add(delta))?
    }
}

/// Where the dynamic string table lies in the file.
struct StringTable {
    offset: u64,
    size: Option<u64>,
}

fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// Fills as much of `buf` as the file has at `offset`; returns the count read.
fn read_up_to(file: &File, offset: u64, buf: &mut [u8]) -> Result<usize, ProbeError> {
    let mut done = 0;
    while done < buf.len() {
        let at = offset + done as u64;
        match file.read_at(&mut buf[done..], at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(ProbeError::new(
                    Code::Unreadable,
                    format!("cannot read: {e}"),
                ))
            }
        }
    }
    Ok(done)
}

/// Builds small synthetic ELF shared objects for tests (no compiler needed).
#[cfg(test)]
pub(crate) mod testing {
    /// A 64-bit little-endian ELF with one PT_LOAD covering the file and a PT_DYNAMIC.
    pub fn build_elf(machine: u16, soname: &str, needed: &[&str]) -> Vec<u8> {
        let mut strtab = vec![0u8];
        let mut dynamic: Vec<(u64, u64)> = Vec::new();
        let add_str = |s: &str, strtab: &mut Vec<u8>| {
            let at = strtab.len() as u64;
            strtab.extend_from_slice(s.as_bytes());
            strtab.push(0);
            at
        };
        for n in needed {
            dynamic.push((1, add_str(n, &mut strtab)));
        }
        dynamic.push((14, add_str(soname, &mut strtab)));
        let strtab_off = 64 + 2 * 56;
        let dyn_off = strtab_off + strtab.len() as u64;
        dynamic.push((5, strtab_off));
        dynamic.push((10, strtab.len() as u64));
        dynamic.push((0, 0));
        let dyn_size = dynamic.len() as u64 * 16;
        let total = dyn_off + dyn_size;

        let mut out = Vec::new();
        out.extend_from_slice(b"\x7fELF\x02\x01\x01");
        out.resize(16, 0);
        out.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
        out.extend_from_slice(&machine.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // entry
        out.extend_from_slice(&64u64.to_le_bytes()); // phoff
        out.extend_from_slice(&0u64.to_le_bytes()); // shoff
        out.extend_from_slice(&0u32.to_le_bytes()); // flags
        for v in [64u16, 56, 2, 64, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (kind, off, size) in [(1u32, 0u64, total), (2, dyn_off, dyn_size)] {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&4u32.to_le_bytes());
            for v in [off, off, off, size, size, 8] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&strtab);
        for (tag, val) in dynamic {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&val.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests;
