//! Remedy proposals over small facts (the tests of `remedies.rs`).

use super::*;
use crate::testkit::{only, tables, FactsBuilder};
use hwcheck_model::facts::ort::ProviderProbe;
use hwcheck_model::facts::ProbeError;

const COMPAT: &str = "/usr/local/cuda-13.0/compat/libcuda.so.1";
const SITE: &str = "/venv/lib/python3.12/site-packages";

fn judged(facts: &Facts) -> Vec<Check> {
    crate::judge(facts, &tables())
}

/// The remedy of check `id`, without its outcome (each test here proposes; trials are tested
/// at the end).
fn remedy(checks: &[Check], id: &str) -> Option<Remedy> {
    only(checks, id)
        .remedy
        .as_ref()
        .map(|r| Remedy::new(r.changes.clone()))
}

fn remove(dir: &str) -> EnvChange {
    EnvChange::RemoveFromList {
        name: LD_LIBRARY_PATH.into(),
        dir: dir.into(),
    }
}

fn prepend(dir: &str) -> EnvChange {
    EnvChange::Prepend {
        name: LD_LIBRARY_PATH.into(),
        dir: dir.into(),
    }
}

#[test]
fn an_old_compat_libcuda_first_on_the_path_is_taken_off_it() {
    let facts = FactsBuilder::h100()
        .compat_first(COMPAT)
        .cuinit(Some(("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 803)), 0)
        .build();
    let checks = judged(&facts);
    let expected = Remedy::new(vec![remove("/usr/local/cuda-13.0/compat")]);
    assert_eq!(
        remedy(&checks, "cuda.forward_compat"),
        Some(expected.clone())
    );
    assert_eq!(remedy(&checks, "driver.cuda_init"), Some(expected.clone()));
    // Nothing else in the report claims an environment fix.
    let others = checks
        .iter()
        .filter(|c| c.remedy.is_some())
        .map(|c| c.id.to_string())
        .collect::<Vec<_>>();
    assert_eq!(others, ["driver.cuda_init", "cuda.forward_compat"]);
}

#[test]
fn an_entry_with_a_trailing_slash_or_through_ld_so_conf_is_handled() {
    let facts = FactsBuilder::h100()
        .compat_first(COMPAT)
        .env(
            "LD_LIBRARY_PATH",
            "/usr/local/cuda-13.0/compat/:/usr/local/nvidia/lib64",
        )
        .build();
    let checks = judged(&facts);
    assert_eq!(
        remedy(&checks, "cuda.forward_compat"),
        Some(Remedy::new(vec![remove("/usr/local/cuda-13.0/compat/")]))
    );
    // Picked through the loader's configuration, not LD_LIBRARY_PATH: no environment fix.
    let facts = FactsBuilder::h100()
        .edit_lib(COMPAT, |l| l.loader_selected = true)
        .edit_lib("/usr/local/nvidia/lib64/libcuda.so.1", |l| {
            l.loader_selected = false
        })
        .build();
    let checks = judged(&facts);
    assert_eq!(only(&checks, "cuda.forward_compat").status, Status::Fail);
    assert_eq!(remedy(&checks, "cuda.forward_compat"), None);
}

#[test]
fn a_healthy_box_gets_no_remedy() {
    let checks = judged(&FactsBuilder::h100().build());
    assert!(checks.iter().all(|c| c.remedy.is_none()), "{checks:#?}");
}

#[test]
fn cuda_visible_devices_is_unset_or_corrected() {
    let facts = FactsBuilder::h100()
        .env("CUDA_VISIBLE_DEVICES", "")
        .cuinit(None, 0)
        .build();
    let checks = judged(&facts);
    let unset = Remedy::new(vec![EnvChange::Unset {
        name: CUDA_VISIBLE_DEVICES.into(),
    }]);
    assert_eq!(
        remedy(&checks, "environment.cuda_visible_devices"),
        Some(unset.clone())
    );
    assert_eq!(remedy(&checks, "driver.cuda_init"), Some(unset.clone()));

    // "7,0": 7 is beyond the one GPU, CUDA stops reading there; keep the valid 0.
    let facts = FactsBuilder::h100()
        .env("CUDA_VISIBLE_DEVICES", "7,0")
        .cuinit(Some(("CUDA_ERROR_NO_DEVICE", 100)), 0)
        .build();
    let checks = judged(&facts);
    let set = Remedy::new(vec![EnvChange::Set {
        name: CUDA_VISIBLE_DEVICES.into(),
        value: "0".into(),
    }]);
    assert_eq!(
        remedy(&checks, "environment.cuda_visible_devices"),
        Some(set.clone())
    );
    assert_eq!(remedy(&checks, "driver.cuda_init"), Some(set.clone()));

    let fine = judged(
        &FactsBuilder::h100()
            .env("CUDA_VISIBLE_DEVICES", "0")
            .build(),
    );
    assert_eq!(remedy(&fine, "environment.cuda_visible_devices"), None);
}

fn ort_install(path: &str, compiled_in: &[&str], providers: Vec<ProviderProbe>) -> OrtInstall {
    OrtInstall {
        path: path.into(),
        version: Some("1.31.1".into()),
        compiled_in: compiled_in.iter().map(|s| s.to_string()).collect(),
        providers,
        found_via: vec![OrtSource::Python(SITE.into())],
        ..OrtInstall::default()
    }
}

fn cuda_failed(missing: &[&str]) -> ProviderProbe {
    let mut p = ProviderProbe::new(Provider::Cuda, true);
    p.error = Some(ProbeError::new(
        "provider_register_failed",
        "libcublasLt.so.13: cannot open shared object file: No such file or directory",
    ));
    p.missing_libraries = missing.iter().map(|s| s.to_string()).collect();
    p
}

const GPU_ORT: &str = "/venv/lib/python3.12/site-packages/onnxruntime/capi/libonnxruntime.so.1";
const CUDA_BUILD: &[&str] = &["CUDAExecutionProvider", "CPUExecutionProvider"];

fn with_ort(b: FactsBuilder, installs: Vec<OrtInstall>) -> Facts {
    let mut facts = b.build();
    facts.ort.installs = installs;
    facts
}

#[test]
fn libraries_hidden_from_the_loader_are_put_first_on_the_path() {
    let lt = format!("{SITE}/nvidia/cu13/lib/libcublasLt.so.13");
    let cudnn = format!("{SITE}/nvidia/cudnn/lib/libcudnn.so.9");
    let b = FactsBuilder::h100()
        .lib(Component::CublasLt, &lt, "13.1.0")
        .lib(Component::Cudnn, &cudnn, "9.14.0")
        .lib(
            Component::CublasLt,
            "/opt/other/libcublasLt.so.13",
            "13.0.0",
        );
    let install = ort_install(
        GPU_ORT,
        CUDA_BUILD,
        vec![cuda_failed(&["libcublasLt.so.13", "libcudnn.so.9"])],
    );
    let checks = judged(&with_ort(b.clone(), vec![install]));
    assert_eq!(
        remedy(&checks, "ort.provider.cuda"),
        Some(Remedy::new(vec![
            prepend(&format!("{SITE}/nvidia/cu13/lib")),
            prepend(&format!("{SITE}/nvidia/cudnn/lib")),
        ]))
    );

    // One of them found nowhere: no environment change can fix it.
    let install = ort_install(
        GPU_ORT,
        CUDA_BUILD,
        vec![cuda_failed(&["libcublasLt.so.13", "libcufft.so.12"])],
    );
    let checks = judged(&with_ort(b, vec![install]));
    assert_eq!(only(&checks, "ort.provider.cuda").status, Status::Fail);
    assert_eq!(remedy(&checks, "ort.provider.cuda"), None);
}

#[test]
fn a_cpu_only_build_first_points_to_the_gpu_build() {
    let mut not_built = ProviderProbe::new(Provider::Cuda, false);
    not_built.error = Some(ProbeError::new(
        "provider_not_built",
        "CUDAExecutionProvider is not in this build",
    ));
    let cpu = OrtInstall {
        found_via: vec![OrtSource::OrtDylibPath],
        ..ort_install(
            "/opt/cpu/libonnxruntime.so.1",
            &["CPUExecutionProvider"],
            vec![not_built],
        )
    };
    let mut ran = ProviderProbe::new(Provider::Cuda, true);
    ran.session_ok = true;
    let gpu = ort_install(GPU_ORT, CUDA_BUILD, vec![ran]);
    let checks = judged(&with_ort(FactsBuilder::h100(), vec![cpu, gpu]));
    assert_eq!(only(&checks, "ort.provider.cuda").status, Status::Warn);
    assert_eq!(
        remedy(&checks, "ort.provider.cuda"),
        Some(Remedy::new(vec![EnvChange::Set {
            name: ORT_DYLIB_PATH.into(),
            value: GPU_ORT.into(),
        }]))
    );
    assert_eq!(remedy(&checks, "ort.provider.cuda.install2"), None);
}

#[test]
fn a_remedy_takes_its_trials_outcome_or_says_why_it_was_not_verified() {
    let mut facts = FactsBuilder::h100()
        .compat_first(COMPAT)
        .cuinit(Some(("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 803)), 0)
        .build();
    let untried = judged(&facts);
    let r = only(&untried, "driver.cuda_init").remedy.clone().unwrap();
    assert_eq!(r.outcome.as_deref(), Some(NOT_VERIFIED));
    assert_eq!(r.verified, None);

    facts.skipped.push(SKIPPED_VERIFY_QUICK.to_string());
    let quick = judged(&facts);
    let r = only(&quick, "cuda.forward_compat").remedy.clone().unwrap();
    assert_eq!(
        r.outcome.as_deref(),
        Some("not verified: remedy verification: skipped by --quick")
    );

    let trial = hwcheck_model::facts::remedy::RemedyTrial::new(
        vec!["driver.cuda_init".into()],
        &r,
        "cuInit",
        Some(true),
        "cuInit succeeds (1 device(s))",
    );
    facts.remedy_trials.push(trial);
    let tried = judged(&facts);
    let r = only(&tried, "driver.cuda_init").remedy.clone().unwrap();
    assert!(r.is_verified());
    assert_eq!(
        r.outcome.as_deref(),
        Some("verified: with LD_LIBRARY_PATH without /usr/local/cuda-13.0/compat, cuInit succeeds (1 device(s))")
    );
    // The trial names the check it was run for: another check with the same change keeps its
    // own state.
    let other = only(&tried, "cuda.forward_compat").remedy.clone().unwrap();
    assert_eq!(other.verified, None);
}
