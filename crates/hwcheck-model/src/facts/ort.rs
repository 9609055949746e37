//! ONNX Runtime facts: installs found and per-provider session probes (filled by `probe::ort`).

use super::ProbeError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Everything learned about ONNX Runtime on this machine.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct OrtFacts {
    /// Every ONNX Runtime library found, in probe order (`--ort`, ORT_DYLIB_PATH, Python
    /// environments, system directories, then the reference runtime).
    #[serde(default)]
    pub installs: Vec<OrtInstall>,
    /// The probe model every session ran (path as shown to the user).
    pub probe_model: Option<String>,
    /// Largest absolute difference from the CPU provider's output accepted for a provider.
    pub tolerance: Option<f32>,
    /// Why ORT could not be probed at all (e.g. the probe model is missing).
    pub problem: Option<ProbeError>,
    /// Providers the user asked for by name (`--providers`): an optional provider whose SDK is
    /// missing is a FAIL only when asked for, a WARN otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_providers: Vec<Provider>,
}

impl OrtFacts {
    /// The install a per-install check id is about (the first one probed, the n-th, or the
    /// reference runtime).
    pub fn install(&self, which: Install) -> Option<&OrtInstall> {
        self.installs
            .iter()
            .enumerate()
            .find(|(i, inst)| Install::at(*i, inst.is_reference) == which)
            .map(|(_, inst)| inst)
    }
}

/// How an ONNX Runtime library was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum OrtSource {
    /// `--ort PATH`.
    Option,
    /// The ORT_DYLIB_PATH variable.
    OrtDylibPath,
    /// A Python environment's site-packages; detail = the site-packages directory.
    Python(String),
    /// A system library directory; detail = the directory.
    System(String),
    /// hwcheck's pinned reference runtime (scripts/fetch-reference-ort.sh or
    /// HWCHECK_REFERENCE_ORT).
    Reference,
}

/// One ONNX Runtime library (libonnxruntime.so*) and what its probes found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct OrtInstall {
    /// The library path as found.
    pub path: String,
    /// The path after resolving symlinks, when it resolves.
    pub real_path: Option<String>,
    /// Every way it was found (first = the one that put it in the list).
    #[serde(default)]
    pub found_via: Vec<OrtSource>,
    /// True for hwcheck's own reference runtime ("reference runtime" in reports).
    #[serde(default)]
    pub is_reference: bool,
    /// Python distributions installed in the same site-packages that ship this library,
    /// e.g. ["onnxruntime 1.31.1", "onnxruntime-gpu 1.31.1"] (two = one shadows the other).
    #[serde(default)]
    pub python_packages: Vec<String>,
    /// `GetVersionString`, e.g. "1.31.1".
    pub version: Option<String>,
    /// The ELF machine the library was built for ("x86-64", "AArch64").
    #[serde(default)]
    pub machine: Option<String>,
    /// The wheel tags of the Python distributions beside it (`Tag:` lines of their
    /// `*.dist-info/WHEEL`), e.g. "cp310-cp310-manylinux_2_27_aarch64" (a package index
    /// build) or "cp310-cp310-linux_aarch64" (a locally built or directly downloaded wheel).
    #[serde(default)]
    pub wheel_tags: Vec<String>,
    /// Why the library could not be loaded (not ORT, corrupt, too old for hwcheck's C API level,
    /// crashed or hung while loading).
    pub load_error: Option<ProbeError>,
    /// `GetAvailableProviders`: compiled in, not necessarily usable.
    #[serde(default)]
    pub compiled_in: Vec<String>,
    /// Provider libraries beside the main library (libonnxruntime_providers_*.so).
    #[serde(default)]
    pub provider_libraries: Vec<ProviderLibrary>,
    /// One session probe per provider.
    #[serde(default)]
    pub providers: Vec<ProviderProbe>,
}

/// A provider library file beside an ORT library and its dynamic dependencies.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct ProviderLibrary {
    /// File name, e.g. "libonnxruntime_providers_cuda.so".
    pub name: String,
    /// Full path.
    pub path: String,
    /// Its DT_NEEDED entries.
    #[serde(default)]
    pub needed: Vec<String>,
    /// Every library in its dependency tree the loader could not find (LD_LIBRARY_PATH,
    /// RUNPATH, ld.so.cache, default directories), not only the first.
    #[serde(default)]
    pub missing: Vec<String>,
    /// Why its dependencies could not be read (not ELF, truncated, unreadable).
    pub problem: Option<ProbeError>,
}

/// One session on one provider of one ORT library, in its own child process.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProviderProbe {
    /// The provider (ORT's name, e.g. "CUDAExecutionProvider").
    pub provider: Provider,
    /// Listed by `GetAvailableProviders`.
    pub compiled_in: bool,
    /// The provider registered on the session (`None` when not tried).
    pub registered: Option<bool>,
    /// True when a session was created and ran on this provider alone.
    #[serde(default)]
    pub session_ok: bool,
    /// The exact ORT / loader / child error, when it failed.
    pub error: Option<ProbeError>,
    /// Libraries of the provider's dependency tree the loader cannot find (from
    /// [`ProviderLibrary::missing`]).
    #[serde(default)]
    pub missing_libraries: Vec<String>,
    /// Session creation time in milliseconds.
    pub session_ms: Option<f64>,
    /// First inference in milliseconds.
    pub first_run_ms: Option<f64>,
    /// Median of the timed inferences after the first, in milliseconds.
    pub steady_ms: Option<f64>,
    /// How many inferences `steady_ms` is the median of.
    #[serde(default)]
    pub steady_runs: u32,
    /// Largest absolute difference of the output from the CPU provider's.
    pub max_abs_diff: Option<f32>,
    /// The tolerance `max_abs_diff` was compared with.
    pub tolerance: Option<f32>,
}

