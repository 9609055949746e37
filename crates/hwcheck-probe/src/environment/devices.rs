//! The GPU device nodes CUDA opens, and whether this process's user may read and write each:
//! /dev/nvidiactl, /dev/nvidia<N>, /dev/nvidia-uvm, /dev/nvidia-uvm-tools, /dev/nvidia-caps/*,
//! and WSL2's /dev/dxg. Access is asked of the kernel with access(2), so ACLs, capabilities and
//! a read-only /dev all count.

use crate::context::SystemContext;
use hwcheck_model::facts::platform::{DeviceNodeFacts, UserFacts};
use hwcheck_model::read;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Nodes every CUDA process on a Linux NVIDIA driver opens: always listed, present or not.
pub const REQUIRED: [&str; 3] = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"];
/// Most entries read from one directory.
const MAX_ENTRIES: usize = 10_000;
/// Most supplementary groups kept.
const MAX_GROUPS: usize = 256;

/// Every GPU node: the [`REQUIRED`] ones, each /dev/nvidia<N>, /dev/nvidia-caps/*, /dev/dxg.
pub fn probe(ctx: &SystemContext) -> Vec<DeviceNodeFacts> {
    let mut paths: Vec<String> = REQUIRED.iter().map(|p| p.to_string()).collect();
    let mut gpus: Vec<(u32, String)> = names_in(ctx, "/dev")
        .into_iter()
        .filter_map(|n| {
            let index = n.strip_prefix("nvidia")?.parse::<u32>().ok()?;
            Some((index, format!("/dev/{n}")))
        })
        .collect();
    gpus.sort();
    paths.extend(gpus.into_iter().map(|(_, p)| p));
    let mut caps: Vec<String> = names_in(ctx, "/dev/nvidia-caps")
        .into_iter()
        .map(|n| format!("/dev/nvidia-caps/{n}"))
        .collect();
    caps.sort();
    paths.extend(caps);
    if ctx.path("/dev/dxg").exists() {
        paths.push("/dev/dxg".to_string());
    }
    let groups = group_names(ctx);
    paths.iter().map(|p| node(ctx, p, &groups)).collect()
}

/// The real uid, gid and supplementary groups of this process.
pub fn user() -> UserFacts {
    let mut buf = vec![0 as libc::gid_t; MAX_GROUPS];
    let len = i32::try_from(buf.len()).unwrap_or(0);
    // SAFETY: getgroups(2) writes at most `len` gids into the buffer we own; a negative return
    // (more groups than room) leaves it unread.
    let n = unsafe { libc::getgroups(len, buf.as_mut_ptr()) };
    buf.truncate(usize::try_from(n).unwrap_or(0));
    UserFacts {
        // SAFETY: getuid(2) and getgid(2) have no preconditions and cannot fail.
        uid: unsafe { libc::getuid() },
        // SAFETY: as above.
        gid: unsafe { libc::getgid() },
        groups: buf,
    }
}

fn node(ctx: &SystemContext, system_path: &str, groups: &[(u32, String)]) -> DeviceNodeFacts {
    let host = ctx.path(system_path);
    let Ok(meta) = std::fs::metadata(&host) else {
        return DeviceNodeFacts {
            path: system_path.to_string(),
            ..DeviceNodeFacts::default()
        };
    };
    let gid = meta.gid();
    let group = match groups.iter().find(|(g, _)| *g == gid) {
        Some((_, name)) => format!("{gid} ({name})"),
        None => gid.to_string(),
    };
    DeviceNodeFacts {
        path: system_path.to_string(),
        present: true,
        readable: Some(may(&host, libc::R_OK)),
        writable: Some(may(&host, libc::W_OK)),
        owner_uid: Some(meta.uid()),
        group: Some(group),
        mode: Some(meta.mode() & 0o7777),
    }
}

/// access(2) for the real user.
fn may(path: &Path, mode: libc::c_int) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call; access(2) only reads it.
    unsafe { libc::access(c.as_ptr(), mode) == 0 }
}

/// Names of the entries of a directory in the root (bounded); empty when it cannot be listed.
fn names_in(ctx: &SystemContext, dir: &str) -> Vec<String> {
    std::fs::read_dir(ctx.path(dir))
        .map(|entries| {
            entries
                .take(MAX_ENTRIES)
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// (gid, name) of /etc/group in the root.
fn group_names(ctx: &SystemContext) -> Vec<(u32, String)> {
    read::small_text(&ctx.path("/etc/group"))
        .map(|text| parse_group(&text))
        .unwrap_or_default()
}

/// (gid, name) pairs of /etc/group text ("video:x:44:alice").
pub fn parse_group(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.trim();
            let gid = f.nth(1)?.trim().parse().ok()?;
            (!name.is_empty()).then(|| (gid, name.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    #[test]
    fn lists_required_gpu_and_caps_nodes() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for n in [
            "nvidiactl",
            "nvidia1",
            "nvidia0",
            "nvidia-uvm",
            "nvidia-modeset",
            "null",
        ] {
            write(r, &format!("/dev/{n}"), "");
        }
        write(r, "/dev/nvidia-caps/nvidia-cap2", "");
        write(r, "/dev/nvidia-caps/nvidia-cap1", "");
        write(r, "/etc/group", "root:x:0:\nvideo:x:44:alice\nbroken\n");
        let nodes = probe(&ctx(r, &[]));
        let paths: Vec<&str> = nodes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/dev/nvidiactl",
                "/dev/nvidia-uvm",
                "/dev/nvidia-uvm-tools",
                "/dev/nvidia0",
                "/dev/nvidia1",
                "/dev/nvidia-caps/nvidia-cap1",
                "/dev/nvidia-caps/nvidia-cap2"
            ]
        );
        let tools = &nodes[2];
        assert!(!tools.present && tools.readable.is_none() && tools.mode.is_none());
        let ctl = &nodes[0];
        assert!(ctl.present && ctl.owner_uid.is_some() && ctl.mode.is_some());
        // The test's own files: this user may read and write them.
        assert_eq!((ctl.readable, ctl.writable), (Some(true), Some(true)));
    }

    #[test]
    fn wsl_dxg_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/dev/dxg", "");
        let nodes = probe(&ctx(dir.path(), &[]));
        assert_eq!(nodes.last().unwrap().path, "/dev/dxg");
        assert!(nodes.last().unwrap().present);
    }

    #[test]
    fn groups_and_user() {
        assert_eq!(
            parse_group("video:x:44:a,b\nrender:x:109:\n::\nx:y:notanumber:\n"),
            [(44, "video".to_string()), (109, "render".to_string())]
        );
        let u = user();
        // SAFETY: getuid has no preconditions.
        assert_eq!(u.uid, unsafe { libc::getuid() });
    }
}
