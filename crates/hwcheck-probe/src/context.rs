//! The world a probe looks at: a filesystem root, an environment, limits.
//!
//! Probes never read `std::env` or absolute paths directly; they go through a [`SystemContext`],
//! so tests (and `--root DIR`) run the real probing code against a fake system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default per-probe timeout for child processes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// What probing may look at and how long it may take.
#[derive(Clone, Debug)]
pub struct SystemContext {
    /// Filesystem root: "/" normally, a fake tree under `--root`.
    pub root: PathBuf,
    /// Environment variables as the probed process sees them.
    pub env: BTreeMap<String, String>,
    /// Per-probe timeout for child processes.
    pub timeout: Duration,
    /// Skip slow probes (ONNX Runtime sessions, detection).
    pub quick: bool,
    /// User choices that steer probing.
    pub options: ProbeOptions,
}

/// User choices that steer probing (from the command line).
#[derive(Clone, Debug, Default)]
pub struct ProbeOptions {
    /// `--ort PATH`: the ONNX Runtime library to probe first.
    pub ort_path: Option<PathBuf>,
    /// `--reference-runtime`: also probe hwcheck's own pinned CPU ONNX Runtime.
    pub reference_runtime: bool,
    /// `--nvml-facts FILE`: take driver and GPU facts from a recorded report instead of NVML.
    pub nvml_facts: Option<PathBuf>,
    /// `--providers LIST`: the only providers to probe besides the CPU; empty = all.
    pub providers: Vec<hwcheck_model::facts::ort::Provider>,
    /// `--no-detect`: skip the person-detection check.
    pub no_detect: bool,
    /// `--runs N`: timed inference runs per provider for detection.
    pub runs: u32,
    /// hwcheck's own executable (a system path): when it is `<env>/bin/hwcheck` of a Python
    /// environment (a venv or conda env, as a wheel install puts it), that environment's
    /// packages (ONNX Runtime, pip CUDA libraries) are searched first. `None` under `--root` (the executable is not in that root).
    pub own_executable: Option<PathBuf>,
}

impl SystemContext {
    /// The real machine: root "/", this process's environment.
    pub fn from_process(
        root: Option<PathBuf>,
        timeout: Duration,
        quick: bool,
        options: ProbeOptions,
    ) -> Self {
        Self {
            root: root.unwrap_or_else(|| PathBuf::from("/")),
            env: std::env::vars().collect(),
            timeout,
            quick,
            options,
        }
    }

    /// True when probing a fake root rather than this machine.
    pub fn is_fake_root(&self) -> bool {
        self.root != Path::new("/")
    }

    /// Maps an absolute system path ("/proc/driver/nvidia/version") into the root.
    pub fn path(&self, system_path: impl AsRef<Path>) -> PathBuf {
        let p = system_path.as_ref();
        let relative = p.strip_prefix("/").unwrap_or(p);
        self.root.join(relative)
    }

    /// Maps a path inside the root back to how the probed system names it (for reports).
    pub fn display_path(&self, host_path: &Path) -> String {
        match host_path.strip_prefix(&self.root) {
            Ok(rel) if self.is_fake_root() => format!("/{}", rel.display()),
            _ => host_path.display().to_string(),
        }
    }

    /// An environment variable, `None` when unset.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    /// A colon-separated path list variable (LD_LIBRARY_PATH, PATH), empty entries dropped.
    pub fn path_list(&self, key: &str) -> Vec<String> {
        self.var(key)
            .map(|v| {
                v.split(':')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_into_a_fake_root() {
        let ctx = SystemContext {
            root: PathBuf::from("/tmp/fake"),
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
            quick: false,
            options: ProbeOptions::default(),
        };
        let p = ctx.path("/proc/driver/nvidia/version");
        assert_eq!(p, PathBuf::from("/tmp/fake/proc/driver/nvidia/version"));
        assert_eq!(ctx.display_path(&p), "/proc/driver/nvidia/version");
    }

    #[test]
    fn splits_path_lists() {
        let mut env = BTreeMap::new();
        env.insert("LD_LIBRARY_PATH".into(), "/a::/b:".into());
        let ctx = SystemContext {
            root: PathBuf::from("/"),
            env,
            timeout: DEFAULT_TIMEOUT,
            quick: false,
            options: ProbeOptions::default(),
        };
        assert_eq!(ctx.path_list("LD_LIBRARY_PATH"), vec!["/a", "/b"]);
        assert!(ctx.path_list("NOPE").is_empty());
    }
}
