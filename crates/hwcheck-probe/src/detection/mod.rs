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
use crate::ort::Sequel;
use hwcheck_detect::bundled;
use hwcheck_model::facts::detection::{DetectionFacts, ProviderRun};
use hwcheck_model::facts::ort::{OrtFacts, OrtInstall, Provider};
use hwcheck_model::facts::{Code, ProbeError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Name of this module's child probe kind (`hwcheck __probe detect …`).
pub const CHILD_KIND: &str = "detect";

/// Name of the child kind that probes a provider's session, then runs the detector in the same
/// process (`hwcheck __probe ort+detect …`; [`Prepared`]'s [`Sequel`]).
pub const STAGED_KIND: &str = "ort+detect";

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

/// The target of `provider` on `install`, library path mapped into `ctx`'s root.
pub fn target_of(ctx: &SystemContext, install: &OrtInstall, provider: Provider) -> Target {
    Target {
        lib: ctx.path(install.real_path.as_deref().unwrap_or(&install.path)),
        version: install.version.clone(),
        provider,
    }
}

/// Every (library, provider) whose session opened in the ORT probe, in probe order; library
/// paths are mapped into `ctx`'s root.
pub fn targets(ctx: &SystemContext, ort: &OrtFacts) -> Vec<Target> {
    ort.installs
        .iter()
        .filter(|i| i.load_error.is_none())
        .flat_map(|i| {
            i.providers
                .iter()
                .filter(|p| p.session_ok)
                .map(|p| target_of(ctx, i, p.provider))
        })
        .collect()
}

/// Timeout of one detection child.
pub fn child_timeout(ctx: &SystemContext) -> Duration {
    (ctx.timeout * 6).max(MIN_CHILD_TIMEOUT)
}

/// The bundled detector written out for ONNX Runtime, run in each provider's own child right
/// after its session probe ([`Sequel`]); removed when dropped.
pub struct Prepared<'a> {
    ctx: &'a SystemContext,
    files: BundledFiles,
    runs: u32,
    timeout: Duration,
}

impl<'a> Prepared<'a> {
    /// Writes the bundled model under TMPDIR; a facts value saying why not on failure.
    pub fn new(ctx: &'a SystemContext) -> Result<Prepared<'a>, DetectionFacts> {
        let dir = PathBuf::from(ctx.var(hwcheck_model::env_vars::TMPDIR).unwrap_or("/tmp"));
        match BundledFiles::write(&dir) {
            Ok(files) => Ok(Prepared {
                ctx,
                files,
                runs: ctx.options.runs,
                timeout: child_timeout(ctx),
            }),
            Err(e) => Err(DetectionFacts {
                not_run: Some(format!(
                    "cannot write the bundled model to {} for ONNX Runtime: {e}",
                    dir.display()
                )),
                ..base_facts()
            }),
        }
    }

    /// The detection facts of `runs` (one per provider that opened a session, in probe order).
    pub fn finish(self, runs: Vec<ProviderRun>) -> DetectionFacts {
        finish(runs)
    }
}

impl Sequel<ProviderRun> for Prepared<'_> {
    fn kind(&self) -> &'static str {
        STAGED_KIND
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }

    fn job(&self, install: &OrtInstall, provider: Provider) -> serde_json::Value {
        let (model, _) = self.files.for_provider(provider);
        let job = job(
            &target_of(self.ctx, install, provider),
            model,
            &[],
            self.runs,
            None,
        );
        serde_json::to_value(job).unwrap_or_default()
    }

    fn finish(
        &self,
        install: &OrtInstall,
        provider: Provider,
        answer: Result<serde_json::Value, ProbeError>,
    ) -> ProviderRun {
        let reply = answer.and_then(|v| {
            serde_json::from_value(v).map_err(|e| ProbeError::new(Code::BadOutput, e.to_string()))
        });
        let (_, variant) = self.files.for_provider(provider);
        provider_run(&target_of(self.ctx, install, provider), variant, reply)
    }
}

