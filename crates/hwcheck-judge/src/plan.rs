//! Planning: will an image (or a CUDA runtime, `hwcheck compat`) start and run CUDA on this
//! host, or on a planned one (`--driver`, `--gpu`)?
//!
//! The image is described by [`crate::plan_image`], the rules are in [`crate::plan_rules`].
//! A planned host is never "observed": its driver is an assumption, said so in a SKIP check.
//! When no GPU is known the outcome is given per GPU class that matters (data center,
//! workstation, GeForce) and the verdict is the worst of them.

use crate::plan_image::{alternatives, ImageSpec};
use crate::plan_rules::outcome;
use crate::plan_types::{How, Outcome, PlanGpu, PlanHost};
use hwcheck_compat::gpus::{toolkit_brand, GpuClass};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::Facts;
use hwcheck_model::version::DottedVersion;

/// Why a host cannot be planned for (a usage error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The host a plan is judged on.
#[derive(Clone, Debug)]
pub struct HostSpec {
    /// Driver and its CUDA.
    pub host: PlanHost,
    /// GPUs (or GPU classes) to judge.
    pub gpus: Vec<PlanGpu>,
    /// False for a planned host: nothing about it was observed.
    pub observed: bool,
    /// True when `gpus` are GPU classes standing in for an unknown GPU.
    pub gpus_assumed: bool,
}

/// A planned host: driver `driver`, and the GPU named `gpu` (or, when `None`, the GPUs of
/// `base`, else every GPU class that matters).
pub fn planned_host(
    driver: &DottedVersion,
    gpu: Option<&str>,
    base: Option<&Facts>,
    tables: &Tables,
) -> Result<HostSpec, PlanError> {
    let (gpus, gpus_assumed) = match gpu {
        Some(name) => (vec![planned_gpu(name, tables)?], false),
        None => base.map_or_else(|| (class_scenarios(), true), |f| facts_gpus(f, tables)),
    };
    Ok(HostSpec {
        host: PlanHost {
            driver: driver.clone(),
            cuda: None,
        },
        gpus,
        observed: false,
        gpus_assumed,
    })
}

/// This host, from its facts: its driver (NVML, else the kernel module) and GPUs.
pub fn observed_host(facts: &Facts, tables: &Tables) -> Result<HostSpec, PlanError> {
    let driver = crate::stack::driver_version(facts).cloned().ok_or_else(|| {
        PlanError(
            "this host has no NVIDIA driver hwcheck can read (run `hwcheck` to see why); give --driver VERSION to plan for one"
                .to_string(),
        )
    })?;
    let (gpus, gpus_assumed) = facts_gpus(facts, tables);
    Ok(HostSpec {
        host: PlanHost {
            driver,
            cuda: facts.driver.nvml.cuda_driver_version.clone(),
        },
        gpus,
        observed: true,
        gpus_assumed,
    })
}

/// The GPU a person named with `--gpu`: a usage error lists close names when unknown.
pub fn planned_gpu(name: &str, tables: &Tables) -> Result<PlanGpu, PlanError> {
    let row = tables
        .gpus
        .lookup(name)
        .map_err(|e| PlanError(e.to_string()))?;
    let unconfirmed = if row.unconfirmed {
        ", CC unconfirmed"
    } else {
        ""
    };
    Ok(PlanGpu {
        label: format!("{} (CC {}{unconfirmed})", row.name, row.cc),
        class: row.class,
        cc: Some(row.cc.clone()),
        brand: toolkit_brand(&row.name, row.class),
    })
}

/// The GPUs in facts; every class when there are none, or when a GPU's class is unknown.
fn facts_gpus(facts: &Facts, tables: &Tables) -> (Vec<PlanGpu>, bool) {
    let mut out = Vec::new();
    for g in &facts.gpus {
        let row = tables.gpus.model(&g.name);
        let cc = g
            .compute_capability
            .clone()
            .or_else(|| row.map(|r| r.cc.clone()));
        match tables.gpus.class(&g.name) {
            Some((class, _)) => out.push(PlanGpu {
                label: format!("GPU {} ({})", g.index, g.name),
                class,
                cc,
                brand: toolkit_brand(row.map_or(&g.name, |r| &r.name), class),
            }),
            None => out.extend(class_scenarios().into_iter().map(|mut s| {
                s.label = format!(
                    "GPU {} ({}) if it is a {}",
                    g.index,
                    g.name,
                    s.class.label()
                );
                s.cc = cc.clone();
                s
            })),
        }
    }
    if out.is_empty() {
        (class_scenarios(), true)
    } else {
        (out, false)
    }
}

/// One stand-in per GPU class whose outcome can differ: data center, workstation, GeForce.
pub fn class_scenarios() -> Vec<PlanGpu> {
    [
        (GpuClass::DataCenter, "tesla"),
        (GpuClass::Workstation, "quadro"),
        (GpuClass::Geforce, "geforce"),
    ]
    .into_iter()
    .map(|(class, brand)| PlanGpu {
        label: format!("a {} (no GPU named)", class.label()),
        class,
        cc: None,
        brand,
    })
    .collect()
}

