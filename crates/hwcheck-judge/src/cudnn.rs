//! cuDNN checks, per installation (directory): built for the CUDA major present, with the
//! libraries it needs, and listed in the support matrix for the CUDA and driver here.

use super::stack::{self, Runtime, NO_DRIVER};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::{Component, Facts, LibraryFacts};
use hwcheck_model::version::DottedVersion;

const MAJOR: CheckKind = CheckKind::CudnnCudaMajor;
const MATRIX: CheckKind = CheckKind::CudnnSupportMatrix;

/// One cuDNN installation: the front library and sub-libraries of one directory.
struct Install<'a> {
    dir: String,
    version: Option<DottedVersion>,
    libs: Vec<&'a LibraryFacts>,
}

impl Install<'_> {
    fn label(&self) -> String {
        let v = self
            .version
            .as_ref()
            .map_or("(version unknown)".to_string(), |v| v.to_string());
        format!("cuDNN {v} ({})", self.dir)
    }
}

fn installs(facts: &Facts) -> Vec<Install<'_>> {
    let mut out: Vec<Install> = Vec::new();
    let copies =
        stack::libs(facts, Component::Cudnn).chain(stack::libs(facts, Component::CudnnSub));
    for lib in copies {
        let dir = stack::dir_name(&lib.path).to_string();
        let idx = match out.iter().position(|i| i.dir == dir) {
            Some(i) => i,
            None => {
                out.push(Install {
                    dir,
                    version: None,
                    libs: Vec::new(),
                });
                out.len() - 1
            }
        };
        let install = &mut out[idx];
        if install.version.is_none() || lib.component == Component::Cudnn {
            install.version = lib.version.clone().or(install.version.take());
        }
        install.libs.push(lib);
    }
    out
}

/// Judges every cuDNN installation.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let found = installs(facts);
    let reason = if found.is_empty() {
        Some("no cuDNN found (only needed by cuDNN users such as the CUDA execution provider)")
    } else if stack::driver_absent(facts) {
        Some(NO_DRIVER)
    } else {
        None
    };
    if let Some(reason) = reason {
        return vec![Check::skip(MAJOR, reason), Check::skip(MATRIX, reason)];
    }
    let runtimes = stack::cuda_runtimes(facts);
    found
        .iter()
        .flat_map(|i| {
            let major = cuda_major(facts, tables, i, &runtimes);
            let matrix = if major.status == Status::Fail {
                Check::skip(MATRIX, format!("{}: skipped (see {MAJOR})", i.label()))
            } else {
                support_matrix(facts, tables, i, &runtimes)
            };
            [major.with_instance(&i.dir), matrix.with_instance(&i.dir)]
        })
        .collect()
}

/// The CUDA major the installation was built for, from its needed sonames.
fn built_for(install: &Install) -> Option<u32> {
    install
        .libs
        .iter()
        .find_map(|l| stack::needed_cuda_major(l))
}

/// The runtime the installation works with: one of the major it was built for (the loader's
/// pick first), else the primary runtime.
fn runtime_for<'r>(install: &Install, runtimes: &'r [Runtime]) -> Option<&'r Runtime> {
    match built_for(install) {
        Some(major) => runtimes.iter().find(|r| r.version.major() == major),
        None => stack::primary_runtime(runtimes),
    }
}

