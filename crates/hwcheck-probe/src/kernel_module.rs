//! The NVIDIA kernel module's version from /proc/driver/nvidia/version, or from
//! /sys/module/nvidia/version when /proc does not say.

use crate::context::SystemContext;
use hwcheck_model::facts::KernelModuleFacts;
use hwcheck_model::read;
use hwcheck_model::version::DottedVersion;

/// The kernel module's own report (absent when the module is not loaded).
pub const PROC_VERSION: &str = "/proc/driver/nvidia/version";
/// The module version as sysfs exposes it (just the number).
pub const SYS_VERSION: &str = "/sys/module/nvidia/version";
/// Most bytes read from either file (the real one is about 200 bytes).
const MAX_READ: u64 = 64 * 1024;
/// Most characters of the first line kept in [`KernelModuleFacts::raw`].
const MAX_RAW: usize = 300;
/// The line of /proc/driver/nvidia/version that names the module and its version.
const NVRM_PREFIX: &str = "NVRM version:";

/// Reads and parses /proc/driver/nvidia/version (falling back to /sys/module/nvidia/version);
/// `None` when neither exists. A file that exists but cannot be read gives facts whose `raw`
/// says why and whose version is `None`.
pub fn probe(ctx: &SystemContext) -> Option<KernelModuleFacts> {
    let proc_path = ctx.path(PROC_VERSION);
    let sys_path = ctx.path(SYS_VERSION);
    let proc_read = read::text_up_to(&proc_path, MAX_READ);
    if let Ok(text) = &proc_read {
        return Some(parse_proc_version(text));
    }
    if let Ok(text) = read::text_up_to(&sys_path, MAX_READ) {
        return Some(parse_sys_version(&text));
    }
    match proc_read {
        Err(e) if proc_path.exists() => Some(KernelModuleFacts {
            raw: format!("({PROC_VERSION} unreadable: {e})"),
            ..KernelModuleFacts::default()
        }),
        _ => None,
    }
}

/// Parses the text of /proc/driver/nvidia/version. Only the `NVRM version:` line is read; any
/// other text gives a `None` version with the first line kept in `raw`.
pub fn parse_proc_version(text: &str) -> KernelModuleFacts {
    let nvrm_line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(NVRM_PREFIX));
    let first_line = text.lines().next().unwrap_or_default().trim();
    let raw = bounded(nvrm_line.unwrap_or(first_line));
    let Some(rest) = nvrm_line.and_then(|l| l.strip_prefix(NVRM_PREFIX)) else {
        return KernelModuleFacts {
            raw,
            ..KernelModuleFacts::default()
        };
    };
    let version = rest
        .split_whitespace()
        .filter(|t| t.contains('.'))
        .find_map(|t| DottedVersion::parse(t).ok());
    let flavour = if rest.contains("Open Kernel Module") {
        Some("open")
    } else if rest.contains("Kernel Module") {
        Some("proprietary")
    } else {
        None
    };
    KernelModuleFacts {
        version,
        flavour: flavour.map(str::to_string),
        raw,
    }
}

/// Parses /sys/module/nvidia/version ("580.159.04\n"); it does not tell the flavour.
pub fn parse_sys_version(text: &str) -> KernelModuleFacts {
    let first = text.lines().next().unwrap_or_default().trim();
    KernelModuleFacts {
        version: DottedVersion::parse(first).ok(),
        flavour: None,
        raw: bounded(first),
    }
}

fn bounded(line: &str) -> String {
    line.chars().take(MAX_RAW).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::write;

    fn ctx(root: &std::path::Path) -> SystemContext {
        crate::testing::ctx(root, &[])
    }

    const OPEN_580: &str = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AM02-24-3)  Thu Oct 16 21:49:36 UTC 2025\nGCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04) \n";
    const PROPRIETARY_550: &str =
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:53 UTC 2024\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n";
    const OPEN_AARCH64: &str = "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  570.86.15  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Jan 16 18:21:22 UTC 2025\n";

    #[test]
    fn parses_the_open_module() {
        let f = parse_proc_version(OPEN_580);
        assert_eq!(f.version.unwrap().as_str(), "580.159.04");
        assert_eq!(f.flavour.as_deref(), Some("open"));
        assert!(f.raw.starts_with("NVRM version: NVIDIA UNIX Open"));
        assert!(!f.raw.contains("GCC"));
    }

    #[test]
    fn parses_the_proprietary_module() {
        let f = parse_proc_version(PROPRIETARY_550);
        assert_eq!(f.version.unwrap().as_str(), "550.54.15");
        assert_eq!(f.flavour.as_deref(), Some("proprietary"));
    }

    #[test]
    fn parses_arm_builds() {
        let f = parse_proc_version(OPEN_AARCH64);
        assert_eq!(f.version.unwrap().as_str(), "570.86.15");
        assert_eq!(f.flavour.as_deref(), Some("open"));
    }

    #[test]
    fn garbage_keeps_raw_and_no_version() {
        for text in [
            "",
            "\n\n",
            "hello 1.2.3 world",
            "NVRM version:",
            "\u{0}\u{ff}zz",
        ] {
            let f = parse_proc_version(text);
            assert!(f.version.is_none(), "{text:?}");
            assert!(f.flavour.is_none(), "{text:?}");
        }
        assert_eq!(
            parse_proc_version("hello 1.2.3 world").raw,
            "hello 1.2.3 world"
        );
    }

    #[test]
    fn raw_is_bounded() {
        let long = format!("NVRM version: {}", "x".repeat(5000));
        assert_eq!(parse_proc_version(&long).raw.chars().count(), MAX_RAW);
    }

    #[test]
    fn parses_sysfs() {
        let f = parse_sys_version("580.159.04\n");
        assert_eq!(f.version.unwrap().as_str(), "580.159.04");
        assert!(parse_sys_version("junk").version.is_none());
    }

    #[test]
    fn probe_reads_proc_in_a_fake_root() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), PROC_VERSION, PROPRIETARY_550);
        write(dir.path(), SYS_VERSION, "999.1.1\n");
        let f = probe(&ctx(dir.path())).unwrap();
        assert_eq!(f.version.unwrap().as_str(), "550.54.15");
    }

    #[test]
    fn probe_falls_back_to_sysfs() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), SYS_VERSION, "580.95.05\n");
        let f = probe(&ctx(dir.path())).unwrap();
        assert_eq!(f.version.unwrap().as_str(), "580.95.05");
        assert!(f.flavour.is_none());
    }

    #[test]
    fn probe_without_a_module_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(probe(&ctx(dir.path())).is_none());
    }

    #[test]
    fn probe_of_an_unreadable_file_says_so() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: it exists but cannot be read as text.
        std::fs::create_dir_all(dir.path().join(PROC_VERSION.trim_start_matches('/'))).unwrap();
        let f = probe(&ctx(dir.path())).unwrap();
        assert!(f.version.is_none());
        assert!(f.raw.contains("unreadable"), "{}", f.raw);
    }
}