/// The planned outcome on every GPU (or class), with the verdict.
#[derive(Clone, Debug)]
pub struct Plan {
    /// One per GPU or class.
    pub outcomes: Vec<Outcome>,
    /// The worst status over all outcomes.
    pub status: Status,
    /// True when every outcome has the same status and `how`.
    pub agree: bool,
    /// What the host does run, when the verdict is FAIL.
    pub suggestions: Option<Suggestions>,
    /// A SKIP check saying what was assumed, for a planned host.
    pub assumed: Option<Check>,
}

/// Judges `spec` on `host`; `disable_require` is NVIDIA_DISABLE_REQUIRE when given.
pub fn plan(
    spec: &ImageSpec,
    host: &HostSpec,
    disable_require: Option<&str>,
    tables: &Tables,
) -> Plan {
    let outcomes: Vec<Outcome> = host
        .gpus
        .iter()
        .map(|g| outcome(spec, &host.host, g, disable_require, tables))
        .collect();
    let status = outcomes
        .iter()
        .map(Outcome::status)
        .min()
        .unwrap_or(Status::Pass);
    let agree = outcomes
        .windows(2)
        .all(|w| w[0].status() == w[1].status() && w[0].how == w[1].how);
    let suggestions = outcomes
        .iter()
        .find(|o| o.status() == Status::Fail)
        .map(|o| suggest(spec, &host.host, &o.gpu, disable_require, tables));
    let assumed = (!host.observed).then(|| assumed_check(host, tables));
    Plan {
        outcomes,
        status,
        agree,
        suggestions,
        assumed,
    }
}