impl ProviderProbe {
    /// A probe of `provider` with nothing learned yet.
    pub fn new(provider: Provider, compiled_in: bool) -> Self {
        Self {
            provider,
            compiled_in,
            registered: None,
            session_ok: false,
            error: None,
            missing_libraries: Vec::new(),
            session_ms: None,
            first_run_ms: None,
            steady_ms: None,
            steady_runs: 0,
            max_abs_diff: None,
            tolerance: None,
        }
    }
}

/// An execution provider hwcheck knows how to register. Serialised with ORT's own name
/// (`"CUDAExecutionProvider"`), as `onnxruntime.get_available_providers()` prints it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Provider {
    /// The default CPU provider (always present; registered implicitly).
    #[serde(rename = "CPUExecutionProvider")]
    Cpu,
    /// NVIDIA CUDA.
    #[serde(rename = "CUDAExecutionProvider")]
    Cuda,
    /// NVIDIA TensorRT.
    #[serde(rename = "TensorrtExecutionProvider")]
    Tensorrt,
    /// Intel OpenVINO.
    #[serde(rename = "OpenVINOExecutionProvider")]
    OpenVino,
    /// AMD ROCm.
    #[serde(rename = "ROCMExecutionProvider")]
    Rocm,
    /// Intel oneDNN (DNNL).
    #[serde(rename = "DnnlExecutionProvider")]
    Dnnl,
}

impl Provider {
    /// Every provider, CPU first (its output is the reference the others are compared with).
    pub const ALL: [Provider; 6] = [
        Provider::Cpu,
        Provider::Cuda,
        Provider::Tensorrt,
        Provider::OpenVino,
        Provider::Rocm,
        Provider::Dnnl,
    ];

    /// ORT's name, e.g. "CUDAExecutionProvider".
    pub fn ort_name(self) -> &'static str {
        match self {
            Provider::Cpu => "CPUExecutionProvider",
            Provider::Cuda => "CUDAExecutionProvider",
            Provider::Tensorrt => "TensorrtExecutionProvider",
            Provider::OpenVino => "OpenVINOExecutionProvider",
            Provider::Rocm => "ROCMExecutionProvider",
            Provider::Dnnl => "DnnlExecutionProvider",
        }
    }

    /// The provider with this short name (case-insensitive), e.g. "cuda".
    pub fn from_short_name(name: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.short_name().eq_ignore_ascii_case(name.trim()))
    }

    /// hwcheck's short name ("cpu", "cuda", "tensorrt", …), used in check ids and `--providers`.
    pub fn short_name(self) -> &'static str {
        match self {
            Provider::Cpu => "cpu",
            Provider::Cuda => "cuda",
            Provider::Tensorrt => "tensorrt",
            Provider::OpenVino => "openvino",
            Provider::Rocm => "rocm",
            Provider::Dnnl => "dnnl",
        }
    }

    /// Human label, e.g. "TensorRT".
    pub fn label(self) -> &'static str {
        match self {
            Provider::Cpu => "CPU",
            Provider::Cuda => "CUDA",
            Provider::Tensorrt => "TensorRT",
            Provider::OpenVino => "OpenVINO",
            Provider::Rocm => "ROCm",
            Provider::Dnnl => "oneDNN",
        }
    }

    /// The provider ORT calls `name`, if hwcheck knows it.
    pub fn from_ort_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.ort_name() == name)
    }

    /// The provider library ORT loads for it beside libonnxruntime
    /// (`libonnxruntime_providers_cuda.so`); `None` for the built-in CPU provider.
    pub fn library_name(self) -> Option<&'static str> {
        match self {
            Provider::Cpu => None,
            Provider::Cuda => Some("libonnxruntime_providers_cuda.so"),
            Provider::Tensorrt => Some("libonnxruntime_providers_tensorrt.so"),
            Provider::OpenVino => Some("libonnxruntime_providers_openvino.so"),
            Provider::Rocm => Some("libonnxruntime_providers_rocm.so"),
            Provider::Dnnl => Some("libonnxruntime_providers_dnnl.so"),
        }
    }

    /// True for the NVIDIA providers, which get a row even when not compiled in.
    pub fn is_nvidia(self) -> bool {
        matches!(self, Provider::Cuda | Provider::Tensorrt)
    }
}

/// Which ONNX Runtime install a check is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Install {
    /// Not about an install, or about the first one probed (no suffix).
    #[default]
    First,
    /// The n-th install probed (n >= 2): `.install<n>`.
    Nth(usize),
    /// hwcheck's reference runtime: `.reference`.
    Reference,
}

impl Install {
    /// The install at `index` (0-based) of the probed list.
    pub fn at(index: usize, is_reference: bool) -> Self {
        match (index, is_reference) {
            (0, _) => Install::First,
            (_, true) => Install::Reference,
            (i, false) => Install::Nth(i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_round_trip_as_ort_prints_them() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_ort_name(p.ort_name()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.ort_name()));
            assert_eq!(serde_json::from_str::<Provider>(&json).unwrap(), p);
            assert_eq!(p.library_name().is_none(), p == Provider::Cpu, "{p:?}");
        }
        assert_eq!(Provider::from_ort_name("AzureExecutionProvider"), None);
    }

    #[test]
    fn a_report_without_ort_facts_still_loads() {
        let facts: OrtFacts = serde_json::from_str("{}").unwrap();
        assert!(facts.installs.is_empty());
        let probe: ProviderProbe = serde_json::from_str(
            r#"{"provider":"CUDAExecutionProvider","compiled_in":true,"session_ok":false}"#,
        )
        .unwrap();
        assert_eq!(probe.provider, Provider::Cuda);
    }
}
