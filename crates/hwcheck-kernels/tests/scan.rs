//! `scan_bytes` on fatbin fixtures built from the documented layout.

mod common;

use common::*;
use hwcheck_kernels::{scan_bytes, KernelImages, ScanError};
use std::collections::BTreeSet;

fn set(v: &[u32]) -> BTreeSet<u32> {
    v.iter().copied().collect()
}

#[test]
fn multi_arch_container() {
    let k = scan_bytes(&multi_arch()).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86]));
    assert_eq!(k.sass_arch_specific, set(&[90]));
    assert_eq!(k.ptx, set(&[90]));
    assert!(k.sass_family_specific.is_empty() && k.ptx_arch_specific.is_empty());
    assert_eq!((k.entries, k.containers, k.errors), (5, 1, 0));
    assert_eq!(k.compressed_entries, 0);
    assert!(!k.truncated);
    assert_eq!(
        k.target_names(),
        ["sm_75", "sm_80", "sm_86", "sm_90a", "compute_90"]
    );
}

#[test]
fn sm61_only() {
    let k = scan_bytes(&container(&[Entry::new(SASS, 61, 0)])).unwrap();
    assert_eq!(k.sass, set(&[61]));
    assert!(k.ptx.is_empty());
    assert_eq!(k.entries, 1);
}

#[test]
fn ptx_only_compute52() {
    let k = scan_bytes(&container(&[
        Entry::new(PTX, 52, 0).payload(b".target sm_52")
    ]))
    .unwrap();
    assert!(k.sass.is_empty());
    assert_eq!(k.ptx, set(&[52]));
    assert_eq!(k.target_names(), ["compute_52"]);
}

#[test]
fn family_and_arch_specific_flags() {
    let k = scan_bytes(&container(&[
        Entry::new(SASS, 100, 0x20_0000),
        Entry::new(SASS, 120, 0x10_0000),
        Entry::new(PTX, 100, 0x20_0000),
        Entry::new(PTX, 90, 0x10_0000),
    ]))
    .unwrap();
    assert_eq!(k.sass_family_specific, set(&[100]));
    assert_eq!(k.sass_arch_specific, set(&[120]));
    assert_eq!(k.ptx_family_specific, set(&[100]));
    assert_eq!(k.ptx_arch_specific, set(&[90]));
    assert_eq!(
        k.target_names(),
        ["sm_120a", "sm_100f", "compute_90a", "compute_100f"]
    );
}

#[test]
fn arch_specific_from_cubin_e_flags() {
    // Pre-CUDA-13 cubin (ABI 7): EF_CUDA_SM90 | EF_CUDA_64BIT_ADDRESS | 0x800.
    let a = Entry::new(SASS, 90, 0).payload(&cubin(7, 0x005a_0c5a));
    let plain = Entry::new(SASS, 89, 0).payload(&cubin(7, 0x0059_0559));
    let k = scan_bytes(&container(&[a, plain])).unwrap();
    assert_eq!(k.sass_arch_specific, set(&[90]));
    assert_eq!(k.sass, set(&[89]));
}

#[test]
fn e_flags_not_trusted_for_abi8_compressed_or_mismatched_arch() {
    // CUDA 13 layout: SM in bits 8..15, so 0x800 is part of the SM number.
    let abi8 = Entry::new(SASS, 121, 0).payload(&cubin(8, 0x0600_7902));
    let mut compressed = Entry::new(SASS, 90, 0x2000).payload(&cubin(7, 0x005a_0c5a));
    compressed.compressed_size = 64;
    compressed.uncompressed_size = 4096;
    let other_arch = Entry::new(SASS, 80, 0).payload(&cubin(7, 0x005a_0c5a));
    let k = scan_bytes(&container(&[abi8, compressed, other_arch])).unwrap();
    assert!(k.sass_arch_specific.is_empty());
    assert_eq!(k.sass, set(&[80, 90, 121]));
    assert_eq!(k.compressed_entries, 1);
}

