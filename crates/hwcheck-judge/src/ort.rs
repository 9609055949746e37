//! ONNX Runtime checks: installs, versions vs libraries, each provider's session.
//!
//! Ids: `ort.runtime`, `ort.installs`, `ort.compat`, `ort.provider.<cpu|cuda|tensorrt|…>`. The
//! first install probed gets the bare ids; the reference runtime adds `.reference` and other
//! installs `.install<N>`, so a CI gate on `ort.provider.cuda` keeps meaning the same thing.

use hwcheck_compat::ort::OrtRow;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckId, CheckKind, Install, Status};
use hwcheck_model::facts::ort::{OrtFacts, OrtInstall, OrtSource, Provider, ProviderProbe};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, Facts, ProbeError};
use hwcheck_model::version::DottedVersion;
use std::collections::BTreeSet;

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

/// Why a provider failed, and the fix.
#[derive(Debug, Default)]
struct Explanation {
    cause: String,
    fix: String,
    evidence: Vec<String>,
    used_table: bool,
}

/// What a missing soname stands for.
#[derive(Debug, PartialEq, Eq)]
enum Missing {
    /// A CUDA toolkit library carrying the CUDA major (cuBLAS, cuBLASLt, cudart, NVRTC).
    Cuda(u32),
    /// cuDNN of this major.
    Cudnn(u32),
    /// TensorRT of this major.
    Tensorrt(u32),
    /// The driver's libcuda.so.1.
    Libcuda,
    /// Anything else.
    Other,
}

/// Classifies "libcublasLt.so.12" etc.
fn classify_missing(soname: &str) -> Missing {
    let Some((stem, major)) = soname.split_once(".so.") else {
        return Missing::Other;
    };
    let major = major.split('.').next().and_then(|m| m.parse::<u32>().ok());
    match (stem, major) {
        ("libcuda", _) => Missing::Libcuda,
        ("libcublasLt" | "libcublas" | "libcudart" | "libnvrtc", Some(m)) => Missing::Cuda(m),
        (s, Some(m)) if s.starts_with("libcudnn") => Missing::Cudnn(m),
        (s, Some(m)) if s.starts_with("libnvinfer") || s.starts_with("libnvonnxparser") => {
            Missing::Tensorrt(m)
        }
        _ => Missing::Other,
    }
}

/// The soname in a loader error: "…with error: libcublasLt.so.12: cannot open shared object file…".
fn soname_in_error(message: &str) -> Option<String> {
    let idx = message.find(": cannot open shared object file")?;
    let start = message[..idx]
        .rfind(|c: char| c.is_whitespace() || c == ':' || c == '"' || c == '\'')
        .map_or(0, |i| i + 1);
    let name = &message[start..idx];
    name.contains(".so").then(|| name.to_string())
}

/// Majors of a component on disk, from versions or sonames.
fn majors_on_disk(facts: &Facts, components: &[Component]) -> BTreeSet<u32> {
    facts
        .libraries
        .iter()
        .filter(|l| components.contains(&l.component))
        .filter_map(|l| {
            l.version.as_ref().map(DottedVersion::major).or_else(|| {
                l.soname
                    .as_deref()
                    .and_then(|s| s.rsplit_once(".so."))
                    .and_then(|(_, m)| m.split('.').next()?.parse().ok())
            })
        })
        .collect()
}

/// A copy of `soname` on disk that the loader does not see (e.g. only in a pip wheel).
fn hidden_copy(facts: &Facts, soname: &str) -> Option<String> {
    facts
        .libraries
        .iter()
        .find(|l| {
            l.soname.as_deref() == Some(soname)
                || std::path::Path::new(&l.path)
                    .file_name()
                    .is_some_and(|n| n == soname)
        })
        .map(|l| l.path.clone())
}

