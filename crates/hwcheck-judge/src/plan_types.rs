//! The types of image planning: a host, a GPU (or class), and the outcome of an image on them.

use hwcheck_compat::gpus::GpuClass;
use hwcheck_model::check::{Check, Status};
use hwcheck_model::version::DottedVersion;
use serde::Serialize;

/// The host side: a driver (observed or planned).
#[derive(Clone, Debug)]
pub struct PlanHost {
    /// Driver version.
    pub driver: DottedVersion,
    /// The newest CUDA it runs natively (NVML, else the toolkit table).
    pub cuda: Option<DottedVersion>,
}

/// One GPU, or one GPU class when no GPU is named.
#[derive(Clone, Debug)]
pub struct PlanGpu {
    /// For people: "NVIDIA GeForce RTX 4090", or "a GeForce/TITAN GPU (assumed)".
    pub label: String,
    /// Product class.
    pub class: GpuClass,
    /// Compute capability, when known.
    pub cc: Option<DottedVersion>,
    /// The brand libnvidia-container sees.
    pub brand: &'static str,
}

/// How CUDA code in the container runs (or why not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// The host driver runs the image's CUDA version.
    Native,
    /// The image's cuda-compat libcuda runs on an older data-center driver branch.
    ForwardCompat,
    /// An older driver of the same CUDA major runs it (limited features).
    MinorVersionCompat,
    /// It starts, but CUDA fails (804, 35, or no support for the architecture).
    Fails,
    /// The container toolkit refuses to start it.
    Refused,
    /// The driver cannot drive the GPU at all.
    GpuUnsupported,
    /// hwcheck cannot tell (the check says why).
    Uncertain,
}

impl How {
    /// The kebab-case name used in JSON and the corpus.
    pub fn name(self) -> &'static str {
        match self {
            How::Native => "native",
            How::ForwardCompat => "forward-compat",
            How::MinorVersionCompat => "minor-version-compat",
            How::Fails => "fails",
            How::Refused => "refused",
            How::GpuUnsupported => "gpu-unsupported",
            How::Uncertain => "uncertain",
        }
    }
}

/// The outcome for one GPU (or class).
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Which GPU.
    pub gpu: PlanGpu,
    /// Whether the container starts; `None` when unknown.
    pub starts: Option<bool>,
    /// Whether CUDA works in it; `None` when unknown.
    pub cuda_works: Option<bool>,
    /// How.
    pub how: How,
    /// The checks behind it.
    pub checks: Vec<Check>,
}

impl Outcome {
    /// The worst status of its checks (PASS when none).
    pub fn status(&self) -> Status {
        worst(&self.checks)
    }
}

/// Worst status of `checks` (PASS when empty; SKIP does not count).
pub fn worst(checks: &[Check]) -> Status {
    checks
        .iter()
        .map(|c| c.status)
        .filter(|s| *s != Status::Skip)
        .min()
        .unwrap_or(Status::Pass)
}