#[test]
fn compressed_entries_are_counted() {
    let mut zstd = Entry::new(SASS, 100, 0x8000);
    zstd.compressed_size = 5;
    zstd.uncompressed_size = 1000;
    let lz4 = Entry::new(PTX, 80, 0x2000);
    let by_size = Entry {
        uncompressed_size: 77,
        ..Entry::new(SASS, 75, 0)
    };
    let k = scan_bytes(&container(&[zstd, lz4, by_size, Entry::new(SASS, 86, 0)])).unwrap();
    assert_eq!(k.compressed_entries, 3);
    assert_eq!(k.entries, 4);
    assert_eq!(k.sass, set(&[75, 86, 100]));
}

#[test]
fn longer_entry_headers_and_other_kinds() {
    let mut ptx120 = Entry::new(PTX, 120, 0);
    ptx120.header_size = 80;
    let mut sass100 = Entry::new(SASS, 100, 0);
    sass100.header_size = 112;
    let mut alt = Entry::new(0x10, 103, 0x10_0000);
    alt.header_size = 112;
    let ir = Entry::new(IR, 90, 0);
    let k = scan_bytes(&container(&[ptx120, sass100, alt, ir])).unwrap();
    assert_eq!(k.ptx, set(&[120]));
    assert_eq!(k.sass, set(&[100]));
    assert_eq!(k.sass_arch_specific, set(&[103]));
    assert_eq!((k.entries, k.other_entries, k.errors), (4, 1, 0));
}

#[test]
fn many_containers_with_padding() {
    let mut bytes = Vec::new();
    for (i, align) in [8usize, 16, 256, 4096].iter().enumerate() {
        let c = container(&[Entry::new(SASS, 70 + i as u32, 0)]);
        bytes.extend(pad_to(c, *align));
    }
    bytes.extend_from_slice(&[0u8; 7]); // odd trailing padding
    let k = scan_bytes(&bytes).unwrap();
    assert_eq!(k.sass, set(&[70, 71, 72, 73]));
    assert_eq!((k.containers, k.errors), (4, 0));
}

#[test]
fn truncated_container_keeps_whole_entries() {
    let full = multi_arch();
    // Cut inside the fourth entry's payload (each entry: 64 + 8 bytes).
    let cut = 16 + 3 * 72 + 64 + 4;
    let k = scan_bytes(&full[..cut]).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86]));
    assert!(k.sass_arch_specific.is_empty());
    assert_eq!(k.entries, 3);
    assert!(k.errors >= 1);
    // Cut inside the fourth entry's header.
    let k = scan_bytes(&full[..16 + 3 * 72 + 40]).unwrap();
    assert_eq!((k.entries, k.errors), (3, 2));
    // Cut inside the container header: no valid container at all.
    assert!(matches!(scan_bytes(&full[..10]), Err(ScanError::NotFatbin)));
}

#[test]
fn garbage_is_not_a_fatbin() {
    let mut rng = Rng(0x1234_5678);
    let junk = rng.bytes(4096);
    assert!(matches!(scan_bytes(&junk), Err(ScanError::NotFatbin)));
    assert!(matches!(scan_bytes(&[0u8; 100]), Err(ScanError::NotFatbin)));
    assert!(matches!(scan_bytes(b"hello"), Err(ScanError::NotFatbin)));
}

#[test]
fn garbage_around_containers_is_counted_and_skipped() {
    let mut bytes = b"JUNKJUNK".to_vec();
    bytes.extend(multi_arch());
    bytes.extend_from_slice(b"\x01\x02\x03 more junk \xff");
    bytes.extend(container(&[Entry::new(SASS, 120, 0)]));
    bytes.extend_from_slice(b"tail");
    let k = scan_bytes(&bytes).unwrap();
    assert_eq!(k.sass, set(&[75, 80, 86, 120]));
    assert_eq!(k.containers, 2);
    assert_eq!(k.errors, 3);
}

#[test]
fn zero_length_is_empty() {
    let k = scan_bytes(&[]).unwrap();
    assert_eq!(k, KernelImages::default());
    assert!(k.is_empty());
    // A container with no entries is valid and empty.
    let k = scan_bytes(&container(&[])).unwrap();
    assert_eq!((k.containers, k.entries, k.errors), (1, 0, 0));
}

