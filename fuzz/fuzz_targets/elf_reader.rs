//! The ELF reader (headers, program headers, dynamic section) on any file content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    let _ = hwcheck_probe::elf::read_dynamic(file.path());
});
