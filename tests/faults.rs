//! Fault injection: hwcheck against libraries and files that crash, abort, hang, exit, lie or are
//! not libraries at all, placed where it looks for CUDA libraries (a fake root's
//! LD_LIBRARY_PATH) or handed to it as ONNX Runtime (`--ort`).
//!
//! For every fault hwcheck must finish within its time bound, exit 0 or 1 as its verdict says
//! (never 2, never a signal), and show a WARN or FAIL row naming the file and the failure.
//! The impostor libraries are built from tests/faults/impostor.c with `cc -shared -fPIC`.

mod support;

use hwcheck_probe::isolate::run_with_timeout;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{check, set_elf_machine, FakeRoot};

/// Where impostors sit: first on LD_LIBRARY_PATH of the fake root.
const DIR: &str = "/opt/fault/lib";
/// Per-probe timeout given to hwcheck (`--timeout`).
const PROBE_TIMEOUT: &str = "2";
/// Longest one hwcheck run may take (its probes run in parallel, each bounded by the timeout).
const RUN_LIMIT: Duration = Duration::from_secs(20);
/// hwcheck runs at once (two cores: more would make healthy probes miss the timeout).
const PARALLEL_RUNS: usize = 4;
/// uid/gid hwcheck runs as for the unreadable-file fault when the tests run as root (root reads
/// a mode-000 file anyway).
const NOBODY: u32 = 65534;

/// How an impostor misbehaves when loaded.
#[derive(Clone, Copy)]
enum Misbehave {
    Segv,
    Abort,
    Hang,
    Exit,
    Nothing,
}

/// The version function an impostor exports, if any.
#[derive(Clone, Copy)]
enum Export {
    /// `int name(int *out)` storing the value.
    OutParam(&'static str, i64),
    /// `size_t name(void)` returning the value.
    Size(&'static str, i64),
    /// No version function (the symbol hwcheck asks for is missing).
    Nothing,
}

/// Compiles tests/faults/impostor.c as `system_path` inside `root` with `soname`.
fn impostor(root: &FakeRoot, system_path: &str, soname: &str, how: Misbehave, export: Export) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/faults/impostor.c");
    let mut cc = Command::new("cc");
    cc.args(["-shared", "-fPIC", "-O0", "-o"])
        .arg(root.at(system_path))
        .arg(format!("-Wl,-soname,{soname}"));
    match how {
        Misbehave::Segv => cc.arg("-DFAULT_SEGV"),
        Misbehave::Abort => cc.arg("-DFAULT_ABORT"),
        Misbehave::Hang => cc.arg("-DFAULT_HANG"),
        Misbehave::Exit => cc.arg("-DFAULT_EXIT"),
        Misbehave::Nothing => &mut cc,
    };
    match export {
        Export::OutParam(name, value) => cc.args([
            format!("-DVERSION_SYMBOL={name}"),
            format!("-DVERSION_VALUE={value}"),
        ]),
        Export::Size(name, value) => cc.args([
            format!("-DVERSION_SYMBOL={name}"),
            format!("-DVERSION_VALUE={value}"),
            "-DVERSION_SIZE_T".to_string(),
        ]),
        Export::Nothing => &mut cc,
    };
    let status = cc.arg(source).status().expect("cc runs");
    assert!(status.success(), "cc failed for {system_path}");
}

/// Compiles an impostor of `soname` into [`DIR`]; returns its path inside the root.
fn fault_lib(root: &FakeRoot, soname: &str, how: Misbehave, export: Export) -> String {
    let path = lib(soname);
    impostor(root, &path, soname, how, export);
    path
}

/// Compiles an impostor ONNX Runtime at [`ORT`], without the ORT API.
fn ort_impostor(root: &FakeRoot, how: Misbehave) {
    impostor(root, ORT, "libonnxruntime.so.1", how, Export::Nothing);
}

/// Cuts the file at `system_path` inside `root` down to `len` bytes.
fn truncate(root: &FakeRoot, system_path: &str, len: u64) {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(root.at(system_path))
        .unwrap();
    file.set_len(len).unwrap();
}

const CUDART: Export = Export::OutParam("cudaRuntimeGetVersion", 13000);
const CUDNN: Export = Export::Size("cudnnGetVersion", 91400);
const LIBCUDA: Export = Export::OutParam("cuDriverGetVersion", 13000);

/// A fake /proc/driver/nvidia/version, so that the driver checks judge libcuda.
const KERNEL_MODULE: &str = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AE18-23-3)  Wed Oct  1 10:00:00 UTC 2025\n";

