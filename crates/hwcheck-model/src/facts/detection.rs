//! Person-detection facts: one end-to-end run per provider (filled by `detect`).

use crate::facts::ort::Provider;
use crate::facts::ProbeError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A box in normalised picture coordinates (0–1), in the TensorFlow order
/// (ymin, xmin, ymax, xmax) that the bundled model and its golden answers use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BBox {
    /// Top edge.
    pub ymin: f32,
    /// Left edge.
    pub xmin: f32,
    /// Bottom edge.
    pub ymax: f32,
    /// Right edge.
    pub xmax: f32,
}

/// One person found in one picture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Detection {
    /// Where, normalised to the original picture.
    pub bbox: BBox,
    /// The model's score, 0–1.
    pub score: f32,
}

/// What one provider found in one bundled picture.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageDetections {
    /// The bundled picture's file name, e.g. "astronaut.png".
    pub image: String,
    /// People found (score above the threshold, after NMS), best first.
    #[serde(default)]
    pub people: Vec<Detection>,
    /// Why this picture could not be run (decode, inference); `None` when it ran.
    pub error: Option<ProbeError>,
}

/// Timings of one provider, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Building the session (graph optimisation, provider set-up, weights upload).
    pub session_ms: f64,
    /// The first inference (includes lazy provider initialisation, e.g. cuDNN autotuning).
    pub first_inference_ms: f64,
    /// Median of the steady-state inferences (the first picture, after the first run).
    pub median_ms: Option<f64>,
    /// 95th percentile (nearest rank) of the steady-state inferences.
    pub p95_ms: Option<f64>,
    /// Number of steady-state inferences timed.
    pub runs: u32,
    /// Median of the whole pipeline on the same picture: decode, resize, infer, boxes, NMS.
    pub pipeline_median_ms: Option<f64>,
}

/// One run of the person detector through one provider of one ONNX Runtime library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProviderRun {
    /// The ONNX Runtime library used (as probed).
    pub library: String,
    /// Its version, when known.
    pub ort_version: Option<String>,
    /// The execution provider.
    pub provider: Provider,
    /// The model's image input as understood, e.g. "image_tensor:0 uint8 0-255 NHWC 300x300
    /// stretched".
    pub input: Option<String>,
    /// The output layout recognised.
    pub layout: Option<String>,
    /// How the model that ran differs from the one named in the detection facts, when it does
    /// (the CUDA provider runs the bundled detector with its depthwise convolutions rewritten).
    #[serde(default)]
    pub variant: Option<String>,
    /// Per bundled picture, in bundle order; empty when the run failed before the pictures.
    #[serde(default)]
    pub images: Vec<ImageDetections>,
    /// Session and inference timings, when the session opened.
    pub timings: Option<Timings>,
    /// Why the run failed as a whole (child crashed or timed out, session refused, model missing).
    pub error: Option<ProbeError>,
}

/// Everything learned by running the person detector.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DetectionFacts {
    /// The user's model (`hwcheck detect --model PATH`); `None` for the bundled detector,
    /// which is checked against its golden answers.
    pub model: Option<String>,
    /// SHA-256 of the model that ran (lets a judge refuse to compare another model with the
    /// bundled golden answers).
    pub model_sha256: Option<String>,
    /// The score threshold used.
    pub score_threshold: Option<f32>,
    /// One entry per (ORT library, provider) that opened a session in the ORT probe.
    #[serde(default)]
    pub runs: Vec<ProviderRun>,
    /// Why detection was not attempted at all (no working provider, bundled model unusable).
    pub not_run: Option<String>,
}