/// The bundled detector written out for ORT: as it is, and the CUDA provider's variant
/// ([`bundled::CUDA_VARIANT`]); both removed when dropped.
pub struct BundledFiles {
    original: PathBuf,
    cuda: Option<PathBuf>,
}

impl BundledFiles {
    /// Writes both into `dir`; the CUDA provider falls back to the model as it is when its
    /// variant cannot be made or written.
    pub fn write(dir: &Path) -> std::io::Result<BundledFiles> {
        Ok(BundledFiles {
            original: bundled::write_model(dir)?,
            cuda: bundled::write_cuda_model(dir).ok(),
        })
    }

    /// The file `provider` runs, and how it differs from the bundled model (`None`: it is it).
    pub fn for_provider(&self, provider: Provider) -> (&Path, Option<&'static str>) {
        match (&self.cuda, provider) {
            (Some(cuda), Provider::Cuda) => (cuda, Some(bundled::CUDA_VARIANT)),
            _ => (&self.original, None),
        }
    }
}

impl Drop for BundledFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.original);
        if let Some(cuda) = &self.cuda {
            let _ = std::fs::remove_file(cuda);
        }
    }
}

/// Detection facts without runs: the model's hash and the threshold.
fn base_facts() -> DetectionFacts {
    DetectionFacts {
        model_sha256: bundled::golden().ok().map(|g| g.model_sha256),
        score_threshold: Some(hwcheck_detect::golden::SCORE_THRESHOLD),
        ..DetectionFacts::default()
    }
}

/// Detection facts of `runs`; says why when there are none.
fn finish(runs: Vec<ProviderRun>) -> DetectionFacts {
    let mut facts = base_facts();
    if runs.is_empty() {
        facts.not_run =
            Some("no ONNX Runtime provider opened a session (see the ONNX Runtime checks)".into());
    }
    facts.runs = runs;
    facts
}

/// The detection job of `target`.
fn job(
    target: &Target,
    model: &Path,
    images: &[PathBuf],
    runs: u32,
    threads: Option<usize>,
) -> child::Job {
    child::Job {
        lib: target.lib.clone(),
        provider: target.provider,
        model: model.to_path_buf(),
        images: images.to_vec(),
        runs,
        threads,
        threshold: hwcheck_detect::golden::SCORE_THRESHOLD,
    }
}

/// Runs one detection child and turns its reply (or failure) into a [`ProviderRun`]; `variant`
/// says how `model` differs from the bundled one, when it is a variant of it.
pub fn run_target(
    target: &Target,
    model: &Path,
    variant: Option<&str>,
    images: &[PathBuf],
    runs: u32,
    threads: Option<usize>,
    timeout: Duration,
) -> ProviderRun {
    let job = job(target, model, images, runs, threads);
    let reply = ChildProbe::new(CHILD_KIND, &job, timeout)
        .run::<child::JobReply>()
        .map_err(|failure| failure.to_probe_error());
    provider_run(target, variant, reply)
}

/// A detection child's reply (or why there is none) as the facts of its [`ProviderRun`].
fn provider_run(
    target: &Target,
    variant: Option<&str>,
    reply: Result<child::JobReply, ProbeError>,
) -> ProviderRun {
    let mut run = ProviderRun {
        variant: variant.map(str::to_string),
        library: target.lib.display().to_string(),
        ort_version: target.version.clone(),
        provider: target.provider,
        input: None,
        layout: None,
        images: Vec::new(),
        timings: None,
        error: None,
    };
    match reply {
        Ok(reply) => {
            run.ort_version = reply.ort_version.or(run.ort_version);
            run.images = reply.images;
            run.timings = Some(reply.timings);
            run.input = Some(reply.input);
            run.layout = Some(reply.layout);
        }
        Err(e) => run.error = Some(e),
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
        let facts = finish(Vec::new());
        assert!(facts.runs.is_empty());
        assert!(facts.not_run.unwrap().contains("no ONNX Runtime provider"));
    }
}
