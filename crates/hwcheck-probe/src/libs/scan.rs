//! One directory's library copies: entries grouped by the file they resolve to, each group named
//! as the loader names it (the soname link), with its ELF facts or what is wrong with it.

use super::names::{classify, may_match, LibName};
use crate::elf::{self, ElfInfo};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{FoundVia, ProbeError};
use std::path::{Path, PathBuf};

/// Most directory entries looked at in one directory.
const MAX_DIR_ENTRIES: usize = 50_000;

/// A directory to scan, after merging the ways it was reached.
#[derive(Clone, Debug)]
pub struct Dir {
    /// Path on this machine as first reached (inside the root).
    pub host: PathBuf,
    /// The directory after resolving symlinks (identity for merging).
    pub real: PathBuf,
    /// Every way it was reached, in order.
    pub via: Vec<FoundVia>,
}

/// One library file as found in one directory.
#[derive(Clone, Debug)]
pub struct LibCopy {
    /// The entry's name, classified.
    pub name: LibName,
    /// The entry's file name ("libcudart.so.12").
    pub file_name: String,
    /// `dir.host/file_name`.
    pub path: PathBuf,
    /// The file after resolving symlinks, when it resolves.
    pub real: Option<PathBuf>,
    /// The ELF facts, or why the file cannot be used.
    pub elf: Result<ElfInfo, ProbeError>,
    /// The directory's real path (for matching the loader's pick).
    pub dir_real: PathBuf,
    /// How the directory was reached.
    pub via: Vec<FoundVia>,
}

impl LibCopy {
    /// The name the loader would be asked for: the ELF soname, else the file name.
    pub fn soname(&self) -> &str {
        self.elf
            .as_ref()
            .ok()
            .and_then(|i| i.soname.as_deref())
            .unwrap_or(&self.file_name)
    }

    /// What is wrong with this copy: unusable ELF facts or a foreign architecture.
    pub fn problem(&self) -> Option<ProbeError> {
        match &self.elf {
            Err(e) => Some(e.clone()),
            Ok(info) if !info.matches_host() => Some(ProbeError::new(
                Code::WrongArchitecture,
                format!(
                    "built for {} ({}-bit); this machine needs {} 64-bit",
                    info.machine_name(),
                    if info.is_64 { 64 } else { 32 },
                    ElfInfo {
                        machine: elf::host_machine(),
                        ..ElfInfo::default()
                    }
                    .machine_name()
                ),
            )),
            Ok(_) => None,
        }
    }
}

/// A directory entry of ours.
struct Entry {
    name: LibName,
    file_name: String,
    path: PathBuf,
}

/// The library copies in `dir`: one per distinct file, named by its soname link when present;
/// bare `libX.so` links are dropped when a versioned name of the same library sits beside them.
pub fn scan_dir(dir: &Dir) -> Vec<LibCopy> {
    let Ok(listing) = std::fs::read_dir(&dir.host) else {
        return Vec::new();
    };
    let mut entries: Vec<Entry> = listing
        .take(MAX_DIR_ENTRIES)
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file_name = e.file_name().to_string_lossy().into_owned();
            if !may_match(&file_name) {
                return None;
            }
            Some(Entry {
                name: classify(&file_name)?,
                path: e.path(),
                file_name,
            })
        })
        .collect();
    entries.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    let mut groups: Vec<(Option<PathBuf>, Vec<Entry>)> = Vec::new();
    for entry in entries {
        let real = std::fs::canonicalize(&entry.path).ok();
        match groups
            .iter_mut()
            .find(|(r, _)| real.is_some() && *r == real)
        {
            Some((_, members)) => members.push(entry),
            None => groups.push((real, vec![entry])),
        }
    }
    let copies: Vec<LibCopy> = groups
        .into_iter()
        .map(|(real, members)| to_copy(dir, real, members))
        .collect();
    copies
        .iter()
        .filter(|c| {
            !c.name.is_dev_link()
                || !copies
                    .iter()
                    .any(|o| o.name.stem == c.name.stem && !o.name.is_dev_link())
        })
        .cloned()
        .collect()
}

