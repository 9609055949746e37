//! `scan_file` on hand-made ELF shared objects.

mod common;

use common::*;
use hwcheck_kernels::{judge, scan_file, KernelImages, Limits, ScanError, Support};
use std::collections::BTreeSet;

fn set(v: &[u32]) -> BTreeSet<u32> {
    v.iter().copied().collect()
}

fn scan(bytes: &[u8], limits: &Limits) -> Result<KernelImages, ScanError> {
    let tmp = TempFile::with(bytes);
    scan_file(&tmp.0, limits)
}

fn text() -> Section<'static> {
    Section {
        name: ".text",
        addr: 0x1000,
        data: vec![0x90; 64],
    }
}

#[test]
fn nv_fatbin_section_is_found() {
    let mut fatbin = pad_to(multi_arch(), 16);
    fatbin.extend(container(&[Entry::new(SASS, 120, 0)]));
    let elf = elf(&[
        text(),
        Section {
            name: ".nv_fatbin",
            addr: 0x4000,
            data: fatbin,
        },
    ]);
    let k = scan(&elf, &Limits::default()).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86, 120]));
    assert_eq!(k.sass_arch_specific, set(&[90]));
    assert_eq!(k.ptx, set(&[90]));
    assert_eq!((k.containers, k.entries, k.errors), (2, 6, 0));
    assert_eq!(judge(&k, (12, 0)), Support::Sass { arch: 120 });
}

#[test]
fn relfatbin_and_segment_wrappers() {
    // .nv_fatbin at 0x4000, a second container only reachable through a
    // wrapper pointing into .rodata, and an __nv_relfatbin section.
    let in_rodata = container(&[Entry::new(SASS, 89, 0)]);
    let mut rodata = vec![0xEEu8; 40];
    rodata.extend(&in_rodata);
    let segment = [
        wrapper(0x4000),      // into .nv_fatbin: already scanned whole
        wrapper(0x8000 + 40), // into .rodata
        wrapper(0x8000 + 40), // duplicate: followed once
        wrapper(0),           // relocatable object style: skipped
        wrapper(0xdead_0000), // points nowhere: one error
    ]
    .concat();
    let elf = elf(&[
        text(),
        Section {
            name: ".nv_fatbin",
            addr: 0x4000,
            data: multi_arch(),
        },
        Section {
            name: ".rodata",
            addr: 0x8000,
            data: rodata,
        },
        Section {
            name: "__nv_relfatbin",
            addr: 0,
            data: container(&[Entry::new(PTX, 100, 0x20_0000)]),
        },
        Section {
            name: ".nvFatBinSegment",
            addr: 0xA000,
            data: segment,
        },
    ]);
    let k = scan(&elf, &Limits::default()).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86, 89]));
    assert_eq!(k.ptx_family_specific, set(&[100]));
    assert_eq!((k.containers, k.entries, k.errors), (3, 7, 1));
}

#[test]
fn segment_only_library() {
    let mut rodata = vec![0u8; 24];
    rodata.extend(container(&[Entry::new(SASS, 86, 0)]));
    let elf = elf(&[
        Section {
            name: ".rodata",
            addr: 0x2000,
            data: rodata,
        },
        Section {
            name: ".nvFatBinSegment",
            addr: 0x3000,
            data: wrapper(0x2000 + 24),
        },
    ]);
    let k = scan(&elf, &Limits::default()).unwrap();
    assert_eq!(k.sass, set(&[86]));
    assert_eq!(judge(&k, (8, 9)), Support::Sass { arch: 86 });
}

#[test]
fn no_fatbin_section() {
    let elf = elf(&[text()]);
    assert!(matches!(
        scan(&elf, &Limits::default()),
        Err(ScanError::NoFatbinSection)
    ));
}

#[test]
fn not_elf_and_missing_file() {
    assert!(matches!(
        scan(b"MZ\x90\x00 not an elf", &Limits::default()),
        Err(ScanError::NotElf)
    ));
    assert!(matches!(
        scan(b"", &Limits::default()),
        Err(ScanError::NotElf)
    ));
    // A raw fatbin file is not an ELF file either.
    assert!(matches!(
        scan(&multi_arch(), &Limits::default()),
        Err(ScanError::NotElf)
    ));
    let missing = std::path::Path::new("/nonexistent/hwcheck/libnothing.so");
    assert!(matches!(
        scan_file(missing, &Limits::default()),
        Err(ScanError::Io(_))
    ));
}

