//! Everything hwcheck observed about a machine: the replayable input of judging.
//!
//! Probes fill these structs; judges read them; `--facts FILE` loads them back from a saved
//! JSON report. Every field a probe could not learn is `None` or empty, never a guess, and every
//! probe failure is kept as a [`ProbeError`] so a judge can explain it.

pub mod code;
pub mod detection;
pub mod kernels;
pub mod load;
pub mod ort;
pub mod platform;
pub mod remedy;
pub mod security;

use crate::version::DottedVersion;
pub use code::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the facts/report JSON layout. Bump on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The `skipped` entry recorded when `--quick` leaves out cuInit.
pub const SKIPPED_CUINIT: &str = "cuInit (CUDA driver API initialisation): skipped by --quick";

/// A probe that failed, kept as a fact: a stable machine-readable code and the message seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProbeError {
    /// Stable code, e.g. NVML's error name (`DriverNotLoaded`), CUDA's (`CUDA_ERROR_NO_DEVICE`),
    /// or hwcheck's own (`timed_out`, `crashed`, `not_found`, `unreadable`).
    pub code: Code,
    /// The message as seen (loader error text, errno string, child stderr tail).
    pub message: String,
}

impl ProbeError {
    /// A probe error from a code and message.
    pub fn new(code: impl Into<Code>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// Everything observed on one machine.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Facts {
    /// Layout version of this JSON ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The hwcheck version that gathered the facts.
    pub hwcheck_version: String,
    /// OS, kernel, architecture.
    #[serde(default)]
    pub host: HostFacts,
    /// NVML and kernel-module view of the driver.
    #[serde(default)]
    pub driver: DriverFacts,
    /// Every GPU NVML reported.
    #[serde(default)]
    pub gpus: Vec<GpuFacts>,
    /// `cuInit` + device count through the libcuda the loader picks.
    #[serde(default)]
    pub cuda_driver_api: Option<CudaDriverApiFacts>,
    /// Every CUDA-family library copy found on disk.
    #[serde(default)]
    pub libraries: Vec<LibraryFacts>,
    /// CUDA toolkit installations (/usr/local/cuda*, CUDA_HOME) and their version files.
    #[serde(default)]
    pub toolkits: Vec<ToolkitFacts>,
    /// Container, device nodes, NVIDIA_* variables, tools on PATH.
    #[serde(default)]
    pub environment: EnvironmentFacts,
    /// ONNX Runtime installs and provider probes.
    #[serde(default)]
    pub ort: ort::OrtFacts,
    /// Person-detection runs per provider.
    #[serde(default)]
    pub detection: detection::DetectionFacts,
    /// Kernel images (SASS / PTX architectures) of the CUDA libraries that carry GPU code.
    #[serde(default)]
    pub kernels: Vec<kernels::KernelImageFacts>,
    /// Who ran hwcheck and who can write where libraries are loaded from.
    #[serde(default)]
    pub security: security::SecurityFacts,
    /// WSL2, Jetson/L4T, virtual machine, NVIDIA packages.
    #[serde(default)]
    pub platform: platform::PlatformFacts,
    /// Probes skipped on purpose (e.g. by `--quick`), with the reason.
    #[serde(default)]
    pub skipped: Vec<String>,
    /// Remedies re-run in a child with their environment change, and what that showed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remedy_trials: Vec<remedy::RemedyTrial>,
    /// Wall time of each probe in milliseconds (parallel probes overlap; "total" is the sum's
    /// real elapsed time), to tell what made a run slow.
    #[serde(default)]
    pub probe_ms: BTreeMap<String, f64>,
}

/// OS-level facts.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct HostFacts {
    /// `std::env::consts::OS`.
    pub os: String,
    /// `std::env::consts::ARCH`.
    pub arch: String,
    /// Kernel release from /proc/sys/kernel/osrelease.
    pub kernel: Option<String>,
    /// PRETTY_NAME from /etc/os-release.
    pub distro: Option<String>,
    /// glibc version (gnu_get_libc_version), when known.
    pub glibc: Option<String>,
    /// The node's name: HWCHECK_NODE_NAME (a Kubernetes pod sets it to its node's name),
    /// else /proc/sys/kernel/hostname; names the node in `hwcheck summarize`. Absent in reports
    /// of older hwcheck versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

/// The driver as seen by NVML and by the kernel.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct DriverFacts {
    /// NVML's answers, or why NVML could not answer.
    pub nvml: NvmlFacts,
    /// Parsed /proc/driver/nvidia/version; `None` when the file is absent (no kernel module).
    pub kernel_module: Option<KernelModuleFacts>,
}

