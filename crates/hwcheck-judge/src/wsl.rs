//! WSL2 rules (NVIDIA's CUDA on WSL guide): the driver is the Windows one, reaching Linux as
//! /usr/lib/wsl/lib/libcuda.so.1; a Linux NVIDIA driver or libcuda inside WSL shadows it;
//! /usr/lib/wsl/lib must be on the loader's path; CUDA comes from a cuda-toolkit-X-Y package,
//! not the `cuda` meta-package (which depends on a Linux driver on the regular repository).

use super::stack::{self, WSL_GUIDE, WSL_LIB_DIR};
use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::{Component, Facts};

const WSL: CheckKind = CheckKind::PlatformWsl;

/// Packages that install a Linux NVIDIA driver (user-space or kernel module).
const LINUX_DRIVER_PREFIXES: [&str; 6] = [
    "nvidia-driver-",
    "libnvidia-compute-",
    "nvidia-utils-",
    "cuda-drivers",
    "nvidia-dkms-",
    "nvidia-kernel-common-",
];

/// Judges WSL2.
pub fn judge(facts: &Facts, tables: &Tables) -> Check {
    let Some(wsl) = facts.platform.wsl.as_ref() else {
        return Check::skip(WSL, "not WSL");
    };
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut warnings: Vec<(String, String)> = Vec::new();
    let driver_pkgs: Vec<String> = facts
        .platform
        .packages
        .iter()
        .filter(|p| LINUX_DRIVER_PREFIXES.iter().any(|d| p.name.starts_with(d)))
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    let shadows: Vec<String> = [Component::Libcuda, Component::Nvml]
        .iter()
        .filter_map(|c| stack::loader_pick(facts, *c, true))
        .filter(|l| !l.path.starts_with("/usr/lib/wsl/"))
        .map(|l| l.path.clone())
        .chain(
            facts
                .cuda_driver_api
                .as_ref()
                .and_then(|a| a.library_path.clone())
                .filter(|p| !p.starts_with("/usr/lib/wsl/")),
        )
        .fold(Vec::new(), |mut acc, p| {
            if !acc.contains(&p) {
                acc.push(p);
            }
            acc
        });
    let remove = if driver_pkgs.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = driver_pkgs
            .iter()
            .filter_map(|p| p.split(' ').next())
            .collect();
        format!("`sudo apt-get remove --purge {}`, ", names.join(" "))
    };
    if !shadows.is_empty() {
        failures.push((
            format!(
                "a Linux NVIDIA driver inside WSL shadows the Windows driver: the loader picks {} instead of {WSL_LIB_DIR}",
                stack::join_list(&shadows)
            ),
            format!(
                "Remove the Linux driver from WSL: {remove}delete the stray copies ({}), then \
                 `sudo ldconfig`. NVIDIA: the Windows driver is the driver in WSL 2; never install a \
                 Linux NVIDIA driver inside it.",
                shadows.join(", ")
            ),
        ));
    } else if !driver_pkgs.is_empty() {
        warnings.push((
            format!(
                "a Linux NVIDIA driver is installed inside WSL ({}): it does not shadow {WSL_LIB_DIR} yet, but it will break CUDA when it does",
                driver_pkgs.join(", ")
            ),
            format!("Remove it: {remove}then `sudo ldconfig`."),
        ));
    }
    let wsl_copies: Vec<_> = stack::wsl_libcuda(facts).collect();
    if !wsl.lib_dir {
        failures.push((
            format!("{WSL_LIB_DIR} is missing: the Windows NVIDIA driver's libraries are not mapped into WSL"),
            stack::WSL_DRIVER_FIX.to_string(),
        ));
    } else if wsl_copies.is_empty() {
        failures.push((
            format!("{WSL_LIB_DIR} has no libcuda: the Windows driver provides no CUDA to WSL"),
            stack::WSL_DRIVER_FIX.to_string(),
        ));
    } else if !wsl_copies.iter().any(|l| stack::on_loader_path(l)) {
        failures.push((
            format!("{WSL_LIB_DIR} is not on the loader's path: programs cannot find the Windows driver's libcuda.so.1"),
            format!(
                "Put it back in ldconfig's configuration: `echo {WSL_LIB_DIR} | sudo tee \
                 /etc/ld.so.conf.d/ld.wsl.conf && sudo ldconfig` (WSL writes this file itself), or \
                 add it to LD_LIBRARY_PATH."
            ),
        ));
    }
    let meta: Vec<&str> = facts
        .platform
        .packages
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| is_cuda_meta(n))
        .collect();
    if !meta.is_empty() {
        warnings.push((
            format!(
                "the `{}` meta-package is installed: from NVIDIA's regular repository it depends on cuda-drivers, a Linux driver",
                meta.join("`, `")
            ),
            "Install CUDA in WSL as a cuda-toolkit-X-Y package (or from the WSL-Ubuntu \
             repository), which has no driver: `sudo apt-get remove cuda cuda-drivers && sudo \
             apt-get install cuda-toolkit-12-6` (your version)."
                .to_string(),
        ));
    }
    let check = match (failures.first(), warnings.first()) {
        (Some((summary, fix)), _) => Check::fail(WSL, summary.clone()).with_fix(fix.clone()),
        (None, Some((summary, fix))) => Check::warn(WSL, summary.clone()).with_fix(fix.clone()),
        (None, None) => Check::pass(WSL, healthy_summary(facts, tables)),
    };
    let others = failures.iter().chain(warnings.iter()).skip(1);
    let check = others.fold(check, |c, (s, _)| c.with_evidence(format!("also: {s}")));
    let check = wsl
        .evidence
        .iter()
        .fold(check, |c, e| c.with_evidence(format!("WSL: {e}")));
    let check = if wsl.libcuda_not_symlink {
        check.with_evidence(format!(
            "ldconfig's \"{WSL_LIB_DIR}/libcuda.so.1 is not a symbolic link\" is harmless: WSL mounts \
             the Windows driver's files as plain files"
        ))
    } else {
        check
    };
    check.with_source(WSL_GUIDE)
}

