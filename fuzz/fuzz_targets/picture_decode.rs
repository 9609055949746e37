//! Pictures given to `hwcheck detect --image` (PNG / JPEG), decoded and preprocessed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hwcheck_detect::preprocess::decode(data);
});
