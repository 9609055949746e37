//! OS, kernel, distribution and glibc.

use crate::context::SystemContext;
use hwcheck_model::facts::HostFacts;
use hwcheck_model::read;

/// The running kernel's release.
pub const OSRELEASE: &str = "/proc/sys/kernel/osrelease";
/// The host name of the probed system (of the UTS namespace hwcheck runs in).
pub const HOSTNAME: &str = "/proc/sys/kernel/hostname";
/// The distribution's description, and its fallback location (os-release(5)).
pub const OS_RELEASE_FILES: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];
/// Most characters kept of any one value read here.
const MAX_VALUE: usize = 200;

/// Describes the host: OS and architecture of this build, kernel and distribution of the
/// probed root, and glibc of this process (only when probing the real machine).
pub fn probe(ctx: &SystemContext) -> HostFacts {
    let kernel = first_line(ctx, OSRELEASE);
    let distro = OS_RELEASE_FILES
        .iter()
        .find_map(|f| read::small_text(&ctx.path(f)).ok())
        .and_then(|t| parse_os_release(&t));
    HostFacts {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        kernel,
        distro,
        glibc: if ctx.is_fake_root() {
            None
        } else {
            running_glibc()
        },
        hostname: hostname(ctx),
    }
}

/// The node's name: HWCHECK_NODE_NAME when set (a pod's own hostname is the pod's name, not the
/// node's), else the probed system's host name.
pub fn hostname(ctx: &SystemContext) -> Option<String> {
    ctx.var(hwcheck_model::env_vars::HWCHECK_NODE_NAME)
        .map(|v| bounded(v.trim()))
        .filter(|v| !v.is_empty())
        .or_else(|| first_line(ctx, HOSTNAME))
}

/// The first line of a small file of the probed root, trimmed and bounded; `None` when absent
/// or empty.
fn first_line(ctx: &SystemContext, path: &str) -> Option<String> {
    read::small_text(&ctx.path(path))
        .ok()
        .and_then(|t| t.lines().next().map(|l| bounded(l.trim())))
        .filter(|k| !k.is_empty())
}

/// The distribution's name from os-release text: PRETTY_NAME, else NAME with VERSION_ID.
pub fn parse_os_release(text: &str) -> Option<String> {
    let value = |key: &str| {
        text.lines()
            .filter_map(|l| l.trim().split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| unquote(v.trim()))
            .filter(|v| !v.is_empty())
    };
    let name = value("PRETTY_NAME").or_else(|| match (value("NAME"), value("VERSION_ID")) {
        (Some(n), Some(v)) => Some(format!("{n} {v}")),
        (n, _) => n,
    })?;
    Some(bounded(&name))
}

/// Removes shell-style quotes and the backslash escapes os-release(5) allows.
fn unquote(value: &str) -> String {
    let inner = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
        .unwrap_or(value);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

fn bounded(text: &str) -> String {
    text.chars().take(MAX_VALUE).collect()
}

/// The glibc this process runs on, e.g. "2.36".
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn running_glibc() -> Option<String> {
    // SAFETY: gnu_get_libc_version takes no arguments and returns a pointer to a static,
    // NUL-terminated string owned by glibc for the life of the process.
    let ptr = unsafe { libc::gnu_get_libc_version() };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, static (see above).
    let text = unsafe { std::ffi::CStr::from_ptr(ptr) };
    Some(bounded(&text.to_string_lossy()))
}

/// Not built against glibc: nothing to report.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn running_glibc() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    const DEBIAN_12: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n";
    const UBUNTU_2404: &str = "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION=\"24.04.3 LTS (Noble Numbat)\"\nID=ubuntu\nID_LIKE=debian\n";
    const ROCKY_NO_PRETTY: &str = "NAME=\"Rocky Linux\"\nVERSION_ID=\"9.4\"\nID=\"rocky\"\n";

    #[test]
    fn reads_pretty_name() {
        assert_eq!(
            parse_os_release(DEBIAN_12).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            parse_os_release(UBUNTU_2404).as_deref(),
            Some("Ubuntu 24.04.3 LTS")
        );
    }

    #[test]
    fn falls_back_to_name_and_version() {
        assert_eq!(
            parse_os_release(ROCKY_NO_PRETTY).as_deref(),
            Some("Rocky Linux 9.4")
        );
        assert_eq!(parse_os_release("NAME=Alpine").as_deref(), Some("Alpine"));
    }

    #[test]
    fn unquotes_and_unescapes() {
        assert_eq!(
            parse_os_release("PRETTY_NAME='My \\\"Distro\\\" 1'").as_deref(),
            Some("My \"Distro\" 1")
        );
    }

    #[test]
    fn garbage_is_none() {
        for text in ["", "\u{0}\u{0}", "no equals here", "PRETTY_NAME=\"\"", "="] {
            assert_eq!(parse_os_release(text), None, "{text:?}");
        }
    }

    #[test]
    fn probes_a_fake_root() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), OSRELEASE, "6.8.0-85-generic\n");
        write(dir.path(), "/usr/lib/os-release", UBUNTU_2404);
        let h = probe(&ctx(dir.path(), &[]));
        assert_eq!(h.kernel.as_deref(), Some("6.8.0-85-generic"));
        assert_eq!(h.distro.as_deref(), Some("Ubuntu 24.04.3 LTS"));
        assert_eq!(
            h.glibc, None,
            "a fake root never reports this process's glibc"
        );
        assert_eq!(h.os, std::env::consts::OS);
    }

    #[test]
    fn an_empty_fake_root_knows_only_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let h = probe(&ctx(dir.path(), &[]));
        assert!(h.kernel.is_none() && h.distro.is_none() && h.glibc.is_none());
        assert!(h.hostname.is_none());
        assert!(!h.arch.is_empty());
    }

    #[test]
    fn the_node_name_variable_wins_over_the_host_name() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), HOSTNAME, "gpu-pod-7f9c\n");
        assert_eq!(
            hostname(&ctx(dir.path(), &[])).as_deref(),
            Some("gpu-pod-7f9c")
        );
        let named = ctx(dir.path(), &[("HWCHECK_NODE_NAME", " node-a17 ")]);
        assert_eq!(hostname(&named).as_deref(), Some("node-a17"));
        let blank = ctx(dir.path(), &[("HWCHECK_NODE_NAME", "  ")]);
        assert_eq!(hostname(&blank).as_deref(), Some("gpu-pod-7f9c"));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn reports_the_running_glibc() {
        let v = running_glibc().unwrap();
        assert!(v.starts_with("2."), "{v}");
    }
}
