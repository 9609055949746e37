//! Library, toolkit and libcuda discovery run end to end (`hwcheck --root DIR --no-detect --format
//! json`) against fake system roots holding real tiny shared libraries compiled here, broken
//! files and broken symlinks.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::time::{Duration, Instant};
use support::{on_load, out_param, returns_size, set_elf_machine, FakeRoot, FAKE_LIBCUDA};

#[cfg(target_arch = "aarch64")]
const LIBDIR: &str = "/usr/lib/aarch64-linux-gnu";
#[cfg(not(target_arch = "aarch64"))]
const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// e_machine of an architecture this machine is not (PowerPC64).
const FOREIGN_MACHINE: u16 = 21;
const SITE: &str = "/opt/torch/.venv/lib/python3.12/site-packages";

/// Runs hwcheck on `root` with only `env` set; returns the facts object of its JSON report.
fn facts(root: &FakeRoot, env: &[(&str, &str)]) -> Value {
    let mut cmd = cargo_bin_cmd!("hwcheck");
    cmd.env_clear()
        .envs(env.iter().copied())
        .args([
            "--no-detect",
            "--format",
            "json",
            "--timeout",
            "1",
            "--root",
        ])
        .arg(root.path())
        .timeout(Duration::from_secs(60));
    let out = cmd.output().expect("hwcheck runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["facts"].clone()
}

/// The library fact reported at `path`.
fn lib<'a>(facts: &'a Value, path: &str) -> &'a Value {
    facts["libraries"]
        .as_array()
        .expect("libraries[]")
        .iter()
        .find(|l| l["path"] == path)
        .unwrap_or_else(|| panic!("no library at {path} in {:#}", facts["libraries"]))
}

fn problem_code(lib: &Value) -> &str {
    lib["problem"]["code"].as_str().unwrap_or("")
}

/// A root with a good, an absurd and a garbage CUDA runtime, cuDNN in a pip wheel with a
/// sub-library, a crashing and a hanging library, broken symlinks, toolkits and a fake libcuda.
fn rich_root() -> FakeRoot {
    let r = FakeRoot::new();
    let d = LIBDIR;
    r.compile(
        &format!("{d}/libcudart.so.12.8.90"),
        "libcudart.so.12",
        &out_param("cudaRuntimeGetVersion", 12080),
        &[],
    );
    r.symlink("libcudart.so.12.8.90", &format!("{d}/libcudart.so.12"));
    r.symlink("libcudart.so.12", &format!("{d}/libcudart.so"));
    r.compile(
        "/opt/app/lib/libcudart.so.12",
        "libcudart.so.12",
        &out_param("cudaRuntimeGetVersion", 99999),
        &[],
    );
    r.write("/opt/bad/libcudart.so.12", "this is not a library\n");
    r.compile(
        &format!("{SITE}/nvidia/cu13/lib/libcublasLt.so.13"),
        "libcublasLt.so.13",
        &returns_size("cublasLtGetVersion", 130100),
        &[],
    );
    r.compile(
        &format!("{SITE}/nvidia/cudnn/lib/libcudnn.so.9"),
        "libcudnn.so.9",
        &returns_size("cudnnGetVersion", 91400),
        &[],
    );
    r.compile(
        &format!("{SITE}/nvidia/cudnn/lib/libcudnn_ops.so.9.14.0"),
        "libcudnn_ops.so.9",
        "int cudnn_ops_marker;\n",
        &[&format!("{SITE}/nvidia/cu13/lib/libcublasLt.so.13")],
    );
    r.symlink(
        "libcudnn_ops.so.9.14.0",
        &format!("{SITE}/nvidia/cudnn/lib/libcudnn_ops.so.9"),
    );
    r.compile(
        &format!("{d}/libcurand.so.10"),
        "libcurand.so.10",
        &on_load(
            "*(volatile int *)0 = 1",
            &out_param("curandGetVersion", 10307),
        ),
        &[],
    );
    r.compile(
        &format!("{d}/libnvinfer.so.10"),
        "libnvinfer.so.10",
        &on_load(
            "sleep(30)",
            "int getInferLibVersion(void) { return 100800; }\n",
        ),
        &[],
    );
    r.compile(
        &format!("{d}/libcufft.so.11"),
        "libcufft.so.11",
        &out_param("cufftGetVersion", 11300),
        &[],
    );
    set_elf_machine(&r.at(&format!("{d}/libcufft.so.11")), FOREIGN_MACHINE);
    r.symlink("libcublas.so.12.9.1", &format!("{d}/libcublas.so.12"));
    r.symlink("libcudnn_cnn.so.8", &format!("{d}/libcudnn_cnn.so.8.9"));
    r.symlink("libcudnn_cnn.so.8.9", &format!("{d}/libcudnn_cnn.so.8"));
    r.compile(
        &format!("{d}/libcuda.so.580.95.05"),
        "libcuda.so.1",
        FAKE_LIBCUDA,
        &[],
    );
    r.symlink("libcuda.so.580.95.05", &format!("{d}/libcuda.so.1"));
    r.write(
        "/usr/local/cuda-13.0/version.json",
        r#"{"cuda": {"name": "CUDA SDK", "version": "13.0.2"}}"#,
    );
    r.write("/usr/local/cuda-13.0/compat/libcuda.so.580.126.09", "");
    r.symlink("cuda-13.0", "/usr/local/cuda");
    r.write(
        "/usr/local/cuda-12.4/version.json",
        r#"{"cuda": {"name": "CUDA SDK", "vers"#,
    );
    r
}

