//! Every missing library of a provider library's dependency tree, found the way the dynamic
//! loader searches (the loader itself names only the first one it misses).
//!
//! Order per soname, as in ld.so(8) for DT_RUNPATH objects: the requiring object's DT_RUNPATH
//! (`$ORIGIN` expanded), LD_LIBRARY_PATH, /etc/ld.so.cache, then the default directories. A
//! file of another architecture is skipped, as the loader skips it.

use crate::context::SystemContext;
use crate::elf::{self, ElfInfo};
use crate::libs::{ldcache, search};
use hwcheck_model::facts::ProbeError;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Most libraries visited in one dependency tree (a CUDA provider has about 30).
const MAX_VISITED: usize = 256;

/// Where the loader would look, captured once per run.
#[derive(Clone, Debug, Default)]
pub struct SearchPath {
    /// LD_LIBRARY_PATH directories (host paths).
    ld_library_path: Vec<PathBuf>,
    /// ld.so.cache: soname -> host path of the first entry for this architecture.
    cache: BTreeMap<String, PathBuf>,
    /// Default directories (host paths).
    default_dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// The search path of a process started with `ctx`'s environment on `ctx`'s root.
    pub fn from_ctx(ctx: &SystemContext) -> Self {
        let cache = read_bytes(&ctx.path("/etc/ld.so.cache"), ldcache::MAX_CACHE_BYTES)
            .ok()
            .and_then(|data| ldcache::parse_ld_so_cache(&data).ok())
            .unwrap_or_default();
        let mut by_soname = BTreeMap::new();
        for entry in cache.into_iter().filter(ldcache::CacheEntry::is_for_host) {
            by_soname
                .entry(entry.soname)
                .or_insert_with(|| ctx.path(&entry.path));
        }
        Self {
            ld_library_path: ctx
                .path_list("LD_LIBRARY_PATH")
                .iter()
                .map(|d| ctx.path(d))
                .collect(),
            cache: by_soname,
            default_dirs: search::default_dirs_any_arch()
                .iter()
                .map(|d| ctx.path(d))
                .collect(),
        }
    }

    /// Finds `soname` for an object in `origin` with `runpath`, of ELF machine `machine`.
    fn resolve(
        &self,
        soname: &str,
        origin: &Path,
        runpath: &[String],
        machine: u16,
    ) -> Option<(PathBuf, ElfInfo)> {
        if soname.contains('/') {
            return accept(Path::new(soname), machine);
        }
        let runpath_dirs = runpath.iter().map(|d| expand_origin(d, origin));
        let dirs = runpath_dirs
            .chain(self.ld_library_path.iter().cloned())
            .map(|d| d.join(soname));
        let cached = self.cache.get(soname).cloned();
        let defaults = self.default_dirs.iter().map(|d| d.join(soname));
        dirs.chain(cached)
            .chain(defaults)
            .find_map(|candidate| accept(&candidate, machine))
    }
}

/// Reads at most `max` bytes of `path`.
fn read_bytes(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut data = Vec::new();
    hwcheck_model::read::open_nonblocking(path)?
        .take(max)
        .read_to_end(&mut data)?;
    Ok(data)
}

/// A candidate file the loader would take: a readable ELF of the same machine.
fn accept(path: &Path, machine: u16) -> Option<(PathBuf, ElfInfo)> {
    if !path.is_file() {
        return None;
    }
    let info = elf::read_dynamic(path).ok()?;
    (info.machine == machine).then(|| (path.to_path_buf(), info))
}

/// `$ORIGIN` / `${ORIGIN}` in a RUNPATH entry becomes the object's directory.
fn expand_origin(entry: &str, origin: &Path) -> PathBuf {
    let origin = origin.to_string_lossy();
    PathBuf::from(
        entry
            .replace("${ORIGIN}", &origin)
            .replace("$ORIGIN", &origin),
    )
}

/// The dependency facts of one library: its own ELF facts and every missing soname of its
/// tree, in the order first needed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// The library's own DT_NEEDED.
    pub needed: Vec<String>,
    /// Sonames nothing on the search path provides.
    pub missing: Vec<String>,
}

/// Walks `lib`'s dependency tree breadth-first and lists every soname that cannot be found.
/// `preloaded` are sonames already in the process (ORT loads its shared provider library
/// itself), counted as found.
pub fn missing_dependencies(
    search: &SearchPath,
    lib: &Path,
    preloaded: &[&str],
) -> Result<Dependencies, ProbeError> {
    let root = elf::read_dynamic(lib)?;
    let machine = root.machine;
    let mut seen: BTreeSet<String> = preloaded.iter().map(|s| s.to_string()).collect();
    let mut missing = Vec::new();
    let mut queue = VecDeque::from([(lib.to_path_buf(), root.clone())]);
    let mut visited = 0usize;
    while let Some((path, info)) = queue.pop_front() {
        visited += 1;
        if visited > MAX_VISITED {
            break;
        }
        let origin = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        for soname in &info.needed {
            if !seen.insert(soname.clone()) {
                continue;
            }
            match search.resolve(soname, &origin, &info.runpath, machine) {
                Some(found) => queue.push_back(found),
                None => missing.push(soname.clone()),
            }
        }
    }
    Ok(Dependencies {
        needed: root.needed,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_expanded_in_both_spellings() {
        let o = Path::new("/opt/ort/lib");
        assert_eq!(expand_origin("$ORIGIN", o), PathBuf::from("/opt/ort/lib"));
        assert_eq!(
            expand_origin("${ORIGIN}/../cuda", o),
            PathBuf::from("/opt/ort/lib/../cuda")
        );
        assert_eq!(expand_origin("/usr/lib", o), PathBuf::from("/usr/lib"));
    }

    #[test]
    fn a_missing_file_is_an_error_not_a_panic() {
        let err = missing_dependencies(&SearchPath::default(), Path::new("/nonexistent.so"), &[])
            .unwrap_err();
        assert!(!err.code.as_str().is_empty());
    }
}
