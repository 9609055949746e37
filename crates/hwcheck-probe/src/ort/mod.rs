//! ONNX Runtime: every install, and a real session per execution provider in isolated children.
//!
//! For each ORT library found ([`discover`]): one child per provider ([`child`]), CPU first,
//! each loading the library, registering only that provider with failure as an error, running
//! the built-in probe model and timing it. The parent compares every provider's output with
//! the CPU's ([`TOLERANCE`]) and lists every missing dependency of each provider library
//! ([`deps`]), since the loader's error names only the first.

pub mod child;
pub mod deps;
pub mod discover;
pub mod ffi;
pub mod providers;
pub mod session;
#[cfg(feature = "test-hooks")]
pub mod stand_in;

use crate::context::SystemContext;
use crate::isolate::{staged, ChildFailure, ChildProbe};
use child::{ChildArg, ChildReply, SessionRun};
use discover::Found;
use hwcheck_model::facts::ort::{OrtFacts, OrtInstall, Provider, ProviderProbe};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Name of this module's child probe kind (`hwcheck __probe ort …`).
pub const CHILD_KIND: &str = "ort";

/// Largest absolute difference from the CPU output accepted (outputs are sigmoids in [0, 1];
/// TF32 convolutions on NVIDIA GPUs stay below 2e-4 here).
pub const TOLERANCE: f32 = 1e-3;
/// Timed inferences after the first one.
const STEADY_RUNS: u32 = 5;
/// TensorRT builds an engine while creating the session: it gets at least this long.
const TENSORRT_MIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Libraries ORT itself has loaded before it loads a provider library.
const PRELOADED: [&str; 2] = ["libonnxruntime_providers_shared.so", "libonnxruntime.so.1"];

/// Work run in a provider's own child right after its session opened (the detector): it shares
/// that child's loaded runtime and device context instead of paying for its own.
pub trait Sequel<R>: Sync {
    /// The child kind registered to run the probe then this work ([`child::staged`]).
    fn kind(&self) -> &'static str;
    /// How long the work may take once the session opened.
    fn timeout(&self) -> Duration;
    /// The work's argument for `provider` of `install` (as known so far: path, real path).
    fn job(&self, install: &OrtInstall, provider: Provider) -> serde_json::Value;
    /// Its result from the child's second answer, or why there is none.
    fn finish(
        &self,
        install: &OrtInstall,
        provider: Provider,
        answer: Result<serde_json::Value, ProbeError>,
    ) -> R;
}

/// Finds ONNX Runtime installs and probes each provider.
pub fn probe(ctx: &SystemContext) -> OrtFacts {
    probe_inner::<()>(ctx, None).0
}

/// [`probe`], with `then` run in each provider's child once its session opened; its results
/// come back in probe order (installs as found, the CPU first in each).
pub fn probe_then<R: Send>(ctx: &SystemContext, then: &dyn Sequel<R>) -> (OrtFacts, Vec<R>) {
    probe_inner(ctx, Some(then))
}

fn probe_inner<R: Send>(ctx: &SystemContext, then: Option<&dyn Sequel<R>>) -> (OrtFacts, Vec<R>) {
    let (found, missing_reference) = discover::discover(ctx);
    let search = crate::libs::loader::Loader::from_ctx(ctx);
    let (installs, after): (Vec<OrtInstall>, Vec<Vec<R>>) = std::thread::scope(|s| {
        let handles: Vec<_> = found
            .into_iter()
            .map(|f| {
                let search = &search;
                s.spawn(move || probe_install(ctx, search, f, then))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).unzip()
    });
    let problem = match (&missing_reference, installs.is_empty()) {
        (Some(why), _) => Some(ProbeError::new(Code::ReferenceMissing, why.clone())),
        (None, true) => Some(ProbeError::new(
            Code::NotFound,
            "no ONNX Runtime library found (--ort, ORT_DYLIB_PATH, Python environments, system library directories, hwcheck's reference runtime)",
        )),
        (None, false) => None,
    };
    let facts = OrtFacts {
        installs,
        probe_model: Some(
            "built-in probe model (Conv-Relu-Conv-Sigmoid, float32 1x3x16x16)".to_string(),
        ),
        tolerance: Some(TOLERANCE),
        problem,
        requested_providers: ctx.options.providers.clone(),
    };
    (facts, after.into_iter().flatten().collect())
}

/// Whether a provider child's answer is an opened session.
fn session_opened(reply: &Result<ChildReply, ChildFailure>) -> bool {
    matches!(reply, Ok(r) if matches!(r.session, Some(Ok(_))))
}

/// Child side of the `ort` probe (one provider of one ORT library): see [`child::child`].
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    child::child(arg)
}

