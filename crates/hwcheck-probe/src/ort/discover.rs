//! Finds every ONNX Runtime library on the machine: `--ort`, ORT_DYLIB_PATH, each Python
//! environment's `onnxruntime/capi/` (the one hwcheck itself is installed in first), system library directories, and hwcheck's reference
//! runtime. Every walk is bounded (entries per directory, directories per pattern) and every
//! path goes through the [`SystemContext`], so fake roots work.

use crate::context::SystemContext;
use crate::listing::list_dir;
use crate::python_envs;
use hwcheck_model::env_vars;
use hwcheck_model::facts::ort::{OrtInstall, OrtSource, ProviderLibrary};
use std::path::{Path, PathBuf};

/// The reference runtime version scripts/fetch-reference-ort.sh pins.
pub const REFERENCE_VERSION: &str = "1.31.1";
/// Variable naming the reference runtime library directly (set by scripts/test.sh).
pub const REFERENCE_VAR: &str = env_vars::HWCHECK_REFERENCE_ORT;

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
    for site in python_envs::site_packages(ctx) {
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
mod tests {
    use super::*;
    use crate::context::{ProbeOptions, DEFAULT_TIMEOUT};
    use std::collections::BTreeMap;

    fn ctx(root: &Path, env: &[(&str, &str)], options: ProbeOptions) -> SystemContext {
        SystemContext {
            root: root.to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            timeout: DEFAULT_TIMEOUT,
            quick: false,
            options,
        }
    }

    fn touch(root: &Path, path: &str) {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn names_of_main_libraries() {
        assert!(is_main_ort_lib("libonnxruntime.so"));
        assert!(is_main_ort_lib("libonnxruntime.so.1.31.1"));
        assert!(!is_main_ort_lib("libonnxruntime_providers_cuda.so"));
        assert!(!is_main_ort_lib("libonnxruntime.sox"));
    }

    #[test]
    fn dist_info_names() {
        assert_eq!(
            parse_dist_info("onnxruntime_gpu-1.31.1.dist-info").as_deref(),
            Some("onnxruntime-gpu 1.31.1")
        );
        assert_eq!(
            parse_dist_info("onnxruntime-1.26.0.dist-info").as_deref(),
            Some("onnxruntime 1.26.0")
        );
        assert_eq!(parse_dist_info("onnxruntime_genai-0.5.dist-info"), None);
        assert_eq!(parse_dist_info("numpy-2.0.dist-info"), None);
        assert_eq!(parse_dist_info("onnxruntime"), None);
    }

    #[test]
    fn wheel_tags_tell_where_a_wheel_was_built_for() {
        let wheel = "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: false\nTag: cp310-cp310-manylinux_2_27_aarch64\nTag: cp310-cp310-manylinux_2_28_aarch64\n";
        assert_eq!(
            parse_wheel_tags(wheel),
            [
                "cp310-cp310-manylinux_2_27_aarch64",
                "cp310-cp310-manylinux_2_28_aarch64"
            ]
        );
        assert!(parse_wheel_tags("").is_empty());
        assert!(parse_wheel_tags("Tag:   \n").is_empty());
    }

    #[test]
    fn finds_a_cpu_wheel_shadowing_a_gpu_wheel_and_a_venv() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let site = "/opt/app/.venv/lib/python3.11/site-packages";
        touch(
            root,
            &format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1"),
        );
        touch(
            root,
            &format!("{site}/onnxruntime/capi/libonnxruntime_providers_shared.so"),
        );
        std::fs::create_dir_all(root.join(&site[1..]).join("onnxruntime-1.31.1.dist-info"))
            .unwrap();
        std::fs::create_dir_all(
            root.join(&site[1..])
                .join("onnxruntime_gpu-1.31.1.dist-info"),
        )
        .unwrap();
        touch(root, "/usr/local/lib/libonnxruntime.so.1.20.0");
        let c = ctx(root, &[("HOME", "/root")], ProbeOptions::default());
        let (found, missing) = discover(&c);
        assert_eq!(missing, None);
        assert_eq!(found.len(), 2, "{found:?}");
        let py = &found[0].install;
        assert_eq!(
            py.path,
            format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1")
        );
        assert_eq!(py.found_via, vec![OrtSource::Python(site.to_string())]);
        assert_eq!(
            py.python_packages,
            vec!["onnxruntime 1.31.1", "onnxruntime-gpu 1.31.1"]
        );
        assert_eq!(py.provider_libraries.len(), 1);
        assert_eq!(
            found[1].install.found_via,
            vec![OrtSource::System("/usr/local/lib".to_string())]
        );
    }

    #[test]
    fn option_and_env_come_first_and_duplicates_merge() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, "/usr/local/lib/libonnxruntime.so.1.31.1");
        let options = ProbeOptions {
            ort_path: Some(PathBuf::from("/usr/local/lib/libonnxruntime.so.1.31.1")),
            ..ProbeOptions::default()
        };
        let c = ctx(
            root,
            &[("ORT_DYLIB_PATH", "/usr/local/lib/libonnxruntime.so.1.31.1")],
            options,
        );
        let (found, _) = discover(&c);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].install.found_via,
            vec![
                OrtSource::Option,
                OrtSource::OrtDylibPath,
                OrtSource::System("/usr/local/lib".to_string())
            ]
        );
    }

    #[test]
    fn reference_runtime_only_when_asked_or_alone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let cached = format!(
            "/home/u/.cache/hwcheck/onnxruntime/{REFERENCE_VERSION}/libonnxruntime.so.{REFERENCE_VERSION}"
        );
        touch(root, &cached);
        let env = [("HOME", "/home/u")];
        let (found, _) = discover(&ctx(root, &env, ProbeOptions::default()));
        assert_eq!(found.len(), 1, "nothing else found: the reference is used");
        assert!(found[0].install.is_reference);

        touch(root, "/usr/lib/libonnxruntime.so.1.20.0");
        let (found, _) = discover(&ctx(root, &env, ProbeOptions::default()));
        assert_eq!(found.len(), 1);
        assert!(!found[0].install.is_reference);

        let asked = ProbeOptions {
            reference_runtime: true,
            ..ProbeOptions::default()
        };
        let (found, _) = discover(&ctx(root, &env, asked.clone()));
        assert_eq!(found.len(), 2);
        assert!(found[1].install.is_reference);

        let (_, missing) = discover(&ctx(root, &[("HOME", "/nobody")], asked));
        assert!(missing.unwrap().contains("fetch-reference-ort.sh"));
    }

    #[test]
    fn the_environment_hwcheck_is_installed_in_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let own = "/srv/tool-env/lib/python3.11/site-packages";
        let active = "/home/u/other-env/lib/python3.12/site-packages";
        for site in [own, active] {
            touch(
                root,
                &format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1"),
            );
        }
        touch(root, "/home/u/other-env/pyvenv.cfg");
        touch(root, "/srv/tool-env/bin/hwcheck");
        let env = [("HOME", "/home/u"), ("VIRTUAL_ENV", "/home/u/other-env")];
        let installed = |exe: &str| ProbeOptions {
            own_executable: Some(PathBuf::from(exe)),
            ..ProbeOptions::default()
        };
        let sources = |options: ProbeOptions| -> Vec<OrtSource> {
            let (found, _) = discover(&ctx(root, &env, options));
            found
                .into_iter()
                .flat_map(|f| f.install.found_via)
                .collect()
        };

        // Not a Python environment (no pyvenv.cfg, no conda-meta): not searched at all.
        assert_eq!(
            sources(installed("/srv/tool-env/bin/hwcheck")),
            vec![OrtSource::Python(active.to_string())]
        );

        touch(root, "/srv/tool-env/pyvenv.cfg");
        assert_eq!(
            sources(installed("/srv/tool-env/bin/hwcheck")),
            vec![
                OrtSource::Python(own.to_string()),
                OrtSource::Python(active.to_string())
            ],
            "the venv hwcheck runs from is searched before the active one"
        );
        assert_eq!(
            python_envs::own_environment(&ctx(root, &env, installed("/srv/tool-env/bin/hwcheck"))),
            Some(root.join("srv/tool-env"))
        );
        // An executable outside a bin/ directory, or none known: no own environment.
        assert_eq!(
            python_envs::own_environment(&ctx(root, &env, installed("/srv/tool-env/hwcheck"))),
            None
        );
        assert_eq!(
            python_envs::own_environment(&ctx(root, &env, ProbeOptions::default())),
            None
        );
    }
}
