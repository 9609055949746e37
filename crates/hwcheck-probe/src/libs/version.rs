//! Library versions: the version call each component exports, how its packed integer decodes,
//! header fallbacks (`cudnn_version.h`), and a plausibility check.

use hwcheck_model::facts::Component;
use hwcheck_model::version::DottedVersion;

/// How a component's version function is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `status f(int *out)`; status 0 is success (cudaRuntimeGetVersion, cufftGetVersion…).
    OutParam(&'static str),
    /// `size_t f(void)` (cudnnGetVersion, cublasLtGetVersion).
    ReturnsSize(&'static str),
    /// `int32_t f(void)` (getInferLibVersion).
    ReturnsInt(&'static str),
    /// `status cublasGetProperty(type, int *out)` for MAJOR (0), MINOR (1) and PATCH (2).
    CublasProperty,
}

impl Call {
    /// The exported symbol called.
    pub fn symbol(self) -> &'static str {
        match self {
            Call::OutParam(s) | Call::ReturnsSize(s) | Call::ReturnsInt(s) => s,
            Call::CublasProperty => "cublasGetProperty",
        }
    }
}

/// How a packed version integer decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packing {
    /// CUDA's `1000*major + 10*minor` (12040 -> 12.4).
    Cuda,
    /// `1000*major + 100*minor + patch` (cuFFT 11300 -> 11.3.0, cuRAND 10307 -> 10.3.7).
    Thousands,
    /// `10000*major + 100*minor + patch` (cuBLASLt 120405 -> 12.4.5).
    TenThousands,
    /// Thousands below 10000, else TenThousands: cuDNN (8906 -> 8.9.6, 91400 -> 9.14.0) and
    /// TensorRT (8601 -> 8.6.1, 100800 -> 10.8.0).
    Auto,
    /// Already split into major, minor, patch (cublasGetProperty).
    Parts,
}

/// The version call of a component; `None` where the file name is the better source (libcuda
/// and NVML: their file names carry the driver version) or none exists (cuDNN sub-libraries).
pub fn call_for(component: Component) -> Option<(Call, Packing)> {
    Some(match component {
        Component::Cudart => (Call::OutParam("cudaRuntimeGetVersion"), Packing::Cuda),
        Component::Cudnn => (Call::ReturnsSize("cudnnGetVersion"), Packing::Auto),
        Component::Tensorrt => (Call::ReturnsInt("getInferLibVersion"), Packing::Auto),
        Component::Cufft => (Call::OutParam("cufftGetVersion"), Packing::Thousands),
        Component::Curand => (Call::OutParam("curandGetVersion"), Packing::Thousands),
        Component::CublasLt => (
            Call::ReturnsSize("cublasLtGetVersion"),
            Packing::TenThousands,
        ),
        Component::Cublas => (Call::CublasProperty, Packing::Parts),
        Component::Libcuda | Component::Nvml | Component::CudnnSub => return None,
    })
}

/// Decodes the raw values a version call returned; `None` for zero, negative or missing values.
pub fn decode(packing: Packing, raw: &[i64]) -> Option<DottedVersion> {
    let parts: Vec<u32> = raw
        .iter()
        .map(|v| u32::try_from(*v).ok())
        .collect::<Option<_>>()?;
    let v = *parts.first().filter(|v| **v > 0)?;
    let split = |unit: u32| [v / unit, (v % unit) / 100, v % 100];
    Some(match packing {
        Packing::Cuda => return DottedVersion::from_cuda_int(i32::try_from(v).ok()?),
        Packing::Thousands => DottedVersion::from_parts(&split(1000)),
        Packing::TenThousands => DottedVersion::from_parts(&split(10000)),
        Packing::Auto if v < 10000 => DottedVersion::from_parts(&split(1000)),
        Packing::Auto => DottedVersion::from_parts(&split(10000)),
        Packing::Parts => DottedVersion::from_parts(&parts),
    })
}

/// Largest believable major per component (generous: a few years of releases ahead).
fn max_major(component: Component) -> u32 {
    match component {
        Component::Cudart | Component::Cudnn | Component::CudnnSub => 30,
        _ => 60,
    }
}

/// Why a version a library reported cannot be believed, if it cannot: zero, out of range, or a
/// major that contradicts the soname it was found under (`libcudart.so.12` reporting 13.0).
pub fn implausible(
    component: Component,
    version: &DottedVersion,
    name_major: Option<u32>,
) -> Option<String> {
    let major = version.major();
    if major == 0 || major > max_major(component) || version.minor() > 99 {
        return Some(format!(
            "reported version {version} is out of any real range"
        ));
    }
    match name_major {
        Some(m) if m != major => Some(format!(
            "reported version {version} does not match the major {m} of its file name"
        )),
        _ => None,
    }
}

