use super::*;
use hwcheck_model::facts::ort::ProviderLibrary;
use hwcheck_model::facts::LibraryFacts;

fn lib(component: Component, soname: &str, path: &str) -> LibraryFacts {
    LibraryFacts {
        soname: Some(soname.to_string()),
        loader_selected: true,
        ..LibraryFacts::new(component, path)
    }
}

fn gpu_install(version: &str, cuda: ProviderProbe) -> OrtInstall {
    OrtInstall {
        path: "/venv/lib/python3.11/site-packages/onnxruntime/capi/libonnxruntime.so.1".into(),
        version: Some(version.into()),
        compiled_in: vec![
            "TensorrtExecutionProvider".into(),
            "CUDAExecutionProvider".into(),
            "CPUExecutionProvider".into(),
        ],
        provider_libraries: vec![ProviderLibrary::default()],
        providers: vec![cuda],
        found_via: vec![OrtSource::Python("/venv".into())],
        ..OrtInstall::default()
    }
}

fn failed(provider: Provider, code: &str, message: &str, missing: &[&str]) -> ProviderProbe {
    let mut p = ProviderProbe::new(provider, true);
    p.registered = Some(false);
    p.error = Some(ProbeError::new(code, message));
    p.missing_libraries = missing.iter().map(|s| s.to_string()).collect();
    p
}

fn facts_with(installs: Vec<OrtInstall>, libs: Vec<LibraryFacts>) -> Facts {
    let mut facts = Facts::default();
    facts.ort.installs = installs;
    facts.libraries = libs;
    facts
}

fn find<'a>(checks: &'a [Check], id: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
}

/// The check `id` that judging `facts` against the embedded tables gives.
fn judged(facts: &Facts, id: &str) -> Check {
    find(&judge(facts, &Tables::embedded()), id).clone()
}

/// Facts with one GPU install of `version` whose CUDA provider failed to
/// register with `message`, beside the libraries `libs`.
fn cuda_unregistered(
    version: &str,
    message: &str,
    missing: &[&str],
    libs: Vec<LibraryFacts>,
) -> Facts {
    let probe = failed(Provider::Cuda, "provider_register_failed", message, missing);
    facts_with(vec![gpu_install(version, probe)], libs)
}

const CUBLAS12_ERR: &str = "Failed to load library /venv/onnxruntime/capi/libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory";

#[test]
fn extracts_the_soname_from_a_loader_error() {
    assert_eq!(
        soname_in_error(CUBLAS12_ERR).as_deref(),
        Some("libcublasLt.so.12")
    );
    assert_eq!(soname_in_error("CUDA failure 35: whatever"), None);
}

#[test]
fn classifies_missing_sonames() {
    assert_eq!(classify_missing("libcublasLt.so.12"), Missing::Cuda(12));
    assert_eq!(classify_missing("libcudart.so.13"), Missing::Cuda(13));
    assert_eq!(classify_missing("libcudnn.so.9"), Missing::Cudnn(9));
    assert_eq!(classify_missing("libnvinfer.so.10"), Missing::Tensorrt(10));
    assert_eq!(classify_missing("libcuda.so.1"), Missing::Libcuda);
    assert_eq!(classify_missing("libcurand.so.10"), Missing::Other);
}

#[test]
fn cuda12_build_with_only_cuda13_present() {
    let facts = cuda_unregistered(
        "1.24.1",
        CUBLAS12_ERR,
        &["libcublasLt.so.12", "libcublas.so.12", "libcudart.so.12"],
        vec![lib(
            Component::CublasLt,
            "libcublasLt.so.13",
            "/usr/local/cuda-13.0/lib64/libcublasLt.so.13",
        )],
    );
    let checks = judge(&facts, &Tables::embedded());
    let c = find(&checks, "ort.provider.cuda");
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("CUDA 12 build"), "{}", c.summary);
    assert!(c.summary.contains("only CUDA 13"), "{}", c.summary);
    let fix = c.fix.as_deref().unwrap();
    assert!(
        fix.contains("nvidia-cublas-cu12") && fix.contains(">= 1.27"),
        "{fix}"
    );
    assert!(
        c.evidence
            .iter()
            .any(|e| e
                .contains("the whole list: libcublasLt.so.12, libcublas.so.12, libcudart.so.12"))
    );
}

#[test]
fn tensorrt_10_missing() {
    let probe = failed(
        Provider::Tensorrt,
        "provider_register_failed",
        "Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory",
        &["libnvinfer.so.10", "libnvonnxparser.so.10"],
    );
    let mut facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
    // Not asked for: the optional SDK's absence is a WARN, with the same fix.
    let c = find(&judge(&facts, &Tables::embedded()), "ort.provider.tensorrt").clone();
    assert_eq!(c.status, Status::Warn);
    assert!(c
        .summary
        .contains("not usable here: TensorRT 10 not installed"));
    assert!(c.fix.as_deref().unwrap().contains("tensorrt-cu13"));
    // Asked for with --providers tensorrt: a FAIL.
    facts.ort.requested_providers = vec![Provider::Tensorrt];
    let checks = judge(&facts, &Tables::embedded());
    let c = find(&checks, "ort.provider.tensorrt");
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("TensorRT 10 is not installed"),
        "{}",
        c.summary
    );
    assert!(c.fix.as_deref().unwrap().contains("tensorrt-cu13"));
    assert!(!c.sources.is_empty());
}

#[test]
fn cudnn_major_mismatch() {
    let err =
        "… with error: libcudnn.so.9: cannot open shared object file: No such file or directory";
    let facts = cuda_unregistered(
        "1.20.0",
        err,
        &[],
        vec![lib(
            Component::Cudnn,
            "libcudnn.so.8",
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
        )],
    );
    let c = judged(&facts, "ort.provider.cuda");
    assert!(c.summary.contains("cuDNN major mismatch"), "{}", c.summary);
    assert!(
        c.summary.contains("needs cuDNN 9, found cuDNN 8"),
        "{}",
        c.summary
    );
}