/// One injected fault: how to build it, how to run hwcheck on it, what the report must say.
struct Fault {
    name: &'static str,
    /// Builds the fault in the root; returns extra hwcheck arguments.
    build: fn(&FakeRoot) -> Vec<String>,
    /// Substrings one WARN/FAIL row (summary + evidence) must all contain.
    expect: &'static [&'static str],
    /// Run hwcheck as `nobody` when the tests run as root (unreadable files).
    unprivileged: bool,
}

fn lib(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn no_args() -> Vec<String> {
    vec!["--quick".to_string()]
}

/// A full run: `--quick` skips cuInit, which is what loads libcuda.
fn full_run() -> Vec<String> {
    Vec::new()
}

fn ort_args(path: &str) -> Vec<String> {
    vec!["--ort".to_string(), path.to_string()]
}

const ORT: &str = "/opt/ort/lib/libonnxruntime.so.1.22.0";

/// Every fault. Paths in `expect` are as the fake root names them.
const FAULTS: &[Fault] = &[
    Fault {
        name: "libcudart.so.13 segfaults in a constructor",
        build: |r| {
            fault_lib(r, "libcudart.so.13", Misbehave::Segv, CUDART);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "crashed with SIGSEGV"],
        unprivileged: false,
    },
    Fault {
        name: "libcudnn.so.9 calls abort() in a constructor",
        build: |r| {
            fault_lib(r, "libcudnn.so.9", Misbehave::Abort, CUDNN);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudnn.so.9", "crashed with SIGABRT"],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 hangs forever in its constructor",
        build: |r| {
            fault_lib(r, "libcudart.so.13", Misbehave::Hang, CUDART);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "timed out after 2 s"],
        unprivileged: false,
    },
    Fault {
        name: "libcudnn.so.9 calls exit(0) in a constructor",
        build: |r| {
            fault_lib(r, "libcudnn.so.9", Misbehave::Exit, CUDNN);
            no_args()
        },
        expect: &[
            "/opt/fault/lib/libcudnn.so.9",
            "exited with status 0 before reporting a result",
        ],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 lacks cudaRuntimeGetVersion",
        build: |r| {
            fault_lib(r, "libcudart.so.13", Misbehave::Nothing, Export::Nothing);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "cudaRuntimeGetVersion"],
        unprivileged: false,
    },
    Fault {
        name: "libcudnn.so.9 reports an absurd version",
        build: |r| {
            let absurd = Export::Size("cudnnGetVersion", 4_000_000_000);
            fault_lib(r, "libcudnn.so.9", Misbehave::Nothing, absurd);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudnn.so.9", "out of any real range"],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 reports a version of another major",
        build: |r| {
            let lie = Export::OutParam("cudaRuntimeGetVersion", 11080);
            fault_lib(r, "libcudart.so.13", Misbehave::Nothing, lie);
            no_args()
        },
        expect: &[
            "/opt/fault/lib/libcudart.so.13",
            "does not match the major 13",
        ],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 is a truncated ELF file",
        build: |r| {
            let p = fault_lib(r, "libcudart.so.13", Misbehave::Nothing, CUDART);
            truncate(r, &p, 200);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "truncated"],
        unprivileged: false,
    },
    Fault {
        name: "libcudnn.so.9 is built for AArch64 (wrong architecture)",
        build: |r| {
            let p = fault_lib(r, "libcudnn.so.9", Misbehave::Nothing, CUDNN);
            let foreign = if cfg!(target_arch = "aarch64") {
                62
            } else {
                183
            };
            set_elf_machine(&r.at(&p), foreign);
            no_args()
        },
        expect: &["/opt/fault/lib/libcudnn.so.9", "built for"],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 is unreadable (mode 000)",
        build: |r| {
            let p = fault_lib(r, "libcudart.so.13", Misbehave::Nothing, CUDART);
            std::fs::set_permissions(r.at(&p), std::fs::Permissions::from_mode(0o000)).unwrap();
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "Permission denied"],
        unprivileged: true,
    },
    Fault {
        name: "libcudnn.so.9 is a symlink loop",
        build: |r| {
            r.symlink("libcudnn.so.9.1", &lib("libcudnn.so.9"));
            r.symlink("libcudnn.so.9", &lib("libcudnn.so.9.1"));
            no_args()
        },
        expect: &["/opt/fault/lib/libcudnn.so.9", "symlink loop"],
        unprivileged: false,
    },
    Fault {
        name: "libcudart.so.13 is a 2 GB sparse file",
        build: |r| {
            let file = std::fs::File::create(r.at(&lib("libcudart.so.13"))).unwrap();
            file.set_len(2 << 30).unwrap();
            no_args()
        },
        expect: &["/opt/fault/lib/libcudart.so.13", "not an ELF file"],
        unprivileged: false,
    },
    Fault {
        name: "libcudnn.so.9 is a FIFO (opening it would block forever)",
        build: |r| {
            let p = r.at(&lib("libcudnn.so.9"));
            let status = Command::new("mkfifo")
                .arg(&p)
                .status()
                .expect("mkfifo runs");
            assert!(status.success());
            no_args()
        },
        expect: &["/opt/fault/lib/libcudnn.so.9", "not a regular file"],
        unprivileged: false,
    },
    Fault {
        name: "libcuda.so.1 segfaults in a constructor",
        build: |r| {
            r.write("/proc/driver/nvidia/version", KERNEL_MODULE);
            fault_lib(r, "libcuda.so.1", Misbehave::Segv, LIBCUDA);
            full_run()
        },
        expect: &["libcuda", "crashed with SIGSEGV"],
        unprivileged: false,
    },
    Fault {
        name: "libcuda.so.1 hangs forever in its constructor",
        build: |r| {
            r.write("/proc/driver/nvidia/version", KERNEL_MODULE);
            fault_lib(r, "libcuda.so.1", Misbehave::Hang, LIBCUDA);
            full_run()
        },
        expect: &["libcuda", "timed out after 2 s"],
        unprivileged: false,
    },
    Fault {
        name: "libonnxruntime.so segfaults in a constructor (--ort)",
        build: |r| {
            ort_impostor(r, Misbehave::Segv);
            ort_args(ORT)
        },
        expect: &[ORT, "crashed with SIGSEGV"],
        unprivileged: false,
    },
    Fault {
        name: "libonnxruntime.so hangs forever in its constructor (--ort)",
        build: |r| {
            ort_impostor(r, Misbehave::Hang);
            ort_args(ORT)
        },
        expect: &[ORT, "timed out after 2 s"],
        unprivileged: false,
    },
    Fault {
        name: "libonnxruntime.so calls exit(0) in a constructor (--ort)",
        build: |r| {
            ort_impostor(r, Misbehave::Exit);
            ort_args(ORT)
        },
        expect: &[ORT, "exited with status 0 before reporting a result"],
        unprivileged: false,
    },
    Fault {
        name: "libonnxruntime.so lacks OrtGetApiBase (--ort)",
        build: |r| {
            ort_impostor(r, Misbehave::Nothing);
            ort_args(ORT)
        },
        expect: &[ORT, "OrtGetApiBase"],
        unprivileged: false,
    },
    Fault {
        name: "libonnxruntime.so is a truncated ELF file (--ort)",
        build: |r| {
            ort_impostor(r, Misbehave::Nothing);
            truncate(r, ORT, 100);
            ort_args(ORT)
        },
        expect: &[ORT, "cannot be loaded"],
        unprivileged: false,
    },
];

/// What one hwcheck run left: exit code (None when killed by a signal), the JSON report.
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    report: Option<Value>,
    stderr: String,
    took: Duration,
}

fn running_as_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The hwcheck binary at a path `nobody` can reach (the checkout may sit in a private home):
/// hard-linked (or copied) into the fake root, which is opened up to 0755.
fn reachable_binary(root: &FakeRoot) -> std::path::PathBuf {
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = root.at("/hwcheck-bin/hwcheck");
    let built = env!("CARGO_BIN_EXE_hwcheck");
    if std::fs::hard_link(built, &bin).is_err() {
        std::fs::copy(built, &bin).expect("copy the hwcheck binary");
    }
    bin
}

/// Runs hwcheck with `--format json` on `root`, LD_LIBRARY_PATH = [`DIR`], and `args`.
fn run_hwcheck(root: &FakeRoot, args: &[String], unprivileged: bool) -> Result<Run, String> {
    let unprivileged = unprivileged && running_as_root();
    let mut cmd = Command::new(if unprivileged {
        reachable_binary(root)
    } else {
        env!("CARGO_BIN_EXE_hwcheck").into()
    });
    cmd.env_clear()
        .env("LD_LIBRARY_PATH", DIR)
        .args(["--format", "json", "--timeout", PROBE_TIMEOUT, "--root"])
        .arg(root.path())
        .args(args);
    if unprivileged {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    let started = Instant::now();
    let out = run_with_timeout(cmd, RUN_LIMIT).map_err(|e| format!("did not finish: {e}"))?;
    Ok(Run {
        code: out.status.code(),
        signal: out.status.signal(),
        report: serde_json::from_str(&out.stdout).ok(),
        stderr: out.stderr,
        took: started.elapsed(),
    })
}

/// Why a run did not survive the fault, or `None` when it did.
fn judge_run(fault: &Fault, run: &Run) -> Option<String> {
    if let Some(signal) = run.signal {
        return Some(format!("hwcheck was killed by signal {signal}"));
    }
    let Some(report) = &run.report else {
        return Some(format!(
            "exit {:?}, stdout is not a JSON report; stderr: {}",
            run.code, run.stderr
        ));
    };
    let fails = report["counts"]["fail"].as_u64().unwrap_or(0);
    let expected_code = if fails > 0 { 1 } else { 0 };
    if run.code != Some(expected_code) {
        return Some(format!(
            "exit code {:?}, but the report has {fails} FAIL(s): expected {expected_code}",
            run.code
        ));
    }
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    let shown = checks.iter().any(|c| {
        let bad = c["status"] == "WARN" || c["status"] == "FAIL";
        let mut text = c["summary"].as_str().unwrap_or("").to_string();
        for e in c["evidence"].as_array().into_iter().flatten() {
            text.push('\n');
            text.push_str(e.as_str().unwrap_or(""));
        }
        bad && fault.expect.iter().all(|s| text.contains(s))
    });
    if !shown {
        let rows: Vec<String> = checks
            .iter()
            .filter(|c| c["status"] == "WARN" || c["status"] == "FAIL")
            .map(|c| format!("{} {}: {}", c["status"], c["id"], c["summary"]))
            .collect();
        return Some(format!(
            "no WARN/FAIL row contains {:?}; rows:\n  {}",
            fault.expect,
            rows.join("\n  ")
        ));
    }
    None
}

#[test]
fn hwcheck_survives_every_injected_fault() {
    if running_as_root() {
        eprintln!(
            "faults: running as root, where mode 000 does not stop reads: the unreadable-file \
             fault runs hwcheck as uid {NOBODY}"
        );
    }
    let started = Instant::now();
    let results = hwcheck_model::parallel::map_in_order(FAULTS, PARALLEL_RUNS, |fault| {
        let root = FakeRoot::new();
        let args = (fault.build)(&root);
        run_hwcheck(&root, &args, fault.unprivileged)
    });
    let mut failures = Vec::new();
    for (fault, run) in FAULTS.iter().zip(&results) {
        let verdict = match run {
            Ok(run) => judge_run(fault, run).map(|why| format!("{why} (took {:?})", run.took)),
            Err(why) => Some(why.clone()),
        };
        match verdict {
            None => eprintln!("  survived: {}", fault.name),
            Some(why) => {
                eprintln!("  DIED:     {}: {why}", fault.name);
                failures.push(fault.name);
            }
        }
    }
    let survived = FAULTS.len() - failures.len();
    eprintln!(
        "faults: {} injected, {survived} survived ({:.1} s)",
        FAULTS.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(survived, FAULTS.len(), "did not survive: {failures:?}");
}

#[test]
fn the_table_names_the_broken_file_too() {
    let root = FakeRoot::new();
    fault_lib(&root, "libcudart.so.13", Misbehave::Segv, CUDART);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwcheck"));
    cmd.env_clear()
        .env("LD_LIBRARY_PATH", DIR)
        .env("COLUMNS", "400")
        .args(["--quick", "--timeout", PROBE_TIMEOUT, "--root"])
        .arg(root.path());
    let out = run_with_timeout(cmd, RUN_LIMIT).expect("hwcheck finishes");
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    let table = out.stdout;
    assert!(table.contains("libraries.load_problems"), "{table}");
    assert!(table.contains("libcudart.so.13"), "{table}");
    assert!(table.contains("SIGSEGV"), "{table}");
}

/// Runs hwcheck `--quick --format json` on `root` with `env`; returns the report.
fn quick_report(root: &FakeRoot, env: &[(&str, &str)]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwcheck"));
    cmd.env_clear()
        .envs(env.iter().copied())
        .args([
            "--quick",
            "--format",
            "json",
            "--timeout",
            PROBE_TIMEOUT,
            "--root",
        ])
        .arg(root.path());
    let out = run_with_timeout(cmd, RUN_LIMIT).expect("hwcheck finishes");
    serde_json::from_str(&out.stdout).expect("a JSON report")
}

#[test]
fn secrets_in_the_environment_never_reach_the_report() {
    let root = FakeRoot::new();
    let report = quick_report(
        &root,
        &[
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-not-a-real-key"),
            ("HF_TOKEN", "hf_notARealTokenButSecret"),
            ("GITHUB_TOKEN", "ghp_notARealTokenEither"),
            ("CUDA_VISIBLE_DEVICES", "0,1"),
        ],
    );
    let text = report.to_string();
    for secret in ["wJalrXUtnFEMI", "hf_notARealToken", "ghp_notARealToken"] {
        assert!(!text.contains(secret), "{secret} leaked into the report");
    }
    for name in ["AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "GITHUB_TOKEN"] {
        assert!(!text.contains(name), "{name} is named in the report");
    }
    assert_eq!(
        report["facts"]["environment"]["variables"]["CUDA_VISIBLE_DEVICES"], "0,1",
        "allowlisted variables are recorded"
    );
}

#[test]
fn a_library_in_a_world_writable_directory_is_reported() {
    let root = FakeRoot::new();
    fault_lib(&root, "libcudart.so.13", Misbehave::Nothing, CUDART);
    std::fs::set_permissions(root.at(DIR), std::fs::Permissions::from_mode(0o777)).unwrap();
    let report = quick_report(&root, &[("LD_LIBRARY_PATH", DIR)]);
    let dirs = check(&report, "security.library_dirs");
    assert_eq!(dirs["status"], "WARN", "{dirs:#}");
    let summary = dirs["summary"].as_str().unwrap();
    assert!(summary.contains(DIR), "{summary}");
    assert!(summary.contains("world-writable"), "{summary}");
    std::fs::set_permissions(root.at(DIR), std::fs::Permissions::from_mode(0o755)).unwrap();
    let report = quick_report(&root, &[("LD_LIBRARY_PATH", DIR)]);
    assert_eq!(check(&report, "security.library_dirs")["status"], "PASS");
}

#[test]
fn root_with_a_user_owned_library_path_is_warned() {
    if !running_as_root() {
        eprintln!("not root: the root-only warning cannot show here");
        return;
    }
    let root = FakeRoot::new();
    root.write("/home/alice/venv/lib/README", "user-owned library folder\n");
    std::os::unix::fs::chown(root.at("/home/alice"), Some(1000), Some(1000)).unwrap();
    let report = quick_report(&root, &[("LD_LIBRARY_PATH", "/home/alice/venv/lib")]);
    let c = check(&report, "security.root_library_path");
    assert_eq!(c["status"], "WARN", "{c:#}");
    assert!(c["summary"]
        .as_str()
        .unwrap()
        .contains("/home/alice is owned by uid 1000"));
}
