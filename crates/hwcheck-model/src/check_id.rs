//! Check ids: one enum of every kind of check, and the one rule for instances.
//!
//! A check's id is its [`CheckKind`] (the stable dotted name users gate on, e.g.
//! `driver.nvml`), qualified where the kind is per provider or per gate (`ort.provider.cuda`,
//! `require.driver`), with the ONNX Runtime install it is about (`.install2`, `.reference`; the
//! first install has no suffix) and, for a repeated `--require` key, its ordinal (`#2`). What
//! makes two rows of one id different (a library path, a cuDNN folder) is the check's
//! `instance`; `(id, instance)` is unique within a report.

use crate::area::Area;
pub use crate::facts::ort::Install;
use crate::facts::ort::Provider;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! kinds {
    ($($variant:ident = $name:literal, $area:ident, $doc:literal;)*) => {
        /// Every kind of check hwcheck makes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckKind {
            $(#[doc = $doc] $variant,)*
        }

        impl CheckKind {
            /// Every kind, in report order.
            pub const ALL: &'static [CheckKind] = &[$(CheckKind::$variant,)*];

            /// The stable dotted name; `<provider>` and `<key>` stand for the qualifier.
            pub fn name(self) -> &'static str {
                match self { $(CheckKind::$variant => $name,)* }
            }

            /// The area the kind belongs to.
            pub fn area(self) -> Area {
                match self { $(CheckKind::$variant => Area::$area,)* }
            }

            /// One line: what PASS means, and what otherwise.
            pub fn doc(self) -> &'static str {
                match self { $(CheckKind::$variant => $doc,)* }
            }
        }
    };
}

