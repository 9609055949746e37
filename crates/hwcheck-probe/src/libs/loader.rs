//! Which file the dynamic loader would open for a soname: hwcheck's one emulation of glibc's
//! ld.so(8), used by every probe (the libraries' loader picks, ONNX Runtime's dependency trees).
//!
//! Order: the requiring object's DT_RUNPATH (`$ORIGIN` expanded), LD_LIBRARY_PATH (absolute
//! entries), ldconfig's cache in file order (entries for this ABI only), then the default
//! directories. Files that cannot be opened or are built for another architecture are skipped,
//! as ld.so skips them.

use super::ldcache::{self, CacheEntry};
use super::search::{default_dirs_any_arch, ld_library_path, DRIVER_DIRS};
use crate::context::SystemContext;
use crate::elf::{self, ElfInfo};
use std::path::{Path, PathBuf};

/// Where a driver library is, told the loader's way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriverLibrary {
    /// The file the loader would open (path inside the root).
    Picked(PathBuf),
    /// A usable copy in one of [`DRIVER_DIRS`] that the loader would not find (path inside the
    /// root): present but not on the loader's path.
    OffPath(PathBuf),
}

/// The loader's search list, with paths mapped into the probed root.
#[derive(Clone, Debug, Default)]
pub struct Loader {
    ld_library_path: Vec<PathBuf>,
    cache: Vec<(String, PathBuf)>,
    defaults: Vec<PathBuf>,
}

impl Loader {
    /// The search list of `ctx`, given its parsed ld.so.cache.
    pub fn new(ctx: &SystemContext, cache: &[CacheEntry]) -> Self {
        Self {
            ld_library_path: ld_library_path(ctx),
            cache: cache
                .iter()
                .filter(|e| e.is_for_host())
                .map(|e| (e.soname.clone(), ctx.path(&e.path)))
                .collect(),
            defaults: default_dirs_any_arch()
                .iter()
                .map(|d| ctx.path(d))
                .collect(),
        }
    }

    /// The search list of `ctx`, reading its ld.so.cache (empty when absent or unreadable).
    pub fn from_ctx(ctx: &SystemContext) -> Self {
        Self::new(ctx, &load_cache(ctx))
    }

    /// The path (inside the root) the loader would open for `soname` in a program of this
    /// machine's architecture without RUNPATH, if any.
    pub fn resolve(&self, soname: &str) -> Option<PathBuf> {
        self.find(soname, &[], elf::host_machine())
            .map(|(path, _)| path)
    }

    /// What the loader would open for `soname` needed by an object in `origin` with
    /// `runpath`, of ELF machine `machine`: the file and its ELF facts.
    pub fn resolve_from(
        &self,
        soname: &str,
        origin: &Path,
        runpath: &[String],
        machine: u16,
    ) -> Option<(PathBuf, ElfInfo)> {
        if soname.contains('/') {
            return accept(Path::new(soname), machine);
        }
        let runpath: Vec<PathBuf> = runpath.iter().map(|d| expand_origin(d, origin)).collect();
        self.find(soname, &runpath, machine)
    }

    fn find(&self, soname: &str, runpath: &[PathBuf], machine: u16) -> Option<(PathBuf, ElfInfo)> {
        let in_dirs = |dirs: &[PathBuf]| dirs.iter().find_map(|d| accept(&d.join(soname), machine));
        in_dirs(runpath)
            .or_else(|| in_dirs(&self.ld_library_path))
            .or_else(|| {
                self.cache
                    .iter()
                    .filter(|(name, _)| name == soname)
                    .find_map(|(_, path)| accept(path, machine))
            })
            .or_else(|| in_dirs(&self.defaults))
    }
}

/// The parsed ld.so.cache of the probed root; empty when absent or unreadable.
pub fn load_cache(ctx: &SystemContext) -> Vec<CacheEntry> {
    hwcheck_model::read::bytes_up_to(&ctx.path("/etc/ld.so.cache"), ldcache::MAX_CACHE_BYTES)
        .ok()
        .and_then(|bytes| ldcache::parse_ld_so_cache(&bytes).ok())
        .unwrap_or_default()
}

