//! The areas checks are grouped by in reports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The area a check belongs to; the table groups rows by it, in this order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Kernel module, NVML, libcuda.
    Driver,
    /// Per-GPU health and capability.
    Gpu,
    /// CUDA runtime and toolkit.
    Cuda,
    /// cuDNN.
    Cudnn,
    /// TensorRT.
    Tensorrt,
    /// Other CUDA libraries (cuBLAS, cuFFT…), duplicate copies.
    Libraries,
    /// Container, devices, variables.
    Environment,
    /// ONNX Runtime and its execution providers.
    Ort,
    /// End-to-end person detection.
    Detection,
    /// User requirements (`--require`).
    Requirements,
}

impl Area {
    /// Human label, e.g. "cuDNN".
    pub fn label(self) -> &'static str {
        match self {
            Area::Driver => "Driver",
            Area::Gpu => "GPUs",
            Area::Cuda => "CUDA",
            Area::Cudnn => "cuDNN",
            Area::Tensorrt => "TensorRT",
            Area::Libraries => "Libraries",
            Area::Environment => "Environment",
            Area::Ort => "ONNX Runtime",
            Area::Detection => "Detection",
            Area::Requirements => "Requirements",
        }
    }
}
