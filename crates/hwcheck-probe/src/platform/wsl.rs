//! WSL2: its paravirtualized GPU device, the Windows driver's libraries, its kernel, its
//! variables. Any one of the strong signs (kernel release, /dev/dxg, WSL_DISTRO_NAME) is enough.

use super::bounded;
use crate::context::SystemContext;
use hwcheck_model::env_vars;
use hwcheck_model::facts::platform::WslFacts;

/// The GPU paravirtualization device WSL2 gives Linux.
pub const DXG: &str = "/dev/dxg";
/// Where WSL mounts the Windows NVIDIA driver's Linux libraries (libcuda, libnvidia-ml).
pub const LIB_DIR: &str = "/usr/lib/wsl/lib";
/// The kernel release of Microsoft's WSL2 kernels contains this (case differs by release).
const KERNEL_SIGN: &str = "microsoft-standard-wsl2";

/// WSL2's signs, `None` when there are none.
pub fn detect(ctx: &SystemContext, kernel: Option<&str>) -> Option<WslFacts> {
    let mut facts = WslFacts::default();
    if let Some(k) = kernel.filter(|k| k.to_ascii_lowercase().contains(KERNEL_SIGN)) {
        facts
            .evidence
            .push(format!("kernel release {}", bounded(k)));
    }
    if let Some(name) = ctx.var(env_vars::WSL_DISTRO_NAME) {
        facts
            .evidence
            .push(format!("{}={}", env_vars::WSL_DISTRO_NAME, bounded(name)));
    }
    facts.dxg = ctx.path(DXG).exists();
    if facts.dxg {
        facts.evidence.push(format!("{DXG} exists"));
    }
    if facts.evidence.is_empty() {
        return None;
    }
    facts.lib_dir = ctx.path(LIB_DIR).is_dir();
    if facts.lib_dir {
        facts.evidence.push(format!("{LIB_DIR} exists"));
    }
    facts.libcuda_not_symlink = std::fs::symlink_metadata(ctx.path(LIB_DIR).join("libcuda.so.1"))
        .is_ok_and(|m| m.file_type().is_file());
    Some(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    #[test]
    fn recognised_from_each_strong_sign() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), &[]);
        assert!(detect(&c, Some("6.8.0-85-generic")).is_none());
        let w = detect(&c, Some("5.15.167.4-microsoft-standard-WSL2")).unwrap();
        assert_eq!(
            w.evidence,
            ["kernel release 5.15.167.4-microsoft-standard-WSL2"]
        );
        assert!(!w.dxg && !w.lib_dir);
        let named = ctx(dir.path(), &[("WSL_DISTRO_NAME", "Ubuntu-24.04")]);
        assert_eq!(
            detect(&named, None).unwrap().evidence,
            ["WSL_DISTRO_NAME=Ubuntu-24.04"]
        );
        write(dir.path(), DXG, "");
        assert!(detect(&c, None).unwrap().dxg);
    }

    #[test]
    fn the_lib_dir_alone_is_not_wsl_and_a_plain_libcuda_is_noted() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/usr/lib/wsl/lib/libcuda.so.1", "x");
        let c = ctx(dir.path(), &[]);
        assert!(detect(&c, None).is_none());
        write(dir.path(), DXG, "");
        let w = detect(&c, None).unwrap();
        assert!(w.lib_dir && w.libcuda_not_symlink);
        assert_eq!(w.evidence, ["/dev/dxg exists", "/usr/lib/wsl/lib exists"]);
    }
}
