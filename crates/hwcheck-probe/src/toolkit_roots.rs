//! Where CUDA toolkits are installed and what their version files say: the part of the toolkit
//! probe the library search needs, below both.
//!
//! Toolkits are looked for at $CUDA_HOME, $CUDA_PATH, /usr/local/cuda and /usr/local/cuda-*.
//! The version comes from `version.json` (CUDA 11.1+: `{"cuda": {"name": "CUDA SDK", "version":
//! "13.0.2"}, "cuda_cudart": {…}, …}`) or the older `version.txt` ("CUDA Version 10.2.89").

use crate::context::SystemContext;
use crate::listing::subdirs;
use hwcheck_model::env_vars;
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
        subdirs(&ctx.path("/usr/local"), |n| n.starts_with("cuda"))
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

/// The version in a toolkit directory's name: "cuda-13.0" -> 13.0; `None` for "cuda".
pub fn dir_name_version(root: &Path) -> Option<DottedVersion> {
    let name = root.file_name()?.to_str()?;
    DottedVersion::parse(name.strip_prefix("cuda-")?).ok()
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
    use crate::testing::{write, VERSION_JSON};

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
