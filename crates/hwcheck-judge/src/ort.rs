//! ONNX Runtime checks: installs, versions vs libraries, each provider's session.
//!
//! Ids: `ort.runtime`, `ort.installs`, `ort.compat`, `ort.provider.<cpu|cuda|tensorrt|…>`. The
//! first install probed gets the bare ids; the reference runtime adds `.reference` and other
//! installs `.install<N>`, so a CI gate on `ort.provider.cuda` keeps meaning the same thing.

use crate::stack::{hidden_copy, soname_in_error};
use hwcheck_compat::ort::OrtRow;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckId, CheckKind, Install, Status};
use hwcheck_model::facts::ort::{OrtFacts, OrtInstall, OrtSource, Provider, ProviderProbe};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, Facts, ProbeError};
use hwcheck_model::version::DottedVersion;
use std::collections::BTreeSet;

mod why;
use why::*;

/// Judges ORT facts.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let ort = &facts.ort;
    let mut checks = Vec::new();
    if let Some(problem) = &ort.problem {
        checks.push(problem_check(problem, ort.installs.is_empty()));
    }
    if ort.installs.is_empty() {
        return checks;
    }
    checks.push(installs_check(ort));
    for (i, install) in ort.installs.iter().enumerate() {
        let suffix = id_suffix(i, install);
        checks.push(runtime_check(install, suffix));
        if install.load_error.is_some() {
            continue;
        }
        let row = parse_version(install).and_then(|v| tables.ort.row_for(&v));
        for probe in &install.providers {
            checks.push(provider_check(facts, install, probe, row, suffix, ort));
        }
        if let Some(check) = compat_check(facts, install, row, suffix) {
            checks.push(check);
        }
    }
    checks
}

fn id_suffix(index: usize, install: &OrtInstall) -> Install {
    Install::at(index, install.is_reference)
}

fn parse_version(install: &OrtInstall) -> Option<DottedVersion> {
    install
        .version
        .as_deref()
        .and_then(|v| DottedVersion::parse(v).ok())
}

/// "ONNX Runtime 1.31.1 (reference runtime) at /path".
fn install_label(install: &OrtInstall) -> String {
    let version = install.version.as_deref().unwrap_or("(version unknown)");
    let reference = if install.is_reference {
        " (reference runtime)"
    } else {
        ""
    };
    format!("ONNX Runtime {version}{reference} at {}", install.path)
}

fn source_label(source: &OrtSource) -> String {
    match source {
        OrtSource::Option => "--ort".to_string(),
        OrtSource::OrtDylibPath => "ORT_DYLIB_PATH".to_string(),
        OrtSource::Python(site) => format!("Python environment {site}"),
        OrtSource::System(dir) => format!("system directory {dir}"),
        OrtSource::Reference => "hwcheck's reference runtime".to_string(),
    }
}

fn problem_check(problem: &ProbeError, nothing_found: bool) -> Check {
    let fix = "pip install onnxruntime-gpu (or onnxruntime for the CPU), or run scripts/fetch-reference-ort.sh and pass --reference-runtime";
    match problem.code.as_str() {
        "reference_missing" => Check::fail(CheckKind::OrtReference, &problem.message)
            .with_fix("run scripts/fetch-reference-ort.sh (it caches the pinned CPU build), or set HWCHECK_REFERENCE_ORT to a libonnxruntime.so"),
        _ if nothing_found => Check::warn(CheckKind::OrtRuntime, &problem.message).with_fix(fix),
        _ => Check::warn(CheckKind::OrtProbe, &problem.message),
    }
}

