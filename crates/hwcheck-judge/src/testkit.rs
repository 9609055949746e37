//! Test-only builder of [`Facts`]: a healthy H100 machine or a bare CPU box, bent one fact at a
//! time by each test.

use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, Status};
use hwcheck_model::facts::{
    Component, CudaDriverApiFacts, Facts, FoundVia, GpuFacts, KernelModuleFacts, LibraryFacts,
    ProbeError, RequireCudaFacts, ToolkitFacts, SCHEMA_VERSION,
};
use hwcheck_model::version::DottedVersion;

/// Parses a version (tests only).
pub fn v(text: &str) -> DottedVersion {
    DottedVersion::parse(text).expect("test version")
}

/// The embedded tables.
pub fn tables() -> Tables {
    Tables::load(None).expect("embedded tables load")
}

/// The one check with `id` (panics if there are none or several).
pub fn only(checks: &[Check], id: impl std::fmt::Display) -> &Check {
    let id = id.to_string();
    let id = id.as_str();
    let found: Vec<&Check> = checks.iter().filter(|c| c.id == id).collect();
    assert_eq!(found.len(), 1, "expected one {id}, got {checks:#?}");
    found[0]
}

/// Status of the one check with `id`.
pub fn status(checks: &[Check], id: impl std::fmt::Display) -> Status {
    only(checks, id).status
}

/// Builds facts for judge tests.
#[derive(Clone, Debug)]
pub struct FactsBuilder {
    facts: Facts,
}

impl FactsBuilder {
    /// A Linux box with nothing NVIDIA: NVML cannot be loaded, no module, no devices.
    pub fn cpu_only() -> Self {
        let mut facts = Facts {
            schema_version: SCHEMA_VERSION,
            hwcheck_version: "test".to_string(),
            ..Facts::default()
        };
        facts.host.os = "linux".to_string();
        facts.host.arch = "x86_64".to_string();
        facts.driver.nvml.error = Some(ProbeError::new(
            "LibloadingError",
            "libnvidia-ml.so.1: cannot open shared object file: No such file or directory",
        ));
        Self { facts }
    }

    /// The H100 box: driver 580.159.04 (CUDA 13.0), one H100, CUDA 13.0 runtime and toolkit with
    /// an older cuda-compat libcuda, cuDNN 9.14 system and 9.19 pip, no TensorRT.
    pub fn h100() -> Self {
        Self::cpu_only()
            .driver("580.159.04", "13.0")
            .dev_nodes(&["nvidia0", "nvidiactl", "nvidia-uvm"])
            .gpu("NVIDIA H100 80GB HBM3", Some("9.0"))
            .picked(
                Component::Libcuda,
                "/usr/local/nvidia/lib64/libcuda.so.1",
                "580.159.04",
            )
            .lib(
                Component::Libcuda,
                "/lib/x86_64-linux-gnu/libcuda.so.1",
                "580.159.04",
            )
            .compat_lib("/usr/local/cuda-13.0/compat/libcuda.so.1", "580.95.05")
            .picked(
                Component::Nvml,
                "/usr/local/nvidia/lib64/libnvidia-ml.so.1",
                "580.159.04",
            )
            .picked(
                Component::Cudart,
                "/usr/local/cuda/lib64/libcudart.so.13",
                "13.0.96",
            )
            .picked(
                Component::Cudnn,
                "/lib/x86_64-linux-gnu/libcudnn.so.9",
                "9.14.0",
            )
            .picked(
                Component::CudnnSub,
                "/lib/x86_64-linux-gnu/libcudnn_ops.so.9",
                "9.14.0",
            )
            .lib(
                Component::Cudnn,
                "/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
                "9.19.0",
            )
            .toolkit("/usr/local/cuda-13.0", "13.0.2", Some("580.95.05"))
            .cuinit(None, 1)
            .container("docker")
            .env("NVIDIA_VISIBLE_DEVICES", "all")
    }

    /// The facts.
    pub fn build(self) -> Facts {
        self.facts
    }