/// Probes one install: dependency trees, then every provider at once in its own child (the
/// CPU, the NVIDIA ones, then the others the CPU child found compiled in), each running `then`
/// after its session opened. A CPU child that crashes or hangs stops the others: they load the
/// same library the same way (a hang would cost each its timeout, TensorRT's at least 30 s).
fn probe_install<R: Send>(
    ctx: &SystemContext,
    search: &crate::libs::loader::Loader,
    found: Found,
    then: Option<&dyn Sequel<R>>,
) -> (OrtInstall, Vec<R>) {
    let Found {
        mut install,
        host_path,
    } = found;
    let lib_dir = host_path.parent().map(std::path::Path::to_path_buf);
    for plib in &mut install.provider_libraries {
        let Some(dir) = &lib_dir else { continue };
        match deps::missing_dependencies(search, &dir.join(&plib.name), &PRELOADED) {
            Ok(d) => {
                plib.needed = d.needed;
                plib.missing = d.missing;
            }
            Err(e) => plib.problem = Some(e),
        }
    }
    let cpu_failed = AtomicBool::new(false);
    let known = &install;
    let run = |provider: Provider| {
        let arg = ChildArg {
            lib: host_path.clone(),
            provider,
            model: None,
            runs: STEADY_RUNS,
        };
        let stop = || provider != Provider::Cpu && cpu_failed.load(Ordering::Relaxed);
        let (reply, after) = run_provider(ctx, known, arg, then, &stop);
        if provider == Provider::Cpu && reply.is_err() {
            cpu_failed.store(true, Ordering::Relaxed);
        }
        (reply, after)
    };
    let wanted =
        |p: &Provider| ctx.options.providers.is_empty() || ctx.options.providers.contains(p);
    let nvidia: Vec<Provider> = Provider::ALL
        .into_iter()
        .filter(|p| p.is_nvidia() && wanted(p))
        .collect();
    let (cpu, replies) = std::thread::scope(|s| {
        let run = &run;
        let handles: Vec<_> = nvidia.iter().map(|p| s.spawn(move || run(*p))).collect();
        let cpu = run(Provider::Cpu);
        let compiled_in = match &cpu.0 {
            Ok(r) => r.compiled_in.clone(),
            Err(_) => Vec::new(),
        };
        let more: Vec<_> = Provider::ALL
            .into_iter()
            .filter(|p| *p != Provider::Cpu && !p.is_nvidia() && wanted(p))
            .filter(|p| compiled_in.iter().any(|c| c == p.ort_name()))
            .map(|p| (p, s.spawn(move || run(p))))
            .collect();
        let joined = nvidia
            .iter()
            .copied()
            .zip(handles)
            .chain(more)
            .map(|(p, h)| (p, h.join().unwrap_or_else(|_| panicked())))
            .collect::<Vec<_>>();
        (cpu, joined)
    });
    let (cpu, cpu_after) = cpu;
    merge_runtime(&mut install, &cpu);
    if let (Err(failure), None) = (&cpu, &install.load_error) {
        install.load_error = Some(failure.to_probe_error());
    }
    if install.load_error.is_some() {
        return (install, Vec::new());
    }
    let cpu_output = cpu
        .as_ref()
        .ok()
        .and_then(|r| r.session.as_ref())
        .and_then(|s| s.as_ref().ok())
        .map(|s| s.output.clone());
    let mut probes = vec![provider_probe(&install, Provider::Cpu, &cpu, None)];
    let mut after: Vec<R> = cpu_after.into_iter().collect();
    for (p, (reply, then_result)) in replies {
        merge_runtime(&mut install, &reply);
        probes.push(provider_probe(&install, p, &reply, cpu_output.as_deref()));
        after.extend(then_result);
    }
    install.providers = probes;
    (install, after)
}

/// A provider thread that panicked, as a child answer.
fn panicked<R>() -> (Result<ChildReply, ChildFailure>, Option<R>) {
    let panicked = "probe thread panicked".to_string();
    (Err(ChildFailure::BadOutput(panicked)), None)
}

