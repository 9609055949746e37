//! CUDA checks: is the driver new enough for each runtime, and is a forward-compatibility
//! libcuda helping or hurting.

use super::stack::{self, Runtime, NO_DRIVER};
use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::forward_compat::Support;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::{Component, Facts, FoundVia};
use hwcheck_model::version::DottedVersion;

const SUFFICIENT: CheckKind = CheckKind::CudaRuntimeDriverSufficient;
const FORWARD: CheckKind = CheckKind::CudaForwardCompat;

/// Judges the CUDA runtimes and the forward-compatibility package.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let mut checks = driver_sufficient(facts, tables);
    checks.push(forward_compat(facts, tables));
    checks
}

/// The user-space driver a CUDA program gets: the driver, or a newer cuda-compat libcuda the
/// loader picks (forward compatibility).
fn effective_driver(facts: &Facts) -> Option<(DottedVersion, Option<String>)> {
    let driver = stack::driver_version(facts)?.clone();
    let compat = stack::loader_pick(facts, Component::Libcuda, true)
        .filter(|l| stack::is_compat(l))
        .and_then(|l| l.version.clone().map(|v| (v, l.path.clone())))
        .filter(|(v, _)| v > &driver);
    Some(match compat {
        Some((v, path)) => (v, Some(path)),
        None => (driver, None),
    })
}

fn driver_sufficient(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let runtimes = stack::cuda_runtimes(facts);
    if runtimes.is_empty() {
        return vec![Check::skip(
            SUFFICIENT,
            "no CUDA runtime (libcudart) or toolkit found; a program may still bundle its own",
        )];
    }
    if stack::driver_absent(facts) {
        return vec![Check::skip(SUFFICIENT, NO_DRIVER)];
    }
    let Some((driver, compat)) = effective_driver(facts) else {
        return vec![Check::skip(
            SUFFICIENT,
            "skipped: the driver version is unknown (see driver.nvml)",
        )];
    };
    let ctx = DriverContext::new(facts, tables, driver, compat);
    runtimes
        .iter()
        .map(|rt| {
            let check = judge_runtime(&ctx, rt);
            match rt.paths.first() {
                Some(path) => check.with_instance(path.as_str()),
                None => check,
            }
        })
        .collect()
}

/// What a driver runs, computed once for every runtime.
struct DriverContext<'a> {
    tables: &'a Tables,
    platform: Platform,
    driver: DottedVersion,
    /// Newest CUDA it fully supports (NVML, else the table).
    max_cuda: Option<DottedVersion>,
    /// Set when a newer cuda-compat libcuda stands in for the driver.
    compat: Option<String>,
}

impl<'a> DriverContext<'a> {
    fn new(
        facts: &Facts,
        tables: &'a Tables,
        driver: DottedVersion,
        compat: Option<String>,
    ) -> Self {
        let platform = stack::platform(facts);
        let nvml = facts.driver.nvml.cuda_driver_version.clone();
        let from_table = || {
            tables
                .cuda_driver
                .newest_supported(&driver, platform)
                .map(|r| r.cuda.clone())
        };
        let max_cuda = if compat.is_some() {
            from_table()
        } else {
            nvml.or_else(from_table)
        };
        Self {
            tables,
            platform,
            driver,
            max_cuda,
            compat,
        }
    }

    /// "driver 440.33 runs CUDA <= 10.2" (+ "and any 11.x through minor-version compatibility").
    fn runs_text(&self) -> String {
        let full = self
            .max_cuda
            .as_ref()
            .map_or("no CUDA release in hwcheck's table".to_string(), |m| {
                format!("CUDA <= {m}")
            });
        let mvc = self
            .tables
            .cuda_driver
            .newest_mvc_major(&self.driver, self.platform)
            .filter(|m| self.max_cuda.as_ref().is_none_or(|c| m.major >= c.major()))
            .map_or(String::new(), |m| {
                format!(
                    " (and every {}.x through minor-version compatibility)",
                    m.major
                )
            });
        format!("driver {} runs {full}{mvc}", self.driver)
    }
}

