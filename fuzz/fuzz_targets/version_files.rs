//! CUDA toolkit version.json / version.txt, cuDNN and TensorRT headers, /etc/os-release.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = hwcheck_probe::toolkit_roots::parse_version_json(&text);
    let _ = hwcheck_probe::toolkit_roots::parse_version_txt(&text);
    let _ = hwcheck_probe::libs::version::parse_cudnn_header(&text);
    let _ = hwcheck_probe::libs::version::parse_tensorrt_header(&text);
    let _ = hwcheck_probe::host::parse_os_release(&text);
});