#[test]
fn a_library_only_in_a_wheel_is_named_with_its_directory() {
    let facts = cuda_unregistered(
        "1.24.1",
        CUBLAS12_ERR,
        &[],
        vec![lib(
            Component::CublasLt,
            "libcublasLt.so.12",
            "/venv/nvidia/cublas/lib/libcublasLt.so.12",
        )],
    );
    let c = judged(&facts, "ort.provider.cuda");
    assert!(
        c.summary.contains("not on the loader's search path"),
        "{}",
        c.summary
    );
    assert!(c.fix.unwrap().contains("/venv/nvidia/cublas/lib"));
}

#[test]
fn driver_too_old_at_commit() {
    let probe = failed(
        Provider::Cuda,
        "session_failed",
        "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=0",
        &[],
    );
    let mut facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
    facts.driver.nvml.cuda_driver_version = DottedVersion::parse("12.4").ok();
    let c = judged(&facts, "ort.provider.cuda");
    assert!(c.summary.contains("driver is too old"), "{}", c.summary);
    assert!(
        c.summary.contains("CUDA 13") && c.summary.contains("12.4"),
        "{}",
        c.summary
    );
}

#[test]
fn not_built_is_skip_without_a_gpu_and_warn_with_one() {
    let mut probe = ProviderProbe::new(Provider::Cuda, false);
    probe.error = Some(ProbeError::new(
        Code::ProviderNotBuilt,
        "not built into this ORT: CUDA execution provider is not enabled in this build.",
    ));
    let mut install = gpu_install("1.31.1", probe);
    install.compiled_in = vec![
        "AzureExecutionProvider".into(),
        "CPUExecutionProvider".into(),
    ];
    let mut facts = facts_with(vec![install], Vec::new());
    let c = judged(&facts, "ort.provider.cuda");
    assert_eq!(c.status, Status::Skip);
    assert!(
        c.summary.contains("not built into this ORT"),
        "{}",
        c.summary
    );
    facts.driver.nvml.device_count = Some(1);
    let c = judged(&facts, "ort.provider.cuda");
    assert_eq!(c.status, Status::Warn);
    let checks = judge(&facts, &Tables::embedded());
    assert!(
        checks.iter().all(|c| c.id != "ort.compat"),
        "a CPU-only ORT has no CUDA needs to check"
    );
}

#[test]
fn a_timeout_is_a_fail_row_with_the_seconds() {
    let probe = failed(Provider::Cpu, "timed_out", "timed out after 2 s", &[]);
    let facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
    let c = judged(&facts, "ort.provider.cpu");
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("timed out after 2 s"), "{}", c.summary);
}

#[test]
fn output_beyond_tolerance_fails() {
    let mut probe = ProviderProbe::new(Provider::Cuda, true);
    probe.session_ok = true;
    probe.registered = Some(true);
    probe.max_abs_diff = Some(0.02);
    probe.tolerance = Some(1e-3);
    let facts = facts_with(vec![gpu_install("1.31.1", probe.clone())], Vec::new());
    assert_eq!(judged(&facts, "ort.provider.cuda").status, Status::Fail);
    probe.max_abs_diff = Some(1e-4);
    let facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
    assert_eq!(judged(&facts, "ort.provider.cuda").status, Status::Pass);
}

#[test]
fn two_wheels_in_one_environment_fail_and_two_installs_warn() {
    let mut a = gpu_install("1.31.1", ProviderProbe::new(Provider::Cpu, true));
    a.python_packages = vec!["onnxruntime 1.31.1".into(), "onnxruntime-gpu 1.31.1".into()];
    let facts = facts_with(vec![a.clone()], Vec::new());
    assert_eq!(judged(&facts, "ort.installs").status, Status::Fail);
    a.python_packages.clear();
    let mut b = a.clone();
    b.compiled_in = vec!["CPUExecutionProvider".into()];
    let facts = facts_with(vec![a, b], Vec::new());
    let checks = judge(&facts, &Tables::embedded());
    let c = find(&checks, "ort.installs");
    assert_eq!(c.status, Status::Warn);
    assert!(
        c.summary.contains("CPU-only build can shadow"),
        "{}",
        c.summary
    );
    find(&checks, "ort.runtime.install2");
}

#[test]
fn compat_names_the_missing_cuda_major() {
    let facts = cuda_unregistered(
        "1.31.1",
        CUBLAS12_ERR,
        &[],
        vec![lib(
            Component::CublasLt,
            "libcublasLt.so.12",
            "/usr/lib/libcublasLt.so.12",
        )],
    );
    let c = judged(&facts, "ort.compat");
    assert_eq!(c.status, Status::Warn);
    assert!(
        c.summary.contains("CUDA 13 libraries (found: 12)"),
        "{}",
        c.summary
    );
    assert!(c.sources.iter().any(|s| s.contains("29032")));
}

#[test]
fn nothing_found_warns_and_a_missing_reference_fails() {
    let mut facts = Facts::default();
    facts.ort.problem = Some(ProbeError::new(
        Code::NotFound,
        "no ONNX Runtime library found",
    ));
    let checks = judge(&facts, &Tables::embedded());
    assert_eq!(find(&checks, "ort.runtime").status, Status::Warn);
    facts.ort.problem = Some(ProbeError::new(Code::ReferenceMissing, "not fetched"));
    assert_eq!(judged(&facts, "ort.reference").status, Status::Fail);
}
