use super::*;
use crate::testkit::{tables, FactsBuilder};
use hwcheck_model::facts::ProbeError;

const ORT_CUDA: &str =
    "/opt/app/.venv/lib/python3.12/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so";
const ORT_LABEL: &str = "ONNX Runtime CUDA provider";
/// What cuobjdump lists for onnxruntime-gpu 1.31.1's CUDA provider on the H200 box.
const ORT_131: [&str; 6] = ["sm_75", "sm_80", "sm_86", "sm_89", "sm_90a", "sm_120a"];

fn rows(facts: &Facts) -> Vec<Check> {
    judge(facts, &tables())
}

fn one(facts: &Facts) -> Check {
    let r = rows(facts);
    assert_eq!(r.len(), 1, "{r:#?}");
    r.into_iter().next().unwrap()
}

#[test]
fn h100_runs_sm90a_natively() {
    let f = FactsBuilder::h100()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &ORT_131)
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert!(
        c.summary.contains("sm_90a SASS runs natively"),
        "{}",
        c.summary
    );
    assert_eq!(c.instance.as_deref(), Some(ORT_CUDA));
    assert!(c.evidence.iter().any(|e| e.contains("sm_75 sm_80")));
    assert!(c.sources.iter().any(|s| s == NVCC_TARGETS));
}

#[test]
fn sass_for_another_architecture_only_is_a_fail_with_the_error_predicted() {
    // An sm_86-only build on an H100 (CC 9.0): no SASS of major 9, no PTX.
    let f = FactsBuilder::h100()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &["sm_80", "sm_86"])
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Fail);
    assert!(c
        .summary
        .contains("no kernel image is available for execution on the device"));
    let fix = c.fix.unwrap();
    assert!(
        fix.contains("sm_90") && fix.contains("onnxruntime-gpu"),
        "{fix}"
    );
}

#[test]
fn a_variant_runs_only_on_its_exact_capability() {
    // sm_90a serves the H100 but not a B200 (10.0); sm_120a not an RTX PRO 6000 at 12.1.
    let f = FactsBuilder::h100()
        .no_gpus()
        .gpu("NVIDIA B200", Some("10.0"))
        .gpu("NVIDIA H100 80GB HBM3", Some("9.0"))
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &["sm_90a", "sm_120a"])
        .build();
    let r = rows(&f);
    assert_eq!(r.len(), 2);
    let by_cc = |cc: &str| {
        r.iter()
            .find(|c| c.instance.as_deref() == Some(&format!("{ORT_CUDA} (CC {cc})")))
            .unwrap()
    };
    assert_eq!(by_cc("9.0").status, Status::Pass);
    assert_eq!(by_cc("10.0").status, Status::Fail);
    assert!(by_cc("10.0").summary.contains("GPU 0 (NVIDIA B200)"));
}

#[test]
fn only_older_ptx_is_a_jit_warning() {
    let f = FactsBuilder::h100()
        .kernel_lib(
            "/usr/lib/libfoo_cuda.so",
            "cuBLASLt",
            true,
            &["sm_80", "compute_80"],
        )
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Warn);
    assert!(
        c.summary.contains("JIT-compiles its compute_80 PTX"),
        "{}",
        c.summary
    );
    let fix = c.fix.unwrap();
    assert!(
        fix.contains("CUDA_CACHE_MAXSIZE") && fix.contains("sm_90"),
        "{fix}"
    );
    assert!(c.sources.iter().any(|s| s == ENV_VARS));
}

#[test]
fn a_copy_nothing_loads_only_warns() {
    let f = FactsBuilder::h100()
        .kernel_lib(
            "/usr/local/cuda-11.0/lib64/libcublasLt.so.11",
            "cuBLASLt",
            false,
            &["sm_80"],
        )
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Warn);
    assert!(c.summary.contains("not the loader's pick"));
}

#[test]
fn gpus_sharing_a_capability_are_judged_once() {
    let f = FactsBuilder::h100()
        .gpu("NVIDIA H100 80GB HBM3", Some("9.0"))
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &ORT_131)
        .build();
    let c = one(&f);
    assert!(c
        .summary
        .contains("GPU 0 (NVIDIA H100 80GB HBM3), GPU 1 (NVIDIA H100 80GB HBM3)"));
    assert_eq!(c.instance.as_deref(), Some(ORT_CUDA));
}

#[test]
fn capability_from_the_gpu_table_when_nvml_did_not_say() {
    let f = FactsBuilder::h100()
        .edit_gpu(0, |g| g.compute_capability = None)
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &["sm_80"])
        .build();
    assert_eq!(one(&f).status, Status::Fail);
}

#[test]
fn no_gpu_or_no_library_skips() {
    let f = FactsBuilder::cpu_only()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &ORT_131)
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Skip);
    assert!(c.evidence[0].contains("sm_120a"));
    let c = one(&FactsBuilder::h100().build());
    assert_eq!(c.status, Status::Skip);
    assert!(c.summary.contains("no CUDA library carrying GPU code"));
    // A library without device code is listed in the facts, never judged.
    let f = FactsBuilder::h100()
        .kernel_lib("/usr/lib/libcudnn.so.9", "cuDNN", true, &[])
        .edit_kernel_lib("/usr/lib/libcudnn.so.9", |k| {
            k.error = Some(ProbeError::new(
                Code::NoDeviceCode,
                "no CUDA fatbin section",
            ))
        })
        .build();
    assert_eq!(one(&f).status, Status::Skip);
}

#[test]
fn an_incomplete_scan_cannot_prove_absence() {
    let f = FactsBuilder::h100()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &["sm_80"])
        .edit_kernel_lib(ORT_CUDA, |k| k.truncated = true)
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Warn);
    assert!(c.summary.contains("unconfirmed"));
    assert!(c.evidence.iter().any(|e| e.contains("scan incomplete")));
}

#[test]
fn an_unreadable_library_in_use_warns() {
    let f = FactsBuilder::h100()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &[])
        .edit_kernel_lib(ORT_CUDA, |k| {
            k.error = Some(ProbeError::new(
                Code::MalformedElf,
                "malformed ELF file: bad",
            ))
        })
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Warn);
    assert!(c
        .summary
        .contains("could not be read (malformed ELF file: bad)"));
}

#[test]
fn unknown_target_names_are_shown_not_trusted() {
    let f = FactsBuilder::h100()
        .kernel_lib(ORT_CUDA, ORT_LABEL, true, &["sm_90", "sm_9x"])
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Pass);
    assert!(c
        .evidence
        .iter()
        .any(|e| e == "unrecognised targets: sm_9x"));
}

#[test]
fn an_nvidia_library_without_the_image_in_its_fatbin_is_unconfirmed_not_a_fail() {
    // CUDA 13.0's cuFFT on the H200: one compressed sm_75 entry in .nv_fatbin, yet the
    // library supports sm_90 (its kernels are kept outside that section).
    const CUFFT: &str = "/usr/local/cuda/targets/x86_64-linux/lib/libcufft.so.12";
    let f = FactsBuilder::h100()
        .kernel_lib(CUFFT, "cuFFT", true, &["sm_75"])
        .build();
    let c = one(&f);
    assert_eq!(c.status, Status::Warn, "{c:#?}");
    assert!(c.summary.contains("unconfirmed"), "{}", c.summary);
    let fix = c.fix.unwrap();
    assert!(
        fix.contains("cuobjdump --list-elf") && fix.contains("sm_90"),
        "{fix}"
    );
}
