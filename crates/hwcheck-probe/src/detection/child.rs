//! The `detect` child probe: in its own process, load one ORT library, open a session on one
//! provider, run the detector on every picture and time it.

use super::{infer, pipeline};
use crate::ort::child::median;
use crate::ort::{ffi, session};
use hwcheck_detect::bundled;
use hwcheck_model::facts::detection::{ImageDetections, Timings};
use hwcheck_model::facts::ort::Provider;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Most bytes read from one picture file.
pub const MAX_IMAGE_BYTES: u64 = 64 << 20;

/// What the parent asks one child to do.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Job {
    /// The ORT library to load.
    pub lib: PathBuf,
    /// The provider to open a session on.
    pub provider: Provider,
    /// The model file.
    pub model: PathBuf,
    /// Pictures to run; empty = the bundled ones.
    #[serde(default)]
    pub images: Vec<PathBuf>,
    /// Timed steady-state runs.
    pub runs: u32,
    /// Intra-op threads (`None`: ORT's default).
    pub threads: Option<usize>,
    /// Score threshold.
    pub threshold: f32,
}

/// What one child learned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobReply {
    /// `GetVersionString` of the library.
    pub ort_version: Option<String>,
    /// The image input as understood, e.g. "image_tensor:0 uint8 NHWC 300x300 stretch".
    pub input: String,
    /// The output layout recognised.
    pub layout: String,
    /// Per picture, in order.
    pub images: Vec<ImageDetections>,
    /// Timings.
    pub timings: Timings,
}

/// Entry point of `hwcheck __probe detect <Job json>`.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let job: Job = crate::isolate::parse_arg(arg)?;
    crate::isolate::to_reply(run_job(&job))
}

/// Second stage of an `ort+detect` child: the job (JSON) run in the process that has just
/// probed the provider's session.
pub fn sequel(job: &serde_json::Value) -> Result<serde_json::Value, ProbeError> {
    // Test hook (never in a release build): `HWCHECK_TEST_HANG_PROBE=sequel:crash` kills the
    // process as the detector starts, to prove the probe's answer is still recovered.
    #[cfg(feature = "test-hooks")]
    if std::env::var(hwcheck_model::env_vars::HWCHECK_TEST_HANG_PROBE).as_deref()
        == Ok("sequel:crash")
    {
        std::process::abort();
    }
    let job: Job = serde_json::from_value(job.clone())
        .map_err(|e| ProbeError::new(Code::BadArgument, e.to_string()))?;
    crate::isolate::to_reply(run_job(&job))
}

