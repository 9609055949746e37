use super::*;
use crate::testkit::{only, status, tables, FactsBuilder};

fn run(b: FactsBuilder) -> Vec<Check> {
    judge(&b.build(), &tables())
}

#[test]
fn h100_with_cuda13_and_cudnn914_passes() {
    let checks = run(FactsBuilder::h100());
    let c = only(&checks, CC);
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert!(
        c.summary.contains("CC 9.0 (Hopper)") && c.summary.contains("cuDNN 9.14.0"),
        "{}",
        c.summary
    );
    assert_eq!(status(&checks, HEALTH), Status::Pass);
}

#[test]
fn volta_fails_on_cuda13_naming_the_last_cuda() {
    let b = FactsBuilder::h100().edit_gpu(0, |g| {
        g.name = "Tesla V100-SXM2-16GB".to_string();
        g.compute_capability = Some(crate::testkit::v("7.0"));
    });
    let c = only(&run(b), CC).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("last CUDA supporting it is 12.x"),
        "{}",
        c.summary
    );
    assert!(
        c.summary.contains("the last cuDNN supporting it is 9.10"),
        "{}",
        c.summary
    );
}

#[test]
fn blackwell_fails_on_cuda_12_6() {
    let b = FactsBuilder::h100()
        .without(Component::Cudart)
        .without(Component::Cudnn)
        .no_toolkits()
        .picked(
            Component::Cudart,
            "/usr/local/cuda/lib64/libcudart.so.12",
            "12.6.77",
        )
        .edit_gpu(0, |g| {
            g.name = "NVIDIA B200".to_string();
            g.compute_capability = None;
        });
    let c = only(&run(b), CC).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("needs CUDA >= 12.8"), "{}", c.summary);
    assert!(c.evidence.iter().any(|e| e.contains("from gpus.toml")));
}

#[test]
fn blackwell_on_a_550_driver_blames_the_driver_not_cuda() {
    let b = FactsBuilder::h100()
        .driver("550.144.03", "12.4")
        .edit_gpu(0, |g| {
            g.name = "NVIDIA GeForce RTX 5090".to_string();
            g.compute_capability = None;
        });
    let c = only(&run(b), CC).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("predates Blackwell")
            && c.summary.contains("R570")
            && !c.summary.contains("unconfirmed"),
        "{}",
        c.summary
    );
    assert!(c.fix.unwrap().starts_with("Install an R570"));
    assert!(c.sources.iter().any(|s| s.contains("570.86.16")));
}

#[test]
fn kepler_on_a_535_driver_is_past_its_last_branch() {
    let b = FactsBuilder::h100()
        .driver("535.183.01", "12.2")
        .edit_gpu(0, |g| {
            g.name = "Tesla K80".to_string();
            g.compute_capability = None;
        });
    let c = only(&run(b), CC).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("R470 was the last"), "{}", c.summary);
}

#[test]
fn unknown_gpu_warns() {
    let b = FactsBuilder::h100().edit_gpu(0, |g| {
        g.name = "Mystery Accelerator".to_string();
        g.compute_capability = None;
    });
    assert_eq!(status(&run(b), CC), Status::Warn);
}

#[test]
fn health_problems() {
    let b = FactsBuilder::h100().edit_gpu(0, |g| g.remapped_rows_failure = Some(true));
    let c = only(&run(b), HEALTH).clone();
    assert_eq!(c.status, Status::Fail);
    assert!(c.fix.unwrap().contains("RMA"));
    let b = FactsBuilder::h100().edit_gpu(0, |g| {
        g.ecc_uncorrected_volatile = Some(3);
        g.throttle_reasons = vec!["HW_THERMAL_SLOWDOWN".to_string()];
    });
    let c = only(&run(b), HEALTH).clone();
    assert_eq!(c.status, Status::Warn);
    assert!(c.summary.contains("3 uncorrected") && c.summary.contains("throttled"));
    let b =
        FactsBuilder::h100().edit_gpu(0, |g| g.throttle_reasons = vec!["SW_POWER_CAP".to_string()]);
    assert_eq!(status(&run(b), HEALTH), Status::Pass);
}

#[test]
fn no_driver_or_no_gpu_skips() {
    let checks = run(FactsBuilder::cpu_only());
    assert_eq!(status(&checks, CC), Status::Skip);
    assert_eq!(status(&checks, HEALTH), Status::Skip);
    assert_eq!(
        status(&run(FactsBuilder::h100().no_gpus()), CC),
        Status::Skip
    );
}