/// Runs one provider's child: the probe alone, or the probe then `then` (staged) when given;
/// `then`'s result only when the session opened.
fn run_provider<R>(
    ctx: &SystemContext,
    known: &OrtInstall,
    arg: ChildArg,
    then: Option<&dyn Sequel<R>>,
    stop: &dyn Fn() -> bool,
) -> (Result<ChildReply, ChildFailure>, Option<R>) {
    let provider = arg.provider;
    let limit = timeout(ctx, provider);
    let Some(sequel) = then else {
        return (
            ChildProbe::new(CHILD_KIND, &arg, limit).run_until(stop),
            None,
        );
    };
    let staged = child::StagedArg {
        then: sequel.job(known, provider),
        probe: arg,
    };
    let probe = ChildProbe::new(sequel.kind(), &staged, limit);
    let (first, second) =
        staged::run::<ChildReply, serde_json::Value>(&probe, sequel.timeout(), stop);
    if let Err(crash @ ChildFailure::Crashed { .. }) = &first {
        // The sequel runs beside the probe and may have taken the process down before the
        // probe answered: the probe alone says whether the session itself works.
        let alone = ChildProbe::new(CHILD_KIND, &staged.probe, limit).run_until(stop);
        let after = session_opened(&alone)
            .then(|| sequel.finish(known, provider, Err(crash.to_probe_error())));
        return (alone, after);
    }
    let after = session_opened(&first)
        .then(|| sequel.finish(known, provider, second.map_err(|f| f.to_probe_error())));
    (first, after)
}

/// The child timeout of a session on `provider` (TensorRT builds an engine: at least 30 s).
fn timeout(ctx: &SystemContext, provider: Provider) -> Duration {
    match provider {
        Provider::Tensorrt => ctx.timeout.max(TENSORRT_MIN_TIMEOUT),
        _ => ctx.timeout,
    }
}

/// Opens and runs a session on `provider` of the ORT library at `lib` (a host path) in a child
/// whose environment has `child_env` applied, with the same timeout as the probe: `Ok` when
/// it ran, else why not (what a remedy is verified with).
pub fn session_in(
    ctx: &SystemContext,
    lib: &std::path::Path,
    provider: Provider,
    child_env: &[(String, Option<String>)],
) -> Result<(), ProbeError> {
    let arg = ChildArg {
        lib: lib.to_path_buf(),
        provider,
        model: None,
        runs: 1,
    };
    let reply = ChildProbe::new(CHILD_KIND, &arg, timeout(ctx, provider))
        .envs(child_env)
        .run::<ChildReply>()
        .map_err(|f| f.to_probe_error())?;
    match (reply.session, reply.load_error) {
        (Some(session), _) => session.map(|_| ()),
        (None, Some(e)) => Err(e),
        (None, None) => Err(ProbeError::new(Code::BadOutput, "the child ran no session")),
    }
}

/// Takes the version and compiled-in list from the first child that learned them; a load
/// error only when the library itself failed.
fn merge_runtime(
    install: &mut OrtInstall,
    reply: &Result<ChildReply, crate::isolate::ChildFailure>,
) {
    let Ok(reply) = reply else { return };
    if install.version.is_none() {
        install.version = reply.version.clone();
    }
    if install.compiled_in.is_empty() {
        install.compiled_in = reply.compiled_in.clone();
    }
    if install.load_error.is_none() && reply.session.is_none() {
        install.load_error = reply.load_error.clone();
    }
}

/// Turns one child's answer into the provider's facts.
fn provider_probe(
    install: &OrtInstall,
    provider: Provider,
    reply: &Result<ChildReply, crate::isolate::ChildFailure>,
    cpu_output: Option<&[f32]>,
) -> ProviderProbe {
    let compiled_in =
        install.compiled_in.iter().any(|c| c == provider.ort_name()) || provider == Provider::Cpu;
    let mut probe = ProviderProbe::new(provider, compiled_in);
    let outcome = match reply {
        Err(failure) => Err(failure.to_probe_error()),
        Ok(r) => match (&r.session, &r.load_error) {
            (Some(s), _) => s.clone(),
            (None, Some(e)) => Err(e.clone()),
            (None, None) => Err(ProbeError::new(Code::BadOutput, "the child ran no session")),
        },
    };
    match outcome {
        Ok(run) => fill_run(&mut probe, &run, cpu_output),
        Err(e) => {
            probe.registered = match e.code {
                Code::ProviderNotBuilt | Code::ProviderRegisterFailed => Some(false),
                _ => None,
            };
            if e.code != Code::ProviderNotBuilt {
                probe.missing_libraries = provider
                    .library_name()
                    .and_then(|name| install.provider_libraries.iter().find(|l| l.name == name))
                    .map(|l| l.missing.clone())
                    .unwrap_or_default();
            }
            probe.error = Some(e);
        }
    }
    probe
}

