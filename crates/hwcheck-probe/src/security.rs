//! Trust facts: hwcheck's effective uid, and for every directory libraries are (or would be)
//! loaded from — LD_LIBRARY_PATH entries, the directories of ORT_DYLIB_PATH and `--ort`, the
//! directories of every library copy found — its owner, mode, and whether a user other than
//! root could change what gets loaded from it (the directory or a parent owned by another user,
//! or group/world-writable without the sticky bit).

use crate::context::SystemContext;
use hwcheck_model::env_vars;
use hwcheck_model::facts::security::{DirUse, DirectoryFacts, SecurityFacts};
use hwcheck_model::facts::Facts;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Most directories inspected.
const MAX_DIRS: usize = 200;
/// Most parent directories walked up from one directory.
const MAX_DEPTH: usize = 64;
/// Sticky bit of a mode.
const STICKY: u32 = 0o1000;

/// Gathers the trust facts for the libraries and settings in `facts`.
pub fn probe(ctx: &SystemContext, facts: &Facts) -> SecurityFacts {
    let mut dirs: Vec<(String, Vec<DirUse>)> = Vec::new();
    let mut add = |path: &str, used: DirUse| {
        if dirs.len() >= MAX_DIRS && !dirs.iter().any(|(p, _)| p == path) {
            return;
        }
        match dirs.iter_mut().find(|(p, _)| p == path) {
            Some((_, uses)) => merge_use(uses, used),
            None => dirs.push((path.to_string(), vec![used])),
        }
    };
    for dir in ctx.path_list(env_vars::LD_LIBRARY_PATH) {
        add(&dir, DirUse::LdLibraryPath);
    }
    if let Some(dir) = ctx.var(env_vars::ORT_DYLIB_PATH).and_then(parent) {
        add(&dir, DirUse::OrtDylibPath);
    }
    if let Some(dir) = ctx
        .options
        .ort_path
        .as_deref()
        .and_then(|p| parent(&p.to_string_lossy()))
    {
        add(&dir, DirUse::OrtOption);
    }
    let loaded = facts
        .libraries
        .iter()
        .flat_map(|l| std::iter::once(&l.path).chain(l.real_path.as_ref()))
        .chain(facts.ort.installs.iter().map(|i| &i.path))
        .chain(facts.driver.nvml.library_path.as_ref())
        .chain(
            facts
                .cuda_driver_api
                .as_ref()
                .and_then(|a| a.library_path.as_ref()),
        );
    for file in loaded {
        if let (Some(dir), Some(name)) = (parent(file), file_name(file)) {
            add(&dir, DirUse::Libraries(vec![name]));
        }
    }
    SecurityFacts {
        // SAFETY: geteuid(2) has no preconditions and cannot fail.
        euid: Some(unsafe { libc::geteuid() }),
        directories: dirs
            .into_iter()
            .map(|(path, uses)| inspect(ctx, path, uses))
            .collect(),
    }
}

/// Adds `used` to `uses`, merging file names of [`DirUse::Libraries`].
fn merge_use(uses: &mut Vec<DirUse>, used: DirUse) {
    if let DirUse::Libraries(more) = &used {
        if let Some(DirUse::Libraries(names)) =
            uses.iter_mut().find(|u| matches!(u, DirUse::Libraries(_)))
        {
            for name in more {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            return;
        }
    }
    if !uses.contains(&used) {
        uses.push(used);
    }
}

fn parent(path: &str) -> Option<String> {
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.display().to_string())
}