kinds! {
    DriverNvml = "driver.nvml", Driver,
        "NVML answered: driver version and the newest CUDA it supports. FAIL names the NVML error and its fix; where no driver is reachable this is the one FAIL and the checks that need a driver SKIP.";
    DriverKernelModuleMatches = "driver.kernel_module_matches", Driver,
        "/proc/driver/nvidia/version has the version of the user-space libraries (NVML, libcuda); FAIL on a mismatch (reboot or reload the modules).";
    DriverCudaInit = "driver.cuda_init", Driver,
        "cuInit(0) and the device count through the libcuda the loader picks, in a child. FAIL with the CUDA error name and code (e.g. 803, 100). SKIP under --quick.";
    GpuComputeCapability = "gpu.compute_capability", Gpu,
        "Each GPU's compute capability (from NVML, else gpus.toml): the driver branch drives its architecture (FAIL naming the branch needed) and each CUDA runtime and cuDNN found supports it.";
    GpuHealth = "gpu.health", Gpu,
        "No uncorrected ECC errors, no pending row remapping or page retirement, not throttled (WARN); a failed row remapping is a FAIL.";
    CudaRuntimeDriverSufficient = "cuda.runtime.driver_sufficient", Cuda,
        "One row per CUDA runtime: driver >= the toolkit driver (PASS), >= the minor-version-compatibility minimum only (WARN), or too old (FAIL).";
    CudaForwardCompat = "cuda.forward_compat", Cuda,
        "A cuda-compat libcuda is absent (SKIP), unused and harmless, or in use where it works; FAIL when it is older than the driver or on a GPU class that does not support it.";
    CudnnCudaMajor = "cudnn.cuda_major", Cudnn,
        "One row per cuDNN installation: built for the CUDA major here, its sub-libraries and needed libraries present.";
    CudnnSupportMatrix = "cudnn.support_matrix", Cudnn,
        "The cuDNN version with this CUDA is in the support matrix and the driver is new enough (WARN when the combination is not in cudnn.toml).";
    TensorrtPresent = "tensorrt.present", Tensorrt,
        "TensorRT version and path; FAIL when the CUDA libraries it needs are missing; SKIP when there is no TensorRT.";
    LibrariesDuplicates = "libraries.duplicates", Libraries,
        "Copies of several versions are fine when each environment loads its own; WARN when the loader picks an older copy although a newer one is on its path; FAIL when the loader's picks mix versions of one family.";
    LibrariesLoadProblems = "libraries.load_problems", Libraries,
        "Every copy found is a readable ELF file for this machine and loaded cleanly; a broken loader pick is a FAIL, any other broken copy a WARN.";
    KernelsImages = "kernels.images", Libraries,
        "One row per CUDA library with GPU code (ONNX Runtime CUDA/TensorRT providers, cuBLAS, cuDNN, PyTorch…) per GPU compute capability: SASS for it (PASS), only PTX the driver JIT-compiles at first launch (WARN), or neither: FAIL predicting \"no kernel image is available for execution on the device\" with the GPU's sm and the library's targets (WARN for a copy nothing loads, or when the scan was incomplete). SKIP without a GPU or such a library.";
    EnvironmentKind = "environment.kind", Environment,
        "What this Linux runs in (bare metal, virtual machine, container, WSL2, Jetson), with the files and variables that tell it; PASS (information only).";
    EnvironmentDeviceNodes = "environment.device_nodes", Environment,
        "/dev/nvidiactl, /dev/nvidia<N> and /dev/nvidia-uvm exist and this user may read and write them (/dev/dxg on WSL2); FAIL names the missing or refused node and the fix. SKIP on a Jetson and without a driver.";
    PlatformWsl = "platform.wsl", Environment,
        "On WSL2: the Windows driver's libcuda in /usr/lib/wsl/lib is the one the loader picks, no Linux NVIDIA driver is installed inside WSL, and CUDA comes from a cuda-toolkit-X-Y package, not the `cuda` meta-package. SKIP elsewhere.";
    PlatformJetson = "platform.jetson", Environment,
        "On a Jetson: the L4T release, its JetPack and CUDA/cuDNN/TensorRT (jetson.toml), the GPU's compute capability, and no desktop/x86 CUDA or x86 or PyPI onnxruntime-gpu build. SKIP elsewhere.";
    EnvironmentRequireCuda = "environment.require_cuda", Environment,
        "The driver supports the CUDA that NVIDIA_REQUIRE_CUDA asks for (SKIP when unset).";
    EnvironmentContainerGpus = "environment.container_gpus", Environment,
        "In a container: GPU device nodes are there and NVIDIA_DRIVER_CAPABILITIES lets the toolkit mount libcuda (SKIP outside a container).";
    EnvironmentCudaVisibleDevices = "environment.cuda_visible_devices", Environment,
        "CUDA_VISIBLE_DEVICES unset or naming GPUs that exist; WARN when an entry makes CUDA ignore the rest, FAIL when it hides every GPU.";
    SecurityLibraryDirs = "security.library_dirs", Environment,
        "No library directory, and no LD_LIBRARY_PATH entry, is world-writable or relative (WARN).";
    SecurityRootLibraryPath = "security.root_library_path", Environment,
        "When running as root, LD_LIBRARY_PATH, ORT_DYLIB_PATH and --ort name only root-writable directories (WARN otherwise).";
    OrtRuntime = "ort.runtime", Ort,
        "One row per ONNX Runtime install: its version and compiled-in providers; FAIL when it cannot be loaded; WARN when none was found.";
    OrtInstalls = "ort.installs", Ort,
        "How many installs; WARN when several could shadow each other, FAIL when two wheels (onnxruntime and onnxruntime-gpu) share one package directory.";
    OrtCompat = "ort.compat", Ort,
        "The CUDA and cuDNN majors this ONNX Runtime version's GPU build needs (ort.toml) are present.";
    OrtProvider = "ort.provider.<provider>", Ort,
        "One row per provider per install: the session ran on that provider alone, output within tolerance of the CPU, with timings. WARN when the provider is not built in, SKIP for a GPU provider without a GPU, FAIL with the cause and every missing library.";
    OrtColdStart = "ort.cold_start.<provider>", Ort,
        "One row per GPU provider that ran a session, per install: first-inference and steady-state times (the person detector's, else the probe model's). WARN when the first inference is over 20x the steady state and at least 500 ms slower, with warm-up and cache advice.";
    OrtReference = "ort.reference", Ort,
        "FAIL when --reference-runtime was asked for but the reference runtime is not there.";
    OrtProbe = "ort.probe", Ort,
        "WARN when probing ONNX Runtime itself ran into a problem while installs were found.";
    DetectionProvider = "detection.<provider>", Detection,
        "The person detector found exactly the golden people on that provider (IoU >= 0.9, score within 0.02); FAIL when it could not run or found others.";
    DetectionAgreement = "detection.agreement", Detection,
        "Every provider found the same people as the first one that ran (the CPU).";
    DetectionRun = "detection.run", Detection,
        "SKIP when detection could not be attempted (the reason is in the summary).";
    Require = "require.<key>", Requirements,
        "A --require gate is met; FAIL when unmet or when the fact it needs is unknown.";
}

