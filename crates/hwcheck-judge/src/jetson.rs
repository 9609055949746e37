//! Jetson / L4T rules: the L4T release names the JetPack and its CUDA, cuDNN and TensorRT
//! (jetson.toml); the GPU's compute capability comes from libcuda (no NVML), else from the
//! module's row; CUDA newer than the JetPack's needs the CUDA upgradable package (from JetPack
//! 5.0.2); traps: x86-64 builds, a server (SBSA) CUDA toolkit before JetPack 7, onnxruntime-gpu
//! from PyPI (no JetPack build there).

use super::stack;
use hwcheck_compat::jetson::L4tRow;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::platform::JetsonFacts;
use hwcheck_model::facts::{Component, Facts};
use hwcheck_model::version::DottedVersion;

const JETSON: CheckKind = CheckKind::PlatformJetson;
/// ONNX Runtime maintainers: no onnxruntime-gpu for Jetson on PyPI.
const ORT_NO_PYPI: &str = "https://github.com/microsoft/onnxruntime/issues/20503";
/// The first L4T major of JetPack 7, whose CUDA is the Arm-server (SBSA) one.
const SBSA_L4T_MAJOR: u32 = 38;

/// One failure: summary, fix, source.
type Finding = (String, String, Option<String>);

/// Judges a Jetson.
pub fn judge(facts: &Facts, tables: &Tables) -> Check {
    let Some(jetson) = facts.platform.jetson.as_ref() else {
        return Check::skip(JETSON, "not a Jetson");
    };
    let evidence = jetson.evidence.iter().map(|e| format!("Jetson: {e}"));
    let Some(l4t) = jetson.l4t.as_ref() else {
        let check = Check::warn(
            JETSON,
            "a Jetson, but its L4T release is unknown: its CUDA, cuDNN and TensorRT cannot be told",
        )
        .with_fix("Run `cat /etc/nv_tegra_release` and `dpkg-query --show nvidia-l4t-core` to see the release.");
        return evidence.fold(check, Check::with_evidence);
    };
    let row = tables.jetson.release(l4t);
    let stack_row = tables.jetson.release_with_cuda(l4t);
    let jetpack = row.map_or("?".to_string(), |r| r.jetpack.clone());
    let mut found: Vec<Finding> = Vec::new();
    found.extend(x86_builds(facts, &jetpack));
    found.extend(sbsa_toolkit(facts, l4t, &jetpack));
    found.extend(pypi_ort(facts, tables, &jetpack));
    found.extend(newer_cuda(facts, tables, l4t, stack_row));
    if stack::libs(facts, Component::Libcuda).next().is_none() && facts.cuda_driver_api.is_none() {
        found.push((
            "no libcuda on this Jetson: no CUDA program can start".to_string(),
            "Reinstall JetPack's CUDA driver (`sudo apt install --reinstall nvidia-jetpack`) or \
             reflash the board with SDK Manager."
                .to_string(),
            None,
        ));
    }
    let check = match found.first() {
        Some((summary, fix, source)) => {
            let c = Check::fail(JETSON, summary.clone()).with_fix(fix.clone());
            let c = found[1..]
                .iter()
                .fold(c, |c, (s, _, _)| c.with_evidence(format!("also: {s}")));
            match source {
                Some(s) => c.with_source(s),
                None => c,
            }
        }
        None => Check::pass(
            JETSON,
            healthy_summary(facts, tables, jetson, l4t, row, stack_row),
        ),
    };
    let check = evidence.fold(check, Check::with_evidence);
    let check = match row.and_then(|r| r.note.as_deref()) {
        Some(note) => check.with_evidence(format!("jetson.toml L4T {l4t}: {note}")),
        None => check.with_evidence(format!(
            "L4T {l4t} is not in jetson.toml: a newer release than the table knows"
        )),
    };
    [row, stack_row]
        .into_iter()
        .flatten()
        .fold(check, |c, r| c.with_source(&r.source))
}