fn runtime_check(install: &OrtInstall, suffix: Install) -> Check {
    let id = CheckId::of(CheckKind::OrtRuntime).in_install(suffix);
    let via: Vec<String> = install.found_via.iter().map(source_label).collect();
    let mut check = match &install.load_error {
        Some(e) => Check::fail(
            &id,
            format!(
                "{}: cannot be loaded: {}",
                install_label(install),
                e.message
            ),
        )
        .with_fix(load_fix(e)),
        None => Check::pass(
            &id,
            format!(
                "{}; compiled in: {}",
                install_label(install),
                short_providers(&install.compiled_in)
            ),
        ),
    };
    check = check.with_evidence(format!("found via: {}", via.join(", ")));
    if let Some(real) = install.real_path.as_ref().filter(|r| **r != install.path) {
        check = check.with_evidence(format!("real path: {real}"));
    }
    for lib in &install.provider_libraries {
        check = check.with_evidence(format!("provider library: {}", lib.path));
    }
    check
}

fn load_fix(e: &ProbeError) -> String {
    if e.message.contains("expected version >=") {
        "hwcheck loads ONNX Runtime 1.17 or newer: upgrade this install (pip install -U onnxruntime-gpu)".to_string()
    } else if matches!(e.code, Code::TimedOut | Code::Crashed) {
        format!("loading the library {}: reinstall it, and check that it matches this machine's architecture and glibc", e.message)
    } else {
        "the file is not a loadable ONNX Runtime library (corrupt, truncated, wrong architecture or not ORT): reinstall it or point --ort at a libonnxruntime.so".to_string()
    }
}

