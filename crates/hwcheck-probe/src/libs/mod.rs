//! Every CUDA-family library the dynamic loader could see, with versions and the loader's pick.
//!
//! 1. [`search`] lists the directories to look in (loader places, toolkits, pip wheels, conda);
//!    directories reached several ways are merged by their real path.
//! 2. [`scan`] lists each directory's copies, one per distinct file, named as the loader names
//!    them, with ELF facts ([`crate::elf`]) or what is wrong with them.
//! 3. [`identify`] finds each copy's version (library call in an isolated child, file name,
//!    version file or header, soname).
//! 4. [`loader`] marks, per soname, the copy ld.so would load first.

pub mod child;
pub mod identify;
pub mod ldcache;
pub mod loader;
pub mod names;
pub mod pip;
pub mod scan;
pub mod search;
pub mod version;

pub use child::child_version;

use crate::context::SystemContext;
use hwcheck_model::facts::LibraryFacts;
use loader::Loader;
use scan::{Dir, LibCopy};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most library copies reported (a sane machine has a few dozen).
const MAX_COPIES: usize = 1000;

/// Finds every library copy and reads its version.
pub fn probe(ctx: &SystemContext) -> Vec<LibraryFacts> {
    let cache = loader::load_cache(ctx);
    let mut cache_dirs: Vec<String> = Vec::new();
    for entry in cache
        .iter()
        .filter(|e| names::classify(&e.soname).is_some())
    {
        if let Some(parent) = Path::new(&entry.path).parent() {
            let parent = parent.display().to_string();
            if !cache_dirs.contains(&parent) {
                cache_dirs.push(parent);
            }
        }
    }
    let dirs = merge_dirs(search::search_dirs(ctx, &cache_dirs));
    let mut copies: Vec<LibCopy> = dirs.iter().flat_map(scan::scan_dir).collect();
    copies.truncate(MAX_COPIES);
    let identified = identify::identify(ctx, &copies);
    let loader = Loader::new(ctx, &cache);
    let mut picks: HashMap<String, Option<(PathBuf, String)>> = HashMap::new();
    let mut facts: Vec<LibraryFacts> = copies
        .iter()
        .zip(identified)
        .map(|(copy, id)| {
            let pick = picks
                .entry(copy.soname().to_string())
                .or_insert_with(|| loader.resolve(copy.soname()).and_then(|p| dir_and_name(&p)));
            let selected = pick
                .as_ref()
                .is_some_and(|(dir, name)| *dir == copy.dir_real && *name == copy.file_name);
            let elf = copy.elf.as_ref().ok();
            LibraryFacts {
                component: copy.name.component,
                path: ctx.display_path(&copy.path),
                real_path: copy.real.as_ref().map(|r| shown_path(ctx, r)),
                soname: elf.and_then(|e| e.soname.clone()),
                needed: elf.map(|e| e.needed.clone()).unwrap_or_default(),
                machine: elf.map(crate::elf::ElfInfo::machine_name),
                version: id.version,
                version_source: id.source,
                found_via: copy.via.clone(),
                loader_selected: selected,
                problem: copy.problem().or(id.problem),
            }
        })
        .collect();
    facts.sort_by_key(|f| f.component);
    facts
}

/// The file the loader would open for `soname` (a path inside the probed root), emulating
/// LD_LIBRARY_PATH, ldconfig's cache and the default directories.
pub fn loader_pick(ctx: &SystemContext, soname: &str) -> Option<PathBuf> {
    Loader::new(ctx, &loader::load_cache(ctx)).resolve(soname)
}

/// A driver library (`libcuda.so.1`, `libnvidia-ml.so.1`) the loader's way, else where it sits
/// off the loader's path (WSL2's and L4T's driver directories, the container toolkit's mount).
pub fn driver_library(ctx: &SystemContext, soname: &str) -> Option<loader::DriverLibrary> {
    Loader::new(ctx, &loader::load_cache(ctx)).find_driver_library(ctx, soname)
}

/// How a path on this machine is shown in reports: as the probed system names it, also for
/// paths resolved through a root that is itself reached through a symlink.
pub fn shown_path(ctx: &SystemContext, host_path: &Path) -> String {
    if ctx.is_fake_root() && !host_path.starts_with(&ctx.root) {
        if let Ok(root) = std::fs::canonicalize(&ctx.root) {
            if let Ok(rel) = host_path.strip_prefix(&root) {
                return format!("/{}", rel.display());
            }
        }
    }
    ctx.display_path(host_path)
}

/// Merges directories reached several ways (by real path), keeping the first order and name.
fn merge_dirs(found: Vec<search::SearchDir>) -> Vec<Dir> {
    let mut dirs: Vec<Dir> = Vec::new();
    for d in found {
        let Ok(real) = std::fs::canonicalize(&d.host) else {
            continue;
        };
        match dirs.iter_mut().find(|m| m.real == real) {
            Some(m) if !m.via.contains(&d.via) => m.via.push(d.via),
            Some(_) => {}
            None => dirs.push(Dir {
                host: d.host,
                real,
                via: vec![d.via],
            }),
        }
    }
    dirs
}

/// (real directory, file name) of a path, for matching the loader's pick against copies.
fn dir_and_name(path: &Path) -> Option<(PathBuf, String)> {
    let dir = std::fs::canonicalize(path.parent()?).ok()?;
    let name = path.file_name()?.to_string_lossy().into_owned();
    Some((dir, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ctx;
    use hwcheck_model::facts::FoundVia;

    #[test]
    fn a_directory_reached_twice_is_scanned_once_with_both_ways() {
        let root = tempfile::tempdir().unwrap();
        let real = root
            .path()
            .join("usr/local/cuda-13.0/targets/x86_64-linux/lib");
        std::fs::create_dir_all(&real).unwrap();
        let link = root.path().join("usr/local/cuda");
        std::os::unix::fs::symlink("cuda-13.0", &link).unwrap();
        let found = vec![
            search::SearchDir {
                host: link.join("targets/x86_64-linux/lib"),
                via: FoundVia::CudaHome,
            },
            search::SearchDir {
                host: real.clone(),
                via: FoundVia::CudaToolkit,
            },
            search::SearchDir {
                host: root.path().join("missing"),
                via: FoundVia::DefaultDir,
            },
        ];
        let dirs = merge_dirs(found);
        assert_eq!(dirs.len(), 1);
        assert_eq!(dirs[0].via, [FoundVia::CudaHome, FoundVia::CudaToolkit]);
        let c = ctx(root.path(), &[]);
        assert_eq!(
            shown_path(&c, &dirs[0].real),
            "/usr/local/cuda-13.0/targets/x86_64-linux/lib"
        );
    }
}
