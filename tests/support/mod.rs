//! Builders of fake system roots for the integration tests: folders, symlinks, and real tiny
//! shared libraries compiled with the system C compiler; and readers of hwcheck's JSON report.
//!
//! Shared by several test crates; each uses only part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fake system root in a temporary directory.
pub struct FakeRoot {
    dir: tempfile::TempDir,
}

impl FakeRoot {
    /// An empty root.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The root on this machine.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The host path of a system path inside the root, with its parent folders created.
    pub fn at(&self, system_path: &str) -> PathBuf {
        let p = self.path().join(system_path.trim_start_matches('/'));
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        p
    }

    /// Writes a file.
    pub fn write(&self, system_path: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.at(system_path), bytes).expect("write file");
    }

    /// Creates a symlink at `system_path` pointing to `target` (as written).
    pub fn symlink(&self, target: &str, system_path: &str) {
        std::os::unix::fs::symlink(target, self.at(system_path)).expect("symlink");
    }

    /// Compiles C `source` into a shared library with `soname` at `system_path`; `link` are
    /// libraries (paths inside the root) it is linked against, giving DT_NEEDED entries.
    pub fn compile(&self, system_path: &str, soname: &str, source: &str, link: &[&str]) {
        let out = self.at(system_path);
        let src = out.with_extension("fixture.c");
        std::fs::write(&src, source).expect("write C source");
        let status = Command::new("cc")
            .args(["-shared", "-fPIC", "-O0", "-o"])
            .arg(&out)
            .arg(format!("-Wl,-soname,{soname}"))
            .arg("-Wl,--no-as-needed")
            .arg(&src)
            .args(link.iter().map(|l| self.at(l)))
            .status()
            .expect("cc runs");
        assert!(status.success(), "cc failed for {system_path}");
        std::fs::remove_file(src).expect("remove C source");
    }

    /// Runs `ldconfig -r <root> -X` (cache only, no links) with `dirs` in the root's
    /// ld.so.conf; false when ldconfig is unavailable or fails here.
    pub fn ldconfig(&self, dirs: &[&str]) -> bool {
        self.write("/etc/ld.so.conf", dirs.join("\n") + "\n");
        Command::new("ldconfig")
            .arg("-r")
            .arg(self.path())
            .arg("-X")
            .output()
            .map(|o| o.status.success() && self.at("/etc/ld.so.cache").exists())
            .unwrap_or(false)
    }
}

/// C source of a library exporting `int <symbol>(int *out)` that stores `value`.
pub fn out_param(symbol: &str, value: i64) -> String {
    format!("int {symbol}(int *out) {{ *out = {value}; return 0; }}\n")
}

/// C source of a library exporting `size_t <symbol>(void)` returning `value`.
pub fn returns_size(symbol: &str, value: u64) -> String {
    format!("#include <stddef.h>\nsize_t {symbol}(void) {{ return {value}; }}\n")
}

/// C source of a library whose constructor runs `statement` when it is loaded.
pub fn on_load(statement: &str, exported: &str) -> String {
    format!(
        "#include <unistd.h>\n\
         __attribute__((constructor)) static void on_load(void) {{ {statement}; }}\n{exported}"
    )
}

/// C source of a fake libcuda whose cuInit fails with CUDA_ERROR_NO_DEVICE (100).
pub const FAKE_LIBCUDA: &str = r#"
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuInit(unsigned flags) { (void)flags; return 100; }
int cuDeviceGetCount(int *n) { *n = 0; return 100; }
int cuGetErrorName(int e, const char **s) { *s = e == 100 ? "CUDA_ERROR_NO_DEVICE" : 0; return e == 100 ? 0 : 1; }
int cuGetErrorString(int e, const char **s) { *s = e == 100 ? "no CUDA-capable device is detected" : 0; return e == 100 ? 0 : 1; }
"#;

/// Sets e_machine of an ELF file to `machine` (makes a wrong-architecture copy).
pub fn set_elf_machine(path: &Path, machine: u16) {
    let mut bytes = std::fs::read(path).expect("read ELF");
    bytes[18..20].copy_from_slice(&machine.to_le_bytes());
    std::fs::write(path, bytes).expect("write ELF");
}

/// The check `id` of a JSON report; panics, showing the checks, when there is none.
pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {:#}", report["checks"]))
}

/// The `id` of every item of a JSON array (checks, explain matches).
pub fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect()
}
