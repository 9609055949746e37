//! What an isolated child probe printed (a broken library can make it print anything): stdout,
//! then a NUL byte, then stderr; decoded for each way a child can end.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::os::unix::process::ExitStatusExt;

fuzz_target!(|data: &[u8]| {
    let (out, err) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    // Raw wait statuses: exit 0, exit 1, killed by SIGSEGV, killed by SIGABRT.
    for raw in [0, 256, 11, 6] {
        let captured = hwcheck_probe::isolate::Captured {
            status: std::process::ExitStatus::from_raw(raw),
            stdout: String::from_utf8_lossy(out).into_owned(),
            stderr: String::from_utf8_lossy(err).into_owned(),
        };
        let _ = hwcheck_probe::isolate::decode_result::<serde_json::Value>(&captured);
        let _ = hwcheck_probe::isolate::decode_result::<hwcheck_model::facts::CudaDriverApiFacts>(&captured);
    }
});