/// What NVML said.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct NvmlFacts {
    /// The libnvidia-ml that was loaded (canonical path when known).
    pub library_path: Option<String>,
    /// Why NVML could not be used (`LibraryNotFound` when it cannot be loaded, `DriverNotLoaded`,
    /// `LibRmVersionMismatch`, `GpuLost`, `NoPermission`, …); `None` when init succeeded.
    pub error: Option<ProbeError>,
    /// `nvmlSystemGetDriverVersion`, e.g. "580.159.04".
    pub driver_version: Option<DottedVersion>,
    /// `nvmlSystemGetCudaDriverVersion`: the newest CUDA this driver supports, e.g. "13.0".
    pub cuda_driver_version: Option<DottedVersion>,
    /// `nvmlSystemGetNVMLVersion`, e.g. "13.580.159.04".
    pub nvml_version: Option<String>,
    /// Number of devices NVML reported.
    pub device_count: Option<u32>,
}

/// /proc/driver/nvidia/version, parsed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct KernelModuleFacts {
    /// Module version, e.g. "580.159.04".
    pub version: Option<DottedVersion>,
    /// "open" for the open GPU kernel modules, "proprietary" otherwise, when it can be told.
    pub flavour: Option<String>,
    /// The first line as read (trimmed, bounded).
    pub raw: String,
}

/// One GPU as NVML reported it. Fields NVML would not give are `None`; their errors are listed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct GpuFacts {
    /// NVML index.
    pub index: u32,
    /// Marketing name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// "GPU-…" UUID.
    pub uuid: Option<String>,
    /// PCI bus id, e.g. "00000000:18:00.0".
    pub pci_bus_id: Option<String>,
    /// Compute capability, e.g. "9.0".
    pub compute_capability: Option<DottedVersion>,
    /// Total framebuffer memory in bytes.
    pub memory_total_bytes: Option<u64>,
    /// Used framebuffer memory in bytes.
    pub memory_used_bytes: Option<u64>,
    /// Current MIG mode (`Some(true)` enabled), `None` when not supported.
    pub mig_enabled: Option<bool>,
    /// Persistence mode.
    pub persistence_mode: Option<bool>,
    /// Current ECC mode.
    pub ecc_enabled: Option<bool>,
    /// Volatile uncorrected ECC errors since the driver loaded.
    pub ecc_uncorrected_volatile: Option<u64>,
    /// Retired pages waiting for a reboot (pre-Ampere).
    pub retired_pages_pending: Option<bool>,
    /// Remapped rows waiting for a GPU reset (Ampere+).
    pub remapped_rows_pending: Option<bool>,
    /// A row remapping failed (the GPU needs service).
    pub remapped_rows_failure: Option<bool>,
    /// Core temperature in °C.
    pub temperature_c: Option<u32>,
    /// Power draw in watts.
    pub power_draw_w: Option<f64>,
    /// Enforced power limit in watts.
    pub power_limit_w: Option<f64>,
    /// Active clock throttle reasons by name (idle excluded).
    #[serde(default)]
    pub throttle_reasons: Vec<String>,
    /// Queries that failed for this GPU: "field: NvmlError".
    #[serde(default)]
    pub query_errors: Vec<String>,
}

/// Result of `cuInit(0)` + `cuDeviceGetCount` through libcuda in an isolated child.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct CudaDriverApiFacts {
    /// The libcuda.so.1 the dynamic loader resolved (from dladdr/dlinfo), when known.
    pub library_path: Option<String>,
    /// `cuDriverGetVersion`, e.g. "13.0".
    pub driver_api_version: Option<DottedVersion>,
    /// `None` when cuInit returned CUDA_SUCCESS; else the CUDA error (code = name, e.g.
    /// `CUDA_ERROR_SYSTEM_DRIVER_MISMATCH`; message includes the number, e.g. "803: …"),
    /// or the child failure (`crashed`, `timed_out`, `not_found`).
    pub init_error: Option<ProbeError>,
    /// The numeric CUDA result of cuInit, when it returned.
    pub init_code: Option<i32>,
    /// Devices visible to CUDA (after CUDA_VISIBLE_DEVICES).
    pub device_count: Option<u32>,
    /// Each device as CUDA reports it (`cuDeviceGetName`, `cuDeviceGetAttribute`): the compute
    /// capability where NVML cannot tell it (Jetson).
    #[serde(default)]
    pub devices: Vec<CudaDeviceFacts>,
}

