//! Container detection, /dev/nvidia* nodes, allowlisted variables, NVIDIA_REQUIRE_CUDA, tools.

pub mod container;
pub mod devices;

use crate::context::SystemContext;
use hwcheck_model::env_vars;
use hwcheck_model::facts::EnvironmentFacts;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Tools looked up on PATH.
pub const TOOLS: [&str; 4] = ["nvidia-smi", "nvcc", "nvidia-container-cli", "python3"];
/// Most /dev entries looked at (a bounded walk, even on a strange /dev).
const MAX_DEV_ENTRIES: usize = 10_000;

/// Describes the process environment.
pub fn probe(ctx: &SystemContext) -> EnvironmentFacts {
    let detected = container::detect(ctx);
    let (container, container_evidence) = detected.found.unzip();
    EnvironmentFacts {
        container,
        container_evidence,
        container_rejected: detected.rejected,
        dev_nodes: dev_nodes(ctx),
        device_nodes: devices::probe(ctx),
        user: Some(devices::user()),
        variables: recorded_variables(ctx),
        require_cuda: ctx
            .var(env_vars::NVIDIA_REQUIRE_CUDA)
            .filter(|v| !v.trim().is_empty())
            .map(hwcheck_model::require_cuda::parse_require_cuda),
        tools: tools(ctx),
    }
}

/// Names of the /dev/nvidia* nodes (nvidia0, nvidiactl, nvidia-uvm, nvidia-caps…), sorted.
fn dev_nodes(ctx: &SystemContext) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(ctx.path("/dev")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .take(MAX_DEV_ENTRIES)
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("nvidia"))
        .collect();
    names.sort();
    names
}

/// The allowlisted variables ([`env_vars::RECORDED`]) that are set, verbatim.
fn recorded_variables(ctx: &SystemContext) -> BTreeMap<String, String> {
    env_vars::RECORDED
        .iter()
        .filter_map(|k| ctx.var(k).map(|v| (k.to_string(), v.to_string())))
        .collect()
}

/// [`TOOLS`] found on the context's PATH, by the path the probed system would use. Relative
/// PATH entries are ignored (they depend on the working directory, not the machine).
fn tools(ctx: &SystemContext) -> BTreeMap<String, String> {
    let dirs: Vec<PathBuf> = ctx
        .path_list(env_vars::PATH)
        .iter()
        .filter(|d| d.starts_with('/'))
        .map(|d| ctx.path(d))
        .collect();
    let Ok(search) = std::env::join_paths(&dirs) else {
        return BTreeMap::new();
    };
    TOOLS
        .iter()
        .filter_map(|tool| {
            let found = which::which_in(tool, Some(&search), &ctx.root).ok()?;
            Some((tool.to_string(), ctx.display_path(&found)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn executable(root: &Path, system_path: &str) {
        write(root, system_path, "#!/bin/sh\n");
        let p = root.join(system_path.trim_start_matches('/'));
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_fake_gpu_container() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "/.dockerenv", "");
        for node in ["nvidiactl", "nvidia0", "nvidia-uvm", "null", "nvme0"] {
            write(root, &format!("/dev/{node}"), "");
        }
        executable(root, "/usr/bin/nvidia-smi");
        executable(root, "/usr/local/cuda/bin/nvcc");
        executable(root, "/opt/venv/bin/python3");
        // Same name earlier on PATH but not executable: skipped.
        write(root, "/opt/early/python3", "");
        let env = [
            (
                "PATH",
                "/opt/early:/usr/local/cuda/bin:relative/bin:/usr/bin:/opt/venv/bin",
            ),
            (
                "NVIDIA_REQUIRE_CUDA",
                "cuda>=12.4 brand=tesla,driver>=470,driver<471",
            ),
            ("NVIDIA_VISIBLE_DEVICES", "all"),
            ("HOME", "/root"),
            ("AWS_SECRET_ACCESS_KEY", "nope"),
        ];
        let f = probe(&ctx(root, &env));
        assert_eq!(f.container.as_deref(), Some("docker"));
        assert_eq!(f.container_evidence.as_deref(), Some("/.dockerenv exists"));
        assert_eq!(f.dev_nodes, vec!["nvidia-uvm", "nvidia0", "nvidiactl"]);
        let vars: Vec<&str> = f.variables.keys().map(String::as_str).collect();
        assert_eq!(vars, vec!["NVIDIA_REQUIRE_CUDA", "NVIDIA_VISIBLE_DEVICES"]);
        assert_eq!(f.require_cuda.unwrap().cuda_min.unwrap().as_str(), "12.4");
        assert_eq!(f.tools.get("nvidia-smi").unwrap(), "/usr/bin/nvidia-smi");
        assert_eq!(f.tools.get("nvcc").unwrap(), "/usr/local/cuda/bin/nvcc");
        assert_eq!(f.tools.get("python3").unwrap(), "/opt/venv/bin/python3");
        assert!(!f.tools.contains_key("nvidia-container-cli"));
    }

    #[test]
    fn an_empty_fake_root_has_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let f = probe(&ctx(dir.path(), &[("PATH", "/usr/bin:/bin")]));
        assert!(f.container.is_none() && f.container_evidence.is_none());
        assert!(f.dev_nodes.is_empty() && f.variables.is_empty() && f.tools.is_empty());
        assert!(f.require_cuda.is_none());
    }

    #[test]
    fn a_blank_requirement_is_recorded_but_not_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let f = probe(&ctx(dir.path(), &[("NVIDIA_REQUIRE_CUDA", " ")]));
        assert!(f.require_cuda.is_none());
        assert_eq!(f.variables.get("NVIDIA_REQUIRE_CUDA").unwrap(), " ");
    }
}
