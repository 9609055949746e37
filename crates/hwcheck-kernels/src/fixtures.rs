//! Byte-exact builders of fatbin containers and ELF files holding them, written from the
//! layout in [`crate::fatbin`], for tests here and in other crates (feature `fixtures`; never in
//! a release build).

use crate::fatbin::{FATBIN_MAGIC, KIND_ELF, KIND_IR, KIND_PTX, WRAPPER_MAGIC};

/// Entry kind: PTX.
pub const PTX: u16 = KIND_PTX;
/// Entry kind: SASS (ELF cubin).
pub const SASS: u16 = KIND_ELF;
/// Entry kind: NVVM IR.
pub const IR: u16 = KIND_IR;

/// Everything an entry header can say; `Default` is a plain 64-byte SASS
/// entry for sm_80 with the usual Linux/64-bit/CUDA flags.
#[derive(Clone)]
pub struct Entry {
    /// Entry kind ([`PTX`], [`SASS`], [`IR`], ...).
    pub kind: u16,
    /// SM number.
    pub arch: u32,
    /// Flags word (`0x10_0000` for `a`, `0x20_0000` for `f`, compression bits).
    pub flags: u64,
    /// Header size (64 or more).
    pub header_size: u32,
    /// Payload bytes (padded to 8 when written).
    pub payload: Vec<u8>,
    /// Compressed payload size field.
    pub compressed_size: u32,
    /// Uncompressed payload size field.
    pub uncompressed_size: u64,
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            kind: SASS,
            arch: 80,
            flags: 0x11 | 0x4,
            header_size: 64,
            payload: b"payload!".to_vec(),
            compressed_size: 0,
            uncompressed_size: 0,
        }
    }
}

impl Entry {
    /// An entry of `kind` for `arch` with `flags` plus the usual 64-bit/Linux/CUDA bits.
    pub fn new(kind: u16, arch: u32, flags: u64) -> Self {
        Entry {
            kind,
            arch,
            flags: flags | 0x15,
            ..Entry::default()
        }
    }

    /// The same entry with `payload`.
    pub fn payload(mut self, payload: &[u8]) -> Self {
        self.payload = payload.to_vec();
        self
    }

    /// Header + payload padded to 8 bytes, as nvcc lays it out.
    pub fn bytes(&self) -> Vec<u8> {
        let padded = self.payload.len().div_ceil(8) * 8;
        let mut h = vec![0u8; self.header_size.max(64) as usize];
        h[0..2].copy_from_slice(&self.kind.to_le_bytes());
        h[2..4].copy_from_slice(&0x0101u16.to_le_bytes());
        h[4..8].copy_from_slice(&self.header_size.to_le_bytes());
        h[8..16].copy_from_slice(&(padded as u64).to_le_bytes());
        h[16..20].copy_from_slice(&self.compressed_size.to_le_bytes());
        h[24..26].copy_from_slice(&0u16.to_le_bytes());
        h[26..28].copy_from_slice(&1u16.to_le_bytes());
        h[28..32].copy_from_slice(&self.arch.to_le_bytes());
        h[40..48].copy_from_slice(&self.flags.to_le_bytes());
        h[56..64].copy_from_slice(&self.uncompressed_size.to_le_bytes());
        h.extend_from_slice(&self.payload);
        h.resize(h.len() + padded - self.payload.len(), 0);
        h
    }
}

/// One container: 16-byte header + the entries.
pub fn container(entries: &[Entry]) -> Vec<u8> {
    let body: Vec<u8> = entries.iter().flat_map(Entry::bytes).collect();
    let mut c = Vec::new();
    c.extend_from_slice(&FATBIN_MAGIC.to_le_bytes());
    c.extend_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(&16u16.to_le_bytes());
    c.extend_from_slice(&(body.len() as u64).to_le_bytes());
    c.extend_from_slice(&body);
    c
}

/// Zero-pads `v` to a multiple of `align`.
pub fn pad_to(mut v: Vec<u8>, align: usize) -> Vec<u8> {
    v.resize(v.len().div_ceil(align) * align, 0);
    v
}

