//! The installed packages that matter to CUDA, from dpkg's status database.

use crate::context::SystemContext;
use hwcheck_model::facts::platform::PackageFacts;
use hwcheck_model::read;

/// dpkg's database of installed packages.
pub const STATUS: &str = "/var/lib/dpkg/status";
/// Most bytes read of it (a desktop with thousands of packages has a few MiB).
const MAX_STATUS: u64 = 32 << 20;
/// Most packages kept.
const MAX_PACKAGES: usize = 500;
/// Name prefixes of the packages kept: CUDA, NVIDIA drivers and libraries, L4T, TensorRT.
const PREFIXES: [&str; 6] = [
    "cuda",
    "nvidia-",
    "libnvidia-",
    "libcudnn",
    "tensorrt",
    "libnvinfer",
];

/// The installed packages named in [`PREFIXES`]; empty without dpkg.
pub fn probe(ctx: &SystemContext) -> Vec<PackageFacts> {
    read::text_up_to(&ctx.path(STATUS), MAX_STATUS)
        .map(|text| parse_status(&text))
        .unwrap_or_default()
}

/// Parses dpkg status text: stanzas separated by blank lines; keeps installed packages whose
/// name has one of [`PREFIXES`].
pub fn parse_status(text: &str) -> Vec<PackageFacts> {
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |key: &str| {
            stanza.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        let (Some(name), Some(status)) = (field("Package"), field("Status")) else {
            continue;
        };
        if !status.ends_with(" installed") || !PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        out.push(PackageFacts {
            name,
            version: field("Version").unwrap_or_default(),
            architecture: field("Architecture"),
        });
        if out.len() >= MAX_PACKAGES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS_TEXT: &str = "Package: cuda\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.6.3-1\nDepends: cuda-12-6 (>= 12.6.3)\n\nPackage: cuda-toolkit-12-6\nStatus: deinstall ok config-files\nVersion: 12.6.3-1\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2\n\nPackage: nvidia-l4t-core\nStatus: install ok installed\nArchitecture: arm64\nVersion: 36.4.3-20250107174145\n";

    #[test]
    fn keeps_installed_cuda_and_nvidia_packages() {
        let p = parse_status(STATUS_TEXT);
        let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["cuda", "nvidia-l4t-core"]);
        assert_eq!(p[1].version, "36.4.3-20250107174145");
        assert_eq!(p[1].architecture.as_deref(), Some("arm64"));
    }

    #[test]
    fn garbage_is_empty() {
        for text in ["", "\0\0", "Package:\n", "Status: install ok installed\n"] {
            assert!(parse_status(text).is_empty(), "{text:?}");
        }
    }
}