/// A candidate the loader would take: a readable 64-bit ELF file of machine `machine`.
fn accept(path: &Path, machine: u16) -> Option<(PathBuf, ElfInfo)> {
    if !path.is_file() {
        return None;
    }
    let info = elf::read_dynamic(path).ok()?;
    (info.is_64 && info.machine == machine).then(|| (path.to_path_buf(), info))
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

impl Loader {
    /// Finds a driver library (`libcuda.so.1`, `libnvidia-ml.so.1`) the loader's way, else in
    /// [`DRIVER_DIRS`] where it is present but not found.
    pub fn find_driver_library(&self, ctx: &SystemContext, soname: &str) -> Option<DriverLibrary> {
        self.resolve(soname).map(DriverLibrary::Picked).or_else(|| {
            DRIVER_DIRS
                .iter()
                .map(|d| ctx.path(d).join(soname))
                .find(|p| usable(p))
                .map(DriverLibrary::OffPath)
        })
    }
}

/// True when ld.so could load the file: it opens, is ELF, and matches this machine.
fn usable(path: &Path) -> bool {
    elf::read_dynamic(path).is_ok_and(|info| info.matches_host())
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

    use crate::elf::testing::build_elf;
    use crate::libs::ldcache::host_flags;
    use crate::testing::ctx;

    fn put(root: &std::path::Path, path: &str, machine: u16) {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, build_elf(machine, "libcudart.so.12", &[])).unwrap();
    }

    #[test]
    fn follows_ld_library_path_then_cache_then_defaults() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let default = format!(
            "{}/libcudart.so.12",
            super::super::search::default_dirs()[1]
        );
        put(r, &default, elf::host_machine());
        let cache = vec![
            CacheEntry {
                flags: host_flags(),
                soname: "libcudart.so.12".into(),
                path: "/opt/missing/libcudart.so.12".into(),
            },
            CacheEntry {
                flags: host_flags(),
                soname: "libcudart.so.12".into(),
                path: "/opt/cached/libcudart.so.12".into(),
            },
        ];
        let c = ctx(r, &[("LD_LIBRARY_PATH", "/opt/llp:/opt/llp2")]);
        let pick = |c: &SystemContext| {
            Loader::new(c, &cache)
                .resolve("libcudart.so.12")
                .map(|p| c.display_path(&p))
        };
        assert_eq!(pick(&c).as_deref(), Some(default.as_str()));
        put(r, "/opt/cached/libcudart.so.12", elf::host_machine());
        assert_eq!(pick(&c).as_deref(), Some("/opt/cached/libcudart.so.12"));
        put(r, "/opt/llp2/libcudart.so.12", elf::host_machine());
        assert_eq!(pick(&c).as_deref(), Some("/opt/llp2/libcudart.so.12"));
        // A wrong-architecture copy earlier in the path is skipped, like ld.so does.
        put(r, "/opt/llp/libcudart.so.12", 21);
        assert_eq!(pick(&c).as_deref(), Some("/opt/llp2/libcudart.so.12"));
        assert_eq!(Loader::new(&c, &cache).resolve("libcudnn.so.9"), None);
    }

    #[test]
    fn driver_libraries_off_the_loaders_path_are_found_and_said_so() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let wsl = "/usr/lib/wsl/lib/libnvidia-ml.so.1";
        put(r, wsl, elf::host_machine());
        let c = ctx(r, &[]);
        let shown = |found: Option<DriverLibrary>| match found {
            Some(DriverLibrary::Picked(p)) => format!("picked {}", c.display_path(&p)),
            Some(DriverLibrary::OffPath(p)) => format!("off-path {}", c.display_path(&p)),
            None => "none".to_string(),
        };
        let off = Loader::new(&c, &[]).find_driver_library(&c, "libnvidia-ml.so.1");
        assert_eq!(shown(off), format!("off-path {wsl}"));
        let cache = vec![CacheEntry {
            flags: host_flags(),
            soname: "libnvidia-ml.so.1".into(),
            path: wsl.into(),
        }];
        let picked = Loader::new(&c, &cache).find_driver_library(&c, "libnvidia-ml.so.1");
        assert_eq!(shown(picked), format!("picked {wsl}"));
        let llp = ctx(r, &[("LD_LIBRARY_PATH", "/usr/lib/wsl/lib")]);
        let picked = Loader::new(&llp, &[]).find_driver_library(&llp, "libnvidia-ml.so.1");
        assert!(matches!(picked, Some(DriverLibrary::Picked(_))));
        assert_eq!(
            shown(Loader::new(&c, &[]).find_driver_library(&c, "libcuda.so.1")),
            "none"
        );
    }
}