/// "CUDA, TensorRT, CPU, Azure" from ORT's names.
fn short_providers(names: &[String]) -> String {
    if names.is_empty() {
        return "(none reported)".to_string();
    }
    names
        .iter()
        .map(|n| match Provider::from_ort_name(n) {
            Some(p) => p.label().to_string(),
            None => n.trim_end_matches("ExecutionProvider").to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn installs_check(ort: &OrtFacts) -> Check {
    let mut evidence: Vec<String> = ort
        .installs
        .iter()
        .map(|i| {
            let via = i.found_via.first().map(source_label).unwrap_or_default();
            format!(
                "{} [{}] via {via}",
                install_label(i),
                short_providers(&i.compiled_in)
            )
        })
        .collect();
    let shadowed: Vec<&OrtInstall> = ort
        .installs
        .iter()
        .filter(|i| i.python_packages.len() > 1)
        .collect();
    let others: Vec<&OrtInstall> = ort.installs.iter().filter(|i| !i.is_reference).collect();
    let mut check = if let Some(first) = shadowed.first() {
        Check::fail(
            CheckKind::OrtInstalls,
            format!(
                "{} share one onnxruntime/ package directory ({}): the wheel installed last wins, so its providers ({}) are what Python gets",
                first.python_packages.join(" and "),
                first.path,
                short_providers(&first.compiled_in)
            ),
        )
        .with_fix("pip uninstall -y onnxruntime onnxruntime-gpu, then pip install onnxruntime-gpu (only one ORT wheel per environment)")
    } else if others.len() > 1 {
        let gpu = others.iter().filter(|i| has_cuda(i)).count();
        let note = if gpu > 0 && gpu < others.len() {
            ": a CPU-only build can shadow the GPU build depending on which environment or LD_LIBRARY_PATH a program uses"
        } else {
            ": which one a program loads depends on its Python environment or LD_LIBRARY_PATH"
        };
        Check::warn(
            CheckKind::OrtInstalls,
            format!("{} ONNX Runtime installs found{note}", others.len()),
        )
        .with_fix("keep one ORT per environment, or pin the one you mean (ORT_DYLIB_PATH for native programs)")
    } else {
        Check::pass(
            CheckKind::OrtInstalls,
            format!("{} ONNX Runtime install(s) found", ort.installs.len()),
        )
    };
    for line in evidence.drain(..) {
        check = check.with_evidence(line);
    }
    check
}

fn has_cuda(install: &OrtInstall) -> bool {
    install
        .compiled_in
        .iter()
        .any(|c| c == Provider::Cuda.ort_name())
}

fn gpu_present(facts: &Facts) -> bool {
    !facts.gpus.is_empty() || facts.driver.nvml.device_count.is_some_and(|n| n > 0)
}

fn provider_check(
    facts: &Facts,
    install: &OrtInstall,
    probe: &ProviderProbe,
    row: Option<&OrtRow>,
    suffix: Install,
    ort: &OrtFacts,
) -> Check {
    let id = CheckId::provider(CheckKind::OrtProvider, probe.provider, suffix);
    let label = format!("{} on {}", probe.provider.label(), install_label(install));
    let check = match &probe.error {
        None => session_check(&id, &label, probe, ort),
        Some(e) if e.code == Code::ProviderNotBuilt => {
            not_built_check(&id, &label, facts, probe, install)
        }
        Some(e) => {
            let why = explain(facts, probe, e, row);
            let mut check = Check::fail(&id, format!("{label}: {}", why.cause))
                .with_evidence(format!("error: {}", e.message));
            if !probe.missing_libraries.is_empty() {
                check = check.with_evidence(format!(
                    "missing libraries (whole dependency tree): {}",
                    probe.missing_libraries.join(", ")
                ));
            }
            for line in why.evidence {
                check = check.with_evidence(line);
            }
            if let Some(r) = row.filter(|_| why.used_table) {
                check = with_row(check, r);
            }
            check = check.with_fix(why.fix);
            let mut missing: Vec<String> = soname_in_error(&e.message).into_iter().collect();
            for m in &probe.missing_libraries {
                if !missing.contains(m) {
                    missing.push(m.clone());
                }
            }
            match optional_sdk_missing(probe, &missing) {
                Some(sdk) if !ort.requested_providers.contains(&probe.provider) => {
                    check.status = Status::Warn;
                    check.summary = format!(
                        "{label}: not usable here: {sdk} not installed ({} missing; only the {} provider needs it: --providers {} or --require provider={} makes this a FAIL)",
                        missing.join(", "),
                        probe.provider.label(),
                        probe.provider.short_name(),
                        probe.provider.short_name()
                    );
                    check
                }
                _ => check,
            }
        }
    };
    check
}

/// The SDK named by `missing` when every missing library belongs to the optional SDK only
/// `probe`'s provider needs (TensorRT for the TensorRT provider): "TensorRT 10".
fn optional_sdk_missing(probe: &ProviderProbe, missing: &[String]) -> Option<String> {
    if probe.provider != Provider::Tensorrt || missing.is_empty() {
        return None;
    }
    let majors: Vec<u32> = missing
        .iter()
        .map(|m| match classify_missing(m) {
            Missing::Tensorrt(major) => Some(major),
            _ => None,
        })
        .collect::<Option<_>>()?;
    majors.first().map(|m| format!("TensorRT {m}"))
}

fn session_check(id: &CheckId, label: &str, probe: &ProviderProbe, ort: &OrtFacts) -> Check {
    let ms = |v: Option<f64>| match v {
        Some(v) if v < 1.0 => format!("{v:.3} ms"),
        Some(v) => format!("{v:.1} ms"),
        None => "?".to_string(),
    };
    let timing = format!(
        "session {}, first run {}, steady {} (median of {})",
        ms(probe.session_ms),
        ms(probe.first_run_ms),
        ms(probe.steady_ms),
        probe.steady_runs
    );
    let model = ort.probe_model.as_deref().unwrap_or("probe model");
    if probe.provider == Provider::Cpu {
        return Check::pass(id, format!("{label}: session ran; {timing}"))
            .with_evidence(format!("model: {model}"));
    }
    let tolerance = probe.tolerance.unwrap_or(0.0);
    match probe.max_abs_diff {
        Some(d) if d <= tolerance => Check::pass(
            id,
            format!("{label}: session ran on this provider alone (no CPU fallback); output within {tolerance:e} of the CPU (max |diff| {d:.2e}); {timing}"),
        ),
        Some(d) => Check::fail(
            id,
            format!("{label}: output differs from the CPU provider's by {d:.2e} (tolerance {tolerance:e})"),
        )
        .with_evidence(timing)
        .with_fix("results on this provider are wrong: check for a driver/library mismatch or a known bug of this ORT release, and try another ORT version"),
        None => Check::warn(
            id,
            format!("{label}: session ran, but its output could not be compared with the CPU provider's (the CPU session failed)"),
        )
        .with_evidence(timing),
    }
    .with_evidence(format!("model: {model}"))
}

fn not_built_check(
    id: &CheckId,
    label: &str,
    facts: &Facts,
    probe: &ProviderProbe,
    install: &OrtInstall,
) -> Check {
    let summary = format!(
        "{label}: not built into this ORT (compiled in: {})",
        short_providers(&install.compiled_in)
    );
    let evidence = probe
        .error
        .as_ref()
        .map(|e| format!("ORT said: {}", e.message))
        .unwrap_or_default();
    if probe.provider.is_nvidia() && gpu_present(facts) {
        Check::warn(id, summary)
            .with_evidence(evidence)
            .with_fix("this is a CPU-only ONNX Runtime: pip uninstall onnxruntime && pip install onnxruntime-gpu (both wheels ship the same onnxruntime package)")
    } else {
        Check::new(id, Status::Skip, summary).with_evidence(evidence)
    }
}

fn with_row(mut check: Check, row: &OrtRow) -> Check {
    let unconfirmed = if row.unconfirmed {
        " [unconfirmed]"
    } else {
        ""
    };
    check = check.with_evidence(format!(
        "ort.toml: ORT {}–{} GPU build = CUDA {}, cuDNN {}{}{unconfirmed}",
        row.ort_min,
        row.ort_max,
        row.cuda_major,
        row.cudnn_major,
        row.tensorrt
            .as_ref()
            .map(|t| format!(", TensorRT {t}"))
            .unwrap_or_default()
    ));
    check = check.with_source(&row.source);
    match &row.tensorrt_source {
        Some(s) => check.with_source(s),
        None => check,
    }
}

fn compat_check(
    facts: &Facts,
    install: &OrtInstall,
    row: Option<&OrtRow>,
    suffix: Install,
) -> Option<Check> {
    if !has_cuda(install) {
        return None;
    }
    let id = CheckId::of(CheckKind::OrtCompat).in_install(suffix);
    let label = install_label(install);
    let Some(row) = row else {
        return Some(Check::warn(
            &id,
            format!("{label}: no ort.toml row for this version; CUDA/cuDNN needs not checked"),
        ));
    };
    let cuda = majors_on_disk(
        facts,
        &[Component::Cudart, Component::Cublas, Component::CublasLt],
    );
    let cudnn = majors_on_disk(facts, &[Component::Cudnn]);
    let mut gaps = Vec::new();
    if !cuda.contains(&row.cuda_major) {
        gaps.push(format!(
            "CUDA {} libraries (found: {})",
            row.cuda_major,
            none_if_empty(&cuda)
        ));
    }
    if !cudnn.contains(&row.cudnn_major) {
        gaps.push(format!(
            "cuDNN {} (found: {})",
            row.cudnn_major,
            none_if_empty(&cudnn)
        ));
    }
    let cuda_ok = install
        .providers
        .iter()
        .any(|p| p.provider == Provider::Cuda && p.session_ok);
    let check = if gaps.is_empty() {
        Check::pass(
            &id,
            format!(
                "{label}: needs CUDA {} and cuDNN {}; both found",
                row.cuda_major, row.cudnn_major
            ),
        )
    } else if cuda_ok {
        Check::pass(
            &id,
            format!(
                "{label}: the CUDA session works, though hwcheck's library scan did not see {}",
                gaps.join(", ")
            ),
        )
    } else {
        Check::warn(
            &id,
            format!("{label}: its GPU build needs {}", gaps.join(" and ")),
        )
        .with_fix(cuda_fix(row.cuda_major, &cuda))
    };
    Some(with_row(check, row))
}

fn none_if_empty(majors: &BTreeSet<u32>) -> String {
    if majors.is_empty() {
        "none".to_string()
    } else {
        list(majors)
    }
}

#[cfg(test)]
mod tests;