#[test]
fn truncated_elf_headers_are_errors() {
    let full = elf(&[Section {
        name: ".nv_fatbin",
        addr: 0x4000,
        data: multi_arch(),
    }]);
    for cut in [5, 20, 63, 64, full.len() - 1, full.len() - 64] {
        let r = scan(&full[..cut], &Limits::default());
        assert!(
            matches!(r, Err(ScanError::Elf(_)) | Err(ScanError::NotElf)),
            "cut {cut}: {r:?}"
        );
    }
}

#[test]
fn section_past_end_of_file_is_cut_and_counted() {
    let mut bytes = elf(&[Section {
        name: ".nv_fatbin",
        addr: 0x4000,
        data: multi_arch(),
    }]);
    // Patch the .nv_fatbin section header (index 1) to claim 1 GiB.
    let shoff = u64::from_le_bytes(bytes[40..48].try_into().unwrap()) as usize;
    let size_at = shoff + 64 + 32;
    bytes[size_at..size_at + 8].copy_from_slice(&(1u64 << 30).to_le_bytes());
    let k = scan(&bytes, &Limits::default()).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86]));
    assert!(k.errors >= 1);
}

#[test]
fn limits_cap_the_scan() {
    let mut fatbin = Vec::new();
    for arch in [50, 52, 60, 61, 70, 75, 80, 86] {
        fatbin.extend(pad_to(container(&[Entry::new(SASS, arch, 0)]), 16));
    }
    let bytes = elf(&[Section {
        name: ".nv_fatbin",
        addr: 0x4000,
        data: fatbin,
    }]);
    let few = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let k = scan(&bytes, &few).unwrap();
    assert_eq!(k.sass, set(&[50, 52, 60]));
    assert!(k.truncated);
    let small = Limits {
        max_section_bytes: 2 * 96,
        ..Limits::default()
    };
    let k = scan(&bytes, &small).unwrap();
    assert_eq!(k.sass, set(&[50, 52]));
    assert!(k.truncated);
    let k = scan(&bytes, &Limits::default()).unwrap();
    assert_eq!((k.entries, k.truncated), (8, false));
}

/// A 1 GiB payload (a sparse hole) between two entries: the scan must seek
/// over it, reading only headers, and finish fast.
#[test]
fn payloads_are_skipped_not_read() {
    use std::io::{Seek, SeekFrom, Write};
    const BIG: u64 = 1 << 30;
    const AT: u64 = 4096;
    let first = Entry {
        payload: Vec::new(),
        ..Entry::new(SASS, 90, 0)
    };
    let mut first = first.bytes();
    first[8..16].copy_from_slice(&BIG.to_le_bytes()); // payload size, not written
    let second = Entry::new(PTX, 100, 0).bytes();
    let fat_size = first.len() as u64 + BIG + second.len() as u64;
    let mut head = container(&[]);
    head[8..16].copy_from_slice(&fat_size.to_le_bytes());
    let section_size = 16 + fat_size;

    let names = b"\0.nv_fatbin\0.shstrtab\0";
    let mut start = vec![0u8; 64];
    start.extend_from_slice(names);
    start.resize(128, 0);
    start.extend(vec![0u8; 64]); // null section
    start.extend(section_header(1, 1, 2, 0x10000, AT, section_size));
    start.extend(section_header(12, 3, 0, 0, 64, names.len() as u64));
    elf_header(&mut start[..64], 128, 3);

    let tmp = TempFile::with(&start);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&tmp.0)
        .unwrap();
    f.seek(SeekFrom::Start(AT)).unwrap();
    f.write_all(&head).unwrap();
    f.write_all(&first).unwrap();
    f.seek(SeekFrom::Current(BIG as i64)).unwrap();
    f.write_all(&second).unwrap();
    drop(f);

    let started = std::time::Instant::now();
    let k = scan_file(&tmp.0, &Limits::default()).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(k.sass, set(&[90]));
    assert_eq!(k.ptx, set(&[100]));
    assert_eq!((k.containers, k.entries, k.errors), (1, 2, 0));
}