/// One group of entries resolving to the same file, as a copy named the way the loader names it.
fn to_copy(dir: &Dir, real: Option<PathBuf>, mut members: Vec<Entry>) -> LibCopy {
    let first = &members[0];
    let elf = read_elf(&first.path);
    let soname = elf.as_ref().ok().and_then(|i| i.soname.clone());
    let pick = members
        .iter()
        .position(|m| Some(&m.file_name) == soname.as_ref())
        .or_else(|| {
            members
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.name.is_dev_link())
                .min_by_key(|(_, m)| m.name.suffix.split('.').count())
                .map(|(i, _)| i)
        })
        .unwrap_or(0);
    let chosen = members.swap_remove(pick);
    LibCopy {
        name: chosen.name,
        file_name: chosen.file_name,
        path: chosen.path,
        real,
        elf,
        dir_real: dir.real.clone(),
        via: dir.via.clone(),
    }
}

/// The ELF facts of a file, with symlink trouble named as such.
fn read_elf(path: &Path) -> Result<ElfInfo, ProbeError> {
    elf::read_dynamic(path).map_err(|e| {
        let target = std::fs::read_link(path).ok();
        match (e.code.as_str(), target) {
            ("not_found", Some(target)) => ProbeError::new(
                Code::DanglingSymlink,
                format!(
                    "symlink to {} whose target does not exist",
                    target.display()
                ),
            ),
            ("symlink_loop", _) => ProbeError::new(
                Code::SymlinkLoop,
                "symlink loop (too many levels of symbolic links)",
            ),
            _ => e,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::testing::build_elf;
    use std::os::unix::fs::symlink;

    fn dir(host: &Path) -> Dir {
        Dir {
            host: host.to_path_buf(),
            real: host.to_path_buf(),
            via: vec![FoundVia::DefaultDir],
        }
    }

    #[test]
    fn names_each_file_by_its_soname_link() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let elf_bytes = build_elf(elf::host_machine(), "libcudart.so.12", &["libc.so.6"]);
        std::fs::write(d.join("libcudart.so.12.4.127"), &elf_bytes).unwrap();
        symlink("libcudart.so.12.4.127", d.join("libcudart.so.12")).unwrap();
        symlink("libcudart.so.12", d.join("libcudart.so")).unwrap();
        std::fs::write(d.join("libcudnn.so"), b"garbage").unwrap();
        std::fs::write(d.join("libcufftw.so.11"), b"ignored").unwrap();
        symlink("nowhere", d.join("libcublas.so.12")).unwrap();
        let copies = scan_dir(&dir(d));
        let names: Vec<&str> = copies.iter().map(|c| c.file_name.as_str()).collect();
        assert_eq!(names, ["libcublas.so.12", "libcudart.so.12", "libcudnn.so"]);
        let cudart = &copies[1];
        assert_eq!(cudart.problem(), None);
        assert_eq!(cudart.soname(), "libcudart.so.12");
        assert!(cudart
            .real
            .as_ref()
            .unwrap()
            .ends_with("libcudart.so.12.4.127"));
        assert_eq!(copies[0].problem().unwrap().code, "dangling_symlink");
        assert_eq!(copies[2].problem().unwrap().code, "not_elf");
    }

    #[test]
    fn flags_a_foreign_architecture() {
        let tmp = tempfile::tempdir().unwrap();
        let foreign = if elf::host_machine() == elf::EM_X86_64 {
            elf::EM_AARCH64
        } else {
            elf::EM_X86_64
        };
        std::fs::write(
            tmp.path().join("libcudnn.so.9"),
            build_elf(foreign, "libcudnn.so.9", &[]),
        )
        .unwrap();
        let copies = scan_dir(&dir(tmp.path()));
        let problem = copies[0].problem().unwrap();
        assert_eq!(problem.code, "wrong_architecture");
        assert!(problem.message.contains("built for"), "{problem:?}");
    }
}