/// Reads at most [`MAX_IMAGE_BYTES`] of a picture file; the message names the file and why.
pub fn read_picture(path: &Path) -> Result<Vec<u8>, String> {
    hwcheck_model::read::whole_up_to(path, MAX_IMAGE_BYTES)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The pictures of a job: (name, bytes or why unreadable).
fn pictures(job: &Job) -> Vec<(String, Result<Vec<u8>, String>)> {
    if job.images.is_empty() {
        return bundled::PICTURES
            .iter()
            .map(|p| (p.name.to_string(), Ok(p.bytes.to_vec())))
            .collect();
    }
    job.images
        .iter()
        .map(|p| (p.display().to_string(), read_picture(p)))
        .collect()
}

fn run_job(job: &Job) -> Result<JobReply, ProbeError> {
    let ort_version = ffi::version_string(&job.lib).ok();
    session::load_runtime(&job.lib)?;
    // Detectors keep NMS, loops and shape maths on the CPU by design: allow those nodes there.
    let config = session::SessionConfig {
        threads: job.threads,
        allow_cpu_nodes: true,
    };
    let (mut sess, created) = session::open_session_with(job.provider, &job.model, config)?;
    let (input_name, spec) = infer::image_input(&sess)?;
    let mut reply = JobReply {
        ort_version,
        input: format!("{input_name} {}", pipeline::describe_spec(&spec)),
        ..JobReply::default()
    };
    let mut first: Option<(Vec<u8>, Duration)> = None;
    for (name, bytes) in pictures(job) {
        let mut entry = ImageDetections {
            image: name,
            ..ImageDetections::default()
        };
        let result = bytes
            .map_err(|m| ProbeError::new(Code::UnreadableImage, m))
            .and_then(|b| {
                let (found, inference) =
                    pipeline::detect(&mut sess, &input_name, &spec, &b, job.threshold)?;
                if first.is_none() {
                    first = Some((b, inference));
                }
                Ok(found)
            });
        match result {
            Ok(found) => {
                reply.layout = found.layout.label().to_string();
                entry.people = found.people;
            }
            // A model whose outputs cannot be read fails the whole job, not one picture.
            Err(e) if e.code == Code::UnknownLayout => return Err(e),
            Err(e) => entry.error = Some(e),
        }
        reply.images.push(entry);
    }
    if let Some((bytes, first_time)) = first {
        reply.timings = time_runs(
            &mut sess,
            &input_name,
            &spec,
            &bytes,
            job,
            created,
            first_time,
        )?;
    }
    Ok(reply)
}

/// Steady-state timings on the first picture that ran: inference alone, then the whole
/// pipeline (decode, pre-process, infer, decode boxes, NMS).
fn time_runs(
    sess: &mut ort::session::Session,
    input: &str,
    spec: &hwcheck_detect::preprocess::InputSpec,
    bytes: &[u8],
    job: &Job,
    created: Duration,
    first: Duration,
) -> Result<Timings, ProbeError> {
    let img = hwcheck_detect::preprocess::decode(bytes)
        .map_err(|e| ProbeError::new(Code::UnreadableImage, e.to_string()))?;
    let tensor = infer::tensor(&hwcheck_detect::preprocess::prepare(&img, spec))?;
    let mut infer_ms = Vec::new();
    for _ in 0..job.runs {
        let t = Instant::now();
        infer::run(sess, input, &tensor)?;
        infer_ms.push(ms(t.elapsed()));
    }
    let mut pipeline_ms = Vec::new();
    for _ in 0..job.runs {
        let t = Instant::now();
        pipeline::detect(sess, input, spec, bytes, job.threshold)?;
        pipeline_ms.push(ms(t.elapsed()));
    }
    // `median` sorts in place, which `percentile` needs.
    let median_ms = median(&mut infer_ms);
    Ok(Timings {
        session_ms: ms(created),
        first_inference_ms: ms(first),
        median_ms,
        p95_ms: percentile(&infer_ms, 95),
        runs: job.runs,
        pipeline_median_ms: median(&mut pipeline_ms),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile `p` (1–100) of `values` (sorted ascending); `None` when empty.
pub fn percentile(sorted: &[f64], p: u32) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (u64::from(p.clamp(1, 100)) * n as u64).div_ceil(100);
    sorted
        .get(usize::try_from(rank).unwrap_or(n).saturating_sub(1))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_by_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 95), Some(19.0));
        assert_eq!(percentile(&v, 100), Some(20.0));
        assert_eq!(percentile(&v, 50), Some(10.0));
        assert_eq!(percentile(&[7.0], 95), Some(7.0));
        assert_eq!(percentile(&[], 95), None);
        // 5 runs: the 95th percentile is the slowest.
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 95), Some(5.0));
    }

    #[test]
    fn unreadable_pictures_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.png");
        assert!(read_picture(&missing).unwrap_err().contains("nope.png"));
        assert!(read_picture(dir.path()).is_err());
    }

    #[test]
    fn a_bad_job_is_reported_not_panicked() {
        assert_eq!(child("{not json").unwrap_err().code, "bad_argument");
    }

    #[test]
    fn a_missing_runtime_is_a_load_error() {
        let job = Job {
            lib: PathBuf::from("/nonexistent/libonnxruntime.so"),
            provider: Provider::Cpu,
            model: PathBuf::from("/nonexistent/model.onnx"),
            images: Vec::new(),
            runs: 1,
            threads: None,
            threshold: 0.4,
        };
        let err = run_job(&job).unwrap_err();
        assert_eq!(err.code, Code::OrtLoadFailed);
    }
}