/// The check-id reference (docs/checks.md), generated from [`CheckKind::ALL`] so that it cannot
/// drift from the code.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Check ids\n\n\
         Generated from `CheckKind` in `crates/hwcheck-model/src/check_id.rs` \
         (`HWCHECK_BLESS=1 cargo test --test checks_doc` rewrites it; the test fails when it \
         differs).\n\n\
         An id is the kind's name, with `<provider>` or `<key>` filled in, then `.install<N>` or \
         `.reference` for a second ONNX Runtime install or hwcheck's reference runtime, then \
         `#<N>` for a repeated `--require` key. Rows of one id that differ by library path or \
         folder carry that in `instance`; `(id, instance)` is unique within a report.\n",
    );
    let mut area = None;
    for kind in CheckKind::ALL {
        if area != Some(kind.area()) {
            area = Some(kind.area());
            out.push_str(&format!(
                "\n## {}\n\n| Id | PASS means / otherwise |\n|---|---|\n",
                kind.area().label()
            ));
        }
        out.push_str(&format!("| `{}` | {} |\n", kind.name(), kind.doc()));
    }
    out
}

/// A check's id: its kind, qualifier, install and ordinal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckId {
    /// What kind of check.
    pub kind: CheckKind,
    /// The provider (`cuda`) or gate key (`driver`) of a qualified kind.
    pub qualifier: Option<String>,
    /// The ONNX Runtime install the check is about.
    pub install: Install,
    /// 1 for the first check of a repeated gate key, 2 for the next (`#2`), …
    pub ordinal: u32,
}

impl CheckId {
    /// The id of an unqualified kind.
    pub const fn of(kind: CheckKind) -> Self {
        Self {
            kind,
            qualifier: None,
            install: Install::First,
            ordinal: 1,
        }
    }

    /// A per-provider id (`ort.provider.cuda.install2`, `detection.cpu`).
    pub fn provider(kind: CheckKind, provider: Provider, install: Install) -> Self {
        Self {
            qualifier: Some(provider.short_name().to_string()),
            install,
            ..Self::of(kind)
        }
    }

    /// The same id for another install.
    pub fn in_install(mut self, install: Install) -> Self {
        self.install = install;
        self
    }

    /// A `--require` gate id (`require.driver`, `require.driver#2`).
    pub fn require(key: &str, ordinal: u32) -> Self {
        Self {
            qualifier: Some(key.to_string()),
            ordinal,
            ..Self::of(CheckKind::Require)
        }
    }

    /// The provider of a per-provider id.
    pub fn provider_name(&self) -> Option<&str> {
        matches!(
            self.kind,
            CheckKind::OrtProvider | CheckKind::DetectionProvider
        )
        .then_some(self.qualifier.as_deref())
        .flatten()
    }

    /// The id without install suffix or ordinal: what a gate on the kind's name matches.
    pub fn base(&self) -> String {
        let name = self.kind.name();
        match &self.qualifier {
            Some(q) => match name.find('<') {
                Some(i) => format!("{}{q}", &name[..i]),
                None => name.to_string(),
            },
            None => name.to_string(),
        }
    }

