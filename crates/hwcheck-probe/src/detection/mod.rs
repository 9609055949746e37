//! The person detector end to end: decode, pre-process, infer, decode boxes, NMS, golden check.
//!
//! Pure parts: [`preprocess`] (decode, resize, letterbox maths), [`layouts`] (output layouts and
//! box decoding), [`nms`] (IoU, NMS), [`golden`] (matching against known answers),
//! [`annotate`] (drawing boxes). ORT parts: [`infer`] and [`pipeline`], run only inside the
//! `detect` child ([`child`]) so that a crashing provider cannot take hwcheck down.

pub mod child;
pub mod infer;
pub mod pipeline;

use crate::context::SystemContext;
use crate::isolate::ChildProbe;
use hwcheck_detect::bundled;
use hwcheck_model::facts::detection::{DetectionFacts, ProviderRun};
use hwcheck_model::facts::ort::{OrtFacts, Provider};
use hwcheck_model::facts::ProbeError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Name of this module's child probe kind (`hwcheck __probe detect …`).
pub const CHILD_KIND: &str = "detect";

/// Least time a detection child gets: session creation on a GPU provider (CUDA context,
/// cuDNN and cuBLAS handles) takes seconds, far more than a plain probe.
pub const MIN_CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// One ORT library and provider to run the detector on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The library path.
    pub lib: PathBuf,
    /// Its version, when known.
    pub version: Option<String>,
    /// The provider.
    pub provider: Provider,
}

/// Every (library, provider) whose session opened in the ORT probe, in probe order; library
/// paths are mapped into `ctx`'s root.
pub fn targets(ctx: &SystemContext, ort: &OrtFacts) -> Vec<Target> {
    ort.installs
        .iter()
        .filter(|i| i.load_error.is_none())
        .flat_map(|i| {
            i.providers.iter().filter(|p| p.session_ok).map(|p| Target {
                lib: ctx.path(i.real_path.as_deref().unwrap_or(&i.path)),
                version: i.version.clone(),
                provider: p.provider,
            })
        })
        .collect()
}

/// Timeout of one detection child.
pub fn child_timeout(ctx: &SystemContext) -> Duration {
    (ctx.timeout * 6).max(MIN_CHILD_TIMEOUT)
}

/// Runs the bundled detector on every provider that opened a session.
pub fn probe(ctx: &SystemContext, ort: &OrtFacts) -> DetectionFacts {
    let golden = bundled::golden();
    let mut facts = DetectionFacts {
        model_sha256: golden.as_ref().ok().map(|g| g.model_sha256.clone()),
        score_threshold: Some(hwcheck_detect::golden::SCORE_THRESHOLD),
        ..DetectionFacts::default()
    };
    let targets = targets(ctx, ort);
    if targets.is_empty() {
        facts.not_run =
            Some("no ONNX Runtime provider opened a session (see the ONNX Runtime checks)".into());
        return facts;
    }
    let dir = PathBuf::from(ctx.var(hwcheck_model::env_vars::TMPDIR).unwrap_or("/tmp"));
    let model = match bundled::write_model(&dir) {
        Ok(path) => path,
        Err(e) => {
            facts.not_run = Some(format!(
                "cannot write the bundled model to {} for ONNX Runtime: {e}",
                dir.display()
            ));
            return facts;
        }
    };
    facts.runs = targets
        .iter()
        .map(|t| run_target(t, &model, &[], ctx.options.runs, None, child_timeout(ctx)))
        .collect();
    let _ = std::fs::remove_file(&model);
    facts
}

/// Runs one detection child and turns its reply (or failure) into a [`ProviderRun`].
pub fn run_target(
    target: &Target,
    model: &Path,
    images: &[PathBuf],
    runs: u32,
    threads: Option<usize>,
    timeout: Duration,
) -> ProviderRun {
    let job = child::Job {
        lib: target.lib.clone(),
        provider: target.provider,
        model: model.to_path_buf(),
        images: images.to_vec(),
        runs,
        threads,
        threshold: hwcheck_detect::golden::SCORE_THRESHOLD,
    };
    let mut run = ProviderRun {
        library: target.lib.display().to_string(),
        ort_version: target.version.clone(),
        provider: target.provider,
        input: None,
        layout: None,
        images: Vec::new(),
        timings: None,
        error: None,
    };
    match ChildProbe::new(CHILD_KIND, &job, timeout).run::<child::JobReply>() {
        Ok(reply) => {
            run.ort_version = reply.ort_version.or(run.ort_version);
            run.images = reply.images;
            run.timings = Some(reply.timings);
            run.input = Some(reply.input);
            run.layout = Some(reply.layout);
        }
        Err(failure) => run.error = Some(failure.to_probe_error()),
    }
    run
}

/// Child side of the `detect` probe (one provider): see [`child::child`].
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    child::child(arg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::facts::ort::{OrtInstall, ProviderProbe};
    use hwcheck_model::facts::Code;

    fn context() -> SystemContext {
        SystemContext::from_process(None, Duration::from_secs(5), false, Default::default())
    }

    #[test]
    fn targets_are_the_providers_that_opened_a_session() {
        let mut cpu = ProviderProbe::new(Provider::Cpu, true);
        cpu.session_ok = true;
        let cuda = ProviderProbe::new(Provider::Cuda, true);
        let ort = OrtFacts {
            installs: vec![
                OrtInstall {
                    path: "/a/libonnxruntime.so".into(),
                    real_path: Some("/a/libonnxruntime.so.1.31.1".into()),
                    providers: vec![cpu.clone(), cuda],
                    ..OrtInstall::default()
                },
                OrtInstall {
                    path: "/b/libonnxruntime.so".into(),
                    load_error: Some(ProbeError::new(Code::OrtLoadFailed, "bad")),
                    providers: vec![cpu],
                    ..OrtInstall::default()
                },
            ],
            ..OrtFacts::default()
        };
        let t = targets(&context(), &ort);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].lib, PathBuf::from("/a/libonnxruntime.so.1.31.1"));
        assert_eq!(t[0].provider, Provider::Cpu);
    }

    #[test]
    fn without_a_working_provider_detection_says_why() {
        let facts = probe(&context(), &OrtFacts::default());
        assert!(facts.runs.is_empty());
        assert!(facts.not_run.unwrap().contains("no ONNX Runtime provider"));
    }
}