#[test]
fn reports_every_copy_with_its_version_problem_and_the_loaders_pick() {
    let root = rich_root();
    let cached = root.ldconfig(&["/opt/cached"]);
    let started = Instant::now();
    let f = facts(
        &root,
        &[
            ("LD_LIBRARY_PATH", "/opt/bad:/opt/app/lib"),
            ("HOME", "/root"),
        ],
    );
    let elapsed = started.elapsed();
    let d = LIBDIR;

    let good = lib(&f, &format!("{d}/libcudart.so.12"));
    assert_eq!(good["version"], "12.8");
    assert_eq!(good["version_source"], "library_call");
    assert_eq!(good["soname"], "libcudart.so.12");
    assert_eq!(good["real_path"], format!("{d}/libcudart.so.12.8.90"));
    assert_eq!(good["loader_selected"], false);
    assert!(good["problem"].is_null(), "{good:#}");
    assert!(
        !f["libraries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["path"] == format!("{d}/libcudart.so")),
        "the bare dev link is not a copy of its own"
    );

    let garbage = lib(&f, "/opt/bad/libcudart.so.12");
    assert_eq!(problem_code(garbage), "not_elf");
    assert_eq!(garbage["loader_selected"], false);
    assert_eq!(garbage["found_via"][0]["kind"], "ld_library_path");

    let absurd = lib(&f, "/opt/app/lib/libcudart.so.12");
    assert_eq!(problem_code(absurd), "absurd_version");
    assert_eq!(
        absurd["loader_selected"], true,
        "first usable LD_LIBRARY_PATH copy"
    );
    assert_eq!(absurd["version"], "12");
    assert_eq!(absurd["version_source"], "soname");

    let cudnn = lib(&f, &format!("{SITE}/nvidia/cudnn/lib/libcudnn.so.9"));
    assert_eq!(cudnn["version"], "9.14.0");
    assert_eq!(cudnn["found_via"][0]["kind"], "pip_wheel");
    assert_eq!(cudnn["found_via"][0]["detail"], "/opt/torch/.venv");
    let ops = lib(&f, &format!("{SITE}/nvidia/cudnn/lib/libcudnn_ops.so.9"));
    assert_eq!(ops["component"], "cudnn_sub");
    assert_eq!(ops["version"], "9.14.0");
    assert_eq!(ops["version_source"], "file_name");
    assert!(ops["needed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "libcublasLt.so.13"));
    let lt = lib(&f, &format!("{SITE}/nvidia/cu13/lib/libcublasLt.so.13"));
    assert_eq!(lt["version"], "13.1.0");

    let crashed = lib(&f, &format!("{d}/libcurand.so.10"));
    assert_eq!(problem_code(crashed), "crashed");
    assert!(crashed["problem"]["message"]
        .as_str()
        .unwrap()
        .contains("SIGSEGV"));
    let hung = lib(&f, &format!("{d}/libnvinfer.so.10"));
    assert_eq!(problem_code(hung), "timed_out");
    assert_eq!(hung["version"], "10", "keeps the soname's major");

    let foreign = lib(&f, &format!("{d}/libcufft.so.11"));
    assert_eq!(problem_code(foreign), "wrong_architecture");
    assert_eq!(foreign["loader_selected"], false);
    let dangling = lib(&f, &format!("{d}/libcublas.so.12"));
    assert_eq!(problem_code(dangling), "dangling_symlink");
    assert!(dangling["real_path"].is_null());
    assert_eq!(
        problem_code(lib(&f, &format!("{d}/libcudnn_cnn.so.8"))),
        "symlink_loop"
    );

    let libcuda = lib(&f, &format!("{d}/libcuda.so.1"));
    assert_eq!(libcuda["version"], "580.95.05");
    assert_eq!(libcuda["loader_selected"], true);
    let compat = lib(&f, "/usr/local/cuda/compat/libcuda.so.580.126.09");
    assert_eq!(compat["found_via"][0]["kind"], "cuda_compat");
    assert_eq!(problem_code(compat), "not_elf");

    let api = &f["cuda_driver_api"];
    assert_eq!(api["init_code"], 100);
    assert_eq!(api["init_error"]["code"], "CUDA_ERROR_NO_DEVICE");
    assert_eq!(
        api["init_error"]["message"],
        "100: no CUDA-capable device is detected"
    );
    assert_eq!(api["driver_api_version"], "13.0");
    assert_eq!(api["library_path"], format!("{d}/libcuda.so.580.95.05"));

    let toolkits = f["toolkits"].as_array().unwrap();
    let tk = |root: &str| toolkits.iter().find(|t| t["root"] == root).unwrap();
    assert_eq!(tk("/usr/local/cuda-13.0")["version"], "13.0.2");
    assert_eq!(tk("/usr/local/cuda-13.0")["is_default"], true);
    assert_eq!(
        tk("/usr/local/cuda-13.0")["compat_libcuda_version"],
        "580.126.09"
    );
    assert_eq!(
        tk("/usr/local/cuda-12.4")["problem"]["code"],
        "bad_version_file"
    );

    if cached {
        let via = good["found_via"].as_array().unwrap();
        assert!(via.iter().any(|v| v["kind"] == "ldconfig_cache"), "{via:?}");
    }
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[test]
fn the_ld_so_cache_decides_between_copies_outside_default_dirs() {
    let root = FakeRoot::new();
    for (dir, value) in [("/opt/one", 8907), ("/opt/two", 8902)] {
        root.compile(
            &format!("{dir}/libcudnn.so.8"),
            "libcudnn.so.8",
            &returns_size("cudnnGetVersion", value),
            &[],
        );
    }
    if !root.ldconfig(&["/opt/two", "/opt/one"]) {
        eprintln!("ldconfig -r is not usable here; skipping");
        return;
    }
    let f = facts(&root, &[]);
    let two = lib(&f, "/opt/two/libcudnn.so.8");
    let one = lib(&f, "/opt/one/libcudnn.so.8");
    assert_eq!(two["version"], "8.9.2");
    assert_eq!(one["version"], "8.9.7");
    assert_eq!(two["found_via"][0]["kind"], "ldconfig_cache");
    // ldconfig's own listing of the cache, first entry first: the loader takes the first.
    let listing = std::process::Command::new("ldconfig")
        .arg("-C")
        .arg(root.at("/etc/ld.so.cache"))
        .arg("-p")
        .output()
        .expect("ldconfig -p runs");
    let text = String::from_utf8_lossy(&listing.stdout);
    let first = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("libcudnn.so.8 "))
        .and_then(|l| l.split(" => ").nth(1))
        .expect("libcudnn.so.8 in the cache");
    let expected = first
        .strip_prefix(root.path().to_str().unwrap())
        .unwrap_or(first);
    for copy in [two, one] {
        assert_eq!(
            copy["loader_selected"] == true,
            copy["path"] == expected,
            "{copy:#} vs ldconfig's first {expected}"
        );
    }
}

#[test]
fn unreadable_files_and_dirs_are_facts_not_failures() {
    use std::os::unix::fs::PermissionsExt;
    let root = FakeRoot::new();
    root.compile(
        &format!("{LIBDIR}/libcudart.so.13"),
        "libcudart.so.13",
        &out_param("cudaRuntimeGetVersion", 13000),
        &[],
    );
    let file = root.at(&format!("{LIBDIR}/libcudart.so.13"));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    root.write("/opt/locked/libcudnn.so.9", "x");
    let locked = root.at("/opt/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::File::open(&file).is_ok();
    let f = facts(&root, &[("LD_LIBRARY_PATH", "/opt/locked")]);
    let cudart = lib(&f, &format!("{LIBDIR}/libcudart.so.13"));
    if privileged {
        assert_eq!(cudart["version"], "13.0");
    } else {
        assert_eq!(problem_code(cudart), "unreadable");
        assert_eq!(cudart["loader_selected"], false);
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn an_empty_root_has_no_libraries_toolkits_or_driver_api() {
    let root = FakeRoot::new();
    let f = facts(&root, &[("LD_LIBRARY_PATH", "/nowhere")]);
    assert_eq!(f["libraries"], Value::Array(vec![]));
    assert_eq!(f["toolkits"], Value::Array(vec![]));
    assert!(f["cuda_driver_api"].is_null());
}