fn healthy_summary(
    facts: &Facts,
    tables: &Tables,
    jetson: &JetsonFacts,
    l4t: &DottedVersion,
    row: Option<&L4tRow>,
    stack_row: Option<&L4tRow>,
) -> String {
    let model = jetson.model.as_deref().unwrap_or("Jetson");
    let release = match (row, stack_row) {
        (Some(r), Some(s)) if r.cuda.is_none() && s.l4t != r.l4t => format!(
            "JetPack {}, whose compute stack jetson.toml does not state; L4T {} before it has {}",
            r.jetpack,
            s.l4t,
            s.describe()
        ),
        (Some(r), _) => r.describe(),
        (None, _) => "a release jetson.toml does not know".to_string(),
    };
    let cc = match gpu_cc(facts, tables, jetson) {
        Some((cc, from)) => format!("; GPU compute capability {cc} ({from})"),
        None => "; GPU compute capability unknown (cuInit did not run and the model is not in jetson.toml)".to_string(),
    };
    format!("{model}: L4T {l4t} = {release}{cc}")
}

/// The GPU's compute capability: from libcuda (cuDeviceGetAttribute), else the module's row.
fn gpu_cc(facts: &Facts, tables: &Tables, jetson: &JetsonFacts) -> Option<(DottedVersion, String)> {
    let from_cuda = facts
        .cuda_driver_api
        .as_ref()
        .and_then(|a| a.devices.iter().find_map(|d| d.compute_capability.clone()));
    if let Some(cc) = from_cuda {
        return Some((cc, "from libcuda".to_string()));
    }
    let module = tables.jetson.module(jetson.model.as_deref()?)?;
    let unconfirmed = if module.unconfirmed {
        ", unconfirmed"
    } else {
        ""
    };
    let label = module
        .cc_before_cuda13
        .as_ref()
        .map_or(String::new(), |b| format!("; {b} under CUDA <= 12.9"));
    Some((
        module.cc.clone(),
        format!("jetson.toml, from the board model{unconfirmed}{label}"),
    ))
}

/// x86-64 libraries, ONNX Runtime builds, wheels or toolkits on an Arm Jetson.
fn x86_builds(facts: &Facts, jetpack: &str) -> Option<Finding> {
    let x86 = |m: &Option<String>| m.as_deref() == Some("x86-64");
    let mut paths: Vec<String> = facts
        .libraries
        .iter()
        .filter(|l| x86(&l.machine))
        .map(|l| l.path.clone())
        .collect();
    paths.extend(
        facts
            .ort
            .installs
            .iter()
            .filter(|i| x86(&i.machine) || i.wheel_tags.iter().any(|t| t.contains("x86_64")))
            .map(|i| i.path.clone()),
    );
    paths.extend(
        facts
            .toolkits
            .iter()
            .filter(|t| t.targets.iter().any(|t| t.starts_with("x86_64")))
            .map(|t| t.root.clone()),
    );
    (!paths.is_empty()).then(|| {
        (
            format!(
                "x86-64 builds on this Arm Jetson cannot load: {}",
                stack::join_list(&paths)
            ),
            format!(
                "Install the aarch64 builds for JetPack {jetpack}: CUDA, cuDNN and TensorRT come with \
                 JetPack (`sudo apt install nvidia-jetpack`); Python packages need aarch64 wheels \
                 built for JetPack, not a copy of an x86 environment or an amd64 container image."
            ),
            None,
        )
    })
}

/// A server (SBSA) CUDA toolkit on JetPack 6 or older.
fn sbsa_toolkit(facts: &Facts, l4t: &DottedVersion, jetpack: &str) -> Option<Finding> {
    if l4t.major() >= SBSA_L4T_MAJOR {
        return None;
    }
    let roots: Vec<String> = facts
        .toolkits
        .iter()
        .filter(|t| t.targets.iter().any(|t| t == "sbsa-linux"))
        .map(|t| t.root.clone())
        .collect();
    (!roots.is_empty()).then(|| {
        (
            format!(
                "an Arm-server (SBSA) CUDA toolkit on JetPack {jetpack}: {} is built for Grace-class servers, not this Jetson's integrated GPU",
                stack::join_list(&roots)
            ),
            "Remove it and install CUDA from the JetPack repository (`sudo apt install \
             nvidia-jetpack`, or the cuda-toolkit-X-Y of NVIDIA's Jetson repository); the SBSA \
             toolkit is for Arm servers, and for Jetson only from JetPack 7 (Thor)."
                .to_string(),
            Some("https://developer.nvidia.com/embedded/jetpack/downloads/archive-7.0.md".to_string()),
        )
    })
}