    fn map(mut self, f: impl FnOnce(&mut Facts)) -> Self {
        f(&mut self.facts);
        self
    }

    /// Changes anything in the facts.
    pub fn map_facts(self, f: impl FnOnce(&mut Facts)) -> Self {
        self.map(f)
    }

    /// NVML answers with this driver and CUDA version; the kernel module has the same version.
    pub fn driver(self, driver: &str, cuda: &str) -> Self {
        self.map(|f| {
            f.driver.nvml.error = None;
            f.driver.nvml.driver_version = Some(v(driver));
            f.driver.nvml.cuda_driver_version = Some(v(cuda));
            f.driver.nvml.library_path = Some("/usr/lib/libnvidia-ml.so.1".to_string());
            f.driver.kernel_module = Some(KernelModuleFacts {
                version: Some(v(driver)),
                flavour: Some("open".to_string()),
                raw: format!("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  {driver}"),
            });
        })
    }

    /// Only the kernel module is there, with this version (NVML keeps its error).
    pub fn kernel(self, version: &str) -> Self {
        self.map(|f| {
            f.driver.kernel_module = Some(KernelModuleFacts {
                version: Some(v(version)),
                flavour: None,
                raw: format!("NVRM version: NVIDIA UNIX x86_64 Kernel Module  {version}"),
            });
        })
    }

    /// NVML failed with this error; its answers are dropped.
    pub fn nvml_error(self, code: &str, message: &str) -> Self {
        self.map(|f| {
            f.driver.nvml.error = Some(ProbeError::new(code, message));
            f.driver.nvml.driver_version = None;
            f.driver.nvml.cuda_driver_version = None;
        })
    }

    /// /dev nodes present.
    pub fn dev_nodes(self, nodes: &[&str]) -> Self {
        self.map(|f| f.environment.dev_nodes = nodes.iter().map(|n| n.to_string()).collect())
    }

    /// Adds a GPU.
    pub fn gpu(self, name: &str, cc: Option<&str>) -> Self {
        self.map(|f| {
            let index = f.gpus.len() as u32;
            f.gpus.push(GpuFacts {
                index,
                name: name.to_string(),
                uuid: Some(format!("GPU-{index}a2b3c4d-0000-0000-0000-000000000000")),
                compute_capability: cc.map(v),
                ecc_uncorrected_volatile: Some(0),
                retired_pages_pending: Some(false),
                remapped_rows_pending: Some(false),
                remapped_rows_failure: Some(false),
                ..GpuFacts::default()
            });
            f.driver.nvml.device_count = Some(f.gpus.len() as u32);
        })
    }

    /// Changes GPU `index`.
    pub fn edit_gpu(self, index: usize, edit: impl FnOnce(&mut GpuFacts)) -> Self {
        self.map(|f| edit(&mut f.gpus[index]))
    }

    /// Removes every GPU (NVML device count 0).
    pub fn no_gpus(self) -> Self {
        self.map(|f| {
            f.gpus.clear();
            f.driver.nvml.device_count = Some(0);
        })
    }

    fn push_lib(self, component: Component, path: &str, version: &str, via: FoundVia) -> Self {
        self.map(|f| {
            f.libraries.push(LibraryFacts {
                real_path: Some(format!("{path}.real")),
                version: (!version.is_empty()).then(|| v(version)),
                found_via: vec![via],
                ..LibraryFacts::new(component, path)
            })
        })
    }

    /// Adds a copy the loader does not pick (found in a pip wheel or a default directory).
    pub fn lib(self, component: Component, path: &str, version: &str) -> Self {
        let via = if path.contains("site-packages") {
            FoundVia::PipWheel("/opt/venv".to_string())
        } else {
            FoundVia::DefaultDir
        };
        self.push_lib(component, path, version, via)
    }