fn cuda_major(facts: &Facts, tables: &Tables, install: &Install, runtimes: &[Runtime]) -> Check {
    let label = install.label();
    let mut missing: Vec<String> = Vec::new();
    for lib in &install.libs {
        for m in stack::missing_needed(facts, lib) {
            if !missing.contains(&m) {
                missing.push(m);
            }
        }
    }
    let have: Vec<String> = runtime_majors(runtimes)
        .iter()
        .map(|m| format!("CUDA {m}"))
        .collect();
    let have_text = if have.is_empty() {
        "no CUDA runtime".to_string()
    } else {
        stack::join_list(&have)
    };
    let built = built_for(install);
    let cudnn_major = install.version.as_ref().map(DottedVersion::major);
    let row = cudnn_major.and_then(|m| tables.cudnn.major(m));
    let primary = stack::primary_runtime(runtimes);
    let install_fix = |cuda: &str| {
        let have_major = primary.map_or(String::new(), |p| p.version.major().to_string());
        format!(
            "Install the CUDA {cuda} libraries it was built for (e.g. the nvidia-cublas-cu{cuda} wheel or the \
             libcublas-{cuda}-x package), or install a cuDNN built for the CUDA you have (CUDA {have_major}: e.g. \
             libcudnn9-cuda-{have_major} or the nvidia-cudnn-cu{have_major} wheel)."
        )
    };
    let check = if !missing.is_empty() {
        let cuda = built.map_or("matching".to_string(), |b| b.to_string());
        Check::fail(
            MAJOR,
            format!(
                "{label} needs {} (CUDA {cuda}) but no copy was found; CUDA here: {have_text}",
                stack::join_list(&missing)
            ),
        )
        .with_fix(install_fix(&cuda))
    } else if let Some(b) =
        built.filter(|b| !runtimes.is_empty() && !runtime_majors(runtimes).contains(b))
    {
        Check::fail(
            MAJOR,
            format!("{label} is built for CUDA {b} but the CUDA here is {have_text}"),
        )
        .with_fix(install_fix(&b.to_string()))
    } else if let (Some(row), Some(p)) = (row, primary.filter(|_| built.is_none())) {
        if row.cuda_majors.contains(&p.version.major()) {
            Check::pass(
                MAJOR,
                format!("{label} fits the CUDA {} runtime", p.version.major()),
            )
        } else {
            let majors: Vec<String> = row.cuda_majors.iter().map(u32::to_string).collect();
            Check::fail(
                MAJOR,
                format!(
                    "cuDNN {} does not support CUDA {} ({label}; cuDNN {} is built for CUDA {})",
                    row.cudnn_major,
                    p.version.major(),
                    row.cudnn_major,
                    majors.join(", ")
                ),
            )
            .with_fix(format!(
                "Install a cuDNN for CUDA {0} (cuDNN 9: libcudnn9-cuda-{0} or the nvidia-cudnn-cu{0} wheel) and remove or stop loading {1}.",
                p.version.major(),
                install.dir
            ))
        }
    } else if let Some(b) = built {
        Check::pass(
            MAJOR,
            format!("{label} is built for CUDA {b} and the libraries it needs are present"),
        )
    } else if cudnn_major.is_some() && row.is_none() {
        Check::warn(
            MAJOR,
            format!("{label}: this cuDNN major is not in cudnn.toml"),
        )
        .with_fix("Use cuDNN 8 or 9, or pass a cudnn.toml that lists this major through --tables.")
    } else {
        Check::skip(
            MAJOR,
            format!("{label}: no CUDA runtime or version to compare with"),
        )
    };
    let check = match row {
        Some(r) => check.with_source(&r.source),
        None => check,
    };
    install
        .libs
        .iter()
        .fold(check, |c, l| {
            let needs = l.needed.iter().filter(|n| stack::split_soname(n).is_some());
            let needs: Vec<&str> = needs.map(String::as_str).collect();
            let needs = if needs.is_empty() {
                String::new()
            } else {
                format!(" needs {}", needs.join(" "))
            };
            c.with_evidence(format!("{}{needs}", l.path))
        })
        .with_evidence(format!("CUDA here: {have_text}"))
}

fn runtime_majors(runtimes: &[Runtime]) -> Vec<u32> {
    let mut majors: Vec<u32> = runtimes.iter().map(|r| r.version.major()).collect();
    majors.sort_unstable();
    majors.dedup();
    majors
}

