//! NVML: driver version, supported CUDA version and every GPU, asked in an isolated child.
//!
//! The parent decides which libnvidia-ml to load (the loader's `libnvidia-ml.so.1` on the real
//! machine, a file inside a fake root, or none when replaying `--nvml-facts`); the child loads
//! it, initialises NVML and answers. Every NVML failure is a fact with NVML's error name.

pub mod device;

use crate::context::SystemContext;
use crate::isolate::{parse_arg, to_reply, ChildProbe};
use crate::libs::{driver_library, loader::DriverLibrary};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{GpuFacts, NvmlFacts, ProbeError};
use hwcheck_model::read;
use hwcheck_model::version::DottedVersion;
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::Nvml;
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::path::Path;

/// Name of this module's child probe kind (`hwcheck __probe nvml …`).
pub const CHILD_KIND: &str = "nvml";

/// The soname NVML ships under (the unversioned .so is usually absent outside dev packages).
pub const LIBRARY: &str = "libnvidia-ml.so.1";
/// Error code when the library cannot be loaded at all (NVML's own name for it).
const LIBRARY_NOT_FOUND: &str = "LibraryNotFound";
/// Most bytes read of /proc/self/maps in the child.
const MAX_MAPS: u64 = 8 << 20;

/// What the child sends back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NvmlReport {
    /// System-level answers, or the init error.
    pub nvml: NvmlFacts,
    /// One entry per device NVML counted.
    pub gpus: Vec<GpuFacts>,
}

/// The child's argument: which library to load.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct NvmlArg {
    /// A soname for the loader to resolve, or an absolute path.
    library: String,
}

/// Asks NVML (in a child process) for the driver and every GPU. With `--nvml-facts FILE`, takes
/// them from that recorded report instead.
pub fn probe(ctx: &SystemContext) -> (NvmlFacts, Vec<GpuFacts>) {
    if let Some(file) = &ctx.options.nvml_facts {
        return replay(file);
    }
    let library = if ctx.is_fake_root() {
        match driver_library(ctx, LIBRARY) {
            Some(DriverLibrary::Picked(path)) => path.to_string_lossy().into_owned(),
            Some(DriverLibrary::OffPath(path)) => {
                let message = format!(
                    "{LIBRARY} is at {} but the loader does not search there (not in \
                     LD_LIBRARY_PATH or ld.so.cache)",
                    ctx.display_path(&path)
                );
                return failed(ProbeError::new(LIBRARY_NOT_FOUND, message));
            }
            None => {
                let message = format!(
                    "no {LIBRARY} was found the loader's way (LD_LIBRARY_PATH, ld.so.cache, \
                     default directories) nor in the driver directories under {}",
                    ctx.root.display()
                );
                return failed(ProbeError::new(LIBRARY_NOT_FOUND, message));
            }
        }
    } else {
        LIBRARY.to_string()
    };
    let arg = NvmlArg { library };
    match ChildProbe::new(CHILD_KIND, &arg, ctx.timeout).run::<NvmlReport>() {
        Ok(mut report) => {
            report.nvml.library_path = report
                .nvml
                .library_path
                .map(|p| ctx.display_path(Path::new(&p)));
            (report.nvml, report.gpus)
        }
        Err(failure) => failed(failure.to_probe_error()),
    }
}

fn failed(error: ProbeError) -> (NvmlFacts, Vec<GpuFacts>) {
    let facts = NvmlFacts {
        error: Some(error),
        ..NvmlFacts::default()
    };
    (facts, Vec::new())
}

/// The driver and GPU facts of a recorded report.
fn replay(file: &Path) -> (NvmlFacts, Vec<GpuFacts>) {
    match hwcheck_model::facts::load::load_report(file) {
        Ok(facts) => (facts.driver.nvml, facts.gpus),
        Err(e) => failed(ProbeError::new(Code::NvmlFactsUnreadable, e.to_string())),
    }
}

/// Child side of the `nvml` probe.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    let arg: NvmlArg = parse_arg(arg)?;
    to_reply(Ok(query(&arg.library)))
}

