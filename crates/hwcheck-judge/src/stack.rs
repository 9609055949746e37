//! Shared views of the facts for the GPU-stack judges: is there a driver, which version, which
//! CUDA runtimes exist, which library copy the loader picks, what a library needs.

use hwcheck_compat::cuda_driver::Platform;
use hwcheck_model::facts::{Component, Facts, FoundVia, LibraryFacts};
use hwcheck_model::version::DottedVersion;

/// Summary of checks skipped because no driver is there at all.
pub const NO_DRIVER: &str = "skipped: no NVIDIA driver (see driver.nvml)";

/// Whether nothing of an NVIDIA driver reaches this process: NVML gave no driver version, there
/// is no /dev/nvidia* node, and no kernel module (in a container the host's module shows in
/// /proc/driver/nvidia even when no GPU was passed in, so there it does not count). Checks that
/// need a driver then SKIP instead of repeating the one failure `driver.nvml` reports.
/// A Jetson is never "without a driver" (L4T is its driver; NVML and /dev/nvidia* are absent by
/// design), nor is a WSL2 distribution with the Windows driver's libcuda.
pub fn driver_absent(facts: &Facts) -> bool {
    facts.driver.nvml.driver_version.is_none()
        && facts.environment.dev_nodes.is_empty()
        && (facts.driver.kernel_module.is_none() || in_container(facts))
        && !is_jetson(facts)
        && !(is_wsl(facts) && wsl_libcuda(facts).next().is_some())
}

/// Whether this is WSL2.
pub fn is_wsl(facts: &Facts) -> bool {
    facts.platform.wsl.is_some()
}

/// Whether this is a Jetson running L4T.
pub fn is_jetson(facts: &Facts) -> bool {
    facts.platform.jetson.is_some()
}

/// Where WSL2 mounts the Windows driver's Linux libraries.
pub const WSL_LIB_DIR: &str = "/usr/lib/wsl/lib";

/// The libcuda copies of the Windows driver (under /usr/lib/wsl/).
pub fn wsl_libcuda(facts: &Facts) -> impl Iterator<Item = &LibraryFacts> {
    libs(facts, Component::Libcuda).filter(|l| l.path.starts_with("/usr/lib/wsl/"))
}

/// NVIDIA's CUDA on WSL guide: the Windows driver is the driver; never a Linux one in WSL.
pub const WSL_GUIDE: &str = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html";

/// The fix when the Windows driver does not reach WSL2.
pub const WSL_DRIVER_FIX: &str = "Install or update the NVIDIA driver on Windows (it provides CUDA to WSL 2), \
then in a Windows terminal run `wsl --update` and `wsl --shutdown` and reopen the distribution. Do not \
install a Linux NVIDIA driver inside WSL (NVIDIA's CUDA on WSL guide).";

/// The running driver's version: NVML's answer, else the kernel module's.
pub fn driver_version(facts: &Facts) -> Option<&DottedVersion> {
    facts.driver.nvml.driver_version.as_ref().or_else(|| {
        facts
            .driver
            .kernel_module
            .as_ref()
            .and_then(|k| k.version.as_ref())
    })
}

/// The kernel module's version, else NVML's (what user-space libraries must equal).
pub fn kernel_version(facts: &Facts) -> Option<&DottedVersion> {
    let kernel = facts.driver.kernel_module.as_ref();
    kernel
        .and_then(|k| k.version.as_ref())
        .or(facts.driver.nvml.driver_version.as_ref())
}

/// Which driver column of the tables applies to this host: on WSL2 the driver is the Windows
/// one, so the Windows columns.
pub fn platform(facts: &Facts) -> Platform {
    if is_wsl(facts) {
        Platform::Windows
    } else {
        Platform::from_os(&facts.host.os)
    }
}

/// Whether the process runs in a container.
pub fn in_container(facts: &Facts) -> bool {
    facts.environment.container.is_some()
}

/// An environment variable as recorded.
pub fn var<'a>(facts: &'a Facts, name: &str) -> Option<&'a str> {
    facts.environment.variables.get(name).map(String::as_str)
}

/// The fix for "no GPU reaches this process" in a container.
pub const CONTAINER_GPU_FIX: &str = "Start the container with the GPUs passed in: `docker run --gpus all …` \
(Podman/CDI: `--device nvidia.com/gpu=all`; Kubernetes: request the `nvidia.com/gpu` resource), with the \
NVIDIA Container Toolkit installed and configured on the host (`nvidia-ctk runtime configure --runtime=docker`, \
then restart Docker).";

