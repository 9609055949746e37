//! Container image references and their tags.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(image) = hwcheck_compat::image_ref::parse_ref(&text) {
        let _ = hwcheck_compat::image_ref::classify(&image);
    }
    let _ = hwcheck_compat::image_ref::parse_cuda_tag(&text);
    let _ = hwcheck_compat::image_ref::parse_pytorch_tag(&text);
});
