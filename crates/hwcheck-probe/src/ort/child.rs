//! The `ort` child probe: in its own process, load one ORT library, report its version and
//! compiled-in providers, open a session on one provider, run it and time it.

use super::ffi;
use super::providers::Provider;
use super::session::{self, SessionConfig};
#[cfg(feature = "test-hooks")]
use hwcheck_model::env_vars;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use ort::session::Session;
use ort::value::Tensor;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// hwcheck's built-in probe model (made by tools/make_probe_model.py): x[1,3,16,16] ->
/// Conv 3x3 -> Relu -> Conv 1x1 -> Sigmoid -> y[1,4,16,16]; every op runs on every provider.
pub const PROBE_MODEL: &[u8] = include_bytes!("../../../../tests/fixtures/models/probe.onnx");

/// Shape of the probe model's input `x`.
pub const PROBE_INPUT_SHAPE: [usize; 4] = [1, 3, 16, 16];

/// What the parent asks one child to do.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildArg {
    /// The ORT library to load (host path).
    pub lib: PathBuf,
    /// The provider to open a session on.
    pub provider: Provider,
    /// A model file to run instead of the built-in [`PROBE_MODEL`] (which it must resemble:
    /// one float input of [`PROBE_INPUT_SHAPE`]).
    pub model: Option<PathBuf>,
    /// Timed inferences after the first.
    pub runs: u32,
}

/// What one child learned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChildReply {
    /// `GetVersionString`.
    pub version: Option<String>,
    /// Why the library could not be loaded.
    pub load_error: Option<ProbeError>,
    /// `GetAvailableProviders`.
    pub compiled_in: Vec<String>,
    /// The session on the asked provider: timings and output, or why it failed; `None` when
    /// the library did not load.
    pub session: Option<Result<SessionRun, ProbeError>>,
}

/// A session that was created and ran.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SessionRun {
    /// Session creation, ms.
    pub session_ms: f64,
    /// First inference, ms.
    pub first_run_ms: f64,
    /// Median of the timed inferences after the first, ms.
    pub steady_ms: f64,
    /// How many inferences `steady_ms` is the median of.
    pub steady_runs: u32,
    /// The output tensor, flattened.
    pub output: Vec<f32>,
}

/// A probe with work to do in the same process once its session opened (the detector): it
/// reuses the loaded runtime and the device context instead of starting its own.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StagedArg {
    /// The session probe (first stage).
    pub probe: ChildArg,
    /// The second stage's argument, for the sequel function the child kind was registered with.
    pub then: serde_json::Value,
}

/// The second stage of a staged child: its argument in, its answer out.
pub type SequelFn = fn(&serde_json::Value) -> Result<serde_json::Value, ProbeError>;

/// Entry point of a staged `ort` child (`hwcheck __probe <kind> <StagedArg json>`): the probe
/// and `sequel` start together on two threads (the sequel's session is built while the probe's
/// runs); the probe's answer is printed as soon as it is known, the sequel's once the probe's
/// session opened (else it is discarded).
pub fn staged(arg: &str, sequel: SequelFn) -> Result<serde_json::Value, ProbeError> {
    let arg: StagedArg = crate::isolate::parse_arg(arg)?;
    #[cfg(feature = "test-hooks")]
    hang_if_asked(arg.probe.provider);
    // Both load the same library; loading it first keeps the two threads from racing to.
    let _ = session::load_runtime(&arg.probe.lib);
    std::thread::scope(|s| {
        let then = s.spawn(|| sequel(&arg.then));
        let reply = probe_one(&arg.probe);
        let opened = matches!(reply.session, Some(Ok(_)));
        crate::isolate::staged::report_first(&crate::isolate::to_reply(Ok(reply)));
        let answer = then
            .join()
            .unwrap_or_else(|_| Err(ProbeError::new(Code::BadOutput, "the sequel panicked")));
        if opened {
            answer
        } else {
            Err(ProbeError::new(
                Code::SessionFailed,
                "not run: the provider's session did not open",
            ))
        }
    })
}

/// Entry point of `hwcheck __probe ort <ChildArg json>`.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let arg: ChildArg = crate::isolate::parse_arg(arg)?;
    #[cfg(feature = "test-hooks")]
    hang_if_asked(arg.provider);
    crate::isolate::to_reply(Ok(probe_one(&arg)))
}

