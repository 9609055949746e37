//! What an image is, as the NVIDIA Container Toolkit and the CUDA driver see it: the CUDA its
//! code was built with, the NVIDIA_REQUIRE_CUDA the toolkit checks at start, and whether it
//! ships a cuda-compat libcuda (which the toolkit puts first on an older driver branch).

use hwcheck_compat::cuda_driver::Platform;
use hwcheck_compat::image_ref::{ImageKind, ImageRef};
use hwcheck_compat::ngc::NgcRow;
use hwcheck_compat::Tables;
use hwcheck_model::require_cuda::Requirement;
use hwcheck_model::version::DottedVersion;

/// Where an image's CUDA user-space libraries come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packaging {
    /// nvidia/cuda or an image FROM it: the toolkit under /usr/local/cuda and its cuda-compat
    /// package; NVIDIA_REQUIRE_CUDA and CUDA_VERSION set.
    CudaImage,
    /// pip CUDA wheels on a plain OS image (pytorch/pytorch `-runtime`): no toolkit, no
    /// cuda-compat, no NVIDIA_REQUIRE_CUDA; minor-version compatibility within the major.
    PipWheels,
    /// An NGC framework container: the driver requirement of its release notes.
    Ngc(Box<NgcRow>),
    /// A bare CUDA runtime (`hwcheck compat --cuda X`).
    Runtime,
}

/// The NVIDIA_REQUIRE_CUDA an image carries.
#[derive(Clone, Debug)]
pub struct RequireSpec {
    /// The parsed value.
    pub requirement: Requirement,
    /// Where it was read; `None` when implied (a release hwcheck's table does not list).
    pub source: Option<String>,
    /// True when not read from NVIDIA's Dockerfile for this exact release.
    pub unconfirmed: bool,
    /// Forward-compatibility branches an earlier push of the tag listed.
    pub earlier_branches: Vec<u32>,
}

/// An image (or runtime) to plan for.
#[derive(Clone, Debug)]
pub struct ImageSpec {
    /// e.g. "image nvidia/cuda:12.4.1-base-ubuntu22.04".
    pub title: String,
    /// e.g. "CUDA 12.4.1, base, ubuntu22.04; NVIDIA_REQUIRE_CUDA from cuda_images.toml".
    pub details: String,
    /// The CUDA its code and libraries were built with.
    pub cuda: DottedVersion,
    /// cuDNN major it ships, when known.
    pub cudnn_major: Option<u32>,
    /// How it gets CUDA.
    pub packaging: Packaging,
    /// What the toolkit checks at start, if anything.
    pub require: Option<RequireSpec>,
    /// The branch of its cuda-compat libcuda (the toolkit driver of its CUDA release).
    pub compat_branch: Option<u32>,
    /// Sources of the rows used.
    pub sources: Vec<String>,
    /// How a suggested tag for another nvidia/cuda or pytorch release is written.
    pub retag: Retag,
}

/// How to write the same image for another CUDA release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Retag {
    /// `nvidia/cuda:<v>-<rest>`.
    Cuda(String),
    /// `pytorch/pytorch:<torch>-cuda<X.Y>-<rest>` (the torch version varies).
    Pytorch(String),
    /// `nvcr.io/nvidia/<framework>:<release>-<rest>`.
    Ngc {
        /// e.g. `pytorch`.
        framework: String,
        /// The tag after the release, e.g. `py3`.
        rest: String,
    },
    /// No tag to suggest.
    None,
}

/// Why an image cannot be planned for (a usage error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

/// The spec of an image reference of a known kind.
pub fn image_spec(
    image: &ImageRef,
    kind: &ImageKind,
    tables: &Tables,
) -> Result<ImageSpec, SpecError> {
    let title = format!("image {}", image.text);
    match kind {
        ImageKind::Cuda(tag) => {
            let rest = image.tag.split_once('-').map_or("", |(_, r)| r).to_string();
            let mut spec = cuda_image(title, &tag.cuda, tag.cudnn_major, tables);
            spec.details = format!(
                "{}, {}, {}{}",
                spec.details,
                tag.flavour,
                tag.os,
                cudnn_text(tag.cudnn, tag.cudnn_major)
            );
            spec.retag = Retag::Cuda(rest);
            Ok(spec)
        }
        ImageKind::Pytorch {
            torch,
            cuda,
            cudnn_major,
            flavour,
        } => Ok(pytorch(title, torch, cuda, *cudnn_major, flavour, tables)),
        ImageKind::Ngc { framework, release } => ngc(title, image, framework, release, tables),
    }
}

