//! /etc/ld.so.cache (new format, with or without the old-format prefix).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hwcheck_probe::libs::ldcache::parse_ld_so_cache(data);
});
