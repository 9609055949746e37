//! Where CUDA-family libraries are looked for, in report order: the loader's own places first
//! (LD_LIBRARY_PATH, ldconfig's cache, default directories), then toolkits, driver mounts,
//! Python environments (pip wheels) and conda prefixes. Every walk is a fixed-depth, bounded
//! listing: no recursion, so a symlink loop cannot trap it.

use crate::context::SystemContext;
use crate::toolkits;
use hwcheck_model::env_vars;
use hwcheck_model::facts::FoundVia;
use std::path::{Path, PathBuf};

/// A directory to scan and how it was reached.
#[derive(Clone, Debug)]
pub struct SearchDir {
    /// Path on this machine (inside the root).
    pub host: PathBuf,
    /// How it was reached.
    pub via: FoundVia,
}

/// Most entries of one listing considered when expanding a wildcard.
const MAX_LISTING: usize = 4096;
/// Most matches kept from one wildcard.
const MAX_MATCHES: usize = 64;

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
    for root in toolkits::roots(ctx) {
        let via = if root.from_env {
            FoundVia::CudaHome
        } else {
            FoundVia::CudaToolkit
        };
        for lib in ["lib64", "lib"] {
            add(root.host.join(lib), via.clone());
        }
        for target in subdirs(&root.host.join("targets"), "") {
            add(target.join("lib"), via.clone());
        }
        add(root.host.join("compat"), FoundVia::CudaCompat);
    }
    for dir in super::loader::DRIVER_DIRS {
        add(ctx.path(dir), FoundVia::Other(dir.to_string()));
    }
    for prefix in python_prefixes(ctx) {
        let label = ctx.display_path(&prefix);
        for site in site_packages(&prefix) {
            for pkg in subdirs(&site.join("nvidia"), "") {
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

/// Python environment prefixes (a prefix holds `lib/python3*/site-packages`): the active
/// virtualenv and conda env, system Pythons, /opt projects, conda installs and their envs, the
/// user's ~/.local and pyenv versions.
fn python_prefixes(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut prefixes = Vec::new();
    for var in [env_vars::VIRTUAL_ENV, env_vars::CONDA_PREFIX] {
        if let Some(p) = ctx.var(var).filter(|p| p.starts_with('/')) {
            prefixes.push(ctx.path(p));
        }
    }
    prefixes.push(ctx.path("/usr"));
    prefixes.push(ctx.path("/usr/local"));
    let mut conda_roots = Vec::new();
    for project in subdirs(&ctx.path("/opt"), "") {
        for venv in [".venv", "venv"] {
            prefixes.push(project.join(venv));
        }
        conda_roots.push(project);
    }
    if let Some(home) = ctx.var(env_vars::HOME).filter(|h| h.starts_with('/')) {
        let home = ctx.path(home);
        prefixes.push(home.join(".local"));
        prefixes.push(home.join(".venv"));
        prefixes.extend(subdirs(&home.join(".pyenv/versions"), ""));
        for conda in ["miniconda3", "anaconda3", "miniforge3", ".conda"] {
            conda_roots.push(home.join(conda));
        }
    }
    for root in conda_roots {
        prefixes.extend(subdirs(&root.join("envs"), ""));
        prefixes.push(root);
    }
    prefixes.retain(|p| p.join("lib").is_dir());
    prefixes
}

/// Every `site-packages` / `dist-packages` directory of every Python environment prefix that
/// [`search_dirs`] looks in, without duplicates.
pub fn python_site_packages(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for site in python_prefixes(ctx).iter().flat_map(|p| site_packages(p)) {
        if !out.contains(&site) {
            out.push(site);
        }
    }
    out
}

/// `lib/python3*/{site,dist}-packages` of a prefix.
fn site_packages(prefix: &Path) -> Vec<PathBuf> {
    subdirs(&prefix.join("lib"), "python3")
        .into_iter()
        .flat_map(|py| [py.join("site-packages"), py.join("dist-packages")])
        .filter(|p| p.is_dir())
        .collect()
}

/// Sub-directories of `dir` whose names start with `prefix`, sorted, bounded; empty when `dir`
/// cannot be listed.
pub fn subdirs(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .take(MAX_LISTING)
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found.truncate(MAX_MATCHES);
    found
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

    #[test]
    fn listing_a_missing_or_looping_dir_is_empty() {
        let root = tempfile::tempdir().unwrap();
        let a = root.path().join("a");
        std::os::unix::fs::symlink(root.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, root.path().join("b")).unwrap();
        assert!(subdirs(&a, "").is_empty());
        assert!(subdirs(&root.path().join("none"), "").is_empty());
    }
}
