use super::testing::build_elf;
use super::*;
use std::io::Write;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

#[test]
fn reads_soname_and_needed_of_a_synthetic_library() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = build_elf(
        EM_X86_64,
        "libcudnn_ops.so.9",
        &["libcudnn_graph.so.9", "libcublasLt.so.13"],
    );
    let info = read_dynamic(&write(dir.path(), "a.so", &bytes)).unwrap();
    assert_eq!(info.soname.as_deref(), Some("libcudnn_ops.so.9"));
    assert_eq!(info.needed, ["libcudnn_graph.so.9", "libcublasLt.so.13"]);
    assert!(info.is_64);
    assert_eq!(info.machine, EM_X86_64);
}

#[test]
fn reads_a_real_system_library_when_present() {
    let libm = Path::new("/lib/x86_64-linux-gnu/libm.so.6");
    if !libm.exists() {
        return;
    }
    let info = read_dynamic(libm).unwrap();
    assert_eq!(info.soname.as_deref(), Some("libm.so.6"));
    assert!(info.needed.iter().any(|n| n == "libc.so.6"), "{info:?}");
    assert!(info.matches_host());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = build_elf(EM_X86_64, "libcudart.so.12", &["libc.so.6"]);
    for cut in 0..bytes.len() {
        let p = write(dir.path(), "cut.so", &bytes[..cut]);
        let err = read_dynamic(&p).unwrap_err();
        let expected = if cut < 4 { "not_elf" } else { "truncated" };
        assert_eq!(err.code, expected, "cut at {cut}: {err:?}");
    }
}

#[test]
fn garbage_and_flipped_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let good = build_elf(EM_X86_64, "libcudart.so.12", &["libc.so.6"]);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..400 {
        let mut bytes = good.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % bytes.len();
            bytes[at] = (seed >> 32) as u8;
        }
        let _ = read_dynamic(&write(dir.path(), "f.so", &bytes));
    }
    let err = read_dynamic(&write(dir.path(), "g.so", b"<!DOCTYPE html>")).unwrap_err();
    assert_eq!(err.code, "not_elf");
}

#[test]
fn a_huge_sparse_file_is_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "big.so",
        &build_elf(EM_X86_64, "libcublasLt.so.13", &[]),
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let started = std::time::Instant::now();
    let info = read_dynamic(&p).unwrap();
    assert_eq!(info.soname.as_deref(), Some("libcublasLt.so.13"));
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
}

#[test]
fn wrong_architecture_is_reported_by_machine() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "arm.so",
        &build_elf(EM_AARCH64, "libcudart.so.12", &[]),
    );
    let info = read_dynamic(&p).unwrap();
    assert_eq!(info.machine_name(), "AArch64");
    assert_eq!(info.matches_host(), cfg!(target_arch = "aarch64"));
}

#[test]
fn open_failures_have_codes() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(read_dynamic(dir.path()).unwrap_err().code, "unreadable");
    assert_eq!(
        read_dynamic(&dir.path().join("missing.so"))
            .unwrap_err()
            .code,
        "not_found"
    );
    let a = dir.path().join("loop-a");
    let b = dir.path().join("loop-b");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    assert_eq!(read_dynamic(&a).unwrap_err().code, "symlink_loop");
}