/// One device as the CUDA driver API reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CudaDeviceFacts {
    /// CUDA device ordinal.
    pub index: u32,
    /// `cuDeviceGetName`, e.g. "Orin".
    pub name: Option<String>,
    /// Compute capability major.minor from `cuDeviceGetAttribute`.
    pub compute_capability: Option<DottedVersion>,
    /// `CU_DEVICE_ATTRIBUTE_INTEGRATED`: the GPU shares memory with the CPU (Jetson).
    pub integrated: Option<bool>,
}

/// CUDA-family component a library file belongs to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// libcuda.so (driver API, user-space driver).
    Libcuda,
    /// libnvidia-ml.so (NVML).
    Nvml,
    /// libcudart.so (CUDA runtime).
    Cudart,
    /// libcublas.so.
    Cublas,
    /// libcublasLt.so.
    CublasLt,
    /// libcufft.so.
    Cufft,
    /// libcurand.so.
    Curand,
    /// libcudnn.so (the cuDNN front library).
    Cudnn,
    /// libcudnn_*.so (cuDNN sub-libraries: ops, cnn, adv, graph, engines…).
    CudnnSub,
    /// libnvinfer.so (TensorRT).
    Tensorrt,
}

impl Component {
    /// Whether its libraries carry GPU code worth a kernel-image scan: cuBLAS(Lt), cuFFT,
    /// cuRAND, cuDNN's front library and sub-libraries (which of them do depends on the
    /// version, so all are scanned; one without device code costs the ELF headers only) and
    /// TensorRT; not the driver, NVML or the CUDA runtime.
    pub fn carries_gpu_code(self) -> bool {
        !matches!(
            self,
            Component::Libcuda | Component::Nvml | Component::Cudart
        )
    }

    /// Every component, in report order.
    pub const ALL: [Component; 10] = [
        Component::Libcuda,
        Component::Nvml,
        Component::Cudart,
        Component::Cublas,
        Component::CublasLt,
        Component::Cufft,
        Component::Curand,
        Component::Cudnn,
        Component::CudnnSub,
        Component::Tensorrt,
    ];

    /// Human name, e.g. "cuDNN".
    pub fn label(self) -> &'static str {
        match self {
            Component::Libcuda => "libcuda (driver API)",
            Component::Nvml => "NVML",
            Component::Cudart => "CUDA runtime",
            Component::Cublas => "cuBLAS",
            Component::CublasLt => "cuBLASLt",
            Component::Cufft => "cuFFT",
            Component::Curand => "cuRAND",
            Component::Cudnn => "cuDNN",
            Component::CudnnSub => "cuDNN sub-library",
            Component::Tensorrt => "TensorRT",
        }
    }
}

/// Where a library copy was found (a copy can be found through several places).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum FoundVia {
    /// A directory of LD_LIBRARY_PATH.
    LdLibraryPath,
    /// ldconfig's cache (/etc/ld.so.cache).
    LdconfigCache,
    /// The loader's default directories (/lib, /usr/lib, their multiarch forms).
    DefaultDir,
    /// $CUDA_HOME or $CUDA_PATH.
    CudaHome,
    /// /usr/local/cuda*/ (lib64, targets/*/lib).
    CudaToolkit,
    /// /usr/local/cuda*/compat (forward-compatibility package).
    CudaCompat,
    /// A Python environment's site-packages/nvidia/*/lib; detail = the environment prefix.
    PipWheel(String),
    /// A conda prefix's lib/; detail = the prefix.
    Conda(String),
    /// Another well-known place (e.g. /usr/local/nvidia/lib64); detail = the directory.
    Other(String),
}

/// How a library's version was learned, most trustworthy first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    /// Asked the library itself through dlopen in a child (`cudaRuntimeGetVersion`, …).
    LibraryCall,
    /// The real file name after symlinks (libcudnn.so.9.14.0).
    FileName,
    /// The ELF SONAME (major only).
    Soname,
    /// The pip wheel that installed it (`*.dist-info` name, file listed in its RECORD).
    PackageMetadata,
    /// The toolkit's version.json / version.txt.
    VersionFile,
    /// cudnn_version*.h / NvInferVersion.h.
    Header,
}