fn support_matrix(
    facts: &Facts,
    tables: &Tables,
    install: &Install,
    runtimes: &[Runtime],
) -> Check {
    let label = install.label();
    let Some(version) = install.version.as_ref() else {
        return Check::skip(MATRIX, format!("{label}: version unknown"));
    };
    let Some(rt) = runtime_for(install, runtimes) else {
        return Check::skip(
            MATRIX,
            format!("{label}: no CUDA runtime found to compare with"),
        );
    };
    let cuda = &rt.version;
    let Some(row) = tables.cudnn.support_row(version, cuda) else {
        return Check::warn(
            MATRIX,
            format!("cuDNN {version} with CUDA {cuda} is not in the support-matrix rows hwcheck knows"),
        )
        .with_evidence(format!("{label}; {}", rt.describe()))
        .with_fix(format!(
            "Use a cuDNN release that NVIDIA's support matrix lists for CUDA {}.{}, or pass an updated cudnn.toml through --tables.",
            cuda.major(),
            cuda.minor()
        ));
    };
    let driver = stack::driver_version(facts);
    let min = row.driver(stack::platform(facts));
    let check = match (driver, min) {
        (Some(d), Some(m)) if d < m => Check::fail(
            MATRIX,
            format!("cuDNN {version} with CUDA {cuda} needs driver >= {m}; the driver is {d}"),
        )
        .with_fix(format!("Upgrade the NVIDIA driver to >= {m}, or use a cuDNN and CUDA that this driver supports.")),
        (Some(d), Some(m)) => Check::pass(
            MATRIX,
            format!("cuDNN {version} supports CUDA {cuda} on driver {d} (>= {m})"),
        ),
        _ => Check::pass(MATRIX, format!("cuDNN {version} supports CUDA {cuda}")),
    };
    check
        .with_evidence(format!("{label}; {}", rt.describe()))
        .with_evidence(row.describe())
        .with_source(&row.source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{status, tables, FactsBuilder};

    fn run(b: FactsBuilder) -> Vec<Check> {
        judge(&b.build(), &tables())
    }

    #[test]
    fn h100_cudnn_installs_pass() {
        let checks = run(FactsBuilder::h100());
        let majors: Vec<&Check> = checks.iter().filter(|c| c.id == MAJOR).collect();
        assert_eq!(majors.len(), 2, "system and pip installs: {checks:#?}");
        assert!(
            checks.iter().all(|c| c.status == Status::Pass),
            "{checks:#?}"
        );
        let matrix = checks.iter().find(|c| c.id == MATRIX).unwrap();
        assert!(
            matrix.summary.contains("cuDNN 9.14.0 supports CUDA 13.0"),
            "{}",
            matrix.summary
        );
        assert!(!matrix.sources.is_empty());
    }

    fn cudnn8_on_cuda13(needed: &[&str]) -> FactsBuilder {
        let ops = "/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8";
        FactsBuilder::h100()
            .without(Component::Cudnn)
            .without(Component::CudnnSub)
            .picked(
                Component::Cudnn,
                "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
                "8.9.7",
            )
            .picked(Component::CudnnSub, ops, "8.9.7")
            .needed(ops, needed)
    }

    #[test]
    fn cudnn_needing_cuda12_libraries_on_cuda13_fails() {
        let checks = run(cudnn8_on_cuda13(&[
            "libcublasLt.so.12",
            "libcublas.so.12",
            "libc.so.6",
        ]));
        let c = checks.iter().find(|c| c.id == MAJOR).unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary
                .contains("libcublasLt.so.12 and libcublas.so.12 (CUDA 12)"),
            "{}",
            c.summary
        );
        assert!(c.summary.contains("CUDA here: CUDA 13"), "{}", c.summary);
        assert_eq!(status(&checks, MATRIX), Status::Skip);
    }

    #[test]
    fn cudnn8_without_needed_info_fails_on_the_major_table() {
        let checks = run(cudnn8_on_cuda13(&[]));
        let c = checks.iter().find(|c| c.id == MAJOR).unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("cuDNN 8 does not support CUDA 13"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn built_for_another_major_whose_libraries_exist_still_fails() {
        let checks = run(cudnn8_on_cuda13(&["libcublasLt.so.12"]).lib(
            Component::CublasLt,
            "/opt/cu12/libcublasLt.so.12",
            "12.9.1",
        ));
        let c = checks.iter().find(|c| c.id == MAJOR).unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("built for CUDA 12"), "{}", c.summary);
    }

    #[test]
    fn unknown_combination_warns_and_old_driver_fails() {
        let b = FactsBuilder::h100()
            .without(Component::Cudart)
            .no_toolkits()
            .picked(Component::Cudart, "/usr/lib/libcudart.so.11.0", "11.8.89");
        let checks = run(b);
        assert!(
            checks
                .iter()
                .any(|c| c.id == MATRIX && c.status == Status::Warn),
            "{checks:#?}"
        );
        let b = FactsBuilder::h100().driver("575.51.03", "12.9");
        let checks = run(b);
        let c = checks.iter().find(|c| c.id == MATRIX).unwrap();
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("needs driver >= 580.65.06"));
    }

    #[test]
    fn nothing_or_no_driver_skips() {
        let b = FactsBuilder::h100()
            .without(Component::Cudnn)
            .without(Component::CudnnSub);
        assert_eq!(status(&run(b), MAJOR), Status::Skip);
        let b = FactsBuilder::cpu_only().picked(Component::Cudnn, "/x/libcudnn.so.9", "9.1.0");
        assert_eq!(status(&run(b), MAJOR), Status::Skip);
    }
}
