//! Finds every ONNX Runtime library on the machine: `--ort`, ORT_DYLIB_PATH, each Python
//! environment's `onnxruntime/capi/` (the one hwcheck itself is installed in first), system library directories, and hwcheck's reference
//! runtime. Every walk is bounded (entries per directory, directories per pattern) and every
//! path goes through the [`SystemContext`], so fake roots work.

use crate::context::SystemContext;
use hwcheck_model::env_vars;
use hwcheck_model::facts::ort::{OrtInstall, OrtSource, ProviderLibrary};
use std::path::{Path, PathBuf};

/// The reference runtime version scripts/fetch-reference-ort.sh pins.
pub const REFERENCE_VERSION: &str = "1.31.1";
/// Variable naming the reference runtime library directly (set by scripts/test.sh).
pub const REFERENCE_VAR: &str = env_vars::HWCHECK_REFERENCE_ORT;
/// Most entries read from one directory.
const MAX_DIR_ENTRIES: usize = 4096;
/// Most directories one wildcard may expand to.
const MAX_MATCHES: usize = 64;

/// System directories where a C/C++ ONNX Runtime install puts libonnxruntime.so.
const SYSTEM_DIRS: [&str; 8] = [
    "/usr/local/lib",
    "/usr/local/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
];

/// An install found, with the host path the child must load.
#[derive(Clone, Debug)]
pub struct Found {
    /// The facts so far (paths, sources, provider libraries, Python packages).
    pub install: OrtInstall,
    /// Where the library is on this host (inside the root).
    pub host_path: PathBuf,
}

/// Every ORT library, deduplicated by real path, in probe order. The reference runtime is
/// included when `--reference-runtime` is given or when nothing else was found; the second
/// value says why it is absent when it was wanted.
pub fn discover(ctx: &SystemContext) -> (Vec<Found>, Option<String>) {
    let mut found: Vec<Found> = Vec::new();
    let mut add = |path: PathBuf, source: OrtSource| add_candidate(ctx, &mut found, path, source);
    if let Some(p) = &ctx.options.ort_path {
        add(host_path(ctx, p), OrtSource::Option);
    }
    if let Some(p) = ctx.var(env_vars::ORT_DYLIB_PATH).filter(|p| !p.is_empty()) {
        add(host_path(ctx, Path::new(p)), OrtSource::OrtDylibPath);
    }
    for site in site_packages_dirs(ctx) {
        let source = OrtSource::Python(ctx.display_path(&site));
        for lib in ort_libs_in(&site.join("onnxruntime").join("capi")) {
            add(lib, source.clone());
        }
    }
    let ld_dirs = ctx.path_list(env_vars::LD_LIBRARY_PATH);
    for dir in ld_dirs.iter().map(String::as_str).chain(SYSTEM_DIRS) {
        let dir = ctx.path(dir);
        for lib in ort_libs_in(&dir) {
            add(lib, OrtSource::System(ctx.display_path(&dir)));
        }
    }
    let wanted = ctx.options.reference_runtime || found.is_empty();
    let mut missing_reference = None;
    if wanted {
        match reference_path(ctx) {
            Some(p) => add_candidate(ctx, &mut found, p, OrtSource::Reference),
            None if ctx.options.reference_runtime => {
                missing_reference = Some(format!(
                    "the reference runtime (ONNX Runtime {REFERENCE_VERSION}, CPU) is not fetched: run scripts/fetch-reference-ort.sh, or set {REFERENCE_VAR}"
                ));
            }
            None => {}
        }
    }
    (found, missing_reference)
}

/// `p` as a host path: relative paths stay relative to the working directory, absolute ones
/// go into the root.
fn host_path(ctx: &SystemContext, p: &Path) -> PathBuf {
    if p.is_absolute() {
        ctx.path(p)
    } else {
        p.to_path_buf()
    }
}

fn add_candidate(ctx: &SystemContext, found: &mut Vec<Found>, path: PathBuf, source: OrtSource) {
    let real = path.canonicalize().ok();
    let same = |f: &Found| match (&real, f.host_path.canonicalize().ok()) {
        (Some(a), Some(b)) => *a == b,
        _ => f.host_path == path,
    };
    if let Some(existing) = found.iter_mut().find(|f| same(f)) {
        if !existing.install.found_via.contains(&source) {
            existing.install.found_via.push(source.clone());
        }
        existing.install.is_reference |= source == OrtSource::Reference;
        return;
    }
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let site = match &source {
        OrtSource::Python(_) => dir.parent().and_then(Path::parent),
        _ => None,
    };
    let python_packages = site.map(python_distributions).unwrap_or_default();
    let wheel_tags = site.map(wheel_tags).unwrap_or_default();
    let install = OrtInstall {
        path: ctx.display_path(&path),
        real_path: real.as_deref().map(|r| ctx.display_path(r)),
        is_reference: source == OrtSource::Reference,
        found_via: vec![source],
        python_packages,
        wheel_tags,
        machine: crate::elf::read_dynamic(&path)
            .ok()
            .map(|e| e.machine_name()),
        provider_libraries: provider_libraries_in(ctx, &dir),
        ..OrtInstall::default()
    };
    found.push(Found {
        install,
        host_path: path,
    });
}