/// One copy of one library on disk.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LibraryFacts {
    /// Which component it is.
    pub component: Component,
    /// The path as found (may be a symlink).
    pub path: String,
    /// The path after resolving symlinks, when it resolves.
    pub real_path: Option<String>,
    /// The ELF SONAME, when the file is a readable ELF.
    pub soname: Option<String>,
    /// The ELF DT_NEEDED entries (tell e.g. which CUDA major a cuDNN or ORT provider was built for).
    #[serde(default)]
    pub needed: Vec<String>,
    /// The ELF machine it was built for ("x86-64", "AArch64"), when it is a readable ELF.
    #[serde(default)]
    pub machine: Option<String>,
    /// Best known version.
    pub version: Option<DottedVersion>,
    /// How `version` was learned.
    pub version_source: Option<VersionSource>,
    /// Every place it was found through.
    #[serde(default)]
    pub found_via: Vec<FoundVia>,
    /// True for the copy the dynamic loader would load first for its soname (emulating
    /// LD_LIBRARY_PATH, then ldconfig's cache, then the default directories).
    #[serde(default)]
    pub loader_selected: bool,
    /// What went wrong with this copy: unreadable, not ELF, wrong architecture, crashed or timed
    /// out while being loaded, absurd version…
    pub problem: Option<ProbeError>,
}

impl LibraryFacts {
    /// A copy of `component` at `path` with nothing else learned yet: no resolved path, ELF
    /// facts, version or search-path entries, and not the loader's pick.
    pub fn new(component: Component, path: &str) -> Self {
        Self {
            component,
            path: path.to_string(),
            real_path: None,
            soname: None,
            needed: Vec::new(),
            machine: None,
            version: None,
            version_source: None,
            found_via: Vec::new(),
            loader_selected: false,
            problem: None,
        }
    }
}

/// A CUDA toolkit directory and its version file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct ToolkitFacts {
    /// e.g. "/usr/local/cuda-13.0".
    pub root: String,
    /// True when /usr/local/cuda points here, or CUDA_HOME names it.
    pub is_default: bool,
    /// From version.json ("cuda" -> "version") or version.txt.
    pub version: Option<DottedVersion>,
    /// Why the version could not be read (missing, truncated, garbage).
    pub problem: Option<ProbeError>,
    /// The forward-compat libcuda in `compat/`, when present: its version.
    pub compat_libcuda_version: Option<DottedVersion>,
    /// The targets it ships (`targets/<name>`): "x86_64-linux", "sbsa-linux" (Arm servers),
    /// "aarch64-linux" (Jetson).
    #[serde(default)]
    pub targets: Vec<String>,
}

/// Container, devices, variables, tools.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct EnvironmentFacts {
    /// "docker", "podman", "kubernetes", "lxc", "containerd", … ; `None` on a bare host.
    pub container: Option<String>,
    /// How the container was detected (e.g. "/.dockerenv exists").
    pub container_evidence: Option<String>,
    /// Container signs that were found but not believed, with why (e.g. a /.dockerenv left in
    /// a virtual machine's root filesystem that was made from a Docker image).
    #[serde(default)]
    pub container_rejected: Vec<String>,
    /// /dev/nvidia* nodes present (nvidia0, nvidiactl, nvidia-uvm, …).
    #[serde(default)]
    pub dev_nodes: Vec<String>,
    /// The GPU device nodes CUDA opens (/dev/nvidiactl, /dev/nvidia<N>, /dev/nvidia-uvm,
    /// /dev/nvidia-uvm-tools, /dev/nvidia-caps/*; /dev/dxg on WSL2), each with presence and
    /// this user's access.
    #[serde(default)]
    pub device_nodes: Vec<platform::DeviceNodeFacts>,
    /// Who ran hwcheck (for device permissions).
    #[serde(default)]
    pub user: Option<platform::UserFacts>,
    /// Allowlisted environment variables (NVIDIA_*, CUDA_*, LD_LIBRARY_PATH, ORT_*…); others
    /// are never recorded.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// NVIDIA_REQUIRE_CUDA, parsed.
    pub require_cuda: Option<RequireCudaFacts>,
    /// Tools on PATH: name -> path (nvidia-smi, nvcc, nvidia-container-cli).
    #[serde(default)]
    pub tools: BTreeMap<String, String>,
}

/// NVIDIA_REQUIRE_CUDA, e.g. "cuda>=12.4 brand=tesla,driver>=470,driver<471".
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct RequireCudaFacts {
    /// The raw value.
    pub raw: String,
    /// The minimum CUDA version (the `cuda>=X` term).
    pub cuda_min: Option<DottedVersion>,
    /// Alternative (brand, driver range) groups, each "brand=…,driver>=…,driver<…".
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// Why it could not be parsed.
    pub parse_error: Option<String>,
}