fn list(majors: &BTreeSet<u32>) -> String {
    majors
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn explain(
    facts: &Facts,
    probe: &ProviderProbe,
    error: &ProbeError,
    row: Option<&OrtRow>,
) -> Explanation {
    let msg = &error.message;
    match error.code.as_str() {
        "timed_out" => {
            return Explanation {
                cause: format!("the session probe {msg}"),
                fix: "a provider that hangs while starting usually waits on the driver or a GPU in a bad state: check nvidia-smi and dmesg; raise --timeout if the machine is just slow".to_string(),
                ..Explanation::default()
            }
        }
        "crashed" | "exited" => {
            return Explanation {
                cause: format!("the session probe {msg}"),
                fix: "the provider library crashed while loading or starting: usually a library built for another CUDA/cuDNN/driver; compare versions in this report".to_string(),
                ..Explanation::default()
            }
        }
        _ => {}
    }
    if msg.contains("CUDA driver version is insufficient") || msg.contains("CUDA failure 35") {
        let driver = facts
            .driver
            .nvml
            .cuda_driver_version
            .as_ref()
            .map(|v| format!(" (the driver supports CUDA {v})"))
            .unwrap_or_default();
        let needs = row
            .map(|r| format!(" CUDA {}", r.cuda_major))
            .unwrap_or_default();
        return Explanation {
            cause: format!("the NVIDIA driver is too old for this ORT's{needs} runtime{driver}"),
            fix: "upgrade the NVIDIA driver (CUDA 13 needs >= 580, CUDA 12 >= 525.60.13), or use an onnxruntime-gpu built for the CUDA the driver supports".to_string(),
            used_table: row.is_some(),
            ..Explanation::default()
        };
    }
    if msg.contains("no CUDA-capable device") || msg.contains("CUDA failure 100") {
        return Explanation {
            cause: "no GPU is visible to CUDA".to_string(),
            fix: "check CUDA_VISIBLE_DEVICES and, in a container, that it was started with the NVIDIA runtime (--gpus all)".to_string(),
            ..Explanation::default()
        };
    }
    if msg.contains("fallback to CPU EP has been explicitly disabled") {
        return Explanation {
            cause: "the provider registered but left some probe-model nodes to the CPU".to_string(),
            fix: "the provider cannot run plain Conv/Relu/Sigmoid nodes: its build or the GPU is unsupported; check the provider's requirements for this ORT version".to_string(),
            ..Explanation::default()
        };
    }
    let mut missing: Vec<String> = soname_in_error(msg).into_iter().collect();
    for m in &probe.missing_libraries {
        if !missing.contains(m) {
            missing.push(m.clone());
        }
    }
    match missing.first() {
        Some(first) => explain_missing(facts, probe.provider, first, &missing, row),
        None => Explanation {
            cause: format!("{} ({})", error.code, first_line(msg)),
            fix:
                "see the error; rerun with a fresh onnxruntime-gpu install if it names an ORT file"
                    .to_string(),
            ..Explanation::default()
        },
    }
}

fn first_line(msg: &str) -> &str {
    msg.lines().next().unwrap_or(msg)
}

fn explain_missing(
    facts: &Facts,
    provider: Provider,
    first: &str,
    all: &[String],
    row: Option<&OrtRow>,
) -> Explanation {
    let mut ex = Explanation::default();
    let mut causes: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut families: Vec<Missing> = Vec::new();
    for soname in all {
        if let Some(path) = hidden_copy(facts, soname) {
            let dir = std::path::Path::new(&path)
                .parent()
                .map_or(path.clone(), |p| p.display().to_string());
            causes.push(format!(
                "{soname} is on disk ({path}) but not on the loader's search path"
            ));
            fixes.push(format!("add {dir} to LD_LIBRARY_PATH (Python's onnxruntime preloads pip's nvidia libraries; other programs do not)"));
            continue;
        }
        let family = classify_missing(soname);
        if families.contains(&family) || (family == Missing::Other && !families.is_empty()) {
            continue;
        }
        let (cause, fix) = explain_family(facts, provider, &family, soname, row);
        causes.push(cause);
        fixes.push(fix);
        ex.used_table |= matches!(family, Missing::Cudnn(_) | Missing::Tensorrt(_));
        families.push(family);
    }
    ex.cause = causes.join("; ");
    ex.fix = fixes.join("; ");
    if all.len() > 1 {
        ex.evidence.push(format!(
            "the loader names only the first missing library ({first}); the whole list: {}",
            all.join(", ")
        ));
    }
    ex
}

/// Cause and fix for one missing library family, from the libraries found on disk.
fn explain_family(
    facts: &Facts,
    provider: Provider,
    family: &Missing,
    soname: &str,
    row: Option<&OrtRow>,
) -> (String, String) {
    let cuda_build = row.map_or(13, |r| r.cuda_major);
    match *family {
        Missing::Cuda(n) => {
            let on_disk = majors_on_disk(
                facts,
                &[Component::Cudart, Component::Cublas, Component::CublasLt],
            );
            let others: BTreeSet<u32> = on_disk.into_iter().filter(|m| *m != n).collect();
            let cause = if others.is_empty() {
                format!("this ORT is a CUDA {n} build and {soname} is missing (no CUDA {n} libraries found)")
            } else {
                format!(
                    "this ORT is a CUDA {n} build ({soname} missing); only CUDA {} libraries found",
                    list(&others)
                )
            };
            (cause, cuda_fix(n, &others))
        }
        Missing::Cudnn(n) => {
            let found = majors_on_disk(facts, &[Component::Cudnn]);
            let others: BTreeSet<u32> = found.into_iter().filter(|m| *m != n).collect();
            let cause = if others.is_empty() {
                format!("cuDNN {n} is not installed ({soname} missing)")
            } else {
                format!(
                    "cuDNN major mismatch: this ORT needs cuDNN {n}, found cuDNN {} ({soname} missing)",
                    list(&others)
                )
            };
            let fix = format!("install cuDNN {n} (pip install nvidia-cudnn-cu{cuda_build}, or NVIDIA's packages) and put its lib directory on LD_LIBRARY_PATH; cuDNN majors are not interchangeable");
            (cause, fix)
        }
        Missing::Tensorrt(n) => {
            let found = majors_on_disk(facts, &[Component::Tensorrt]);
            let cause = if found.is_empty() {
                format!("TensorRT {n} is not installed ({soname} missing)")
            } else {
                format!(
                    "TensorRT {n} is needed ({soname} missing); found TensorRT {}",
                    list(&found)
                )
            };
            let fix = format!("install TensorRT {n} for CUDA {cuda_build} (pip install tensorrt-cu{cuda_build}, or NVIDIA's packages) and put its lib directory on LD_LIBRARY_PATH, or do without the TensorRT provider (the CUDA provider does not need it)");
            (cause, fix)
        }
        Missing::Libcuda => (
            "the NVIDIA driver's libcuda.so.1 is not visible".to_string(),
            "install the NVIDIA driver; in a container, start it with the NVIDIA runtime (--gpus all) so libcuda is mounted".to_string(),
        ),
        Missing::Other if soname.starts_with("libonnxruntime") => (
            format!("{soname} is missing beside the ORT library"),
            format!(
                "the install is incomplete: reinstall it so all libonnxruntime_providers_*.so of the {} provider sit beside libonnxruntime.so",
                provider.label()
            ),
        ),
        Missing::Other => (
            format!("{soname} cannot be found by the loader"),
            format!("install the package that provides {soname} or add its directory to LD_LIBRARY_PATH"),
        ),
    }
}

fn cuda_fix(n: u32, others: &BTreeSet<u32>) -> String {
    match n {
        12 => {
            let newer = if others.contains(&13) {
                " or use onnxruntime-gpu >= 1.27 (a CUDA 13 build)"
            } else {
                ""
            };
            format!("install CUDA 12 cuBLAS and runtime (pip install nvidia-cublas-cu12 nvidia-cuda-runtime-cu12, or the CUDA 12 toolkit) and put them on LD_LIBRARY_PATH{newer}")
        }
        13 => {
            let older = if others.contains(&12) {
                ", or use onnxruntime-gpu 1.26 or older (a CUDA 12 build)"
            } else {
                ""
            };
            format!("install CUDA 13 cuBLAS and runtime (pip install nvidia-cublas nvidia-cuda-runtime: CUDA 13 wheels have no -cu13 suffix; or the CUDA 13 toolkit; driver >= 580) and put them on LD_LIBRARY_PATH{older}")
        }
        _ => format!("install the CUDA {n} libraries this ORT was built against and put them on LD_LIBRARY_PATH, or use an ORT built for the CUDA you have"),
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
mod tests {
    use super::*;
    use hwcheck_model::facts::ort::ProviderLibrary;
    use hwcheck_model::facts::LibraryFacts;

    fn lib(component: Component, soname: &str, path: &str) -> LibraryFacts {
        LibraryFacts {
            soname: Some(soname.to_string()),
            loader_selected: true,
            ..LibraryFacts::new(component, path)
        }
    }

    fn gpu_install(version: &str, cuda: ProviderProbe) -> OrtInstall {
        OrtInstall {
            path: "/venv/lib/python3.11/site-packages/onnxruntime/capi/libonnxruntime.so.1".into(),
            version: Some(version.into()),
            compiled_in: vec![
                "TensorrtExecutionProvider".into(),
                "CUDAExecutionProvider".into(),
                "CPUExecutionProvider".into(),
            ],
            provider_libraries: vec![ProviderLibrary::default()],
            providers: vec![cuda],
            found_via: vec![OrtSource::Python("/venv".into())],
            ..OrtInstall::default()
        }
    }

    fn failed(provider: Provider, code: &str, message: &str, missing: &[&str]) -> ProviderProbe {
        let mut p = ProviderProbe::new(provider, true);
        p.registered = Some(false);
        p.error = Some(ProbeError::new(code, message));
        p.missing_libraries = missing.iter().map(|s| s.to_string()).collect();
        p
    }

    fn facts_with(installs: Vec<OrtInstall>, libs: Vec<LibraryFacts>) -> Facts {
        let mut facts = Facts::default();
        facts.ort.installs = installs;
        facts.libraries = libs;
        facts
    }

    fn find<'a>(checks: &'a [Check], id: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no {id} in {checks:#?}"))
    }

    /// The check `id` that judging `facts` against the embedded tables gives.
    fn judged(facts: &Facts, id: &str) -> Check {
        find(&judge(facts, &Tables::embedded()), id).clone()
    }

    /// Facts with one GPU install of `version` whose CUDA provider failed to
    /// register with `message`, beside the libraries `libs`.
    fn cuda_unregistered(
        version: &str,
        message: &str,
        missing: &[&str],
        libs: Vec<LibraryFacts>,
    ) -> Facts {
        let probe = failed(Provider::Cuda, "provider_register_failed", message, missing);
        facts_with(vec![gpu_install(version, probe)], libs)
    }

    const CUBLAS12_ERR: &str = "Failed to load library /venv/onnxruntime/capi/libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory";

    #[test]
    fn extracts_the_soname_from_a_loader_error() {
        assert_eq!(
            soname_in_error(CUBLAS12_ERR).as_deref(),
            Some("libcublasLt.so.12")
        );
        assert_eq!(soname_in_error("CUDA failure 35: whatever"), None);
    }

    #[test]
    fn classifies_missing_sonames() {
        assert_eq!(classify_missing("libcublasLt.so.12"), Missing::Cuda(12));
        assert_eq!(classify_missing("libcudart.so.13"), Missing::Cuda(13));
        assert_eq!(classify_missing("libcudnn.so.9"), Missing::Cudnn(9));
        assert_eq!(classify_missing("libnvinfer.so.10"), Missing::Tensorrt(10));
        assert_eq!(classify_missing("libcuda.so.1"), Missing::Libcuda);
        assert_eq!(classify_missing("libcurand.so.10"), Missing::Other);
    }

    #[test]
    fn cuda12_build_with_only_cuda13_present() {
        let facts = cuda_unregistered(
            "1.24.1",
            CUBLAS12_ERR,
            &["libcublasLt.so.12", "libcublas.so.12", "libcudart.so.12"],
            vec![lib(
                Component::CublasLt,
                "libcublasLt.so.13",
                "/usr/local/cuda-13.0/lib64/libcublasLt.so.13",
            )],
        );
        let checks = judge(&facts, &Tables::embedded());
        let c = find(&checks, "ort.provider.cuda");
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("CUDA 12 build"), "{}", c.summary);
        assert!(c.summary.contains("only CUDA 13"), "{}", c.summary);
        let fix = c.fix.as_deref().unwrap();
        assert!(
            fix.contains("nvidia-cublas-cu12") && fix.contains(">= 1.27"),
            "{fix}"
        );
        assert!(c
            .evidence
            .iter()
            .any(|e| e
                .contains("the whole list: libcublasLt.so.12, libcublas.so.12, libcudart.so.12")));
    }

    #[test]
    fn tensorrt_10_missing() {
        let probe = failed(
            Provider::Tensorrt,
            "provider_register_failed",
            "Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory",
            &["libnvinfer.so.10", "libnvonnxparser.so.10"],
        );
        let mut facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
        // Not asked for: the optional SDK's absence is a WARN, with the same fix.
        let c = find(&judge(&facts, &Tables::embedded()), "ort.provider.tensorrt").clone();
        assert_eq!(c.status, Status::Warn);
        assert!(c
            .summary
            .contains("not usable here: TensorRT 10 not installed"));
        assert!(c.fix.as_deref().unwrap().contains("tensorrt-cu13"));
        // Asked for with --providers tensorrt: a FAIL.
        facts.ort.requested_providers = vec![Provider::Tensorrt];
        let checks = judge(&facts, &Tables::embedded());
        let c = find(&checks, "ort.provider.tensorrt");
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("TensorRT 10 is not installed"),
            "{}",
            c.summary
        );
        assert!(c.fix.as_deref().unwrap().contains("tensorrt-cu13"));
        assert!(!c.sources.is_empty());
    }

    #[test]
    fn cudnn_major_mismatch() {
        let err = "… with error: libcudnn.so.9: cannot open shared object file: No such file or directory";
        let facts = cuda_unregistered(
            "1.20.0",
            err,
            &[],
            vec![lib(
                Component::Cudnn,
                "libcudnn.so.8",
                "/usr/lib/x86_64-linux-gnu/libcudnn.so.8",
            )],
        );
        let c = judged(&facts, "ort.provider.cuda");
        assert!(c.summary.contains("cuDNN major mismatch"), "{}", c.summary);
        assert!(
            c.summary.contains("needs cuDNN 9, found cuDNN 8"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn a_library_only_in_a_wheel_is_named_with_its_directory() {
        let facts = cuda_unregistered(
            "1.24.1",
            CUBLAS12_ERR,
            &[],
            vec![lib(
                Component::CublasLt,
                "libcublasLt.so.12",
                "/venv/nvidia/cublas/lib/libcublasLt.so.12",
            )],
        );
        let c = judged(&facts, "ort.provider.cuda");
        assert!(
            c.summary.contains("not on the loader's search path"),
            "{}",
            c.summary
        );
        assert!(c.fix.unwrap().contains("/venv/nvidia/cublas/lib"));
    }

    #[test]
    fn driver_too_old_at_commit() {
        let probe = failed(
            Provider::Cuda,
            "session_failed",
            "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=0",
            &[],
        );
        let mut facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
        facts.driver.nvml.cuda_driver_version = DottedVersion::parse("12.4").ok();
        let c = judged(&facts, "ort.provider.cuda");
        assert!(c.summary.contains("driver is too old"), "{}", c.summary);
        assert!(
            c.summary.contains("CUDA 13") && c.summary.contains("12.4"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn not_built_is_skip_without_a_gpu_and_warn_with_one() {
        let mut probe = ProviderProbe::new(Provider::Cuda, false);
        probe.error = Some(ProbeError::new(
            Code::ProviderNotBuilt,
            "not built into this ORT: CUDA execution provider is not enabled in this build.",
        ));
        let mut install = gpu_install("1.31.1", probe);
        install.compiled_in = vec![
            "AzureExecutionProvider".into(),
            "CPUExecutionProvider".into(),
        ];
        let mut facts = facts_with(vec![install], Vec::new());
        let c = judged(&facts, "ort.provider.cuda");
        assert_eq!(c.status, Status::Skip);
        assert!(
            c.summary.contains("not built into this ORT"),
            "{}",
            c.summary
        );
        facts.driver.nvml.device_count = Some(1);
        let c = judged(&facts, "ort.provider.cuda");
        assert_eq!(c.status, Status::Warn);
        let checks = judge(&facts, &Tables::embedded());
        assert!(
            checks.iter().all(|c| c.id != "ort.compat"),
            "a CPU-only ORT has no CUDA needs to check"
        );
    }

    #[test]
    fn a_timeout_is_a_fail_row_with_the_seconds() {
        let probe = failed(Provider::Cpu, "timed_out", "timed out after 2 s", &[]);
        let facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
        let c = judged(&facts, "ort.provider.cpu");
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("timed out after 2 s"), "{}", c.summary);
    }

    #[test]
    fn output_beyond_tolerance_fails() {
        let mut probe = ProviderProbe::new(Provider::Cuda, true);
        probe.session_ok = true;
        probe.registered = Some(true);
        probe.max_abs_diff = Some(0.02);
        probe.tolerance = Some(1e-3);
        let facts = facts_with(vec![gpu_install("1.31.1", probe.clone())], Vec::new());
        assert_eq!(judged(&facts, "ort.provider.cuda").status, Status::Fail);
        probe.max_abs_diff = Some(1e-4);
        let facts = facts_with(vec![gpu_install("1.31.1", probe)], Vec::new());
        assert_eq!(judged(&facts, "ort.provider.cuda").status, Status::Pass);
    }

    #[test]
    fn two_wheels_in_one_environment_fail_and_two_installs_warn() {
        let mut a = gpu_install("1.31.1", ProviderProbe::new(Provider::Cpu, true));
        a.python_packages = vec!["onnxruntime 1.31.1".into(), "onnxruntime-gpu 1.31.1".into()];
        let facts = facts_with(vec![a.clone()], Vec::new());
        assert_eq!(judged(&facts, "ort.installs").status, Status::Fail);
        a.python_packages.clear();
        let mut b = a.clone();
        b.compiled_in = vec!["CPUExecutionProvider".into()];
        let facts = facts_with(vec![a, b], Vec::new());
        let checks = judge(&facts, &Tables::embedded());
        let c = find(&checks, "ort.installs");
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.summary.contains("CPU-only build can shadow"),
            "{}",
            c.summary
        );
        find(&checks, "ort.runtime.install2");
    }

    #[test]
    fn compat_names_the_missing_cuda_major() {
        let facts = cuda_unregistered(
            "1.31.1",
            CUBLAS12_ERR,
            &[],
            vec![lib(
                Component::CublasLt,
                "libcublasLt.so.12",
                "/usr/lib/libcublasLt.so.12",
            )],
        );
        let c = judged(&facts, "ort.compat");
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.summary.contains("CUDA 13 libraries (found: 12)"),
            "{}",
            c.summary
        );
        assert!(c.sources.iter().any(|s| s.contains("29032")));
    }

    #[test]
    fn nothing_found_warns_and_a_missing_reference_fails() {
        let mut facts = Facts::default();
        facts.ort.problem = Some(ProbeError::new(
            Code::NotFound,
            "no ONNX Runtime library found",
        ));
        let checks = judge(&facts, &Tables::embedded());
        assert_eq!(find(&checks, "ort.runtime").status, Status::Warn);
        facts.ort.problem = Some(ProbeError::new(Code::ReferenceMissing, "not fetched"));
        assert_eq!(judged(&facts, "ort.reference").status, Status::Fail);
    }
}