/// onnxruntime-gpu installed from a package index (a manylinux wheel): not built for JetPack.
fn pypi_ort(facts: &Facts, tables: &Tables, jetpack: &str) -> Option<Finding> {
    let install = facts.ort.installs.iter().find(|i| {
        i.python_packages
            .iter()
            .any(|p| p.starts_with("onnxruntime-gpu "))
            && i.wheel_tags.iter().any(|t| t.contains("manylinux"))
    })?;
    let wheels: Vec<String> = tables
        .jetson
        .ort_wheels
        .iter()
        .filter(|w| w.jetpack == jetpack)
        .map(|w| {
            let unconfirmed = if w.unconfirmed { ", unconfirmed" } else { "" };
            format!(
                "onnxruntime-gpu {} (Python {}{unconfirmed})",
                w.onnxruntime,
                w.python.join("/")
            )
        })
        .collect();
    let known = if wheels.is_empty() {
        String::new()
    } else {
        format!(
            " jetson.toml lists for JetPack {jetpack}: {}.",
            wheels.join(", ")
        )
    };
    Some((
        format!(
            "{} at {} is a package-index (manylinux) build: PyPI has no onnxruntime-gpu built for JetPack",
            install.python_packages.join(", "),
            install.path
        ),
        format!(
            "`pip uninstall onnxruntime-gpu`, then install the Jetson build for JetPack {jetpack} \
             from the Jetson Zoo (elinux.org/Jetson_Zoo).{known}"
        ),
        Some(ORT_NO_PYPI.to_string()),
    ))
}

/// A CUDA runtime newer than the JetPack's own CUDA without the upgradable package.
fn newer_cuda(
    facts: &Facts,
    tables: &Tables,
    l4t: &DottedVersion,
    stack_row: Option<&L4tRow>,
) -> Option<Finding> {
    let row = stack_row?;
    let own = row.cuda.as_ref()?;
    let newer = stack::cuda_runtimes(facts).into_iter().find(|rt| {
        let v = &rt.version;
        v.major() > own.major()
            || (v.parts().len() > 1 && v.major() == own.major() && v.minor() > own.minor())
    })?;
    let unconfirmed = if row.unconfirmed {
        " (jetson.toml row unconfirmed: from a secondary source)"
    } else {
        ""
    };
    let head = format!(
        "{} is newer than JetPack {}'s CUDA {own}{unconfirmed}",
        newer.describe(),
        row.jetpack
    );
    let compat = stack::libs(facts, Component::Libcuda).any(stack::is_compat)
        || facts
            .toolkits
            .iter()
            .any(|t| t.compat_libcuda_version.is_some())
        || facts
            .platform
            .packages
            .iter()
            .any(|p| p.name.starts_with("cuda-compat"));
    match tables.jetson.upgrade(l4t) {
        None => Some((
            format!("{head}: CUDA cannot be upgraded on this JetPack"),
            format!(
                "Use builds for CUDA {own} (the JetPack's), or move to a JetPack that allows CUDA \
                 upgrades (from JetPack 5.0.2, L4T 35.1)."
            ),
            tables.jetson.upgrades.first().map(|u| u.source.clone()),
        )),
        Some(_) if compat => None,
        Some(u) => Some((
            format!("{head} and no cuda-compat package is installed"),
            format!("{}, or use builds for CUDA {own}.", u.how),
            Some(u.source.clone()),
        )),
    }
}

#[cfg(test)]
mod tests {
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
                    path:
                        "/usr/lib/python3/dist-packages/onnxruntime/capi/libonnxruntime.so.1.20.1"
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
}
