//! /proc/driver/nvidia/version, /sys/module/nvidia/version, /proc/self/maps.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = hwcheck_probe::kernel_module::parse_proc_version(&text);
    let _ = hwcheck_probe::kernel_module::parse_sys_version(&text);
    let _ = hwcheck_probe::cuda_driver::parse_mapped_path(&text, "libcuda.so");
});
