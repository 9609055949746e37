//! Python environments on the machine: where pip wheels put CUDA libraries and ONNX Runtime.
//! One discovery shared by the library search, the ORT discovery and the kernel-image scan.

use crate::context::SystemContext;
use crate::listing::subdirs;
use hwcheck_model::env_vars;
use std::path::{Path, PathBuf};

/// The Python environment hwcheck's own executable is installed in: `<env>` for
/// `<env>/bin/hwcheck` when `<env>` is a venv (`pyvenv.cfg`) or a conda env (`conda-meta/`), as
/// `pip install` of hwcheck's wheel puts it. pipx's and uv's links resolve to their own venvs.
pub fn own_environment(ctx: &SystemContext) -> Option<PathBuf> {
    let exe = ctx.options.own_executable.as_ref()?;
    let bin = exe.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let prefix = ctx.path(bin.parent()?);
    (prefix.join("pyvenv.cfg").is_file() || prefix.join("conda-meta").is_dir()).then_some(prefix)
}

/// Python prefixes (a prefix holds `lib/python3*/site-packages`), without duplicates: the one
/// hwcheck itself is installed in ([`own_environment`]) first, then the active
/// virtualenv and conda env, every python on PATH (and the base a venv's python links to),
/// system prefixes, /opt projects and their venvs, the user's ~/.local, ~/.venv and pyenv
/// versions, conda installs and their envs.
pub fn prefixes(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut prefixes: Vec<PathBuf> = own_environment(ctx).into_iter().collect();
    for var in [env_vars::VIRTUAL_ENV, env_vars::CONDA_PREFIX] {
        if let Some(p) = ctx.var(var).filter(|p| p.starts_with('/')) {
            prefixes.push(ctx.path(p));
        }
    }
    for dir in ctx.path_list(env_vars::PATH) {
        let bin = ctx.path(&dir);
        for exe in ["python3", "python"] {
            let candidate = bin.join(exe);
            if !candidate.is_file() {
                continue;
            }
            prefixes.extend(bin.parent().map(Path::to_path_buf));
            // A venv's python is a link to the base interpreter: its prefix counts too.
            let real_prefix = candidate
                .canonicalize()
                .ok()
                .and_then(|r| r.parent().and_then(Path::parent).map(Path::to_path_buf));
            prefixes.extend(real_prefix);
        }
    }
    for fixed in ["/usr", "/usr/local", "/opt/conda"] {
        prefixes.push(ctx.path(fixed));
    }
    for opt in subdirs(&ctx.path("/opt"), |_| true) {
        prefixes.extend(subdirs(&opt, |n| n == ".venv" || n == "venv"));
        prefixes.push(opt);
    }
    if let Some(home) = ctx.var(env_vars::HOME).filter(|h| h.starts_with('/')) {
        let home = ctx.path(home);
        prefixes.push(home.join(".local"));
        prefixes.push(home.join(".venv"));
        prefixes.extend(subdirs(&home.join(".pyenv/versions"), |_| true));
        for conda in ["miniconda3", "anaconda3", "miniforge3", ".conda"] {
            prefixes.push(home.join(conda));
        }
    }
    let conda_roots: Vec<PathBuf> = prefixes.clone();
    for root in conda_roots {
        prefixes.extend(subdirs(&root.join("envs"), |_| true));
    }
    let mut unique = Vec::new();
    for p in prefixes {
        if p.is_dir() && !unique.contains(&p) {
            unique.push(p);
        }
    }
    unique
}

/// `{lib,lib64}/python3*/{site,dist}-packages` of one prefix.
pub fn site_packages_of(prefix: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        for py in subdirs(&prefix.join(lib), |n| n.starts_with("python3")) {
            for site in ["site-packages", "dist-packages"] {
                let dir = py.join(site);
                if dir.is_dir() && !out.contains(&dir) {
                    out.push(dir);
                }
            }
        }
    }
    out
}

/// Every `site-packages` / `dist-packages` directory of every prefix, without duplicates.
pub fn site_packages(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for site in prefixes(ctx).iter().flat_map(|p| site_packages_of(p)) {
        if !out.contains(&site) {
            out.push(site);
        }
    }
    out
}
