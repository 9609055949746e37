//! Container image references: `[registry/]repository[:tag][@digest]`, and what their tags say
//! about CUDA.
//!
//! Pure parsing, no table lookups: `nvidia/cuda` and `pytorch/pytorch` tags carry the CUDA
//! version themselves; NGC framework tags (`nvcr.io/nvidia/pytorch:24.05-py3`) carry a release
//! (`24.05`) that [`crate::images`] maps to a CUDA version.

use hwcheck_model::version::DottedVersion;
use regex::Regex;
use std::sync::OnceLock;

/// Longest reference accepted.
const MAX_REF_LEN: usize = 512;

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference as given (trimmed).
    pub text: String,
    /// Registry host when one was given (`nvcr.io`), else `None` (Docker Hub).
    pub registry: Option<String>,
    /// Repository path without the registry, e.g. `nvidia/cuda`.
    pub repository: String,
    /// The tag (`latest` when none was given).
    pub tag: String,
    /// `sha256:…` digest, when given.
    pub digest: Option<String>,
}

/// What an image's tag says about its CUDA stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageKind {
    /// `nvidia/cuda:<cuda>[-cudnn<N>]-<flavour>-<os>`.
    Cuda(CudaTag),
    /// `pytorch/pytorch:<torch>-cuda<X.Y>-cudnn<N>-<flavour>`.
    Pytorch {
        /// PyTorch version.
        torch: String,
        /// CUDA version.
        cuda: DottedVersion,
        /// cuDNN major.
        cudnn_major: u32,
        /// `runtime` or `devel`.
        flavour: String,
    },
    /// `nvcr.io/nvidia/<framework>:<YY.MM>-…`; the CUDA version comes from the images table.
    Ngc {
        /// Framework (`pytorch`, `tensorflow`, `tritonserver`…).
        framework: String,
        /// Release, e.g. `24.05`.
        release: String,
    },
}

/// The fields of an `nvidia/cuda` tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CudaTag {
    /// CUDA version, e.g. 11.4.1.
    pub cuda: DottedVersion,
    /// True when the tag includes cuDNN.
    pub cudnn: bool,
    /// cuDNN major when the tag names it (`cudnn8`); newer tags just say `cudnn`.
    pub cudnn_major: Option<u32>,
    /// `base`, `runtime` or `devel`.
    pub flavour: String,
    /// OS, e.g. `ubuntu20.04`, `ubi9`, `rockylinux9`.
    pub os: String,
}

/// Why a reference could not be understood (a usage error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot judge image {reference:?}: {reason}")]
pub struct ImageRefError {
    /// The reference (shortened).
    pub reference: String,
    /// What is wrong, with the forms that are understood.
    pub reason: String,
}

/// The tag forms hwcheck understands, for error messages.
pub const KNOWN_FORMS: &str = "nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04, \
pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime, nvcr.io/nvidia/pytorch:24.05-py3";

/// Splits a reference into registry, repository, tag and digest.
pub fn parse_ref(text: &str) -> Result<ImageRef, ImageRefError> {
    let text = text.trim();
    let err = |reason: &str| ImageRefError {
        reference: text.chars().take(80).collect(),
        reason: reason.to_string(),
    };
    if text.is_empty() {
        return Err(err("empty image reference"));
    }
    if text.len() > MAX_REF_LEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err("not an image reference (too long, or contains spaces)"));
    }
    let (name_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (text, None),
    };
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            name_tag[last_slash + i + 1..].to_string(),
        ),
        None => (name_tag, "latest".to_string()),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first.to_ascii_lowercase()), rest.to_string())
        }
        _ => (None, name.to_string()),
    };
    let repository = repository
        .strip_prefix("library/")
        .unwrap_or(&repository)
        .to_ascii_lowercase();
    if repository.is_empty() || tag.is_empty() || repository.split('/').any(str::is_empty) {
        return Err(err("empty repository or tag"));
    }
    Ok(ImageRef {
        text: text.to_string(),
        registry,
        repository,
        tag,
        digest,
    })
}

/// Reads the CUDA facts out of a reference's tag.
pub fn classify(image: &ImageRef) -> Result<ImageKind, ImageRefError> {
    let err = |reason: String| ImageRefError {
        reference: image.text.chars().take(80).collect(),
        reason,
    };
    let registry = image.registry.as_deref();
    let repo = image.repository.as_str();
    match (registry, repo) {
        (None | Some("docker.io" | "nvcr.io"), "nvidia/cuda") => parse_cuda_tag(&image.tag)
            .map(ImageKind::Cuda)
            .ok_or_else(|| err(format!("unknown nvidia/cuda tag {:?} (expected e.g. 11.4.1-cudnn8-runtime-ubuntu20.04)", image.tag))),
        (None | Some("docker.io"), "pytorch/pytorch") => parse_pytorch_tag(&image.tag).ok_or_else(|| {
            err(format!("unknown pytorch/pytorch tag {:?} (expected e.g. 2.5.1-cuda12.4-cudnn9-runtime)", image.tag))
        }),
        (Some("nvcr.io"), _) if repo.starts_with("nvidia/") => {
            let framework = repo.trim_start_matches("nvidia/").to_string();
            ngc_release(&image.tag)
                .map(|release| ImageKind::Ngc { framework, release })
                .ok_or_else(|| err(format!("unknown NGC tag {:?} (expected YY.MM-py3, e.g. 24.05-py3)", image.tag)))
        }
        _ => Err(err(format!(
            "unknown image repository {:?}: hwcheck reads the CUDA version from tags of {KNOWN_FORMS}",
            image.registry.as_ref().map_or(repo.to_string(), |r| format!("{r}/{repo}"))
        ))),
    }
}

