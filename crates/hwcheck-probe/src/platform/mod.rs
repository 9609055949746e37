//! Which Linux this is: WSL2, a Jetson (L4T), a virtual machine; and the NVIDIA packages dpkg
//! lists. Every sign found is kept as evidence.

pub mod dpkg;
pub mod jetson;
pub mod virt;
pub mod wsl;

use crate::context::SystemContext;
use hwcheck_model::facts::platform::PlatformFacts;
use hwcheck_model::read;

/// Most characters of one value kept as evidence.
const MAX_EVIDENCE: usize = 200;

/// Describes the platform; `kernel` is the release the host probe read.
pub fn probe(ctx: &SystemContext, kernel: Option<&str>) -> PlatformFacts {
    let packages = dpkg::probe(ctx);
    PlatformFacts {
        wsl: wsl::detect(ctx, kernel),
        jetson: jetson::detect(ctx, &packages),
        virtualization: virt::detect(ctx),
        packages,
    }
}

/// The first line of a small text file in the root, trimmed, NULs removed (device-tree strings
/// end in NUL), bounded; `None` when absent, unreadable or empty.
pub(crate) fn first_line(ctx: &SystemContext, system_path: &str) -> Option<String> {
    let text = read::small_text(&ctx.path(system_path)).ok()?;
    let line = text.replace('\0', " ");
    let line = line.lines().next()?.trim();
    (!line.is_empty()).then(|| bounded(line))
}

/// At most [`MAX_EVIDENCE`] characters of `text`.
pub(crate) fn bounded(text: &str) -> String {
    text.chars().take(MAX_EVIDENCE).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    #[test]
    fn first_lines_strip_nuls_and_blank_files_are_none() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "/proc/device-tree/model",
            "NVIDIA Jetson AGX Orin\0",
        );
        write(dir.path(), "/empty", "\n");
        let c = ctx(dir.path(), &[]);
        assert_eq!(
            first_line(&c, "/proc/device-tree/model").as_deref(),
            Some("NVIDIA Jetson AGX Orin")
        );
        assert_eq!(first_line(&c, "/empty"), None);
        assert_eq!(first_line(&c, "/missing"), None);
    }

    #[test]
    fn an_empty_root_is_a_plain_linux() {
        let dir = tempfile::tempdir().unwrap();
        let p = probe(&ctx(dir.path(), &[]), Some("6.8.0-85-generic"));
        assert!(p.wsl.is_none() && p.jetson.is_none() && p.virtualization.is_none());
        assert!(p.packages.is_empty());
    }
}