fn assumed_check(host: &HostSpec, tables: &Tables) -> Check {
    let cuda = tables
        .cuda_driver
        .newest_supported(
            &host.host.driver,
            hwcheck_compat::cuda_driver::Platform::Linux,
        )
        .map_or("an unknown CUDA".to_string(), |r| {
            format!("CUDA {}.{}", r.cuda.major(), r.cuda.minor())
        });
    let gpu = if host.gpus_assumed {
        "no GPU named: each GPU class is shown".to_string()
    } else {
        host.gpus
            .iter()
            .map(|g| g.label.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Check::skip(
        CheckKind::DriverNvml,
        format!(
            "assumed, not observed: a planned host with driver {} (runs {cuda}) installed and loaded, {gpu}; nothing was run",
            host.host.driver
        ),
    )
}

/// What this host does run instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suggestions {
    /// Newest release that runs natively with no warning.
    pub newest_clean: Option<String>,
    /// Newest release whose CUDA works at all (forward or minor-version compatibility).
    pub newest_running: Option<String>,
}

/// Tries the same kind of image for every release hwcheck knows, newest first.
pub fn suggest(
    spec: &ImageSpec,
    host: &PlanHost,
    gpu: &PlanGpu,
    disable_require: Option<&str>,
    tables: &Tables,
) -> Suggestions {
    let mut out = Suggestions::default();
    for (tag, candidate) in alternatives(spec, tables) {
        let o = outcome(&candidate, host, gpu, disable_require, tables);
        if o.cuda_works != Some(true) {
            continue;
        }
        if out.newest_running.is_none() {
            out.newest_running = Some(tag.clone());
        }
        if o.how == How::Native && o.status() == Status::Pass {
            out.newest_clean = Some(tag);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_image::image_spec;
    use crate::testkit::{tables, v};
    use hwcheck_compat::image_ref::{classify, parse_ref};

    fn spec(text: &str) -> ImageSpec {
        let image = parse_ref(text).unwrap();
        image_spec(&image, &classify(&image).unwrap(), &tables()).unwrap()
    }

    fn run(image: &str, driver: &str, gpu: Option<&str>) -> Plan {
        let t = tables();
        let host = planned_host(&v(driver), gpu, None, &t).unwrap();
        plan(&spec(image), &host, None, &t)
    }

    #[test]
    fn without_a_gpu_each_class_is_shown_and_the_worst_wins() {
        let p = run("nvidia/cuda:12.4.1-base-ubuntu22.04", "535.183.01", None);
        assert_eq!(p.outcomes.len(), 3);
        assert!(!p.agree);
        assert_eq!(p.status, Status::Fail);
        let how: Vec<How> = p.outcomes.iter().map(|o| o.how).collect();
        assert_eq!(how, vec![How::ForwardCompat, How::Uncertain, How::Fails]);
        let assumed = p.assumed.unwrap();
        assert_eq!(assumed.status, Status::Skip);
        assert!(
            assumed.summary.starts_with("assumed, not observed"),
            "{}",
            assumed.summary
        );
        for o in &p.outcomes {
            for c in &o.checks {
                assert!(!c.summary.contains("cuInit succeeded"), "{}", c.summary);
            }
        }
    }

    #[test]
    fn blackwell_on_550_is_the_driver_not_cuda() {
        let p = run(
            "nvidia/cuda:12.4.1-base-ubuntu22.04",
            "550.144.03",
            Some("RTX 5090"),
        );
        let o = &p.outcomes[0];
        assert_eq!(o.how, How::GpuUnsupported);
        assert!(
            o.checks[0].summary.contains("predates Blackwell"),
            "{}",
            o.checks[0].summary
        );
        assert!(
            o.checks[0].summary.contains("R570"),
            "{}",
            o.checks[0].summary
        );
    }

    #[test]
    fn older_cuda_on_a_newer_architecture_is_a_ptx_condition() {
        let p = run(
            "nvidia/cuda:12.4.1-base-ubuntu22.04",
            "570.124.06",
            Some("RTX 5090"),
        );
        let o = &p.outcomes[0];
        assert_eq!((o.how, o.cuda_works), (How::Native, Some(true)));
        let cc = o
            .checks
            .iter()
            .find(|c| c.id == "gpu.compute_capability")
            .unwrap();
        assert_eq!(cc.status, Status::Warn);
        assert!(
            cc.summary.contains("only if it ships PTX"),
            "{}",
            cc.summary
        );
    }

    #[test]
    fn ngc_minimum_compute_capability() {
        let p = run(
            "nvcr.io/nvidia/tritonserver:25.01-py3",
            "570.124.06",
            Some("V100"),
        );
        assert_eq!(p.status, Status::Fail);
        let o = &p.outcomes[0];
        assert!(
            o.checks
                .iter()
                .any(|c| c.summary.contains("supports compute capability 7.5")),
            "{:#?}",
            o.checks
        );
    }

    #[test]
    fn a_failing_plan_suggests_what_runs() {
        let p = run(
            "nvidia/cuda:13.0.0-base-ubuntu24.04",
            "535.183.01",
            Some("RTX 4090"),
        );
        assert_eq!(p.outcomes[0].how, How::Refused);
        let s = p.suggestions.unwrap();
        assert_eq!(
            s.newest_clean.as_deref(),
            Some("nvidia/cuda:12.2.2-base-ubuntu24.04")
        );
    }

    #[test]
    fn disable_require_reads_like_go_parse_bool() {
        use crate::plan_rules::disables_require;
        for yes in ["1", "t", "T", "TRUE", "true", "True"] {
            assert!(disables_require(yes), "{yes}");
        }
        for no in ["0", "false", "False", "yes", "", "tRuE"] {
            assert!(!disables_require(no), "{no}");
        }
        let t = tables();
        let host = planned_host(&v("550.144.03"), Some("RTX 4090"), None, &t).unwrap();
        let image = spec("nvidia/cuda:12.8.1-base-ubuntu24.04");
        assert_eq!(plan(&image, &host, None, &t).outcomes[0].how, How::Refused);
        let o = &plan(&image, &host, Some("true"), &t).outcomes[0];
        assert_eq!((o.starts, o.how), (Some(true), How::Fails));
    }

    #[test]
    fn runtimes_use_minor_version_compatibility_within_a_major_only() {
        let t = tables();
        let host = planned_host(&v("535.183.01"), Some("RTX 4090"), None, &t).unwrap();
        let mvc = plan(
            &crate::plan_image::runtime_spec(&v("12.8"), None),
            &host,
            None,
            &t,
        );
        assert_eq!(mvc.outcomes[0].how, How::MinorVersionCompat);
        assert_eq!(mvc.status, Status::Warn);
        let next_major = plan(
            &crate::plan_image::runtime_spec(&v("13.0"), None),
            &host,
            None,
            &t,
        );
        assert_eq!(next_major.outcomes[0].how, How::Fails);
        assert!(next_major.outcomes[0].checks[0]
            .summary
            .contains("error 35"));
    }

    #[test]
    fn forward_compat_on_an_unlisted_branch_is_uncertain() {
        let t = tables();
        let host = planned_host(&v("545.29.06"), Some("A100-SXM4-80GB"), None, &t).unwrap();
        let o = &plan(
            &spec("nvidia/cuda:12.4.1-base-ubuntu22.04"),
            &host,
            Some("1"),
            &t,
        )
        .outcomes[0];
        assert_eq!((o.how, o.cuda_works), (How::Uncertain, None));
    }

    #[test]
    fn ngc_data_center_exception_and_unknown_start() {
        let t = tables();
        let image = spec("nvcr.io/nvidia/tritonserver:23.12-py3");
        let dc = planned_host(&v("535.86.10"), Some("H100"), None, &t).unwrap();
        let o = &plan(&image, &dc, None, &t).outcomes[0];
        assert_eq!((o.how, o.starts), (How::ForwardCompat, None));
        let geforce = planned_host(&v("535.86.10"), Some("RTX 4090"), None, &t).unwrap();
        assert_eq!(plan(&image, &geforce, None, &t).outcomes[0].how, How::Fails);
    }

    #[test]
    fn unknown_gpus_are_usage_errors_with_close_names() {
        let t = tables();
        let err = planned_host(&v("550.54.15"), Some("RTX 4091"), None, &t).unwrap_err();
        assert!(err.0.contains("RTX 4090"), "{err}");
        assert!(planned_host(&v("550.54.15"), Some("GTX 1080"), None, &t).is_ok());
    }
}