/// Loads `library`, initialises NVML and asks everything. Runs in the child.
fn query(library: &str) -> NvmlReport {
    // Our own handle keeps the library mapped even when NVML's init fails and nvml-wrapper
    // unloads its copy, so /proc/self/maps can still name the file that failed.
    // SAFETY: loading runs the library's initialisers; that risk is why this runs in a child.
    let pinned = unsafe { libloading::Library::new(library) };
    if let Err(e) = pinned {
        let message = format!("{library} could not be loaded: {e}");
        return NvmlReport {
            nvml: NvmlFacts {
                error: Some(ProbeError::new(LIBRARY_NOT_FOUND, message)),
                ..NvmlFacts::default()
            },
            gpus: Vec::new(),
        };
    }
    let init = Nvml::builder().lib_path(OsStr::new(library)).init();
    let library_path = read::text_up_to(Path::new("/proc/self/maps"), MAX_MAPS)
        .ok()
        .and_then(|maps| library_in_maps(&maps, "libnvidia-ml.so"));
    let nvml = match init {
        Ok(nvml) => nvml,
        Err(e) => {
            return NvmlReport {
                nvml: NvmlFacts {
                    library_path,
                    error: Some(init_error(&e)),
                    ..NvmlFacts::default()
                },
                gpus: Vec::new(),
            }
        }
    };
    let device_count = nvml.device_count().ok();
    NvmlReport {
        nvml: NvmlFacts {
            library_path,
            error: None,
            driver_version: nvml
                .sys_driver_version()
                .ok()
                .and_then(|v| DottedVersion::parse(&v).ok()),
            cuda_driver_version: nvml
                .sys_cuda_driver_version()
                .ok()
                .and_then(DottedVersion::from_cuda_int),
            nvml_version: nvml.sys_nvml_version().ok(),
            device_count,
        },
        gpus: (0..device_count.unwrap_or(0))
            .map(|i| device::gpu_facts(&nvml, i))
            .collect(),
    }
}

/// An init failure as a fact: NVML's error name (a load failure is `LibraryNotFound`).
fn init_error(e: &NvmlError) -> ProbeError {
    let code = match e {
        NvmlError::LibloadingError(_) => LIBRARY_NOT_FOUND.to_string(),
        other => error_name(other),
    };
    ProbeError::new(code, e.to_string())
}