fn judge_runtime(ctx: &DriverContext, rt: &Runtime) -> Check {
    let v = &rt.version;
    let major = v.major();
    let major_row = ctx.tables.cuda_driver.major(major);
    let mvc = major_row.and_then(|m| m.mvc(ctx.platform));
    // A runtime's own patch numbers are build numbers (13.0.96), not toolkit updates: judge
    // libcudart against the GA release, a toolkit (version.json "13.0.2") against its update.
    let release_version = if rt.toolkit {
        v.clone()
    } else {
        DottedVersion::from_parts(&[major, v.minor()])
    };
    let minor_known = v.parts().len() >= 2;
    let release = minor_known
        .then(|| ctx.tables.cuda_driver.release(&release_version))
        .flatten();
    let toolkit_driver = release.and_then(|r| r.driver(ctx.platform));
    let fully = match (toolkit_driver, &ctx.max_cuda) {
        (Some(td), _) => &ctx.driver >= td,
        (None, Some(max)) if minor_known => {
            DottedVersion::from_parts(&[major, v.minor()])
                <= DottedVersion::from_parts(&[max.major(), max.minor()])
        }
        _ => false,
    };
    let mvc_ok = mvc.is_some_and(|m| &ctx.driver >= m);
    let what = rt.describe();
    let mut check = if fully {
        let why = toolkit_driver.map_or_else(
            || {
                format!(
                    "the driver supports CUDA <= {}",
                    ctx.max_cuda.as_ref().map_or("?".into(), |m| m.to_string())
                )
            },
            |td| format!("driver {} >= {td}", ctx.driver),
        );
        Check::pass(SUFFICIENT, format!("{what}: {why}"))
    } else if mvc_ok {
        let full =
            toolkit_driver.map_or(String::new(), |td| format!(" (< {td}, the toolkit driver)"));
        let check = Check::warn(
            SUFFICIENT,
            format!(
                "{what} runs on driver {}{full} only through minor-version compatibility: PTX JIT and newer driver APIs may fail",
                ctx.driver
            ),
        );
        match toolkit_driver {
            Some(td) => check.with_fix(format!(
                "Upgrade the driver to >= {td} for every CUDA {}.{} feature.",
                major,
                v.minor()
            )),
            None => check.with_fix(format!(
                "Upgrade the driver to one that lists CUDA {v} (nvidia-smi's \"CUDA Version\")."
            )),
        }
    } else {
        let need = mvc.or(toolkit_driver);
        let need_text = need.map_or_else(
            || "a newer driver".to_string(),
            |n| format!("driver >= {n}"),
        );
        let alternative = ctx.max_cuda.as_ref().map_or(String::new(), |m| {
            format!("use a build or image with CUDA {m} (or older), or ")
        });
        let upgrade = match (mvc, toolkit_driver) {
            (Some(m), Some(td)) if m != td => format!(
                "upgrade the driver to >= {m} for {major}.x (>= {td} for every CUDA {}.{} feature)",
                major,
                v.minor()
            ),
            (Some(m), _) => format!("upgrade the driver to >= {m} for {major}.x"),
            (None, Some(td)) => format!("upgrade the driver to >= {td}"),
            (None, None) => format!("upgrade the driver to one that supports CUDA {v}"),
        };
        Check::fail(
            SUFFICIENT,
            format!("{what} needs {need_text}; {}", ctx.runs_text()),
        )
        .with_fix(sentence(&format!("{alternative}{upgrade}")))
    };
    if let Some(path) = &ctx.compat {
        check = check.with_evidence(format!(
            "forward compatibility: the loader picks cuda-compat libcuda {path} ({})",
            ctx.driver
        ));
    }
    if let Some(r) = release {
        let driver = r
            .driver(ctx.platform)
            .map_or("none listed".to_string(), |d| d.to_string());
        let unconfirmed = if r.unconfirmed { " (unconfirmed)" } else { "" };
        check = check
            .with_evidence(format!(
                "cuda_driver.toml release {}: toolkit driver {driver}{unconfirmed}",
                r.label
            ))
            .with_source(&r.source);
    }
    if let Some(m) = major_row {
        let min = mvc.map_or("none".to_string(), |d| d.to_string());
        check = check
            .with_evidence(format!(
                "cuda_driver.toml major {}: minor-version minimum {min}",
                m.major
            ))
            .with_source(&m.source);
    }
    check
}

/// `text` with its first letter upper-cased and a full stop: a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A cuda-compat libcuda found: a library copy or a toolkit's `compat/` directory.
struct CompatCopy {
    path: String,
    real_path: Option<String>,
    version: DottedVersion,
    picked: bool,
    via_ld_library_path: bool,
}

fn compat_copies(facts: &Facts) -> Vec<CompatCopy> {
    let mut copies: Vec<CompatCopy> = stack::libs(facts, Component::Libcuda)
        .filter(|l| stack::is_compat(l))
        .filter_map(|l| {
            Some(CompatCopy {
                path: l.path.clone(),
                real_path: l.real_path.clone(),
                version: l.version.clone()?,
                picked: l.loader_selected,
                via_ld_library_path: l.found_via.contains(&FoundVia::LdLibraryPath),
            })
        })
        .collect();
    for tk in &facts.toolkits {
        let dir = format!("{}/compat", tk.root);
        if let Some(version) = tk.compat_libcuda_version.clone() {
            let listed = copies.iter().any(|c| {
                c.path.starts_with(&dir)
                    || c.real_path.as_ref().is_some_and(|r| r.starts_with(&dir))
            });
            if !listed {
                copies.push(CompatCopy {
                    path: format!("{dir}/libcuda.so.1"),
                    real_path: None,
                    version,
                    picked: false,
                    via_ld_library_path: false,
                });
            }
        }
    }
    copies
}

