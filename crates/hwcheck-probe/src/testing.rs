//! Helpers for tests that probe a fake root.

use crate::context::{ProbeOptions, SystemContext, DEFAULT_TIMEOUT};
use std::path::Path;

/// A context probing the fake root `root` with only the variables `env`.
pub fn ctx(root: &Path, env: &[(&str, &str)]) -> SystemContext {
    SystemContext {
        root: root.to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        timeout: DEFAULT_TIMEOUT,
        quick: true,
        options: ProbeOptions::default(),
    }
}

/// Writes `text` at the system path `system_path` inside `root`, creating folders.
pub fn write(root: &Path, system_path: &str, text: &str) {
    let p = root.join(system_path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Head of /usr/local/cuda-13.0/version.json as shipped with CUDA 13.0.2.
pub const VERSION_JSON: &str = r#"{
   "cuda" : {
      "name" : "CUDA SDK",
      "version" : "13.0.2"
   },
   "cuda_cccl" : {
      "name" : "CUDA C++ Core Compute Libraries",
      "version" : "13.0.85"
   },
   "cuda_cudart" : {
      "name" : "CUDA Runtime (cudart)",
      "version" : "13.0.96"
   }
}"#;