/// NVML's error name ("NotSupported", "GpuLost", …) without any payload.
pub fn error_name(e: &NvmlError) -> String {
    format!("{e:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// The path of the first mapped file whose name starts with `prefix`, from /proc/self/maps text.
pub fn library_in_maps(maps: &str, prefix: &str) -> Option<String> {
    maps.lines().find_map(|line| {
        let path = &line[line.find('/')?..];
        let path = path.strip_suffix(" (deleted)").unwrap_or(path);
        let name = path.rsplit('/').next()?;
        name.starts_with(prefix).then(|| path.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ctx;
    use std::time::Instant;

    const MAPS: &str = "\
5583b2a00000-5583b2a2c000 r--p 00000000 fd:01 1838 /usr/bin/hwcheck
7f1c2a000000-7f1c2a0b5000 r--p 00000000 fd:01 3941 /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.580.159.04
7f1c2a0b5000-7f1c2a2f0000 r-xp 000b5000 fd:01 3941 /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.580.159.04
7ffd4d7e1000-7ffd4d802000 rw-p 00000000 00:00 0                          [stack]
";

    #[test]
    fn finds_the_mapped_library() {
        assert_eq!(
            library_in_maps(MAPS, "libnvidia-ml.so").as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.580.159.04")
        );
        assert_eq!(library_in_maps(MAPS, "libcuda.so"), None);
        assert_eq!(library_in_maps("", "libnvidia-ml.so"), None);
        let odd = "7f-7f r--p 0 fd:01 1 /opt/my libs/libnvidia-ml.so.1 (deleted)\n";
        assert_eq!(
            library_in_maps(odd, "libnvidia-ml.so").as_deref(),
            Some("/opt/my libs/libnvidia-ml.so.1")
        );
    }

    #[test]
    fn error_names_drop_payloads() {
        assert_eq!(error_name(&NvmlError::NotSupported), "NotSupported");
        assert_eq!(
            error_name(&NvmlError::LibRmVersionMismatch),
            "LibRmVersionMismatch"
        );
        assert_eq!(
            error_name(&NvmlError::InsufficientSize(Some(3))),
            "InsufficientSize"
        );
        assert_eq!(
            error_name(&NvmlError::FailedToLoadSymbol("nvmlInit_v2".into())),
            "FailedToLoadSymbol"
        );
        assert_eq!(
            init_error(&NvmlError::DriverNotLoaded).code,
            "DriverNotLoaded"
        );
    }

    #[test]
    fn the_child_reports_a_missing_library() {
        let report = query("/nonexistent/libnvidia-ml.so.1");
        let error = report.nvml.error.unwrap();
        assert_eq!(error.code, "LibraryNotFound");
        assert!(
            error.message.contains("/nonexistent/libnvidia-ml.so.1"),
            "{}",
            error.message
        );
        assert!(report.nvml.library_path.is_none() && report.gpus.is_empty());
    }

    #[test]
    fn the_child_reports_an_unloadable_file() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join(LIBRARY);
        std::fs::write(&lib, "not an ELF file").unwrap();
        let error = query(&lib.to_string_lossy()).nvml.error.unwrap();
        assert_eq!(error.code, "LibraryNotFound");
        assert!(
            error.message.contains("could not be loaded"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_fake_root_without_nvml_never_touches_the_host() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (facts, gpus) = probe(&ctx(dir.path(), &[]));
        let error = facts.error.unwrap();
        assert_eq!(error.code, "LibraryNotFound");
        assert!(
            error
                .message
                .starts_with("no libnvidia-ml.so.1 was found the loader's way"),
            "{}",
            error.message
        );
        assert!(gpus.is_empty());
        assert!(started.elapsed().as_millis() < 100, "no child is started");
    }

    #[test]
    fn a_copy_off_the_loaders_path_is_named_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let wsl = dir.path().join("usr/lib/wsl/lib");
        std::fs::create_dir_all(&wsl).unwrap();
        let elf = crate::elf::testing::build_elf(crate::elf::host_machine(), LIBRARY, &[]);
        std::fs::write(wsl.join(LIBRARY), elf).unwrap();
        let started = Instant::now();
        let (facts, _) = probe(&ctx(dir.path(), &[]));
        let error = facts.error.unwrap();
        assert_eq!(error.code, "LibraryNotFound");
        assert!(
            error.message.contains(
                "/usr/lib/wsl/lib/libnvidia-ml.so.1 but the loader does not search there"
            ),
            "{}",
            error.message
        );
        assert!(started.elapsed().as_millis() < 100, "no child is started");
    }

    #[test]
    fn replays_recorded_facts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.json");
        let recorded = serde_json::json!({
            "schema_version": 1,
            "hwcheck_version": "0.1.0",
            "driver": {
                "nvml": {"library_path": "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.580.159.04",
                         "error": null, "driver_version": "580.159.04",
                         "cuda_driver_version": "13.0", "nvml_version": "13.580.159.04",
                         "device_count": 1},
                "kernel_module": null
            },
            "gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3"}]
        });
        std::fs::write(&file, recorded.to_string()).unwrap();
        let mut c = ctx(dir.path(), &[]);
        c.options.nvml_facts = Some(file);
        let (facts, gpus) = probe(&c);
        assert!(facts.error.is_none());
        assert_eq!(facts.driver_version.unwrap().as_str(), "580.159.04");
        assert_eq!(gpus[0].name, "NVIDIA H100 80GB HBM3");
    }

    #[test]
    fn an_unreadable_recording_is_a_fact() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("garbage.json");
        std::fs::write(&file, "{not json").unwrap();
        let mut c = ctx(dir.path(), &[]);
        c.options.nvml_facts = Some(file);
        let (facts, gpus) = probe(&c);
        assert_eq!(facts.error.unwrap().code, "nvml_facts_unreadable");
        assert!(gpus.is_empty());
    }
}
