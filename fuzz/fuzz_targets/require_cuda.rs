//! NVIDIA_REQUIRE_CUDA values.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = hwcheck_probe::environment::require_cuda::parse_require_cuda(&text);
});
