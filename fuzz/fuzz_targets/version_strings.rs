//! DottedVersion::parse, --require sizes, pip dist-info names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(v) = hwcheck_model::version::DottedVersion::parse(&text) {
        let again = hwcheck_model::version::DottedVersion::parse(&v.to_string());
        assert_eq!(
            again.ok().as_ref(),
            Some(&v),
            "a parsed version prints back to itself"
        );
    }
    let _ = hwcheck_judge::require::parse_size(&text);
    let _ = hwcheck_probe::ort::discover::parse_dist_info(&text);
});
