//! Child-process side of ONNX Runtime probing: load one ORT library, open a session on exactly
//! one execution provider, with no silent fallback.
//!
//! One ORT library and one `ort` environment per process: call [`load_runtime`] once, early,
//! in a `hwcheck __probe …` child; then [`open_session`] as often as needed. A provider that
//! cannot be registered is an error ([`ort::ep::ExecutionProviderDispatch::error_on_failure`]),
//! never a quiet CPU session.

use super::providers::{dispatch, Provider};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use ort::environment::Environment;
use ort::session::builder::SessionBuilder;
use ort::session::Session;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The one environment of this process (ort refuses a second).
static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();

/// How [`open_session_with`] builds a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionConfig {
    /// Intra-op threads; `None` = ORT's default.
    pub threads: Option<usize>,
    /// Let ORT place nodes the provider cannot run on the CPU. Off by default: a session then
    /// fails to commit unless every node runs on the chosen provider (ORT's
    /// `session.disable_cpu_ep_fallback`). Real detection models may need it on, since ORT
    /// keeps shape computations on the CPU by design.
    pub allow_cpu_nodes: bool,
}

/// Loads the ORT library at `lib` (canonicalized first) and creates this process's environment.
/// Idempotent for the same process: a second call is a no-op once an environment exists.
pub fn load_runtime(lib: &Path) -> Result<(), ProbeError> {
    if ENVIRONMENT.get().is_some() {
        return Ok(());
    }
    let lib = lib.canonicalize().map_err(|e| {
        ProbeError::new(
            Code::OrtLoadFailed,
            format!("cannot resolve {}: {e}", lib.display()),
        )
    })?;
    let builder =
        ort::init_from(&lib).map_err(|e| ProbeError::new(Code::OrtLoadFailed, e.to_string()))?;
    let env = builder
        .with_name("hwcheck")
        .with_telemetry(false)
        .build()
        .map_err(|e| ProbeError::new(Code::OrtLoadFailed, e.to_string()))?;
    // A concurrent caller may have won the race; either environment is the process's one.
    let _ = ENVIRONMENT.set(env);
    Ok(())
}

/// True once [`load_runtime`] has succeeded in this process.
fn is_loaded() -> bool {
    ENVIRONMENT.get().is_some()
}

/// The providers this ORT was compiled with (not: usable), as ORT names them
/// ("CUDAExecutionProvider"). Requires [`load_runtime`] first.
pub fn available_providers() -> Result<Vec<String>, ProbeError> {
    if !is_loaded() {
        return Err(ProbeError::new(
            Code::OrtNotLoaded,
            "no ONNX Runtime loaded in this process",
        ));
    }
    super::ffi::provider_list()
}

/// [`open_session`] with every option.
pub fn open_session_with(
    provider: Provider,
    model: &Path,
    config: SessionConfig,
) -> Result<(Session, Duration), ProbeError> {
    let started = Instant::now();
    let session = builder(provider, config)?
        .commit_from_file(model)
        .map_err(|e| ProbeError::new(Code::SessionFailed, e.to_string()))?;
    Ok((session, started.elapsed()))
}

/// [`open_session_with`] for a model held in memory (hwcheck's built-in probe model).
pub fn open_session_from_bytes(
    provider: Provider,
    model: &[u8],
    config: SessionConfig,
) -> Result<(Session, Duration), ProbeError> {
    let started = Instant::now();
    let session = builder(provider, config)?
        .commit_from_memory(model)
        .map_err(|e| ProbeError::new(Code::SessionFailed, e.to_string()))?;
    Ok((session, started.elapsed()))
}

/// A session builder with only `provider` registered, failing on registration errors.
fn builder(provider: Provider, config: SessionConfig) -> Result<SessionBuilder, ProbeError> {
    let env = ENVIRONMENT.get().ok_or_else(|| {
        ProbeError::new(Code::OrtNotLoaded, "no ONNX Runtime loaded in this process")
    })?;
    let session_err =
        |e: ort::Error<SessionBuilder>| ProbeError::new(Code::SessionFailed, e.to_string());
    let mut builder = Session::builder(env)
        .map_err(|e| ProbeError::new(Code::SessionFailed, e.to_string()))?
        .with_no_environment_execution_providers()
        .map_err(session_err)?;
    if let Some(n) = config.threads {
        builder = builder.with_intra_threads(n).map_err(session_err)?;
    }
    if let Some(ep) = dispatch(provider) {
        builder = builder
            .with_execution_providers([ep.error_on_failure()])
            .map_err(|e| register_error(provider, &e.to_string()))?;
        if !config.allow_cpu_nodes {
            builder = builder.with_disable_cpu_fallback().map_err(session_err)?;
        }
    }
    Ok(builder)
}

/// Classifies a registration failure: "not built" when ORT says so or does not list the
/// provider, else a registration failure with ORT's exact text.
fn register_error(provider: Provider, message: &str) -> ProbeError {
    let listed = available_providers()
        .map(|list| list.iter().any(|p| p == provider.ort_name()))
        .unwrap_or(true);
    if !listed || message.contains("not enabled in this build") {
        ProbeError::new(Code::ProviderNotBuilt, message)
    } else {
        ProbeError::new(Code::ProviderRegisterFailed, message.to_string())
    }
}
