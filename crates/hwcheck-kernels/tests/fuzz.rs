//! Fuzz-style robustness tests without extra dependencies: random and
//! mutated inputs must never panic, hang, or report more than they hold.

mod common;

use common::*;
use hwcheck_kernels::{scan_bytes, scan_file, Limits};
use std::time::{Duration, Instant};

/// Checks that a result is consistent with an input of `len` bytes.
fn check(bytes: &[u8]) {
    if let Ok(k) = scan_bytes(bytes) {
        // Every entry and container takes at least 64 / 16 bytes.
        assert!(k.entries * 64 <= bytes.len(), "{k:?}");
        assert!(k.containers * 16 <= bytes.len(), "{k:?}");
        assert!(k.compressed_entries <= k.entries);
        assert!(k.sass.len() + k.ptx.len() <= k.entries);
        assert!(!k.truncated);
    }
}

#[test]
fn fuzz_scan_bytes_random_and_mutated() {
    let start = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seeds = [
        multi_arch(),
        [
            pad_to(multi_arch(), 256),
            container(&[Entry::new(PTX, 52, 0)]),
        ]
        .concat(),
        container(&[Entry::new(SASS, 90, 0).payload(&cubin(7, 0x005a_0c5a))]),
    ];
    let magic = 0xBA55_ED50u32.to_le_bytes();
    for i in 0..10_000u32 {
        let bytes = match i % 4 {
            // Pure noise of random length.
            0 => {
                let len = rng.below(600) as usize;
                rng.bytes(len)
            }
            // Noise behind a valid magic and version / header size.
            1 => {
                let mut b = vec![0x50, 0xED, 0x55, 0xBA, 1, 0, 16, 0];
                let len = rng.below(400) as usize;
                b.extend(rng.bytes(len));
                b
            }
            // A valid fixture with random byte flips, cuts and magics.
            _ => {
                let mut b = seeds[rng.below(seeds.len() as u64) as usize].clone();
                for _ in 0..=rng.below(8) {
                    let at = rng.below(b.len() as u64) as usize;
                    match rng.below(4) {
                        0 => b[at] = rng.next() as u8,
                        1 => b[at] ^= 1 << rng.below(8),
                        2 if at + 4 <= b.len() => b[at..at + 4].copy_from_slice(&magic),
                        _ => b.truncate(at),
                    }
                    if b.is_empty() {
                        break;
                    }
                }
                b
            }
        };
        check(&bytes);
    }
    let spent = start.elapsed();
    assert!(
        spent < Duration::from_secs(60),
        "10,000 scans took {spent:?}"
    );
}

#[test]
fn fuzz_big_lengths_in_every_field() {
    let base = multi_arch();
    let values: [u64; 6] = [0, 1, 63, 64, u64::MAX / 2, u64::MAX];
    for at in 0..base.len().min(200) {
        for v in values {
            for width in [2usize, 4, 8] {
                if at + width > base.len() {
                    continue;
                }
                let mut b = base.clone();
                b[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
                check(&b);
            }
        }
    }
}

#[test]
fn fuzz_scan_file_on_mutated_elf() {
    let start = Instant::now();
    let mut rng = Rng(42);
    let seed = elf(&[
        Section {
            name: ".nv_fatbin",
            addr: 0x4000,
            data: multi_arch(),
        },
        Section {
            name: ".nvFatBinSegment",
            addr: 0x6000,
            data: wrapper(0x4000),
        },
    ]);
    let tmp = TempFile::with(&seed);
    for _ in 0..300 {
        let mut b = seed.clone();
        for _ in 0..=rng.below(6) {
            let at = rng.below(b.len() as u64) as usize;
            b[at] = rng.next() as u8;
        }
        std::fs::write(&tmp.0, &b).unwrap();
        let _ = scan_file(&tmp.0, &Limits::default());
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}
