use super::*;
use hwcheck_compat::errors::ErrorTable;
use hwcheck_compat::Tables;
use hwcheck_model::check::CheckKind;
use std::sync::OnceLock;

fn tables() -> Tables {
    Tables::load(None).unwrap()
}

fn errors() -> &'static ErrorTable {
    static ERRORS: OnceLock<ErrorTable> = OnceLock::new();
    ERRORS.get_or_init(|| ErrorTable::load(None).unwrap())
}

fn ids(text: &str) -> Vec<String> {
    explain(text, errors())
        .iter()
        .map(|m| m.row.id.clone())
        .collect()
}

fn top(text: &str, t: &Tables) -> (String, String, String, String) {
    let found = explain(text, errors());
    let m = found
        .first()
        .unwrap_or_else(|| panic!("nothing matched {text:?}"));
    (
        m.row.id.clone(),
        m.matched(),
        m.cause(&t.arch),
        m.fix(&t.arch),
    )
}

#[test]
fn finds_the_issue_texts_through_prefixes_wraps_and_other_numbers() {
    let cases = [
        ("RuntimeError: CUDA error: no kernel image is available for execution on the device", "pytorch-no-kernel-image-runtime-error"),
        ("CUDA error 222 at x.cu:1: the provided PTX was compiled with an unsupported\n   toolchain.", "cudart-222-unsupported-ptx-toolchain"),
        ("Could not load library libcudnn_cnn_infer.so.8. Error: libcudnn_cnn_infer.so.8: cannot open shared object file: No such file or directory", "cudnn8-could-not-load-sublibrary"),
        ("stderr: nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.6, please update your driver", "container-cli-unsatisfied-condition-cuda"),
        ("I0101 00:00:00.000000 1 x.cc:1] RuntimeError: CUDA error: CUBLAS_STATUS_NOT_INITIALIZED when calling `cublasCreate(handle)`", "pytorch-cublas-status-not-initialized-create"),
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB", "pytorch-cuda-out-of-memory-tried-to-allocate"),
        ("RuntimeError: CUDA error: an illegal memory access was encountered", "cuda-illegal-memory-access"),
        ("nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory: unknown", "container-cli-load-libnvidia-ml-failed"),
        ("ldconfig: /usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link", "wsl-ldconfig-libcuda-not-symbolic-link"),
    ];
    for (text, id) in cases {
        let got = ids(text);
        assert_eq!(
            got.first().map(String::as_str),
            Some(id),
            "{text:?}: {got:?}"
        );
    }
}

#[test]
fn versions_in_the_text_reach_the_cause_and_fix() {
    let t = tables();
    let (_, matched, cause, fix) = top(
        "The NVIDIA driver on your system is too old (found version 10020).",
        &t,
    );
    assert!(matched.contains("(found version 10020)"), "{matched}");
    assert!(cause.contains("CUDA up to 10.2"), "{cause}");
    assert!(fix.contains("10.2"), "{fix}");
    let (_, _, cause, fix) = top(
        "E cuda_dnn.cc:362] Loaded runtime CuDNN library: 8.0.5 but source was compiled with: 8.1.0.  CuDNN library needs",
        &t,
    );
    assert!(
        cause.contains("8.1.0") && cause.contains("8.0.5"),
        "{cause}"
    );
    assert!(fix.contains("8.1.0"), "{fix}");
    let (_, _, _, fix) = top(
        "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current PyTorch installation.",
        &t,
    );
    assert!(fix.contains("12.8") && fix.contains("cu128"), "{fix}");
    let (_, _, cause, _) = top(
        "CUDA backend failed to initialize: Found cuDNN version 8600, but JAX was built against version 8906, which is newer.",
        &t,
    );
    assert!(
        cause.contains("8.9.6") && cause.contains("8.6.0"),
        "{cause}"
    );
}

#[test]
fn conversions_of_captured_values() {
    let arch = tables().arch;
    assert_eq!(convert(Func::Cuda, "12040", &arch), "12.4");
    assert_eq!(convert(Func::Cudnn, "90100", &arch), "9.1.0");
    assert_eq!(convert(Func::Cudnn, "7605", &arch), "7.6.5");
    assert_eq!(
        convert(Func::LibVersion, "libcudart.so.10.1", &arch),
        "10.1"
    );
    assert_eq!(convert(Func::LibVersion, "cudart64_110.dll", &arch), "11.0");
    assert_eq!(convert(Func::LibVersion, "cublas64_12.dll", &arch), "12");
    assert_eq!(convert(Func::SmWheel, "86", &arch), "cu111");
    assert_eq!(convert(Func::SmCuda, "999", &arch), "999");
    assert_eq!(convert(Func::Cuda, "x", &arch), "x");
}

#[test]
fn ranking_prefers_specific_rows_and_drops_readings_inside_a_better_match() {
    let text = "2024 [W:onnxruntime:Default, x.cc:1 F] Failed to create CUDAExecutionProvider. Please reference https://onnxruntime.ai/docs/x\n\
        Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory";
    let got = ids(text);
    assert_eq!(got[0], "ort-provider-cuda-missing-cudnn-9", "{got:?}");
    assert!(
        !got.contains(&"importerror-libcudnn-so-8".to_string()),
        "{got:?}"
    );
    let generic = got.iter().position(|g| g == "ort-failed-to-create-cuda-ep");
    assert!(generic.is_some_and(|p| p > 0), "{got:?}");
}

#[test]
fn program_errors_are_recognised_as_such_and_unknown_text_matches_nothing() {
    use hwcheck_compat::errors::Kind;
    let found = explain(
        "RuntimeError: CUDA error: device-side assert triggered",
        errors(),
    );
    assert_eq!(found[0].row.kind, Kind::Program);
    assert!(ids("all good, inference took 5 ms").is_empty());
    assert!(ids("").is_empty());
    assert!(ids("\u{0}\u{1}\u{fffd}\u{7f}").is_empty());
}

#[test]
fn bounds_long_input_at_a_char_boundary() {
    let long = "é".repeat(MAX_INPUT_BYTES);
    let b = bound(&long);
    assert!(b.truncated);
    assert!(b.text.len() <= MAX_INPUT_BYTES && b.text.len() >= MAX_INPUT_BYTES - 1);
    assert!(!bound("short").truncated);
}

#[test]
fn machine_status_takes_the_worst_matching_check() {
    let checks = vec![
        Check::pass(CheckKind::CudnnSupportMatrix, "ok"),
        Check::fail(CheckKind::CudnnCudaMajor, "bad"),
        Check::fail(CheckKind::CudaForwardCompat, "not a child"),
    ];
    let want = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match machine_status(&want(&["cudnn"]), &checks) {
        MachineStatus::Check(c) => assert_eq!(c.id, "cudnn.cuda_major"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        machine_status(&want(&["ort.provider"]), &checks),
        MachineStatus::NoCheck
    );
    assert_eq!(machine_status(&[], &checks), MachineStatus::NoCheck);
    let ok = machine_status(&want(&["ort.compat", "cudnn.support_matrix"]), &checks);
    assert_eq!(ok.has_problem(), Some(false));
    assert!(no_driver(&checks).is_none());
    let nodriver = vec![Check::fail(
        CheckKind::DriverNvml,
        "libnvidia-ml.so.1 not found",
    )];
    assert!(no_driver(&nodriver).is_some());
}