fn cudnn_text(cudnn: bool, major: Option<u32>) -> String {
    match (cudnn, major) {
        (true, Some(m)) => format!(", cuDNN {m}"),
        (true, None) => ", cuDNN".to_string(),
        (false, _) => String::new(),
    }
}

/// The branch of the cuda-compat package of CUDA `cuda`: its toolkit's Linux driver.
pub fn compat_branch(cuda: &DottedVersion, tables: &Tables) -> Option<u32> {
    tables
        .cuda_driver
        .release(cuda)
        .and_then(|r| r.driver(Platform::Linux))
        .map(DottedVersion::major)
}

/// An nvidia/cuda release (or an image FROM it).
fn cuda_image(
    title: String,
    cuda: &DottedVersion,
    cudnn_major: Option<u32>,
    tables: &Tables,
) -> ImageSpec {
    let row = tables.cuda_images.release(cuda);
    let require = match row.and_then(|r| r.requirement().ok().map(|q| (r, q))) {
        Some((r, requirement)) => RequireSpec {
            requirement,
            source: Some(r.source.clone()),
            unconfirmed: r.unconfirmed,
            earlier_branches: r.earlier_branches.clone(),
        },
        None => implied_requirement(cuda),
    };
    let from = if require.source.is_some() {
        "NVIDIA_REQUIRE_CUDA from cuda_images.toml"
    } else {
        "release not in cuda_images.toml: NVIDIA_REQUIRE_CUDA assumed to be cuda>=X.Y only (unconfirmed)"
    };
    let unconfirmed = if require.unconfirmed && require.source.is_some() {
        " (unconfirmed row)"
    } else {
        ""
    };
    ImageSpec {
        title,
        details: format!("CUDA {cuda}; {from}{unconfirmed}"),
        cuda: cuda.clone(),
        cudnn_major,
        packaging: Packaging::CudaImage,
        sources: require.source.iter().cloned().collect(),
        require: Some(require),
        compat_branch: compat_branch(cuda, tables),
        retag: Retag::None,
    }
}

/// `cuda>=X.Y`, what the toolkit checks for an image with CUDA_VERSION and no requirement,
/// and the best guess for a release hwcheck's table does not list.
fn implied_requirement(cuda: &DottedVersion) -> RequireSpec {
    let text = format!("cuda>={}.{}", cuda.major(), cuda.minor());
    RequireSpec {
        requirement: Requirement::parse(&text).unwrap_or(Requirement {
            alternatives: Vec::new(),
        }),
        source: None,
        unconfirmed: true,
        earlier_branches: Vec::new(),
    }
}

fn pytorch(
    title: String,
    torch: &str,
    cuda: &DottedVersion,
    cudnn_major: u32,
    flavour: &str,
    tables: &Tables,
) -> ImageSpec {
    let retag = Retag::Pytorch(format!("cudnn{cudnn_major}-{flavour}"));
    if flavour == "devel" {
        let base = tables.cuda_images.pytorch_devel(cuda);
        let base_cuda = base.map_or_else(|| cuda.clone(), |b| b.base.clone());
        let mut spec = cuda_image(title, &base_cuda, Some(cudnn_major), tables);
        let base_text = match base {
            Some(b) => format!("FROM nvidia/cuda:{}-devel (cuda_images.toml [[pytorch_devel]])", b.base),
            None => format!("FROM an nvidia/cuda {cuda} devel image (its exact release is not in cuda_images.toml)"),
        };
        spec.details = format!(
            "PyTorch {torch}, CUDA {cuda}, cuDNN {cudnn_major}, devel: {base_text}; toolkit, cuda-compat and NVIDIA_REQUIRE_CUDA inherited; {}",
            spec.details
        );
        spec.sources.extend(base.map(|b| b.source.clone()));
        spec.retag = retag;
        return spec;
    }
    let source = tables
        .cuda_images
        .pytorch_devel
        .first()
        .map(|r| r.source.clone());
    ImageSpec {
        title,
        details: format!(
            "PyTorch {torch}, CUDA {cuda}, cuDNN {cudnn_major}, runtime: FROM ubuntu with PyTorch's pip CUDA {}.{} wheels; no CUDA toolkit, no cuda-compat, no NVIDIA_REQUIRE_CUDA",
            cuda.major(),
            cuda.minor()
        ),
        cuda: cuda.clone(),
        cudnn_major: Some(cudnn_major),
        packaging: Packaging::PipWheels,
        require: None,
        compat_branch: None,
        sources: source.into_iter().collect(),
        retag,
    }
}