fn regex(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// Parses an `nvidia/cuda` tag: `11.4.1-cudnn8-runtime-ubuntu20.04`, `13.2.0-runtime-ubuntu24.04`.
pub fn parse_cuda_tag(tag: &str) -> Option<CudaTag> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = regex(
        &RE,
        r"^(\d+\.\d+(?:\.\d+)?)-(?:(cudnn)(\d+)?-)?(base|runtime|devel)-([a-z]+\d+(?:\.\d+)*)$",
    )?;
    let caps = re.captures(tag)?;
    Some(CudaTag {
        cuda: DottedVersion::parse(caps.get(1)?.as_str()).ok()?,
        cudnn: caps.get(2).is_some(),
        cudnn_major: caps.get(3).and_then(|m| m.as_str().parse().ok()),
        flavour: caps.get(4)?.as_str().to_string(),
        os: caps.get(5)?.as_str().to_string(),
    })
}

/// Parses a `pytorch/pytorch` tag: `2.5.1-cuda12.4-cudnn9-runtime`.
pub fn parse_pytorch_tag(tag: &str) -> Option<ImageKind> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = regex(
        &RE,
        r"^(\d+\.\d+(?:\.\d+)?)-cuda(\d+\.\d+(?:\.\d+)?)-cudnn(\d+)-(runtime|devel)$",
    )?;
    let caps = re.captures(tag)?;
    Some(ImageKind::Pytorch {
        torch: caps.get(1)?.as_str().to_string(),
        cuda: DottedVersion::parse(caps.get(2)?.as_str()).ok()?,
        cudnn_major: caps.get(3)?.as_str().parse().ok()?,
        flavour: caps.get(4)?.as_str().to_string(),
    })
}

/// The `YY.MM` release of an NGC tag (`24.05-py3`, `24.05-tf2-py3`, `25.01-py3-igpu`).
pub fn ngc_release(tag: &str) -> Option<String> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = regex(&RE, r"^(\d{2}\.\d{2})(?:-[a-z0-9.-]+)?$")?;
    Some(re.captures(tag)?.get(1)?.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<ImageKind, ImageRefError> {
        classify(&parse_ref(text)?)
    }

    #[test]
    fn splits_references() {
        let r = parse_ref("nvcr.io/nvidia/pytorch:24.05-py3").unwrap();
        assert_eq!(r.registry.as_deref(), Some("nvcr.io"));
        assert_eq!(
            (r.repository.as_str(), r.tag.as_str()),
            ("nvidia/pytorch", "24.05-py3")
        );
        let r = parse_ref("localhost:5000/nvidia/cuda@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.tag, "latest");
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(
            parse_ref("docker.io/library/ubuntu").unwrap().repository,
            "ubuntu"
        );
    }

    #[test]
    fn reads_nvidia_cuda_tags() {
        let ImageKind::Cuda(t) = kind("nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04").unwrap()
        else {
            panic!("not a cuda tag")
        };
        assert_eq!(t.cuda.as_str(), "11.4.1");
        assert_eq!((t.cudnn, t.cudnn_major), (true, Some(8)));
        assert_eq!(
            (t.flavour.as_str(), t.os.as_str()),
            ("runtime", "ubuntu20.04")
        );
        let ImageKind::Cuda(t) = kind("nvidia/cuda:13.2.0-runtime-ubuntu24.04").unwrap() else {
            panic!("not a cuda tag")
        };
        assert_eq!((t.cuda.as_str(), t.cudnn), ("13.2.0", false));
        let ImageKind::Cuda(t) =
            kind("docker.io/nvidia/cuda:12.9.2-cudnn-devel-rockylinux9").unwrap()
        else {
            panic!("not a cuda tag")
        };
        assert_eq!(
            (t.cudnn, t.cudnn_major, t.os.as_str()),
            (true, None, "rockylinux9")
        );
    }

    #[test]
    fn reads_pytorch_and_ngc_tags() {
        assert_eq!(
            kind("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime").unwrap(),
            ImageKind::Pytorch {
                torch: "2.5.1".into(),
                cuda: DottedVersion::parse("12.4").unwrap(),
                cudnn_major: 9,
                flavour: "runtime".into()
            }
        );
        assert_eq!(
            kind("nvcr.io/nvidia/pytorch:24.05-py3").unwrap(),
            ImageKind::Ngc {
                framework: "pytorch".into(),
                release: "24.05".into()
            }
        );
        assert_eq!(ngc_release("24.05-tf2-py3").as_deref(), Some("24.05"));
    }

    #[test]
    fn unknown_tags_and_repositories_are_errors() {
        for bad in [
            "",
            "nvidia/cuda:latest",
            "nvidia/cuda:11.4.1",
            "nvidia/cuda:11.4.1-runtime",
            "pytorch/pytorch:latest",
            "nvcr.io/nvidia/pytorch:latest",
            "ubuntu:22.04",
            "has space:1",
            "nvidia/:x",
        ] {
            assert!(kind(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(kind(&"a".repeat(5000)).is_err());
        let e = kind("nvidia/cuda:99-nope").unwrap_err().to_string();
        assert!(e.contains("unknown nvidia/cuda tag"), "{e}");
    }
}