/// The fix for a kernel module and user-space libraries of different versions.
pub const RELOAD_FIX: &str = "Reboot, or reload the NVIDIA kernel modules: stop every process using the GPU, then \
`sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`. To keep unattended upgrades from \
doing it again, hold the driver packages (`sudo apt-mark hold` them) and upgrade them deliberately.";

/// One CUDA runtime found: a libcudart version (all copies of it) or a toolkit.
#[derive(Clone, Debug)]
pub struct Runtime {
    /// Its version (a bare major when only the soname told it).
    pub version: DottedVersion,
    /// Where it is (paths of the copies, or the toolkit root).
    pub paths: Vec<String>,
    /// True when the dynamic loader would pick one of these copies.
    pub loader_selected: bool,
    /// True for a toolkit directory (its version file), false for libcudart copies.
    pub toolkit: bool,
}

impl Runtime {
    /// "CUDA 13.0 runtime (libcudart, the loader's pick)".
    pub fn describe(&self) -> String {
        let what = if self.toolkit { "toolkit" } else { "runtime" };
        let pick = if self.loader_selected {
            ", the loader's pick"
        } else {
            ""
        };
        format!(
            "CUDA {} {what} ({}{pick})",
            self.version,
            self.paths.join(", ")
        )
    }
}

/// Every CUDA runtime: libcudart copies grouped by version (loader's pick first), then toolkits.
pub fn cuda_runtimes(facts: &Facts) -> Vec<Runtime> {
    let mut runtimes: Vec<Runtime> = Vec::new();
    for lib in libs(facts, Component::Cudart) {
        let Some(version) = lib.version.clone() else {
            continue;
        };
        match runtimes.iter_mut().find(|r| r.version == version) {
            Some(r) => {
                r.paths.push(lib.path.clone());
                r.loader_selected |= lib.loader_selected;
            }
            None => runtimes.push(Runtime {
                version,
                paths: vec![lib.path.clone()],
                loader_selected: lib.loader_selected,
                toolkit: false,
            }),
        }
    }
    runtimes.sort_by_key(|r| !r.loader_selected);
    for tk in &facts.toolkits {
        if let Some(version) = tk.version.clone() {
            runtimes.push(Runtime {
                version,
                paths: vec![tk.root.clone()],
                loader_selected: false,
                toolkit: true,
            });
        }
    }
    runtimes
}

/// The runtime a program most likely uses: the loader's libcudart, else the newest found.
pub fn primary_runtime(runtimes: &[Runtime]) -> Option<&Runtime> {
    runtimes
        .iter()
        .find(|r| r.loader_selected)
        .or_else(|| runtimes.iter().max_by(|a, b| a.version.cmp(&b.version)))
}

/// Every copy of a component.
pub fn libs(facts: &Facts, component: Component) -> impl Iterator<Item = &LibraryFacts> {
    facts
        .libraries
        .iter()
        .filter(move |l| l.component == component)
}

/// The copy the loader picks for a component (its first soname), ignoring cuda-compat copies
/// unless `with_compat`.
pub fn loader_pick(
    facts: &Facts,
    component: Component,
    with_compat: bool,
) -> Option<&LibraryFacts> {
    libs(facts, component).find(|l| l.loader_selected && (with_compat || !is_compat(l)))
}

/// The soname in a loader error: "…with error: libcublasLt.so.12: cannot open shared object file…".
pub fn soname_in_error(message: &str) -> Option<String> {
    let idx = message.find(": cannot open shared object file")?;
    let start = message[..idx]
        .rfind(|c: char| c.is_whitespace() || c == ':' || c == '"' || c == '\'')
        .map_or(0, |i| i + 1);
    let name = &message[start..idx];
    name.contains(".so").then(|| name.to_string())
}

/// A copy of `soname` on disk that the loader does not see (e.g. only in a pip wheel).
pub fn hidden_copy(facts: &Facts, soname: &str) -> Option<String> {
    facts
        .libraries
        .iter()
        .find(|l| {
            l.soname.as_deref() == Some(soname)
                || std::path::Path::new(&l.path)
                    .file_name()
                    .is_some_and(|n| n == soname)
        })
        .map(|l| l.path.clone())
}

/// Whether a libcuda copy belongs to a forward-compatibility (cuda-compat) package.
pub fn is_compat(lib: &LibraryFacts) -> bool {
    lib.found_via.contains(&FoundVia::CudaCompat) || lib.path.contains("/compat/")
}

/// Whether the copy was found where the dynamic loader searches (LD_LIBRARY_PATH, ld.so.cache,
/// default directories).
pub fn on_loader_path(lib: &LibraryFacts) -> bool {
    lib.found_via.iter().any(|v| {
        matches!(
            v,
            FoundVia::LdLibraryPath | FoundVia::LdconfigCache | FoundVia::DefaultDir
        )
    })
}

