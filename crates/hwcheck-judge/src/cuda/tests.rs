use super::*;
use crate::testkit::{only, status, tables, FactsBuilder};
use hwcheck_model::check::Status;

fn run(b: FactsBuilder) -> Vec<Check> {
    judge(&b.build(), &tables())
}

fn old_driver() -> FactsBuilder {
    FactsBuilder::h100()
        .without(Component::Cudart)
        .no_toolkits()
        .driver("440.33", "10.2")
}

#[test]
fn healthy_runtime_passes() {
    let checks = run(FactsBuilder::h100());
    let suff: Vec<&Check> = checks.iter().filter(|c| c.id == SUFFICIENT).collect();
    assert_eq!(suff.len(), 2, "libcudart 13.0 and toolkit 13.0.2");
    assert!(suff.iter().all(|c| c.status == Status::Pass), "{suff:#?}");
    assert!(
        suff[0].summary.contains(">= 580.65.06"),
        "{}",
        suff[0].summary
    );
    assert!(!suff[0].sources.is_empty());
}

#[test]
fn too_new_runtime_fails_and_names_what_the_driver_runs() {
    let b = old_driver().picked(Component::Cudart, "/usr/lib/libcudart.so.11.0", "11.4.108");
    let c = only(&run(b), SUFFICIENT).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("driver 440.33 runs CUDA <= 10.2"),
        "{}",
        c.summary
    );
    let fix = c.fix.unwrap();
    assert!(
        fix.contains("CUDA 10.2") && fix.contains(">= 450.80.02 for 11.x"),
        "{fix}"
    );
}

#[test]
fn mvc_only_warns() {
    let b = old_driver().driver("535.104.05", "12.2").picked(
        Component::Cudart,
        "/usr/lib/libcudart.so.12",
        "12.4.127",
    );
    let c = only(&run(b), SUFFICIENT).clone();
    assert_eq!(c.status, Status::Warn, "{c:#?}");
    assert!(c.summary.contains("minor-version compatibility"));
    assert!(c.fix.unwrap().contains(">= 550.54.14"));
}

#[test]
fn cuda10_has_no_minor_version_compatibility() {
    let b = old_driver().driver("418.39", "10.1").picked(
        Component::Cudart,
        "/usr/lib/libcudart.so.10.2",
        "10.2.89",
    );
    let c = only(&run(b), SUFFICIENT).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(c.fix.unwrap().contains(">= 440.33"));
}

#[test]
fn no_runtime_or_no_driver_skips() {
    let b = FactsBuilder::h100()
        .without(Component::Cudart)
        .no_toolkits();
    assert_eq!(status(&run(b), SUFFICIENT), Status::Skip);
    let b = FactsBuilder::cpu_only().picked(Component::Cudart, "/x/libcudart.so.12", "12.4");
    assert_eq!(status(&run(b), SUFFICIENT), Status::Skip);
}

#[test]
fn older_compat_unused_passes_but_first_on_path_fails() {
    assert_eq!(status(&run(FactsBuilder::h100()), FORWARD), Status::Pass);
    let b = FactsBuilder::h100().compat_first("/usr/local/cuda-13.0/compat/libcuda.so.1");
    let c = only(&run(b), FORWARD).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("LD_LIBRARY_PATH") && c.summary.contains("803"),
        "{}",
        c.summary
    );
    assert!(c
        .fix
        .unwrap()
        .contains("Remove /usr/local/cuda-13.0/compat from LD_LIBRARY_PATH"));
}

#[test]
fn newer_compat_on_geforce_fails_and_on_datacenter_passes() {
    let path = "/usr/local/cuda-13.1/compat/libcuda.so.1";
    let base = FactsBuilder::h100()
        .compat_lib(path, "590.44.01")
        .compat_first(path);
    assert_eq!(status(&run(base.clone()), FORWARD), Status::Pass);
    let geforce = base.edit_gpu(0, |g| g.name = "NVIDIA GeForce RTX 4090".to_string());
    let c = only(&run(geforce), FORWARD).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("804"));
}

#[test]
fn no_compat_skips() {
    let b = FactsBuilder::h100()
        .without(Component::Libcuda)
        .no_toolkits();
    assert_eq!(status(&run(b), FORWARD), Status::Skip);
}
