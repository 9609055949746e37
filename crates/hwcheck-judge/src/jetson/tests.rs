use super::*;
use crate::testkit::{tables, v, FactsBuilder};
use hwcheck_model::check::Status;
use hwcheck_model::facts::ort::OrtInstall;
use hwcheck_model::facts::{CudaDeviceFacts, CudaDriverApiFacts, ToolkitFacts};

fn orin(l4t: &str) -> FactsBuilder {
    let l4t = l4t.to_string();
    FactsBuilder::cpu_only()
        .picked(
            Component::Libcuda,
            "/usr/lib/aarch64-linux-gnu/tegra/libcuda.so.1",
            "",
        )
        .map_facts(move |f| {
            f.host.arch = "aarch64".into();
            f.platform.jetson = Some(JetsonFacts {
                evidence: vec![format!("/etc/nv_tegra_release: # R{l4t}")],
                l4t: Some(v(&l4t)),
                model: Some("NVIDIA Jetson AGX Orin Developer Kit".into()),
                soc: Some("tegra234".into()),
            });
            for l in f.libraries.iter_mut() {
                l.machine = Some("AArch64".into());
            }
        })
}

fn cuinit_cc(b: FactsBuilder, cc: &str) -> FactsBuilder {
    let cc = cc.to_string();
    b.map_facts(move |f| {
        f.cuda_driver_api = Some(CudaDriverApiFacts {
            device_count: Some(1),
            init_code: Some(0),
            devices: vec![CudaDeviceFacts {
                index: 0,
                name: Some("Orin".into()),
                compute_capability: Some(v(&cc)),
                integrated: Some(true),
            }],
            ..CudaDriverApiFacts::default()
        })
    })
}

#[test]
fn jetpack_6_from_libcuda_passes_and_says_unconfirmed() {
    let f = cuinit_cc(orin("36.4.3"), "8.7").build();
    let c = judge(&f, &tables());
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert!(
        c.summary.contains("L4T 36.4.3 = JetPack 6.2 (CUDA 12.6"),
        "{}",
        c.summary
    );
    assert!(c.summary.contains("unconfirmed"), "{}", c.summary);
    assert!(
        c.summary.contains("compute capability 8.7 (from libcuda)"),
        "{}",
        c.summary
    );
    assert!(!c.sources.is_empty());
}

#[test]
fn jetpack_5_takes_the_cc_from_the_model() {
    let c = judge(&orin("35.4.1").build(), &tables());
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert!(
        c.summary.contains("JetPack 5.1.2 (CUDA 11.4, cuDNN 8.6.0"),
        "{}",
        c.summary
    );
    assert!(!c.summary.contains("unconfirmed"), "{}", c.summary);
    assert!(
        c.summary
            .contains("8.7 (jetson.toml, from the board model)"),
        "{}",
        c.summary
    );
}

#[test]
fn x86_wheels_fail() {
    let f = orin("36.4.3")
        .lib(
            Component::Cudnn,
            "/home/u/.venv/lib/python3.10/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
            "9.1.0",
        )
        .map_facts(|f| {
            for l in f
                .libraries
                .iter_mut()
                .filter(|l| l.component == Component::Cudnn)
            {
                l.machine = Some("x86-64".into());
            }
        })
        .build();
    let c = judge(&f, &tables());
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.starts_with("x86-64 builds on this Arm Jetson"),
        "{}",
        c.summary
    );
    assert!(
        c.summary.contains("nvidia/cudnn/lib/libcudnn.so.9"),
        "{}",
        c.summary
    );
    assert!(c.fix.unwrap().contains("aarch64"));
}

#[test]
fn pypi_onnxruntime_gpu_fails_with_the_jetson_build() {
    let f = orin("36.3.0")
        .map_facts(|f| {
            f.ort.installs.push(OrtInstall {
                path: "/usr/lib/python3/dist-packages/onnxruntime/capi/libonnxruntime.so.1.20.1"
                    .into(),
                python_packages: vec!["onnxruntime-gpu 1.20.1".into()],
                wheel_tags: vec!["cp310-cp310-manylinux_2_27_aarch64".into()],
                machine: Some("AArch64".into()),
                ..OrtInstall::default()
            })
        })
        .build();
    let c = judge(&f, &tables());
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary
            .contains("PyPI has no onnxruntime-gpu built for JetPack"),
        "{}",
        c.summary
    );
    let fix = c.fix.unwrap();
    assert!(fix.contains("onnxruntime-gpu 1.18.0"), "{fix}");
    assert!(c.sources.iter().any(|s| s == ORT_NO_PYPI));
}

#[test]
fn a_server_toolkit_on_jetpack_6_fails_but_not_on_jetpack_7() {
    let sbsa = |b: FactsBuilder| {
        b.map_facts(|f| {
            f.toolkits.push(ToolkitFacts {
                root: "/usr/local/cuda-12.8".into(),
                targets: vec!["sbsa-linux".into()],
                ..ToolkitFacts::default()
            })
        })
    };
    let c = judge(&sbsa(orin("36.4.3")).build(), &tables());
    assert_eq!(c.status, Status::Fail);
    assert!(c.summary.contains("SBSA"), "{}", c.summary);
    assert_eq!(
        judge(&sbsa(orin("38.2.0")).build(), &tables()).status,
        Status::Pass
    );
}

#[test]
fn newer_cuda_needs_the_upgradable_package() {
    let b = orin("35.4.1").picked(
        Component::Cudart,
        "/usr/local/cuda-12.2/targets/aarch64-linux/lib/libcudart.so.12",
        "12.2.140",
    );
    let c = judge(&b.clone().build(), &tables());
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.summary.contains("newer than JetPack 5.1.2's CUDA 11.4"),
        "{}",
        c.summary
    );
    assert!(c.fix.unwrap().contains("cuda-compat"));
    let with_compat = b.compat_lib("/usr/local/cuda-12.2/compat/libcuda.so.1.1", "");
    assert_eq!(judge(&with_compat.build(), &tables()).status, Status::Pass);
    // JetPack 4 cannot upgrade CUDA at all.
    let jp4 = orin("32.7.1").picked(
        Component::Cudart,
        "/usr/local/cuda-11.4/lib64/libcudart.so.11",
        "11.4.1",
    );
    let c = judge(&jp4.build(), &tables());
    assert!(c.summary.contains("cannot be upgraded"), "{}", c.summary);
}

#[test]
fn no_libcuda_and_unknown_release() {
    let f = orin("36.4.3").without(Component::Libcuda).build();
    assert!(judge(&f, &tables())
        .summary
        .starts_with("no libcuda on this Jetson"));
    let f = orin("36.4.3")
        .map_facts(|f| {
            if let Some(j) = f.platform.jetson.as_mut() {
                j.l4t = None;
            }
        })
        .build();
    assert_eq!(judge(&f, &tables()).status, Status::Warn);
    assert_eq!(
        judge(&FactsBuilder::h100().build(), &tables()).status,
        Status::Skip
    );
}

#[test]
fn a_jetson_is_never_without_a_driver() {
    let f = orin("35.4.1").build();
    assert!(!stack::driver_absent(&f));
    let checks = crate::judge(&f, &tables());
    let nvml = checks.iter().find(|c| c.id == "driver.nvml").unwrap();
    assert_eq!(nvml.status, Status::Skip, "{nvml:#?}");
    assert!(checks
        .iter()
        .all(|c| !c.summary.contains("no NVIDIA driver")));
    assert!(checks
        .iter()
        .all(|c| !c.fix.as_deref().unwrap_or("").contains("ubuntu-drivers")));
}