fn patched(at: usize, value: &[u8]) -> Vec<u8> {
    let mut b = multi_arch();
    b[at..at + value.len()].copy_from_slice(value);
    b
}

#[test]
fn huge_lengths_never_panic_or_overrun() {
    let first = 16; // first entry header
    let cases = [
        patched(8, &u64::MAX.to_le_bytes()),         // fat size
        patched(8, &(u64::MAX - 15).to_le_bytes()),  // fat size, wraps at +16
        patched(6, &u16::MAX.to_le_bytes()),         // container header size
        patched(6, &0u16.to_le_bytes()),             // container header size 0
        patched(first + 4, &u32::MAX.to_le_bytes()), // entry header size
        patched(first + 4, &0u32.to_le_bytes()),     // entry header size 0
        patched(first + 4, &63u32.to_le_bytes()),    // entry header too small
        patched(first + 8, &u64::MAX.to_le_bytes()), // entry payload size
        patched(first + 8, &(u64::MAX - 63).to_le_bytes()),
        patched(first + 16, &u32::MAX.to_le_bytes()), // compressed size
        patched(first + 28, &u32::MAX.to_le_bytes()), // arch
        patched(4, &7u16.to_le_bytes()),              // version
    ];
    for (i, bytes) in cases.iter().enumerate() {
        match scan_bytes(bytes) {
            Ok(k) => {
                assert!(k.errors >= 1, "case {i}: {k:?}");
                assert!(k.entries <= 5, "case {i}");
            }
            Err(e) => assert!(matches!(e, ScanError::NotFatbin), "case {i}: {e}"),
        }
    }
}

#[test]
fn json_round_trip() {
    let k = scan_bytes(&multi_arch()).unwrap();
    let json = serde_json::to_string(&k).unwrap();
    assert!(json.contains("\"sass\":[75,80,86]"), "{json}");
    let back: KernelImages = serde_json::from_str(&json).unwrap();
    assert_eq!(back, k);
    // Missing fields default, so older JSON still reads.
    let old: KernelImages = serde_json::from_str(r#"{"sass":[80]}"#).unwrap();
    assert_eq!(old.sass, set(&[80]));
}

/// Header fields as nvcc 13.0 wrote them (`-gencode` for sm_75 ... sm_120a,
/// sm_100f, compute_90, compute_90a, compute_120f; default compression):
/// 64-byte SASS headers below sm_100, 112-byte ones from sm_100, 80-byte PTX
/// headers with ZSTD payloads, and the 0x100_0000 flag on sm_100+ entries.
#[test]
fn nvcc13_shaped_container() {
    let e = |kind: u16, header_size: u32, arch: u32, flags: u64| Entry {
        kind,
        header_size,
        arch,
        flags,
        payload: vec![0x5A; 24],
        ..Entry::default()
    };
    let zstd = |arch: u32, flags: u64| Entry {
        compressed_size: 20,
        uncompressed_size: 393,
        payload: b"\x28\xb5\x2f\xfd zstd frame ........".to_vec(),
        ..e(PTX, 80, arch, flags)
    };
    let k = scan_bytes(&container(&[
        e(SASS, 64, 75, 0x11),
        e(SASS, 64, 80, 0x11),
        e(SASS, 64, 86, 0x11),
        zstd(90, 0x8011),
        e(SASS, 64, 90, 0x11),
        zstd(90, 0x10_8011),
        e(SASS, 64, 90, 0x10_0011),
        e(SASS, 112, 100, 0x110_0011),
        e(SASS, 112, 100, 0x120_0011),
        e(SASS, 112, 120, 0x100_0011),
        e(SASS, 112, 120, 0x110_0011),
        zstd(120, 0x20_8011),
    ]))
    .unwrap();
    assert_eq!((k.entries, k.compressed_entries, k.errors), (12, 3, 0));
    assert_eq!(
        k.target_names(),
        [
            "sm_75",
            "sm_80",
            "sm_86",
            "sm_90",
            "sm_120",
            "sm_90a",
            "sm_100a",
            "sm_120a",
            "sm_100f",
            "compute_90",
            "compute_90a",
            "compute_120f"
        ]
    );
}
