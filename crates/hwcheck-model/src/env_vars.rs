//! Every environment variable hwcheck reads or records, in one place.
//!
//! Reports include only the variables listed in [`RECORDED`]: they are what decides how CUDA,
//! cuDNN and ONNX Runtime load; nothing else (tokens, home paths, secrets) is ever recorded.

/// Directories searched by the dynamic loader before its cache.
pub const LD_LIBRARY_PATH: &str = "LD_LIBRARY_PATH";
/// Executable search path (for nvidia-smi, nvcc, python).
pub const PATH: &str = "PATH";
/// Root of a CUDA toolkit, as many build tools expect.
pub const CUDA_HOME: &str = "CUDA_HOME";
/// Root of a CUDA toolkit (alternative spelling).
pub const CUDA_PATH: &str = "CUDA_PATH";
/// GPUs visible to CUDA applications; empty hides all.
pub const CUDA_VISIBLE_DEVICES: &str = "CUDA_VISIBLE_DEVICES";
/// GPUs the NVIDIA Container Toolkit exposes ("all", "none", "void", indices or UUIDs).
pub const NVIDIA_VISIBLE_DEVICES: &str = "NVIDIA_VISIBLE_DEVICES";
/// Driver capabilities the container toolkit mounts ("compute,utility", "all").
pub const NVIDIA_DRIVER_CAPABILITIES: &str = "NVIDIA_DRIVER_CAPABILITIES";
/// The image's CUDA requirement, checked by the container toolkit at start.
pub const NVIDIA_REQUIRE_CUDA: &str = "NVIDIA_REQUIRE_CUDA";
/// Disables the NVIDIA_REQUIRE_* check in the container toolkit.
pub const NVIDIA_DISABLE_REQUIRE: &str = "NVIDIA_DISABLE_REQUIRE";
/// CUDA runtime version baked into NVIDIA's images.
pub const NV_CUDA_CUDART_VERSION: &str = "NV_CUDA_CUDART_VERSION";
/// CUDA version label of NVIDIA's images.
pub const CUDA_VERSION: &str = "CUDA_VERSION";
/// Path of the ONNX Runtime library `ort` should load.
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";
/// Active conda environment prefix.
pub const CONDA_PREFIX: &str = "CONDA_PREFIX";
/// Active Python virtual environment.
pub const VIRTUAL_ENV: &str = "VIRTUAL_ENV";
/// The user's home (for ~/.local, ~/.pyenv and conda installs; never recorded).
pub const HOME: &str = "HOME";
/// Set by WSL in every distribution's processes (the distribution's name): a sign of WSL.
pub const WSL_DISTRO_NAME: &str = "WSL_DISTRO_NAME";
/// Set by Kubernetes in every pod's containers: a sign of a Kubernetes pod.
pub const KUBERNETES_SERVICE_HOST: &str = "KUBERNETES_SERVICE_HOST";
/// Set by systemd-nspawn, LXC and others in a container's init (`container=lxc`).
pub const CONTAINER: &str = "container";
/// Disables colour in the table output.
pub const NO_COLOR: &str = "NO_COLOR";
/// The width text output wraps to (at least 80), over the terminal's own.
pub const COLUMNS: &str = "COLUMNS";
/// Where temporary files go (the bundled model is written there while it runs).
pub const TMPDIR: &str = "TMPDIR";
/// Per-user cache root (the reference ONNX Runtime is looked for under it).
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// Path of hwcheck's pinned reference ONNX Runtime, set by scripts/fetch-reference-ort.sh users.
pub const HWCHECK_REFERENCE_ORT: &str = "HWCHECK_REFERENCE_ORT";
/// The node's name, for reports of many nodes (`hwcheck summarize`, NFD and Prometheus files);
/// a Kubernetes pod sets it from `spec.nodeName` (the pod's own hostname is the pod's name).
pub const HWCHECK_NODE_NAME: &str = "HWCHECK_NODE_NAME";
/// Test hook (only in builds with the `test-hooks` feature): makes an ORT child probe hang.
pub const HWCHECK_TEST_HANG_PROBE: &str = "HWCHECK_TEST_HANG_PROBE";
/// Test hook (only in builds with the `test-hooks` feature): a provider (short name) whose
/// session loads its provider library, then runs on the CPU.
pub const HWCHECK_TEST_PROVIDER_LIBRARY: &str = "HWCHECK_TEST_PROVIDER_LIBRARY";

/// Variables copied into reports (values verbatim). Anything not listed is never recorded.
pub const RECORDED: &[&str] = &[
    LD_LIBRARY_PATH,
    CUDA_HOME,
    CUDA_PATH,
    CUDA_VISIBLE_DEVICES,
    NVIDIA_VISIBLE_DEVICES,
    NVIDIA_DRIVER_CAPABILITIES,
    NVIDIA_REQUIRE_CUDA,
    NVIDIA_DISABLE_REQUIRE,
    NV_CUDA_CUDART_VERSION,
    CUDA_VERSION,
    ORT_DYLIB_PATH,
    CONDA_PREFIX,
    VIRTUAL_ENV,
];