/// Reads `#define <major> N`, `<minor>`, `<patch>` from a C header (cudnn_version.h,
/// NvInferVersion.h); a define whose value names another define is followed once.
pub fn parse_version_defines(text: &str, keys: [&str; 3]) -> Option<DottedVersion> {
    let defines: Vec<(&str, &str)> = text
        .lines()
        .take(5000)
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix("#define")?;
            let mut words = rest.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    let lookup = |name: &str| defines.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let number = |name: &str| -> Option<u32> {
        let value = lookup(name)?;
        value
            .parse()
            .ok()
            .or_else(|| lookup(value).and_then(|v| v.parse().ok()))
    };
    let parts = [number(keys[0])?, number(keys[1])?, number(keys[2])?];
    Some(DottedVersion::from_parts(&parts))
}

/// The cuDNN version of a `cudnn_version.h`.
pub fn parse_cudnn_header(text: &str) -> Option<DottedVersion> {
    parse_version_defines(text, ["CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"])
}

/// The TensorRT version of a `NvInferVersion.h`.
pub fn parse_tensorrt_header(text: &str) -> Option<DottedVersion> {
    parse_version_defines(
        text,
        [
            "NV_TENSORRT_MAJOR",
            "NV_TENSORRT_MINOR",
            "NV_TENSORRT_PATCH",
        ],
    )
}

/// The key of a toolkit's version.json that versions a component ("cuda_cudart", "libcublas").
pub fn version_json_key(component: Component) -> Option<&'static str> {
    Some(match component {
        Component::Cudart => "cuda_cudart",
        Component::Cublas | Component::CublasLt => "libcublas",
        Component::Cufft => "libcufft",
        Component::Curand => "libcurand",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(p: Packing, raw: &[i64]) -> Option<String> {
        decode(p, raw).map(|v| v.to_string())
    }

    #[test]
    fn decodes_each_packing() {
        assert_eq!(d(Packing::Cuda, &[13000]).as_deref(), Some("13.0"));
        assert_eq!(d(Packing::Cuda, &[12040]).as_deref(), Some("12.4"));
        assert_eq!(d(Packing::Auto, &[8906]).as_deref(), Some("8.9.6"));
        assert_eq!(d(Packing::Auto, &[91400]).as_deref(), Some("9.14.0"));
        assert_eq!(d(Packing::Auto, &[8601]).as_deref(), Some("8.6.1"));
        assert_eq!(d(Packing::Auto, &[100800]).as_deref(), Some("10.8.0"));
        assert_eq!(d(Packing::Thousands, &[11300]).as_deref(), Some("11.3.0"));
        assert_eq!(d(Packing::Thousands, &[10307]).as_deref(), Some("10.3.7"));
        assert_eq!(
            d(Packing::TenThousands, &[120405]).as_deref(),
            Some("12.4.5")
        );
        assert_eq!(d(Packing::Parts, &[13, 1, 0]).as_deref(), Some("13.1.0"));
        assert_eq!(d(Packing::Cuda, &[0]), None);
        assert_eq!(d(Packing::Auto, &[-5]), None);
        assert_eq!(d(Packing::Auto, &[]), None);
    }

    #[test]
    fn flags_absurd_versions() {
        let v = decode(Packing::Cuda, &[99999]).unwrap();
        assert!(implausible(Component::Cudart, &v, Some(12)).is_some());
        assert!(implausible(Component::Cudart, &v, None).is_some());
        let ok = decode(Packing::Cuda, &[12080]).unwrap();
        assert_eq!(implausible(Component::Cudart, &ok, Some(12)), None);
        let wrong_major = decode(Packing::Cuda, &[13000]).unwrap();
        assert!(implausible(Component::Cudart, &wrong_major, Some(12))
            .unwrap()
            .contains("major 12"));
    }

    #[test]
    fn parses_cudnn_version_header() {
        // Excerpt of cudnn_version.h as shipped with cuDNN 9.14.
        let text = "/* Copyright */\n#ifndef CUDNN_VERSION_H_\n#define CUDNN_VERSION_H_\n\n\
                    #define CUDNN_MAJOR 9\n#define CUDNN_MINOR 14\n#define CUDNN_PATCHLEVEL 0\n\n\
                    #define CUDNN_VERSION (CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)\n";
        assert_eq!(parse_cudnn_header(text).unwrap().to_string(), "9.14.0");
        assert_eq!(parse_cudnn_header("#define CUDNN_MAJOR 9\n"), None);
        assert_eq!(parse_cudnn_header("garbage\0\u{fffd}"), None);
    }

    #[test]
    fn follows_one_alias_in_tensorrt_header() {
        let text = "#define TRT_MAJOR_ENTERPRISE 10\n#define TRT_MINOR_ENTERPRISE 8\n\
                    #define TRT_PATCH_ENTERPRISE 0\n#define NV_TENSORRT_MAJOR TRT_MAJOR_ENTERPRISE\n\
                    #define NV_TENSORRT_MINOR TRT_MINOR_ENTERPRISE\n#define NV_TENSORRT_PATCH TRT_PATCH_ENTERPRISE\n";
        assert_eq!(parse_tensorrt_header(text).unwrap().to_string(), "10.8.0");
    }

    #[test]
    fn every_component_with_a_call_has_a_packing_that_fits() {
        for c in hwcheck_model::facts::Component::ALL {
            if let Some((call, packing)) = call_for(c) {
                assert!(!call.symbol().is_empty());
                assert_eq!(call == Call::CublasProperty, packing == Packing::Parts);
            }
        }
    }
}