/// "WSL 2: the Windows NVIDIA driver 566.14 (CUDA <= 12.7) reaches Linux through …".
fn healthy_summary(facts: &Facts, tables: &Tables) -> String {
    let n = &facts.driver.nvml;
    let cuda = n.cuda_driver_version.clone().or_else(|| {
        let driver = n.driver_version.as_ref()?;
        let row = tables
            .cuda_driver
            .newest_supported(driver, Platform::Windows)?;
        Some(row.cuda.clone())
    });
    let driver = match (&n.driver_version, cuda) {
        (Some(v), Some(c)) => format!("Windows NVIDIA driver {v} (runs CUDA <= {c})"),
        (Some(v), None) => format!("Windows NVIDIA driver {v}"),
        (None, _) => "Windows NVIDIA driver".to_string(),
    };
    format!(
        "WSL 2: the {driver} reaches Linux through {WSL_LIB_DIR}, and the loader picks its libcuda"
    )
}

/// The `cuda` meta-packages that pull a driver: `cuda`, `cuda-12-6` (not `cuda-toolkit-*`,
/// `cuda-runtime-*`, `cuda-libraries-*`, `cuda-compat-*`, …).
fn is_cuda_meta(name: &str) -> bool {
    name == "cuda"
        || name.strip_prefix("cuda-").is_some_and(|rest| {
            !rest.is_empty() && rest.split('-').all(|p| p.parse::<u32>().is_ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{tables, FactsBuilder};
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::platform::{PackageFacts, WslFacts};
    use hwcheck_model::facts::FoundVia;

    fn wsl_facts() -> FactsBuilder {
        FactsBuilder::cpu_only()
            .driver("566.14", "12.7")
            .picked(Component::Libcuda, "/usr/lib/wsl/lib/libcuda.so.1", "")
            .picked(Component::Nvml, "/usr/lib/wsl/lib/libnvidia-ml.so.1", "")
            .map_facts(|f| {
                f.driver.kernel_module = None;
                f.platform.wsl = Some(WslFacts {
                    evidence: vec!["/dev/dxg exists".into()],
                    dxg: true,
                    lib_dir: true,
                    libcuda_not_symlink: true,
                });
            })
    }

    fn package(name: &str) -> PackageFacts {
        PackageFacts {
            name: name.into(),
            version: "1".into(),
            architecture: Some("amd64".into()),
        }
    }

    #[test]
    fn a_healthy_wsl_passes_and_says_the_symlink_warning_is_harmless() {
        let c = judge(&wsl_facts().build(), &tables());
        assert_eq!(c.status, Status::Pass, "{c:#?}");
        assert!(
            c.summary.contains("Windows NVIDIA driver 566.14"),
            "{}",
            c.summary
        );
        assert!(c.evidence.iter().any(|e| e.contains("is harmless")));
        assert!(c.sources.iter().any(|s| s == WSL_GUIDE));
    }

    #[test]
    fn a_linux_libcuda_shadowing_wsl_fails_with_the_removal() {
        let f = wsl_facts()
            .map_facts(|f| {
                for l in f.libraries.iter_mut() {
                    l.loader_selected = false;
                }
                f.platform.packages.push(package("libnvidia-compute-550"));
            })
            .picked(
                Component::Libcuda,
                "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
                "550.54.15",
            )
            .build();
        let c = judge(&f, &tables());
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
            "{}",
            c.summary
        );
        let fix = c.fix.unwrap();
        assert!(
            fix.contains("apt-get remove --purge libnvidia-compute-550"),
            "{fix}"
        );
        assert!(!fix.contains("ubuntu-drivers"));
    }

    #[test]
    fn driver_packages_alone_warn() {
        let f = wsl_facts()
            .map_facts(|f| f.platform.packages.push(package("nvidia-driver-550")))
            .build();
        assert_eq!(judge(&f, &tables()).status, Status::Warn);
    }

    #[test]
    fn wsl_lib_off_the_loader_path_fails() {
        let f = wsl_facts()
            .map_facts(|f| {
                for l in f.libraries.iter_mut() {
                    l.loader_selected = false;
                    l.found_via = vec![FoundVia::Other(WSL_LIB_DIR.into())];
                }
            })
            .build();
        let c = judge(&f, &tables());
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("not on the loader's path"),
            "{}",
            c.summary
        );
        assert!(c.fix.unwrap().contains("ld.wsl.conf"));
    }

    #[test]
    fn missing_lib_dir_fails_with_the_windows_fix() {
        let f = wsl_facts()
            .map_facts(|f| {
                f.libraries.clear();
                if let Some(w) = f.platform.wsl.as_mut() {
                    w.lib_dir = false;
                }
            })
            .build();
        let c = judge(&f, &tables());
        assert_eq!(c.status, Status::Fail);
        assert!(c.fix.unwrap().contains("wsl --update"));
    }

    #[test]
    fn the_cuda_meta_package_warns() {
        let f = wsl_facts()
            .map_facts(|f| f.platform.packages.push(package("cuda-12-6")))
            .build();
        let c = judge(&f, &tables());
        assert_eq!(c.status, Status::Warn);
        assert!(c.fix.unwrap().contains("cuda-toolkit-"));
        assert!(is_cuda_meta("cuda") && is_cuda_meta("cuda-12-6"));
        assert!(!is_cuda_meta("cuda-toolkit-12-6") && !is_cuda_meta("cuda-compat-12-6"));
    }

    #[test]
    fn windows_columns_decide_the_cuda_without_nvml_cuda() {
        let f = wsl_facts()
            .map_facts(|f| f.driver.nvml.cuda_driver_version = None)
            .build();
        let c = judge(&f, &tables());
        assert!(c.summary.contains("runs CUDA <= 12.6"), "{}", c.summary);
        assert_eq!(stack::platform(&f), Platform::Windows);
    }

    #[test]
    fn not_wsl_skips() {
        let c = judge(&FactsBuilder::h100().build(), &tables());
        assert_eq!(c.status, Status::Skip);
    }
}
