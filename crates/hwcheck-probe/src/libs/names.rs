//! Which component a library file name belongs to, and what its name says about its version.

use hwcheck_model::facts::Component;
use hwcheck_model::version::DottedVersion;

/// A file name of a CUDA-family library, split: `libcudnn_ops.so.9.14.0` is stem
/// `libcudnn_ops`, suffix `9.14.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibName {
    /// Which component.
    pub component: Component,
    /// The name up to ".so" ("libcudart", "libcudnn_ops").
    pub stem: String,
    /// The numbers after ".so." ("12", "12.4.127"); empty for a bare development link.
    pub suffix: String,
}

impl LibName {
    /// True for the bare `libX.so` development link.
    pub fn is_dev_link(&self) -> bool {
        self.suffix.is_empty()
    }

    /// The suffix as a version, when it is one ("12.4.127"; `None` for a bare ".so").
    pub fn suffix_version(&self) -> Option<DottedVersion> {
        DottedVersion::parse(&self.suffix).ok()
    }
}

/// Stems hwcheck looks for, longest first where one is a prefix of another.
const STEMS: [(&str, Component); 9] = [
    ("libcuda", Component::Libcuda),
    ("libnvidia-ml", Component::Nvml),
    ("libcudart", Component::Cudart),
    ("libcublasLt", Component::CublasLt),
    ("libcublas", Component::Cublas),
    ("libcufft", Component::Cufft),
    ("libcurand", Component::Curand),
    ("libcudnn", Component::Cudnn),
    ("libnvinfer", Component::Tensorrt),
];

/// Classifies a file name: `Some` for `libX.so` and `libX.so.<numbers>` of a known component
/// (`libcudnn_<part>` is a cuDNN sub-library), `None` for anything else (`libcufftw.so`,
/// `libnvinfer_plugin.so.10`, `libcudart_static.a`, `libcudadebugger.so.1`).
pub fn classify(file_name: &str) -> Option<LibName> {
    let (stem, rest) = file_name.split_once(".so")?;
    let suffix = if rest.is_empty() {
        ""
    } else {
        rest.strip_prefix('.')?
    };
    if !suffix.is_empty() && DottedVersion::parse(suffix).is_err() {
        return None;
    }
    let component = STEMS
        .iter()
        .find(|(s, _)| *s == stem)
        .map(|(_, c)| *c)
        .or_else(|| {
            let part = stem.strip_prefix("libcudnn_")?;
            let ok =
                !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            ok.then_some(Component::CudnnSub)
        })?;
    Some(LibName {
        component,
        stem: stem.to_string(),
        suffix: suffix.to_string(),
    })
}

/// True when a directory entry name could be one of ours (cheap pre-filter before `classify`).
pub fn may_match(file_name: &str) -> bool {
    file_name.starts_with("libcu") || file_name.starts_with("libnv")
}

/// The version a real (symlink-resolved) file name tells, when it tells more than the major:
/// `libcudnn_ops.so.9.14.0` -> 9.14.0, `libcuda.so.580.95.05` -> 580.95.05. For libcuda and
/// NVML only a driver-shaped version (major >= 100) counts: `libcuda.so.1.1` (WSL) says nothing.
pub fn file_name_version(component: Component, real_name: &str) -> Option<DottedVersion> {
    let version = classify(real_name)?.suffix_version()?;
    let driver_like = matches!(component, Component::Libcuda | Component::Nvml);
    let ok = version.parts().len() >= 2 && (!driver_like || version.major() >= 100);
    ok.then_some(version)
}

/// The product major a soname carries (`libcudart.so.12` -> 12), for components whose soname
/// major is the product major (all but libcuda and NVML, whose soname is `.so.1`).
pub fn soname_major(component: Component, name: &str) -> Option<u32> {
    if matches!(component, Component::Libcuda | Component::Nvml) {
        return None;
    }
    let version = classify(name)?.suffix_version()?;
    Some(version.major())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_real_file_names() {
        let cases = [
            ("libcudart.so.13", Component::Cudart, "13"),
            ("libcudart.so.12.4.127", Component::Cudart, "12.4.127"),
            ("libcublasLt.so.13.1.0.3", Component::CublasLt, "13.1.0.3"),
            ("libcublas.so.12", Component::Cublas, "12"),
            ("libcudnn.so.9", Component::Cudnn, "9"),
            (
                "libcudnn_engines_precompiled.so.9.14.0",
                Component::CudnnSub,
                "9.14.0",
            ),
            ("libcuda.so.580.95.05", Component::Libcuda, "580.95.05"),
            ("libnvidia-ml.so.1", Component::Nvml, "1"),
            ("libnvinfer.so.10", Component::Tensorrt, "10"),
            ("libcufft.so.12", Component::Cufft, "12"),
            ("libcurand.so.10", Component::Curand, "10"),
            ("libcudart.so", Component::Cudart, ""),
        ];
        for (name, component, suffix) in cases {
            let got = classify(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((got.component, got.suffix.as_str()), (component, suffix));
            assert!(may_match(name));
        }
    }

    #[test]
    fn ignores_lookalikes() {
        for name in [
            "libcufftw.so.11",
            "libnvinfer_plugin.so.10",
            "libcudart_static.a",
            "libcudadebugger.so.1",
            "libcudart.so.12.debug",
            "libcudnn_.so.9",
            "libcuda.sox",
            "libcudnn-ops.so.9",
        ] {
            assert_eq!(classify(name), None, "{name}");
        }
    }

    #[test]
    fn file_names_tell_versions_only_when_specific() {
        let v = |c, n| file_name_version(c, n).map(|v| v.to_string());
        assert_eq!(
            v(Component::CudnnSub, "libcudnn_ops.so.9.14.0").as_deref(),
            Some("9.14.0")
        );
        assert_eq!(
            v(Component::Libcuda, "libcuda.so.580.95.05").as_deref(),
            Some("580.95.05")
        );
        assert_eq!(v(Component::Libcuda, "libcuda.so.1.1"), None);
        assert_eq!(v(Component::Cudart, "libcudart.so.12"), None);
        assert_eq!(soname_major(Component::Cudart, "libcudart.so.12"), Some(12));
        assert_eq!(soname_major(Component::Libcuda, "libcuda.so.1"), None);
    }
}