fn fill_run(probe: &mut ProviderProbe, run: &SessionRun, cpu_output: Option<&[f32]>) {
    probe.registered = Some(true);
    probe.session_ok = true;
    probe.session_ms = Some(run.session_ms);
    probe.first_run_ms = Some(run.first_run_ms);
    probe.steady_ms = Some(run.steady_ms);
    probe.steady_runs = run.steady_runs;
    if probe.provider != Provider::Cpu {
        probe.max_abs_diff = cpu_output.and_then(|cpu| max_abs_diff(cpu, &run.output));
        probe.tolerance = Some(TOLERANCE);
    }
}

/// Largest absolute element difference; `None` when the lengths differ or are zero. A NaN
/// anywhere counts as an infinite difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .map(|(x, y)| {
                let d = (x - y).abs();
                if d.is_nan() {
                    f32::INFINITY
                } else {
                    d
                }
            })
            .fold(0.0, f32::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolate::ChildFailure;

    #[test]
    fn differences_are_measured_and_nan_is_never_within_tolerance() {
        assert_eq!(max_abs_diff(&[0.5, 0.25], &[0.5, 0.5]), Some(0.25));
        assert_eq!(max_abs_diff(&[0.5], &[f32::NAN]), Some(f32::INFINITY));
        assert_eq!(max_abs_diff(&[0.5], &[0.5, 0.5]), None);
        assert_eq!(max_abs_diff(&[], &[]), None);
    }

    #[test]
    fn a_timed_out_child_becomes_the_providers_error() {
        let install = OrtInstall::default();
        let reply = Err(ChildFailure::TimedOut { millis: 2000 });
        let p = provider_probe(&install, Provider::Cpu, &reply, None);
        let err = p.error.unwrap();
        assert_eq!(err.code, "timed_out");
        assert_eq!(err.message, "timed out after 2 s");
        assert!(!p.session_ok);
    }

    #[test]
    fn a_registration_failure_carries_the_missing_libraries() {
        let install = OrtInstall {
            compiled_in: vec![
                "CUDAExecutionProvider".into(),
                "CPUExecutionProvider".into(),
            ],
            provider_libraries: vec![hwcheck_model::facts::ort::ProviderLibrary {
                name: "libonnxruntime_providers_cuda.so".into(),
                missing: vec!["libcublasLt.so.13".into(), "libcudart.so.13".into()],
                ..Default::default()
            }],
            ..OrtInstall::default()
        };
        let reply = Ok(ChildReply {
            version: Some("1.31.1".into()),
            session: Some(Err(ProbeError::new(
                Code::ProviderRegisterFailed,
                "libcublasLt.so.13: cannot open shared object file",
            ))),
            ..ChildReply::default()
        });
        let p = provider_probe(&install, Provider::Cuda, &reply, Some(&[0.5]));
        assert!(p.compiled_in);
        assert_eq!(p.registered, Some(false));
        assert_eq!(
            p.missing_libraries,
            vec!["libcublasLt.so.13", "libcudart.so.13"]
        );
    }

    #[test]
    fn a_provider_run_is_compared_with_the_cpu() {
        let reply = Ok(ChildReply {
            session: Some(Ok(SessionRun {
                output: vec![0.5, 0.7],
                ..SessionRun::default()
            })),
            ..ChildReply::default()
        });
        let p = provider_probe(
            &OrtInstall::default(),
            Provider::Cuda,
            &reply,
            Some(&[0.5, 0.6]),
        );
        assert!(p.session_ok);
        let diff = p.max_abs_diff.unwrap();
        assert!((diff - 0.1).abs() < 1e-6, "{diff}");
        assert_eq!(p.tolerance, Some(TOLERANCE));
    }
}