/// The last path component.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory part of a path.
pub fn dir_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(".", |(d, _)| d)
}

/// The soname a copy answers to: its ELF SONAME, else its file name cut after `.so.<major>`.
pub fn soname_key(lib: &LibraryFacts) -> String {
    if let Some(s) = &lib.soname {
        return s.clone();
    }
    let name = file_name(&lib.path);
    match name.split_once(".so.") {
        Some((stem, rest)) => {
            let major = rest.split('.').next().unwrap_or(rest);
            format!("{stem}.so.{major}")
        }
        None => name.to_string(),
    }
}

/// Sonames hwcheck looks for, by stem; a needed entry with another stem is not judged.
const TRACKED_STEMS: [&str; 11] = [
    "libcuda",
    "libnvidia-ml",
    "libcudart",
    "libcublas",
    "libcublasLt",
    "libcufft",
    "libcurand",
    "libcudnn",
    "libnvinfer",
    "libnvinfer_plugin",
    "libnvonnxparser",
];

/// Stems whose soname major equals the CUDA major they belong to.
const CUDA_MAJOR_STEMS: [&str; 3] = ["libcudart", "libcublas", "libcublasLt"];

/// Splits "libcublasLt.so.12" into ("libcublasLt", 12).
pub fn split_soname(soname: &str) -> Option<(&str, u32)> {
    let (stem, rest) = soname.split_once(".so.")?;
    let major = rest.split('.').next()?.parse().ok()?;
    Some((stem, major))
}

/// Whether some copy found on disk answers to `soname`.
pub fn provided(facts: &Facts, soname: &str) -> bool {
    facts.libraries.iter().any(|l| {
        let name = file_name(&l.path);
        l.soname.as_deref() == Some(soname)
            || name == soname
            || name
                .strip_prefix(soname)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The needed CUDA-family sonames of `lib` that no copy on disk provides.
pub fn missing_needed(facts: &Facts, lib: &LibraryFacts) -> Vec<String> {
    lib.needed
        .iter()
        .filter(|n| split_soname(n).is_some_and(|(stem, _)| TRACKED_STEMS.contains(&stem)))
        .filter(|n| !provided(facts, n))
        .cloned()
        .collect()
}

/// The CUDA major a library was built for, told by its needed libcudart/libcublas sonames.
pub fn needed_cuda_major(lib: &LibraryFacts) -> Option<u32> {
    lib.needed
        .iter()
        .filter_map(|n| split_soname(n))
        .find(|(stem, _)| CUDA_MAJOR_STEMS.contains(stem))
        .map(|(_, major)| major)
}

/// "a, b and c" for summaries.
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::FactsBuilder;

    #[test]
    fn absent_driver_needs_all_three_missing() {
        assert!(driver_absent(&FactsBuilder::cpu_only().build()));
        let with_node = FactsBuilder::cpu_only().dev_nodes(&["nvidiactl"]).build();
        assert!(!driver_absent(&with_node));
        let module_only = FactsBuilder::cpu_only().kernel("580.159.04");
        assert!(!driver_absent(&module_only.clone().build()));
        assert!(driver_absent(&module_only.container("docker").build()));
        assert!(!driver_absent(&FactsBuilder::h100().build()));
    }

    #[test]
    fn soname_helpers() {
        assert_eq!(split_soname("libcublasLt.so.12"), Some(("libcublasLt", 12)));
        assert_eq!(split_soname("libcudart.so.11.0"), Some(("libcudart", 11)));
        assert_eq!(split_soname("libc.so"), None);
        let facts = FactsBuilder::h100().build();
        assert!(provided(&facts, "libcudart.so.13"));
        assert!(!provided(&facts, "libcudart.so.12"));
        assert!(!provided(&facts, "libcudart.so.1"));
    }

    #[test]
    fn runtimes_put_the_loader_pick_first() {
        let facts = FactsBuilder::h100()
            .lib(
                Component::Cudart,
                "/opt/venv/nvidia/cu13/lib/libcudart.so.13",
                "13.1",
            )
            .build();
        let rts = cuda_runtimes(&facts);
        assert!(rts[0].loader_selected);
        assert_eq!(
            primary_runtime(&rts).unwrap().version.to_string(),
            "13.0.96"
        );
        assert!(rts.iter().any(|r| r.toolkit));
    }

    #[test]
    fn join_list_reads_naturally() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_list(&items), "a, b and c");
        assert_eq!(join_list(&items[..1]), "a");
    }
}
