//! Trust checks: libraries loaded from directories anyone can write, and root runs whose
//! LD_LIBRARY_PATH / ORT_DYLIB_PATH / `--ort` point where other users can write.

use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::security::{DirUse, DirectoryFacts};
use hwcheck_model::facts::Facts;

/// Libraries in world-writable directories, world-writable or relative LD_LIBRARY_PATH entries.
pub const DIRS: CheckKind = CheckKind::SecurityLibraryDirs;
/// Root with a library path other users control.
pub const ROOT: CheckKind = CheckKind::SecurityRootLibraryPath;

/// Judges the trust facts.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = tables;
    vec![library_dirs(facts), root_library_path(facts)]
}

fn library_files(d: &DirectoryFacts) -> Option<&Vec<String>> {
    d.uses.iter().find_map(|u| match u {
        DirUse::Libraries(names) => Some(names),
        _ => None,
    })
}

fn on_ld_library_path(d: &DirectoryFacts) -> bool {
    d.uses.contains(&DirUse::LdLibraryPath)
}

/// Set by the user to name where libraries come from (LD_LIBRARY_PATH, ORT_DYLIB_PATH, --ort).
fn chosen_by_settings(d: &DirectoryFacts) -> bool {
    d.uses.iter().any(|u| {
        matches!(
            u,
            DirUse::LdLibraryPath | DirUse::OrtDylibPath | DirUse::OrtOption
        )
    })
}

/// What is wrong with one directory for everyone, if anything.
fn open_to_everyone(d: &DirectoryFacts) -> Option<String> {
    let relative = d
        .user_writable
        .as_deref()
        .filter(|w| w.contains("relative path"));
    if let (true, Some(why)) = (on_ld_library_path(d), relative) {
        return Some(format!("LD_LIBRARY_PATH entry {why}"));
    }
    if !d.world_writable {
        return None;
    }
    if on_ld_library_path(d) {
        return Some(format!(
            "LD_LIBRARY_PATH entry {} is world-writable: anyone on this machine can plant a \
             library there that every program loads first",
            d.path
        ));
    }
    if d.sticky {
        return None;
    }
    let what = match library_files(d) {
        Some(names) => format!("libraries hwcheck found and loads ({})", names.join(", ")),
        None => "the ONNX Runtime library named by ORT_DYLIB_PATH / --ort".to_string(),
    };
    Some(format!(
        "{what} sit in world-writable {}: anyone on this machine can replace them",
        d.path
    ))
}

fn library_dirs(facts: &Facts) -> Check {
    let dirs = &facts.security.directories;
    if dirs.is_empty() {
        return Check::skip(DIRS, "no library directory to check");
    }
    let problems: Vec<String> = dirs.iter().filter_map(open_to_everyone).collect();
    if problems.is_empty() {
        return Check::pass(
            DIRS,
            format!(
                "none of the {} directories libraries are loaded from is world-writable",
                dirs.len()
            ),
        );
    }
    Check::warn(DIRS, problems.join("; ")).with_fix(
        "Remove write access for others (chmod o-w DIR) or move the libraries to a directory only \
         their owner can write; use absolute LD_LIBRARY_PATH entries.",
    )
}

fn root_library_path(facts: &Facts) -> Check {
    match facts.security.euid {
        Some(0) => {}
        Some(_) => return Check::skip(ROOT, "hwcheck is not running as root"),
        None => return Check::skip(ROOT, "the report does not say who ran hwcheck"),
    }
    let risky: Vec<String> = facts
        .security
        .directories
        .iter()
        .filter(|d| chosen_by_settings(d))
        .filter_map(|d| {
            d.user_writable
                .as_ref()
                .map(|why| format!("{}: {why}", d.path))
        })
        .collect();
    if risky.is_empty() {
        return Check::pass(
            ROOT,
            "running as root; LD_LIBRARY_PATH, ORT_DYLIB_PATH and --ort name only root-writable \
             directories",
        );
    }
    Check::warn(
        ROOT,
        format!(
            "running as root with library paths other users can write: {}",
            risky.join("; ")
        ),
    )
    .with_fix(
        "Run hwcheck (and the application) as the user who owns these directories, or as root \
         without LD_LIBRARY_PATH / ORT_DYLIB_PATH pointing into them: a library planted there \
         runs with root's rights.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, tables};
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::security::SecurityFacts;

    fn dir(path: &str, uses: Vec<DirUse>) -> DirectoryFacts {
        DirectoryFacts {
            path: path.to_string(),
            uses,
            owner_uid: Some(0),
            mode: Some(0o755),
            ..DirectoryFacts::default()
        }
    }

    fn run(euid: u32, directories: Vec<DirectoryFacts>) -> Vec<Check> {
        let facts = Facts {
            security: SecurityFacts {
                euid: Some(euid),
                directories,
            },
            ..Facts::default()
        };
        judge(&facts, &tables())
    }

    #[test]
    fn world_writable_library_dir_warns_with_the_files() {
        let mut d = dir(
            "/srv/shared/lib",
            vec![DirUse::Libraries(vec!["libcudnn.so.9".into()])],
        );
        d.world_writable = true;
        let checks = run(1000, vec![d.clone()]);
        let c = only(&checks, DIRS);
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("libcudnn.so.9"), "{}", c.summary);
        assert!(c.summary.contains("/srv/shared/lib"), "{}", c.summary);
        d.sticky = true;
        assert_eq!(only(&run(1000, vec![d.clone()]), DIRS).status, Status::Pass);
        d.uses.push(DirUse::LdLibraryPath);
        let c = only(&run(1000, vec![d]), DIRS).clone();
        assert_eq!(c.status, Status::Warn, "sticky does not stop planting");
        assert!(c.summary.contains("plant"));
    }

    #[test]
    fn root_with_a_user_owned_library_path_warns() {
        let mut d = dir("/home/alice/venv/lib", vec![DirUse::LdLibraryPath]);
        d.user_writable = Some("/home/alice is owned by uid 1000".into());
        let c = only(&run(0, vec![d.clone()]), ROOT).clone();
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("uid 1000"), "{}", c.summary);
        assert_eq!(only(&run(1000, vec![d.clone()]), ROOT).status, Status::Skip);
        d.uses = vec![DirUse::Libraries(vec!["libcudart.so.13".into()])];
        assert_eq!(
            only(&run(0, vec![d]), ROOT).status,
            Status::Pass,
            "only directories chosen by settings count"
        );
    }

    #[test]
    fn relative_entries_warn_and_nothing_skips() {
        let mut d = dir("lib", vec![DirUse::LdLibraryPath]);
        d.user_writable = Some("lib is a relative path: it names a different directory".into());
        assert_eq!(only(&run(1000, vec![d]), DIRS).status, Status::Warn);
        assert_eq!(only(&run(1000, vec![]), DIRS).status, Status::Skip);
    }
}