fn file_name(path: &str) -> Option<String> {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// Owner, mode and writability of one directory (as the probed system names it).
fn inspect(ctx: &SystemContext, path: String, uses: Vec<DirUse>) -> DirectoryFacts {
    let mut facts = DirectoryFacts {
        path,
        uses,
        ..DirectoryFacts::default()
    };
    if !Path::new(&facts.path).is_absolute() {
        facts.user_writable = Some(format!(
            "{} is a relative path: it names a different directory in every working directory",
            facts.path
        ));
        return facts;
    }
    let host = ctx.path(&facts.path);
    match std::fs::metadata(&host) {
        Ok(meta) => {
            facts.owner_uid = Some(meta.uid());
            facts.mode = Some(meta.mode() & 0o7777);
            facts.world_writable = meta.mode() & 0o002 != 0;
            facts.sticky = meta.mode() & STICKY != 0;
            facts.user_writable = user_writable(ctx, &host);
        }
        Err(e) => facts.problem = Some(format!("cannot inspect: {e}")),
    }
    facts
}

/// Why a user other than root could change the directory at `host` (or swap it through one of
/// its parents, up to the probed root), if one could.
fn user_writable(ctx: &SystemContext, host: &Path) -> Option<String> {
    let real = std::fs::canonicalize(host).unwrap_or_else(|_| host.to_path_buf());
    let stop = std::fs::canonicalize(&ctx.root).unwrap_or_else(|_| ctx.root.clone());
    let mut at: Option<PathBuf> = Some(real);
    for _ in 0..MAX_DEPTH {
        let Some(dir) = at else { break };
        if let Some(why) = std::fs::metadata(&dir).ok().and_then(|m| writable_why(&m)) {
            return Some(format!("{} {why}", ctx.display_path(&dir)));
        }
        if dir == stop {
            break;
        }
        at = dir.parent().map(Path::to_path_buf);
    }
    None
}

/// Why a directory with metadata `meta` is writable by a user other than root, if it is.
fn writable_why(meta: &std::fs::Metadata) -> Option<String> {
    let mode = meta.mode();
    let sticky = mode & STICKY != 0;
    if meta.uid() != 0 {
        Some(format!("is owned by uid {}", meta.uid()))
    } else if mode & 0o002 != 0 && !sticky {
        Some("is world-writable".to_string())
    } else if mode & 0o020 != 0 && meta.gid() != 0 && !sticky {
        Some(format!("is writable by group {}", meta.gid()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ctx;
    use hwcheck_model::facts::{Component, LibraryFacts};
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn library(path: &str) -> LibraryFacts {
        LibraryFacts {
            real_path: Some(path.to_string()),
            loader_selected: true,
            ..LibraryFacts::new(Component::Cudart, path)
        }
    }

    #[test]
    fn finds_world_writable_library_dirs_and_merges_uses() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("opt/shared/lib")).unwrap();
        std::fs::create_dir_all(r.join("tmp")).unwrap();
        chmod(&r.join("opt/shared/lib"), 0o777);
        chmod(&r.join("tmp"), 0o1777);
        let c = ctx(r, &[("LD_LIBRARY_PATH", "/opt/shared/lib:/tmp:lib")]);
        let facts = Facts {
            libraries: vec![
                library("/opt/shared/lib/libcudart.so.13"),
                library("/opt/shared/lib/libcudnn.so.9"),
            ],
            ..Facts::default()
        };
        let s = probe(&c, &facts);
        assert!(s.euid.is_some());
        let shared = &s.directories[0];
        assert_eq!(shared.path, "/opt/shared/lib");
        assert!(shared.world_writable && !shared.sticky);
        assert_eq!(
            shared.uses,
            vec![
                DirUse::LdLibraryPath,
                DirUse::Libraries(vec!["libcudart.so.13".into(), "libcudnn.so.9".into()])
            ]
        );
        assert_eq!(
            shared.user_writable.as_deref(),
            Some("/opt/shared/lib is world-writable")
        );
        let tmp = &s.directories[1];
        assert!(tmp.world_writable && tmp.sticky);
        assert_eq!(tmp.user_writable, None, "sticky and owned by root");
        assert!(s.directories[2]
            .user_writable
            .as_deref()
            .unwrap()
            .contains("relative path"));
    }

    #[test]
    fn a_missing_directory_is_a_problem_not_a_panic() {
        let root = tempfile::tempdir().unwrap();
        let c = ctx(
            root.path(),
            &[("ORT_DYLIB_PATH", "/nowhere/libonnxruntime.so")],
        );
        let s = probe(&c, &Facts::default());
        assert_eq!(s.directories[0].path, "/nowhere");
        assert_eq!(s.directories[0].uses, vec![DirUse::OrtDylibPath]);
        assert!(s.directories[0].problem.is_some());
    }

    #[test]
    fn a_parent_owned_by_another_user_is_found() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("home/alice/venv/lib")).unwrap();
        // SAFETY: lchown(2) on a path we created; fails harmlessly when not privileged.
        let c_path = std::ffi::CString::new(r.join("home/alice").to_str().unwrap()).unwrap();
        if unsafe { libc::lchown(c_path.as_ptr(), 1000, 1000) } != 0 {
            return; // not root: cannot give a directory away
        }
        let c = ctx(r, &[("LD_LIBRARY_PATH", "/home/alice/venv/lib")]);
        let s = probe(&c, &Facts::default());
        assert_eq!(
            s.directories[0].user_writable.as_deref(),
            Some("/home/alice is owned by uid 1000")
        );
    }
}