    /// Adds the copy the loader picks (through ld.so.cache).
    pub fn picked(self, component: Component, path: &str, version: &str) -> Self {
        self.push_lib(component, path, version, FoundVia::LdconfigCache)
            .edit_lib(path, |l| l.loader_selected = true)
    }

    /// Adds a cuda-compat libcuda that the loader does not pick.
    pub fn compat_lib(self, path: &str, version: &str) -> Self {
        self.push_lib(Component::Libcuda, path, version, FoundVia::CudaCompat)
    }

    /// Puts the cuda-compat libcuda at `path` first through LD_LIBRARY_PATH.
    pub fn compat_first(self, path: &str) -> Self {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        self.map(|f| {
            for l in f.libraries.iter_mut() {
                if l.component == Component::Libcuda {
                    l.loader_selected = l.path == path;
                }
                if l.path == path {
                    l.found_via.push(FoundVia::LdLibraryPath);
                }
            }
        })
        .env("LD_LIBRARY_PATH", &format!("{dir}:/usr/local/nvidia/lib64"))
    }

    /// Changes the copy at `path`.
    pub fn edit_lib(self, path: &str, edit: impl Fn(&mut LibraryFacts)) -> Self {
        self.map(|f| {
            f.libraries
                .iter_mut()
                .filter(|l| l.path == path)
                .for_each(edit)
        })
    }

    /// Sets the DT_NEEDED entries of the copy at `path`.
    pub fn needed(self, path: &str, needed: &[&str]) -> Self {
        let needed: Vec<String> = needed.iter().map(|n| n.to_string()).collect();
        self.edit_lib(path, move |l| l.needed = needed.clone())
    }

    /// Removes every copy of a component.
    pub fn without(self, component: Component) -> Self {
        self.map(|f| f.libraries.retain(|l| l.component != component))
    }

    /// Adds a toolkit.
    pub fn toolkit(self, root: &str, version: &str, compat: Option<&str>) -> Self {
        self.map(|f| {
            f.toolkits.push(ToolkitFacts {
                root: root.to_string(),
                is_default: true,
                version: Some(v(version)),
                problem: None,
                compat_libcuda_version: compat.map(v),
                ..ToolkitFacts::default()
            })
        })
    }

    /// Removes every toolkit.
    pub fn no_toolkits(self) -> Self {
        self.map(|f| f.toolkits.clear())
    }

    /// Sets an environment variable.
    pub fn env(self, name: &str, value: &str) -> Self {
        self.map(|f| {
            f.environment
                .variables
                .insert(name.to_string(), value.to_string());
        })
    }

    /// Runs inside a container of this kind.
    pub fn container(self, kind: &str) -> Self {
        self.map(|f| {
            f.environment.container = Some(kind.to_string());
            f.environment.container_evidence = Some("/.dockerenv exists".to_string());
        })
    }

    /// cuInit answered (`error` = None) with this many devices, or failed with (name, code).
    pub fn cuinit(self, error: Option<(&str, i32)>, devices: u32) -> Self {
        self.map(|f| {
            f.cuda_driver_api = Some(CudaDriverApiFacts {
                library_path: Some("/usr/local/nvidia/lib64/libcuda.so.1".to_string()),
                driver_api_version: Some(v("13.0")),
                init_error: error
                    .map(|(name, code)| ProbeError::new(name, format!("{code}: {name}"))),
                init_code: Some(error.map_or(0, |(_, code)| code)),
                device_count: Some(devices),
                ..CudaDriverApiFacts::default()
            })
        })
    }

    /// NVIDIA_REQUIRE_CUDA, parsed as the probe would.
    pub fn require_cuda(self, raw: &str, cuda_min: &str, alternatives: &[&str]) -> Self {
        self.env("NVIDIA_REQUIRE_CUDA", raw).map(|f| {
            f.environment.require_cuda = Some(RequireCudaFacts {
                raw: raw.to_string(),
                cuda_min: Some(v(cuda_min)),
                alternatives: alternatives.iter().map(|a| a.to_string()).collect(),
                parse_error: None,
            })
        })
    }
}