    /// Parses a dotted id as printed in reports (`ort.provider.cuda.install2`).
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(kind) = CheckKind::ALL.iter().find(|k| k.name() == text) {
            return Some(Self::of(*kind));
        }
        let (text, ordinal) = match text.rsplit_once('#') {
            Some((t, n)) => (t, n.parse().ok().filter(|n| *n >= 1)?),
            None => (text, 1),
        };
        let (text, install) = if let Some(t) = text.strip_suffix(".reference") {
            (t, Install::Reference)
        } else {
            match text.rsplit_once(".install") {
                Some((t, n)) => (t, Install::Nth(n.parse().ok().filter(|n| *n >= 2)?)),
                None => (text, Install::First),
            }
        };
        let exact = CheckKind::ALL
            .iter()
            .find(|k| !k.name().contains('<') && k.name() == text);
        let kind_and_qualifier = match exact {
            Some(k) => Some((*k, None)),
            None => CheckKind::ALL.iter().find_map(|k| {
                let prefix = &k.name()[..k.name().find('<')?];
                let q = text.strip_prefix(prefix)?;
                (!q.is_empty() && !q.contains('.')).then(|| (*k, Some(q.to_string())))
            }),
        };
        let (kind, qualifier) = kind_and_qualifier?;
        Some(Self {
            kind,
            qualifier,
            install,
            ordinal,
        })
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<&CheckId> for CheckId {
    fn from(id: &CheckId) -> Self {
        id.clone()
    }
}

impl From<CheckKind> for CheckId {
    fn from(kind: CheckKind) -> Self {
        Self::of(kind)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base())?;
        match self.install {
            Install::First => {}
            Install::Nth(n) => write!(f, ".install{n}")?,
            Install::Reference => f.write_str(".reference")?,
        }
        if self.ordinal > 1 {
            write!(f, "#{}", self.ordinal)?;
        }
        Ok(())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CheckId::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id {text:?}")))
    }
}

impl PartialEq<CheckKind> for CheckId {
    /// Whether this is the plain id of `kind` (no qualifier, first install, first of its key).
    fn eq(&self, kind: &CheckKind) -> bool {
        *self == CheckId::of(*kind)
    }
}

impl PartialEq<&str> for CheckId {
    /// Compares with the id as printed.
    fn eq(&self, other: &&str) -> bool {
        CheckId::parse(other).as_ref() == Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = CheckKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CheckKind::ALL.len());
        assert!(names.iter().all(|n| n.contains('.')));
    }

    #[test]
    fn ids_print_and_parse_back() {
        let ids = [
            CheckId::of(CheckKind::DriverNvml),
            CheckId::provider(CheckKind::OrtProvider, Provider::Cuda, Install::Nth(2)),
            CheckId::provider(
                CheckKind::DetectionProvider,
                Provider::Cpu,
                Install::Reference,
            ),
            CheckId::of(CheckKind::OrtRuntime).in_install(Install::Nth(3)),
            CheckId::require("driver", 2),
        ];
        let printed: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            [
                "driver.nvml",
                "ort.provider.cuda.install2",
                "detection.cpu.reference",
                "ort.runtime.install3",
                "require.driver#2"
            ]
        );
        for (id, text) in ids.iter().zip(&printed) {
            assert_eq!(CheckId::parse(text).as_ref(), Some(id), "{text}");
        }
    }

    #[test]
    fn fixed_names_win_over_qualified_ones() {
        assert_eq!(
            CheckId::parse("ort.reference"),
            Some(CheckId::of(CheckKind::OrtReference))
        );
        let id = CheckId::parse("detection.agreement").unwrap();
        assert_eq!(id.kind, CheckKind::DetectionAgreement);
        assert_eq!(CheckId::parse("nonsense.id"), None);
        assert_eq!(CheckId::parse("driver.nvml#0"), None);
    }
}
