//! CUDA toolkit directories and their version files.
//!
//! Toolkits are looked for at $CUDA_HOME, $CUDA_PATH, /usr/local/cuda and /usr/local/cuda-*.
//! The version comes from `version.json` (CUDA 11.1+: `{"cuda": {"name": "CUDA SDK", "version":
//! "13.0.2"}, "cuda_cudart": {…}, …}`) or the older `version.txt` ("CUDA Version 10.2.89").

use crate::context::SystemContext;
use crate::libs::{names, shown_path};
use crate::listing::subdirs;
use crate::toolkit_roots::{dir_name_version, parse_version_json, parse_version_txt, roots};
use hwcheck_model::env_vars;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, ProbeError, ToolkitFacts};
use hwcheck_model::read::small_text;
use hwcheck_model::version::DottedVersion;
use std::path::{Path, PathBuf};

/// Finds /usr/local/cuda*, CUDA_HOME and CUDA_PATH toolkits; one fact per real directory.
pub fn probe(ctx: &SystemContext) -> Vec<ToolkitFacts> {
    let real = |p: &Path| std::fs::canonicalize(p).ok();
    let default_real = real(&ctx.path("/usr/local/cuda"));
    let home_real = ctx
        .var(env_vars::CUDA_HOME)
        .and_then(|h| real(&ctx.path(h)));
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    for root in roots(ctx) {
        let Some(canonical) = real(&root.host) else {
            out.push(ToolkitFacts {
                root: ctx.display_path(&root.host),
                problem: Some(ProbeError::new(
                    Code::NotFound,
                    "the directory does not exist (or is a dangling symlink)",
                )),
                ..ToolkitFacts::default()
            });
            continue;
        };
        if seen.contains(&canonical) {
            continue;
        }
        let (version, problem) = match read_version(&canonical) {
            Ok(v) => (Some(v), None),
            // NVIDIA's runtime images ship /usr/local/cuda-13.0 without version.json: the
            // directory's name is then the best evidence, and the missing file is still said.
            Err(e) if e.code == Code::MissingVersionFile => match dir_name_version(&canonical) {
                Some(v) => {
                    let message =
                        format!("{}; version {v} taken from the directory name", e.message);
                    (Some(v), Some(ProbeError::new(e.code, message)))
                }
                None => (None, Some(e)),
            },
            Err(e) => (None, Some(e)),
        };
        out.push(ToolkitFacts {
            root: shown_path(ctx, &canonical),
            is_default: Some(&canonical) == default_real.as_ref()
                || Some(&canonical) == home_real.as_ref(),
            version,
            problem,
            compat_libcuda_version: compat_libcuda_version(&canonical.join("compat")),
            targets: targets(&canonical),
        });
        seen.push(canonical);
    }
    out
}

/// The names of `targets/*` (x86_64-linux, sbsa-linux, aarch64-linux), sorted.
fn targets(root: &Path) -> Vec<String> {
    subdirs(&root.join("targets"), |_| true)
        .iter()
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// The toolkit version from version.json, else version.txt.
fn read_version(root: &Path) -> Result<DottedVersion, ProbeError> {
    let bad =
        |file: &str, why: String| ProbeError::new(Code::BadVersionFile, format!("{file}: {why}"));
    match small_text(&root.join("version.json")) {
        Ok(text) => return parse_version_json(&text).map_err(|e| bad("version.json", e)),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(ProbeError::new(
                Code::Unreadable,
                format!("version.json: {e}"),
            ))
        }
        Err(_) => {}
    }
    match small_text(&root.join("version.txt")) {
        Ok(text) => parse_version_txt(&text).map_err(|e| bad("version.txt", e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ProbeError::new(
            Code::MissingVersionFile,
            "neither version.json nor version.txt exists",
        )),
        Err(e) => Err(ProbeError::new(
            Code::Unreadable,
            format!("version.txt: {e}"),
        )),
    }
}

/// The newest `compat/libcuda.so.<driver version>` of a toolkit.
fn compat_libcuda_version(compat: &Path) -> Option<DottedVersion> {
    std::fs::read_dir(compat)
        .ok()?
        .take(1024)
        .filter_map(Result::ok)
        .filter_map(|e| {
            names::file_name_version(Component::Libcuda, &e.file_name().to_string_lossy())
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{ctx, write, VERSION_JSON};

    #[test]
    fn probes_toolkits_in_a_fake_root() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        write(r, "/usr/local/cuda-13.0/version.json", VERSION_JSON);
        write(r, "/usr/local/cuda-13.0/compat/libcuda.so.580.95.05", "");
        write(r, "/usr/local/cuda-12.4/version.json", &VERSION_JSON[..50]);
        write(
            r,
            "/usr/local/cuda-10.2/version.txt",
            "CUDA Version 10.2.89\n",
        );
        std::os::unix::fs::symlink("cuda-13.0", r.join("usr/local/cuda")).unwrap();
        let c = ctx(r, &[("CUDA_HOME", "/opt/missing")]);
        let facts = probe(&c);
        let by_root = |name: &str| facts.iter().find(|t| t.root == name).unwrap();
        assert_eq!(facts.len(), 4, "{facts:?}");
        assert_eq!(
            by_root("/opt/missing").problem.as_ref().unwrap().code,
            "not_found"
        );
        let t13 = by_root("/usr/local/cuda-13.0");
        assert!(t13.is_default);
        assert_eq!(t13.version.as_ref().unwrap().as_str(), "13.0.2");
        assert_eq!(
            t13.compat_libcuda_version.as_ref().unwrap().as_str(),
            "580.95.05"
        );
        let t12 = by_root("/usr/local/cuda-12.4");
        assert!(!t12.is_default);
        assert_eq!(t12.problem.as_ref().unwrap().code, "bad_version_file");
        assert_eq!(
            by_root("/usr/local/cuda-10.2")
                .version
                .as_ref()
                .unwrap()
                .as_str(),
            "10.2.89"
        );
    }
}
