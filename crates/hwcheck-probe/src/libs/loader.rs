//! Which file the dynamic loader would open for a soname, emulating glibc's ld.so for a
//! `dlopen("libX.so.N")` from a program without RUNPATH: LD_LIBRARY_PATH directories in order,
//! then ldconfig's cache in file order (entries for this ABI only), then the default
//! directories. Files that cannot be opened or are built for another architecture are skipped,
//! as ld.so skips them.

use super::ldcache::CacheEntry;
use super::search::{default_dirs, ld_library_path};
use crate::context::SystemContext;
use crate::elf;
use std::path::PathBuf;

/// The loader's search list, with paths mapped into the probed root.
#[derive(Clone, Debug)]
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
            defaults: default_dirs().iter().map(|d| ctx.path(d)).collect(),
        }
    }

    /// The path (inside the root) the loader would open for `soname`, if any.
    pub fn resolve(&self, soname: &str) -> Option<PathBuf> {
        let from_dirs = |dirs: &[PathBuf]| -> Option<PathBuf> {
            dirs.iter().map(|d| d.join(soname)).find(|p| usable(p))
        };
        from_dirs(&self.ld_library_path)
            .or_else(|| {
                self.cache
                    .iter()
                    .filter(|(name, _)| name == soname)
                    .map(|(_, path)| path.clone())
                    .find(|p| usable(p))
            })
            .or_else(|| from_dirs(&self.defaults))
    }
}

/// True when ld.so could load the file: it opens, is ELF, and matches this machine.
fn usable(path: &std::path::Path) -> bool {
    elf::read_dynamic(path).is_ok_and(|info| info.matches_host())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let default = format!("{}/libcudart.so.12", default_dirs()[1]);
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
}