fn forward_compat(facts: &Facts, tables: &Tables) -> Check {
    let copies = compat_copies(facts);
    if copies.is_empty() {
        return Check::skip(FORWARD, "no cuda-compat libcuda found");
    }
    if stack::driver_absent(facts) {
        return Check::skip(FORWARD, NO_DRIVER);
    }
    let Some(driver) = stack::kernel_version(facts).cloned() else {
        return Check::skip(
            FORWARD,
            "skipped: the driver version is unknown (see driver.nvml)",
        );
    };
    let mut worst: Option<Check> = None;
    let mut evidence = Vec::new();
    for copy in &copies {
        let c = judge_copy(facts, tables, &driver, copy);
        evidence.push(format!(
            "cuda-compat libcuda {} at {}{}",
            copy.version,
            copy.path,
            if copy.picked {
                " (the loader's pick)"
            } else {
                ""
            }
        ));
        if worst.as_ref().is_none_or(|w| c.status < w.status) {
            worst = Some(c);
        }
    }
    let check = worst.unwrap_or_else(|| Check::skip(FORWARD, "no cuda-compat libcuda found"));
    evidence.into_iter().fold(
        check.with_evidence(format!("driver {driver}")),
        Check::with_evidence,
    )
}

fn judge_copy(facts: &Facts, tables: &Tables, driver: &DottedVersion, copy: &CompatCopy) -> Check {
    let dir = stack::dir_name(&copy.path);
    let cv = &copy.version;
    if cv < driver {
        if !copy.picked {
            return Check::pass(
                FORWARD,
                format!("cuda-compat libcuda {cv} is older than driver {driver} and not used (harmless)"),
            );
        }
        let how = if copy.via_ld_library_path {
            "LD_LIBRARY_PATH"
        } else {
            "the loader's configuration"
        };
        return Check::fail(
            FORWARD,
            format!(
                "{how} makes the loader pick cuda-compat libcuda {cv} ({dir}), older than the running driver {driver}: CUDA fails with CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803)"
            ),
        )
        .with_fix(format!(
            "Remove {dir} from LD_LIBRARY_PATH (and from /etc/ld.so.conf.d, then run ldconfig): the driver's own libcuda is newer and runs this CUDA."
        ))
        .with_source(fwd_source(tables));
    }
    if cv == driver {
        return Check::pass(
            FORWARD,
            format!("cuda-compat libcuda {cv} equals the driver"),
        );
    }
    if !copy.picked {
        return Check::pass(
            FORWARD,
            format!("cuda-compat libcuda {cv} (newer than driver {driver}) is present but not used: CUDA runs at the driver's level"),
        );
    }
    let mut worst = Check::pass(
        FORWARD,
        format!("forward compatibility in use: libcuda {cv} on driver {driver}"),
    );
    for g in &facts.gpus {
        let class = tables.gpus.class(&g.name);
        let support = class.and_then(|(c, _)| tables.forward_compat.class(c));
        let label = class.map_or("GPU of unknown class", |(c, _)| c.label());
        let check = match support.map(|s| s.support) {
            Some(Support::Yes) => continue,
            Some(Support::No) => Check::fail(
                FORWARD,
                format!(
                    "cuda-compat libcuda {cv} is in use but {} ({label}) does not support forward compatibility: CUDA fails with 804",
                    g.name
                ),
            )
            .with_fix(format!(
                "Remove {dir} from LD_LIBRARY_PATH / ld.so.conf, and upgrade the host driver to >= {cv} (or use an image whose CUDA driver {driver} supports)."
            )),
            _ => Check::warn(
                FORWARD,
                format!("cuda-compat libcuda {cv} is in use on {} ({label}): forward compatibility works only on data-center GPUs, Jetson and select NGC-ready RTX cards", g.name),
            )
            .with_fix(format!("If CUDA fails with error 804, remove {dir} from the loader path and upgrade the host driver to >= {cv}.")),
        };
        let check = match support {
            Some(s) => check.with_source(&s.source),
            None => check,
        };
        if check.status < worst.status {
            worst = check;
        }
    }
    worst.with_source(fwd_source(tables))
}

/// The source of the forward-compatibility rules (the data-center class row).
fn fwd_source(tables: &Tables) -> String {
    tables
        .forward_compat
        .classes
        .first()
        .map_or(String::new(), |c| c.source.clone())
}

#[cfg(test)]
mod tests;
