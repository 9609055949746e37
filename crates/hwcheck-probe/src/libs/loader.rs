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

/// Directories holding NVIDIA driver libraries that the loader searches only when ld.so.conf
/// (or LD_LIBRARY_PATH) lists them: the container toolkit's mount, the Windows driver's
/// libraries in WSL2 (`/etc/ld.so.conf.d/ld.wsl.conf`), L4T's driver on Jetson (tegra/, and
/// nvidia/ on newer L4T).
pub const DRIVER_DIRS: [&str; 5] = [
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/usr/lib/wsl/lib",
    "/usr/lib/aarch64-linux-gnu/tegra",
    "/usr/lib/aarch64-linux-gnu/nvidia",
];

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