/// The reference runtime library: HWCHECK_REFERENCE_ORT, else the fetch script's cache.
pub fn reference_path(ctx: &SystemContext) -> Option<PathBuf> {
    if let Some(p) = ctx.var(REFERENCE_VAR).filter(|p| !p.is_empty()) {
        return Some(host_path(ctx, Path::new(p)));
    }
    let cache = match ctx.var(env_vars::XDG_CACHE_HOME).filter(|p| !p.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(ctx.var(env_vars::HOME)?).join(".cache"),
    };
    let lib = ctx.path(
        cache
            .join("hwcheck/onnxruntime")
            .join(REFERENCE_VERSION)
            .join(format!("libonnxruntime.so.{REFERENCE_VERSION}")),
    );
    lib.is_file().then_some(lib)
}

/// Sorted entries of `dir` (at most [`MAX_DIR_ENTRIES`]); empty when unreadable.
fn list_dir(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = entries
        .take(MAX_DIR_ENTRIES)
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// Subdirectories of `dir` whose names satisfy `keep` (at most [`MAX_MATCHES`]).
fn subdirs(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    list_dir(dir)
        .into_iter()
        .filter(|(name, path)| keep(name) && path.is_dir())
        .map(|(_, path)| path)
        .take(MAX_MATCHES)
        .collect()
}

/// The main ORT library files in `dir`: libonnxruntime.so and its versioned names.
pub fn ort_libs_in(dir: &Path) -> Vec<PathBuf> {
    list_dir(dir)
        .into_iter()
        .filter(|(name, path)| is_main_ort_lib(name) && path.is_file())
        .map(|(_, path)| path)
        .collect()
}

/// "libonnxruntime.so", "libonnxruntime.so.1", "libonnxruntime.so.1.31.1" (not the providers).
pub fn is_main_ort_lib(name: &str) -> bool {
    name.strip_prefix("libonnxruntime.so")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn provider_libraries_in(ctx: &SystemContext, dir: &Path) -> Vec<ProviderLibrary> {
    list_dir(dir)
        .into_iter()
        .filter(|(name, _)| name.starts_with("libonnxruntime_providers_") && name.contains(".so"))
        .map(|(name, path)| ProviderLibrary {
            name,
            path: ctx.display_path(&path),
            ..ProviderLibrary::default()
        })
        .collect()
}

/// The Python environment hwcheck's own executable is installed in: `<env>` for
/// `<env>/bin/hwcheck` when `<env>` is a venv (`pyvenv.cfg`) or a conda env (`conda-meta/`), as
/// `pip install` of the wheel puts it. pipx's and uv's links resolve to their own venvs.
pub fn own_environment(ctx: &SystemContext) -> Option<PathBuf> {
    let exe = ctx.options.own_executable.as_ref()?;
    let bin = exe.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let prefix = ctx.path(bin.parent()?);
    (prefix.join("pyvenv.cfg").is_file() || prefix.join("conda-meta").is_dir()).then_some(prefix)
}

/// Python prefixes: hwcheck's own environment, VIRTUAL_ENV, CONDA_PREFIX, every python on
/// PATH, and known places.
fn python_prefixes(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut prefixes: Vec<PathBuf> = own_environment(ctx).into_iter().collect();
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(p) = ctx.var(var).filter(|p| !p.is_empty()) {
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
    if let Some(home) = ctx.var(env_vars::HOME).filter(|h| !h.is_empty()) {
        let home = ctx.path(home);
        prefixes.push(home.join(".local"));
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

/// Every site-packages / dist-packages directory of every Python prefix.
fn site_packages_dirs(ctx: &SystemContext) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for prefix in python_prefixes(ctx) {
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
    }
    out
}

/// ORT distributions installed in a site-packages directory, from their `.dist-info` names:
/// "onnxruntime_gpu-1.31.1.dist-info" -> "onnxruntime-gpu 1.31.1".
fn python_distributions(site: &Path) -> Vec<String> {
    list_dir(site)
        .into_iter()
        .filter_map(|(name, _)| parse_dist_info(&name))
        .collect()
}

/// The `Tag:` lines of the ORT distributions' `*.dist-info/WHEEL` files in a site-packages
/// directory (the platform each wheel was built for).
fn wheel_tags(site: &Path) -> Vec<String> {
    let mut tags = Vec::new();
    for (name, path) in list_dir(site) {
        if parse_dist_info(&name).is_none() {
            continue;
        }
        if let Ok(text) = hwcheck_model::read::small_text(&path.join("WHEEL")) {
            tags.extend(parse_wheel_tags(&text));
        }
    }
    tags
}

/// The `Tag:` values of a WHEEL file (at most 16).
pub fn parse_wheel_tags(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("Tag:"))
        .map(|t| t.trim().chars().take(120).collect::<String>())
        .filter(|t| !t.is_empty())
        .take(16)
        .collect()
}

/// "onnxruntime_gpu-1.31.1.dist-info" -> "onnxruntime-gpu 1.31.1"; `None` for other packages.
pub fn parse_dist_info(dir_name: &str) -> Option<String> {
    let stem = dir_name.strip_suffix(".dist-info")?;
    let (name, version) = stem.split_once('-')?;
    let name = name.to_ascii_lowercase().replace('_', "-");
    let is_ort = name == "onnxruntime" || name.starts_with("onnxruntime-");
    (is_ort
        && !name.starts_with("onnxruntime-genai")
        && !name.starts_with("onnxruntime-extensions"))
    .then(|| format!("{name} {version}"))
}

#[cfg(test)]
mod tests;
