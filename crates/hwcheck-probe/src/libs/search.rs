//! Where CUDA-family libraries are looked for, in report order: the loader's own places first
//! (LD_LIBRARY_PATH, ldconfig's cache, default directories), then toolkits, driver mounts,
//! Python environments (pip wheels) and conda prefixes. Every walk is a fixed-depth, bounded
//! listing: no recursion, so a symlink loop cannot trap it.

use crate::context::SystemContext;
use crate::listing::subdirs;
use crate::python_envs;
use crate::toolkit_roots;
use hwcheck_model::env_vars;
use hwcheck_model::facts::FoundVia;
use std::path::PathBuf;

/// A directory to scan and how it was reached.
#[derive(Clone, Debug)]
pub struct SearchDir {
    /// Path on this machine (inside the root).
    pub host: PathBuf,
    /// How it was reached.
    pub via: FoundVia,
}

/// The multiarch directories (Debian layout) of x86-64, then of AArch64.
const MULTIARCH_DIRS: [[&str; 2]; 2] = [
    ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"],
    ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"],
];

/// The default directories searched after the multiarch ones (RPM layout, then plain).
const COMMON_DIRS: [&str; 4] = ["/lib64", "/usr/lib64", "/lib", "/usr/lib"];

/// The loader's default directories for this architecture, in its search order.
pub fn default_dirs() -> [&'static str; 6] {
    let [a, b] = MULTIARCH_DIRS[usize::from(cfg!(target_arch = "aarch64"))];
    let [c, d, e, f] = COMMON_DIRS;
    [a, b, c, d, e, f]
}

/// The default directories of both architectures hwcheck knows (x86-64, then AArch64), for a
/// search that itself skips files of another architecture, as the loader does.
pub fn default_dirs_any_arch() -> [&'static str; 8] {
    let [[a, b], [c, d]] = MULTIARCH_DIRS;
    let [e, f, g, h] = COMMON_DIRS;
    [a, b, c, d, e, f, g, h]
}

/// The absolute directories of LD_LIBRARY_PATH, inside the root (relative entries name the
/// working directory of whatever process loads the library; hwcheck cannot know it).
pub fn ld_library_path(ctx: &SystemContext) -> Vec<PathBuf> {
    ctx.path_list(env_vars::LD_LIBRARY_PATH)
        .into_iter()
        .filter(|d| d.starts_with('/'))
        .map(|d| ctx.path(d))
        .collect()
}

/// Directories holding NVIDIA driver libraries that the loader searches only when ld.so.conf
/// (or LD_LIBRARY_PATH) lists them: the container toolkit's mount, the Windows driver's
/// libraries in WSL2 (`/etc/ld.so.conf.d/ld.wsl.conf`), L4T's driver on Jetson (tegra/, and
/// nvidia/ on newer L4T).
pub const DRIVER_DIRS: [&str; 5] = [
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/wsl/lib",
    "/usr/lib/aarch64-linux-gnu/tegra",
    "/usr/lib/aarch64-linux-gnu/nvidia",
];

/// Every directory to scan, in report order (duplicates are merged later by their real path).
/// `cache_dirs` are the directories of ldconfig's cache entries for our libraries.
pub fn search_dirs(ctx: &SystemContext, cache_dirs: &[String]) -> Vec<SearchDir> {
    let mut out = Vec::new();
    let mut add = |host: PathBuf, via: FoundVia| out.push(SearchDir { host, via });
    for dir in ld_library_path(ctx) {
        add(dir, FoundVia::LdLibraryPath);
    }
    for dir in cache_dirs {
        add(ctx.path(dir), FoundVia::LdconfigCache);
    }
    for dir in default_dirs() {
        add(ctx.path(dir), FoundVia::DefaultDir);
    }
    for root in toolkit_roots::roots(ctx) {
        let via = if root.from_env {
            FoundVia::CudaHome
        } else {
            FoundVia::CudaToolkit
        };
        for lib in ["lib64", "lib"] {
            add(root.host.join(lib), via.clone());
        }
        for target in subdirs(&root.host.join("targets"), |_| true) {
            add(target.join("lib"), via.clone());
        }
        add(root.host.join("compat"), FoundVia::CudaCompat);
    }
    for dir in DRIVER_DIRS {
        add(ctx.path(dir), FoundVia::Other(dir.to_string()));
    }
    for prefix in python_envs::prefixes(ctx) {
        let label = ctx.display_path(&prefix);
        for site in python_envs::site_packages_of(&prefix) {
            for pkg in subdirs(&site.join("nvidia"), |_| true) {
                add(pkg.join("lib"), FoundVia::PipWheel(label.clone()));
            }
            add(
                site.join("tensorrt_libs"),
                FoundVia::PipWheel(label.clone()),
            );
        }
        if prefix.join("conda-meta").is_dir() {
            add(prefix.join("lib"), FoundVia::Conda(label));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    #[test]
    fn finds_pip_wheel_and_conda_dirs_in_a_fake_root() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let sp = "/opt/torch/.venv/lib/python3.12/site-packages";
        write(r, &format!("{sp}/nvidia/cu13/lib/libcudart.so.13"), "");
        write(r, &format!("{sp}/nvidia/cudnn/lib/libcudnn.so.9"), "");
        write(r, "/home/u/miniconda3/envs/a/conda-meta/x.json", "{}");
        write(r, "/home/u/miniconda3/envs/a/lib/libcudart.so.12", "");
        let c = ctx(r, &[("HOME", "/home/u"), ("LD_LIBRARY_PATH", "/x:/y")]);
        let dirs = search_dirs(&c, &["/usr/lib/cache".to_string()]);
        let shown: Vec<(String, FoundVia)> = dirs
            .iter()
            .map(|d| (c.display_path(&d.host), d.via.clone()))
            .collect();
        let wheel = FoundVia::PipWheel("/opt/torch/.venv".into());
        assert!(shown.contains(&(format!("{sp}/nvidia/cu13/lib"), wheel.clone())));
        assert!(shown.contains(&(format!("{sp}/nvidia/cudnn/lib"), wheel)));
        assert!(shown.contains(&(
            "/home/u/miniconda3/envs/a/lib".into(),
            FoundVia::Conda("/home/u/miniconda3/envs/a".into())
        )));
        assert_eq!(shown[0], ("/x".into(), FoundVia::LdLibraryPath));
        assert_eq!(shown[2], ("/usr/lib/cache".into(), FoundVia::LdconfigCache));
    }
}
