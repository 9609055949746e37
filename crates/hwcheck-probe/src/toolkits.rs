//! CUDA toolkit directories and their version files.
//!
//! Toolkits are looked for at $CUDA_HOME, $CUDA_PATH, /usr/local/cuda and /usr/local/cuda-*.
//! The version comes from `version.json` (CUDA 11.1+: `{"cuda": {"name": "CUDA SDK", "version":
//! "13.0.2"}, "cuda_cudart": {…}, …}`) or the older `version.txt` ("CUDA Version 10.2.89").

use crate::context::SystemContext;
use crate::libs::{names, search::subdirs, shown_path};
use hwcheck_model::env_vars;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, ProbeError, ToolkitFacts};
use hwcheck_model::read::small_text;
use hwcheck_model::version::DottedVersion;
use std::path::{Path, PathBuf};

/// A place a toolkit may be installed.
#[derive(Clone, Debug)]
pub struct ToolkitRoot {
    /// Path on this machine (inside the root).
    pub host: PathBuf,
    /// True when named by $CUDA_HOME or $CUDA_PATH.
    pub from_env: bool,
}

/// Candidate toolkit roots: $CUDA_HOME, $CUDA_PATH, then /usr/local/cuda and /usr/local/cuda-*
/// (the latter only when they exist).
pub fn roots(ctx: &SystemContext) -> Vec<ToolkitRoot> {
    let mut out: Vec<ToolkitRoot> = [env_vars::CUDA_HOME, env_vars::CUDA_PATH]
        .iter()
        .filter_map(|v| ctx.var(v).filter(|p| p.starts_with('/')))
        .map(|p| ToolkitRoot {
            host: ctx.path(p),
            from_env: true,
        })
        .collect();
    out.dedup_by(|a, b| a.host == b.host);
    out.extend(
        subdirs(&ctx.path("/usr/local"), "cuda")
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n == "cuda" || n.starts_with("cuda-"))
            })
            .map(|host| ToolkitRoot {
                host,
                from_env: false,
            }),
    );
    out
}

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
    crate::libs::search::subdirs(&root.join("targets"), "")
        .iter()
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// The version in a toolkit directory's name: "cuda-13.0" -> 13.0; `None` for "cuda".
pub fn dir_name_version(root: &Path) -> Option<DottedVersion> {
    let name = root.file_name()?.to_str()?;
    DottedVersion::parse(name.strip_prefix("cuda-")?).ok()
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

/// The "cuda" -> "version" of a toolkit's version.json.
pub fn parse_version_json(text: &str) -> Result<DottedVersion, String> {
    parse_version_json_key(text, "cuda")
}

/// The "<key>" -> "version" of a toolkit's version.json ("cuda", "cuda_cudart", "libcublas").
pub fn parse_version_json_key(text: &str, key: &str) -> Result<DottedVersion, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = json
        .get(key)
        .and_then(|c| c.get("version"))
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("no \"{key}\": {{\"version\": …}} entry"))?;
    DottedVersion::parse(version).map_err(|e| e.to_string())
}

/// The version of an old toolkit's version.txt ("CUDA Version 10.2.89").
pub fn parse_version_txt(text: &str) -> Result<DottedVersion, String> {
    let rest = text
        .lines()
        .take(16)
        .find_map(|l| l.trim().strip_prefix("CUDA Version"))
        .ok_or_else(|| "no \"CUDA Version\" line".to_string())?;
    DottedVersion::parse(rest.split_whitespace().next().unwrap_or_default())
        .map_err(|e| e.to_string())
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

/// The version a toolkit's version.json gives a component's library (e.g. "cuda_cudart" ->
/// "13.0.96"), looking in the toolkit that holds library directory `lib_dir`
/// (`<root>/lib64` or `<root>/targets/<triple>/lib`).
pub fn component_version(lib_dir: &Path, key: &str) -> Option<DottedVersion> {
    let parents = [lib_dir.parent(), lib_dir.ancestors().nth(3)];
    parents.into_iter().flatten().find_map(|root| {
        let text = small_text(&root.join("version.json")).ok()?;
        parse_version_json_key(&text, key).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toolkit_directory_name_gives_its_version() {
        assert_eq!(
            dir_name_version(Path::new("/usr/local/cuda-13.0"))
                .unwrap()
                .to_string(),
            "13.0"
        );
        assert!(dir_name_version(Path::new("/usr/local/cuda")).is_none());
        assert!(dir_name_version(Path::new("/usr/local/cuda-x")).is_none());
    }
    use crate::testing::{ctx, write};

    /// Head of /usr/local/cuda-13.0/version.json as shipped with CUDA 13.0.2.
    const VERSION_JSON: &str = r#"{
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

    #[test]
    fn parses_version_files() {
        assert_eq!(parse_version_json(VERSION_JSON).unwrap().as_str(), "13.0.2");
        assert_eq!(
            parse_version_json_key(VERSION_JSON, "cuda_cudart")
                .unwrap()
                .as_str(),
            "13.0.96"
        );
        assert_eq!(
            parse_version_txt("CUDA Version 10.2.89\n")
                .unwrap()
                .as_str(),
            "10.2.89"
        );
        assert!(parse_version_json(&VERSION_JSON[..40]).is_err());
        assert!(parse_version_json("{\"cuda\": {\"version\": \"abc\"}}").is_err());
        assert!(parse_version_txt("hello").is_err());
    }

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

    #[test]
    fn finds_component_versions_from_library_dirs() {
        let root = tempfile::tempdir().unwrap();
        write(root.path(), "/cuda/version.json", VERSION_JSON);
        let lib = root.path().join("cuda/targets/x86_64-linux/lib");
        assert_eq!(
            component_version(&lib, "cuda_cudart").unwrap().as_str(),
            "13.0.96"
        );
        assert_eq!(
            component_version(&root.path().join("cuda/lib64"), "cuda_cudart")
                .unwrap()
                .as_str(),
            "13.0.96"
        );
    }
}