fn ngc(
    title: String,
    image: &ImageRef,
    framework: &str,
    release: &str,
    tables: &Tables,
) -> Result<ImageSpec, SpecError> {
    let framework_name = framework.rsplit('/').next().unwrap_or(framework);
    let (row, other) = tables
        .ngc
        .row(release, framework_name, &image.tag)
        .ok_or_else(|| {
            SpecError(format!(
                "cannot judge image {:?}: NGC release {release} is not in ngc.toml (it has {}); use hwcheck compat --cuda X instead",
                image.text,
                tables.ngc.span()
            ))
        })?;
    let read_for = if other {
        format!(
            " (row read for {}, the same release of another NGC container)",
            row.frameworks.join("/")
        )
    } else {
        String::new()
    };
    let unconfirmed = if row.unconfirmed { ", unconfirmed" } else { "" };
    let mut parts = vec![format!("CUDA {}", row.cuda)];
    parts.extend(row.cudnn.as_ref().map(|c| format!("cuDNN {c}")));
    parts.extend(row.tensorrt.as_ref().map(|t| format!("TensorRT {t}")));
    parts.extend(
        row.min_driver
            .as_ref()
            .map(|d| format!("driver {}", d.text)),
    );
    parts.extend(row.min_cc.as_ref().map(|c| format!("CC >= {c}")));
    let rest = image
        .tag
        .split_once('-')
        .map_or("py3", |(_, r)| r)
        .to_string();
    Ok(ImageSpec {
        title,
        details: format!(
            "NGC {framework_name} {release}: {} (ngc.toml{unconfirmed}){read_for}",
            parts.join(", ")
        ),
        cuda: row.cuda.clone(),
        cudnn_major: row.cudnn_major(),
        compat_branch: compat_branch(&row.cuda, tables),
        require: None,
        sources: vec![row.source.clone()],
        packaging: Packaging::Ngc(Box::new(row.clone())),
        retag: Retag::Ngc {
            framework: framework_name.to_string(),
            rest,
        },
    })
}

/// A bare CUDA runtime of version `cuda` (`hwcheck compat`).
pub fn runtime_spec(cuda: &DottedVersion, cudnn_major: Option<u32>) -> ImageSpec {
    let cudnn = cudnn_major.map_or(String::new(), |m| format!(", cuDNN {m}"));
    ImageSpec {
        title: format!("CUDA {cuda} runtime"),
        details: format!("CUDA {cuda}{cudnn}: an application's own CUDA libraries, no cuda-compat, no NVIDIA_REQUIRE_CUDA"),
        cuda: cuda.clone(),
        cudnn_major,
        packaging: Packaging::Runtime,
        require: None,
        compat_branch: None,
        sources: Vec::new(),
        retag: Retag::None,
    }
}