/// Test hook, compiled only with the `test-hooks` feature (never in a release build): when the
/// child's environment has [`env_vars::HWCHECK_TEST_HANG_PROBE`] `=ort` (every provider) or
/// `ort:<short name>` (e.g. `ort:cpu`), the child sleeps instead of probing, so tests can prove
/// the parent's timeout path.
#[cfg(feature = "test-hooks")]
fn hang_if_asked(provider: Provider) {
    let Ok(value) = std::env::var(env_vars::HWCHECK_TEST_HANG_PROBE) else {
        return;
    };
    let wanted = match value.split_once(':') {
        Some(("ort", name)) => name == provider.short_name(),
        _ => value == "ort",
    };
    if wanted {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

fn probe_one(arg: &ChildArg) -> ChildReply {
    let mut reply = ChildReply::default();
    match ffi::version_string(&arg.lib) {
        Ok(v) => reply.version = Some(v),
        Err(e) => {
            reply.load_error = Some(e);
            return reply;
        }
    }
    if let Err(e) = session::load_runtime(&arg.lib) {
        reply.load_error = Some(e);
        return reply;
    }
    match session::available_providers() {
        Ok(list) => reply.compiled_in = list,
        Err(e) => {
            reply.load_error = Some(e);
            return reply;
        }
    }
    #[cfg(feature = "test-hooks")]
    if let Some(p) = super::stand_in::provider() {
        reply.compiled_in.push(p.ort_name().to_string());
    }
    reply.session = Some(run_session(arg));
    reply
}

fn run_session(arg: &ChildArg) -> Result<SessionRun, ProbeError> {
    #[cfg(feature = "test-hooks")]
    if super::stand_in::provider() == Some(arg.provider) {
        super::stand_in::register(&arg.lib, arg.provider)?;
        let on_cpu = ChildArg {
            provider: Provider::Cpu,
            ..arg.clone()
        };
        return run_session(&on_cpu);
    }
    let config = SessionConfig::default();
    let (mut session, created) = match &arg.model {
        Some(model) => session::open_session_with(arg.provider, model, config)?,
        None => session::open_session_from_bytes(arg.provider, PROBE_MODEL, config)?,
    };
    let input = probe_input();
    let started = Instant::now();
    let output = infer(&mut session, &input)?;
    let first = started.elapsed();
    let mut times = Vec::new();
    for _ in 0..arg.runs {
        let t = Instant::now();
        infer(&mut session, &input)?;
        times.push(ms(t.elapsed()));
    }
    Ok(SessionRun {
        session_ms: ms(created),
        first_run_ms: ms(first),
        steady_ms: median(&mut times).unwrap_or(ms(first)),
        steady_runs: u32::try_from(times.len()).unwrap_or(u32::MAX),
        output,
    })
}

/// The probe input: a fixed pattern in [-1, 1], the same in every child.
pub fn probe_input() -> Vec<f32> {
    let n: usize = PROBE_INPUT_SHAPE.iter().product();
    (0..n).map(|i| (i as f32 * 0.37).sin()).collect()
}

fn infer(session: &mut Session, input: &[f32]) -> Result<Vec<f32>, ProbeError> {
    let run_err = |e: String| ProbeError::new(Code::RunFailed, e);
    let tensor = Tensor::from_array((PROBE_INPUT_SHAPE, input.to_vec()))
        .map_err(|e| run_err(e.to_string()))?;
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| run_err(e.to_string()))?;
    let value = outputs
        .values()
        .next()
        .ok_or_else(|| run_err("the probe model returned no output".to_string()))?;
    let (_, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| run_err(e.to_string()))?;
    Ok(data.to_vec())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median of `values` (sorted in place); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn probe_input_is_bounded_and_not_constant() {
        let x = probe_input();
        assert_eq!(x.len(), 768);
        assert!(x.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(x.iter().any(|v| *v > 0.5) && x.iter().any(|v| *v < -0.5));
    }

    #[test]
    fn a_bad_argument_is_reported_not_panicked() {
        let err = child("{not json").unwrap_err();
        assert_eq!(err.code, "bad_argument");
    }
}