/// The first 64 bytes of a CUDA cubin (ELF64, EM_CUDA = 190) with the given
/// `EI_ABIVERSION` and `e_flags`, plus some body bytes.
pub fn cubin(abi_version: u8, e_flags: u32) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // ELFCLASS64
    h[5] = 1; // little-endian
    h[6] = 1;
    h[7] = 0x33; // ELFOSABI_CUDA
    h[8] = abi_version;
    h[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    h[18..20].copy_from_slice(&190u16.to_le_bytes());
    h[48..52].copy_from_slice(&e_flags.to_le_bytes());
    h.extend_from_slice(&[0xAB; 40]);
    h
}

/// The multi-arch fixture: sm_75, sm_80, sm_86, sm_90a SASS + compute_90 PTX.
pub fn multi_arch() -> Vec<u8> {
    container(&[
        Entry::new(SASS, 75, 0),
        Entry::new(SASS, 80, 0),
        Entry::new(SASS, 86, 0),
        Entry::new(SASS, 90, 0x10_0000),
        Entry::new(PTX, 90, 0).payload(b".version 8.0\n.target sm_90\n"),
    ])
}

/// A `.nvFatBinSegment` record (`__fatBinC_Wrapper_t`, 64-bit).
pub fn wrapper(data_addr: u64) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(&WRAPPER_MAGIC.to_le_bytes());
    w.extend_from_slice(&1u32.to_le_bytes());
    w.extend_from_slice(&data_addr.to_le_bytes());
    w.extend_from_slice(&0u64.to_le_bytes());
    w
}

/// One section for [`elf`]: name, load address (0 = not allocated), bytes.
pub struct Section<'a> {
    /// Section name, e.g. `.nv_fatbin`.
    pub name: &'a str,
    /// Load address (0: not allocated).
    pub addr: u64,
    /// Section bytes.
    pub data: Vec<u8>,
}

/// A minimal little-endian ELF64 shared object (x86-64) holding `sections`
/// (all SHT_PROGBITS) and a `.shstrtab`; no program headers.
pub fn elf(sections: &[Section]) -> Vec<u8> {
    let mut names = vec![0u8];
    let mut out = vec![0u8; 64];
    let mut headers = vec![vec![0u8; 64]]; // null section
    for s in sections {
        let name_off = names.len() as u32;
        names.extend_from_slice(s.name.as_bytes());
        names.push(0);
        out.resize(out.len().div_ceil(16) * 16, 0);
        let off = out.len() as u64;
        out.extend_from_slice(&s.data);
        let flags = if s.addr != 0 { 2u64 } else { 0 }; // SHF_ALLOC
        headers.push(section_header(
            name_off,
            1,
            flags,
            s.addr,
            off,
            s.data.len() as u64,
        ));
    }
    let shstr_name = names.len() as u32;
    names.extend_from_slice(b".shstrtab\0");
    let shstr_off = out.len() as u64;
    out.extend_from_slice(&names);
    headers.push(section_header(
        shstr_name,
        3,
        0,
        0,
        shstr_off,
        names.len() as u64,
    ));
    out.resize(out.len().div_ceil(8) * 8, 0);
    let shoff = out.len() as u64;
    let shnum = headers.len() as u16;
    for h in headers {
        out.extend_from_slice(&h);
    }
    elf_header(&mut out[..64], shoff, shnum);
    out
}

/// Writes an ELF64 little-endian x86-64 `ET_DYN` header into `h` (64 bytes)
/// with `shnum` section headers at `shoff`, the last being `.shstrtab`.
pub fn elf_header(h: &mut [u8], shoff: u64, shnum: u16) {
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2;
    h[5] = 1;
    h[6] = 1;
    h[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
    h[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[40..48].copy_from_slice(&shoff.to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    h[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    h[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    h[60..62].copy_from_slice(&shnum.to_le_bytes());
    h[62..64].copy_from_slice(&shnum.saturating_sub(1).to_le_bytes()); // .shstrtab is last
}

/// One ELF64 section header.
pub fn section_header(name: u32, kind: u32, flags: u64, addr: u64, off: u64, size: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(64);
    h.extend_from_slice(&name.to_le_bytes());
    h.extend_from_slice(&kind.to_le_bytes());
    h.extend_from_slice(&flags.to_le_bytes());
    h.extend_from_slice(&addr.to_le_bytes());
    h.extend_from_slice(&off.to_le_bytes());
    h.extend_from_slice(&size.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes()); // sh_link
    h.extend_from_slice(&0u32.to_le_bytes()); // sh_info
    h.extend_from_slice(&16u64.to_le_bytes()); // sh_addralign
    h.extend_from_slice(&0u64.to_le_bytes()); // sh_entsize
    h
}