/// The same kind of image for other releases, newest first, each with the tag (or label) to
/// suggest: nvidia/cuda releases of cuda_images.toml, pytorch/pytorch CUDA builds, NGC releases
/// of the same container, or CUDA releases of the toolkit table.
pub fn alternatives(spec: &ImageSpec, tables: &Tables) -> Vec<(String, ImageSpec)> {
    let mut out: Vec<(String, ImageSpec)> = match &spec.retag {
        Retag::Cuda(rest) => tables
            .cuda_images
            .releases
            .iter()
            .map(|r| {
                let tag = format!("nvidia/cuda:{}-{rest}", r.cuda);
                (
                    tag.clone(),
                    cuda_image(format!("image {tag}"), &r.cuda, spec.cudnn_major, tables),
                )
            })
            .collect(),
        Retag::Pytorch(rest) => {
            let flavour = rest.rsplit('-').next().unwrap_or("runtime");
            tables
                .cuda_images
                .pytorch_devel
                .iter()
                .map(|r| {
                    let tag = format!("pytorch/pytorch:<torch>-cuda{}-{rest}", r.cuda);
                    let s = pytorch(
                        format!("image {tag}"),
                        "<torch>",
                        &r.cuda,
                        spec.cudnn_major.unwrap_or(9),
                        flavour,
                        tables,
                    );
                    (tag, s)
                })
                .collect()
        }
        Retag::Ngc { framework, rest } => tables
            .ngc
            .ngc
            .iter()
            .filter(|r| r.frameworks.iter().any(|f| f == framework) && r.min_driver.is_some())
            .map(|r| {
                let tag = format!("nvcr.io/nvidia/{framework}:{}-{rest}", r.release);
                let s = ImageSpec {
                    title: format!("image {tag}"),
                    cuda: r.cuda.clone(),
                    compat_branch: compat_branch(&r.cuda, tables),
                    packaging: Packaging::Ngc(Box::new(r.clone())),
                    ..spec.clone()
                };
                (tag, s)
            })
            .collect(),
        Retag::None => {
            let mut versions: Vec<DottedVersion> = tables
                .cuda_driver
                .releases
                .iter()
                .map(|r| DottedVersion::from_parts(&[r.cuda.major(), r.cuda.minor()]))
                .collect();
            versions.dedup();
            versions
                .into_iter()
                .map(|v| (format!("CUDA {v}"), runtime_spec(&v, spec.cudnn_major)))
                .collect()
        }
    };
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{tables, v};
    use hwcheck_compat::image_ref::{classify, parse_ref};

    fn spec(text: &str) -> ImageSpec {
        let image = parse_ref(text).unwrap();
        let kind = classify(&image).unwrap();
        image_spec(&image, &kind, &tables()).unwrap()
    }

    #[test]
    fn nvidia_cuda_images_carry_their_requirement_and_compat_branch() {
        let s = spec("nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04");
        assert_eq!(s.packaging, Packaging::CudaImage);
        assert_eq!(s.compat_branch, Some(550));
        let req = s.require.unwrap();
        assert_eq!(req.requirement.branches(), vec![470, 525, 535]);
        assert!(!req.unconfirmed);
        assert_eq!(s.retag, Retag::Cuda("cudnn-runtime-ubuntu22.04".into()));
        let s = spec("nvidia/cuda:13.2.0-runtime-ubuntu24.04");
        let req = s.require.unwrap();
        assert!(req.source.is_none() && req.unconfirmed, "not in the table");
        assert_eq!(req.requirement.cuda_min(), Some(v("13.2")));
    }

    #[test]
    fn pytorch_runtime_is_pip_wheels_and_devel_is_nvidia_cuda() {
        let s = spec("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
        assert_eq!(s.packaging, Packaging::PipWheels);
        assert!(s.require.is_none() && s.compat_branch.is_none());
        assert!(!s.details.contains("/usr/local/cuda"));
        let s = spec("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel");
        assert_eq!(s.packaging, Packaging::CudaImage);
        assert_eq!(s.compat_branch, Some(550));
        assert!(
            s.details.contains("FROM nvidia/cuda:12.4.1-devel"),
            "{}",
            s.details
        );
    }

    #[test]
    fn ngc_images_come_from_the_ngc_table() {
        let s = spec("nvcr.io/nvidia/tritonserver:25.01-py3");
        let Packaging::Ngc(row) = &s.packaging else {
            panic!("{:?}", s.packaging)
        };
        assert_eq!(row.min_cc, Some(v("7.5")));
        let image = parse_ref("nvcr.io/nvidia/pytorch:99.01-py3").unwrap();
        let kind = classify(&image).unwrap();
        let err = image_spec(&image, &kind, &tables()).unwrap_err();
        assert!(err.0.contains("not in ngc.toml"), "{err}");
    }
}
