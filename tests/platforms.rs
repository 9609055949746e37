//! Every Linux where people run GPU inference, end to end through the binary on fake roots built
//! here (`hwcheck --root DIR --no-detect --format json`): WSL2 healthy and with a Linux driver
//! inside, Jetson JetPack 5 and 6 (aarch64 layouts), a Jetson with x86 wheels, a VM, docker,
//! podman, Kubernetes, /dev/nvidia-uvm missing, device nodes this user may not open. Each test
//! checks the verdict or the check's status, the named cause and the fix.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{check, set_elf_machine, FakeRoot, FAKE_LIBCUDA};

#[cfg(target_arch = "aarch64")]
const LIBDIR: &str = "/usr/lib/aarch64-linux-gnu";
#[cfg(not(target_arch = "aarch64"))]
const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// ELF e_machine of x86-64 and of AArch64.
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;

/// A libcuda whose cuInit succeeds with one device of `name` and compute capability
/// `major.minor` (cuDeviceGetAttribute 75/76; 18 = integrated).
fn working_libcuda(name: &str, major: i32, minor: i32, integrated: i32) -> String {
    format!(
        r#"#include <string.h>
int cuDriverGetVersion(int *v) {{ *v = 12060; return 0; }}
int cuInit(unsigned flags) {{ (void)flags; return 0; }}
int cuDeviceGetCount(int *n) {{ *n = 1; return 0; }}
int cuDeviceGet(int *d, int i) {{ *d = i; return 0; }}
int cuDeviceGetName(char *s, int len, int d) {{ (void)d; strncpy(s, "{name}", len); return 0; }}
int cuDeviceGetAttribute(int *v, int a, int d) {{ (void)d;
  *v = a == 75 ? {major} : a == 76 ? {minor} : a == 18 ? {integrated} : 0; return 0; }}
int cuGetErrorName(int e, const char **s) {{ (void)e; *s = 0; return 1; }}
int cuGetErrorString(int e, const char **s) {{ (void)e; *s = 0; return 1; }}
"#
    )
}

/// A libcuda whose cuInit fails with CUDA_ERROR_UNKNOWN (999), as it does for a non-root user
/// when /dev/nvidia-uvm is missing or refused.
const LIBCUDA_999: &str = r#"
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuInit(unsigned flags) { (void)flags; return 999; }
int cuDeviceGetCount(int *n) { *n = 0; return 3; }
int cuGetErrorName(int e, const char **s) { *s = e == 999 ? "CUDA_ERROR_UNKNOWN" : 0; return e == 999 ? 0 : 1; }
int cuGetErrorString(int e, const char **s) { *s = e == 999 ? "unknown error" : 0; return e == 999 ? 0 : 1; }
"#;

/// An NVML that answers for one GPU (the entry points nvml-wrapper calls for the system facts,
/// the device's handle, name and compute capability; the rest are missing and recorded as such).
fn working_nvml(driver: &str, cuda: i32, gpu: &str) -> String {
    format!(
        r#"#include <string.h>
int nvmlInit_v2(void) {{ return 0; }}
int nvmlInitWithFlags(unsigned f) {{ (void)f; return 0; }}
int nvmlShutdown(void) {{ return 0; }}
int nvmlSystemGetDriverVersion(char *s, unsigned n) {{ strncpy(s, "{driver}", n); return 0; }}
int nvmlSystemGetNVMLVersion(char *s, unsigned n) {{ strncpy(s, "12.{driver}", n); return 0; }}
int nvmlSystemGetCudaDriverVersion(int *v) {{ *v = {cuda}; return 0; }}
int nvmlSystemGetCudaDriverVersion_v2(int *v) {{ *v = {cuda}; return 0; }}
int nvmlDeviceGetCount_v2(unsigned *n) {{ *n = 1; return 0; }}
int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **d) {{ (void)i; *d = (void *)1; return 0; }}
int nvmlDeviceGetName(void *d, char *s, unsigned n) {{ (void)d; strncpy(s, "{gpu}", n); return 0; }}
int nvmlDeviceGetCudaComputeCapability(void *d, int *a, int *b) {{ (void)d; *a = 8; *b = 9; return 0; }}
const char *nvmlErrorString(int r) {{ (void)r; return "error"; }}
"#
    )
}

/// Runs hwcheck on `root` with only `env`, through `wrapper` (e.g. setpriv) when given; returns
/// the JSON report.
fn report_via(root: &FakeRoot, env: &[(&str, &str)], wrapper: &[&str]) -> Value {
    let exe = assert_cmd::cargo::cargo_bin!("hwcheck");
    let mut cmd = if wrapper.is_empty() {
        std::process::Command::new(exe)
    } else {
        let mut c = std::process::Command::new(wrapper[0]);
        c.args(&wrapper[1..]).arg(exe);
        c
    };
    cmd.env_clear()
        .envs(env.iter().copied())
        .args([
            "--no-detect",
            "--format",
            "json",
            "--timeout",
            "5",
            "--root",
        ])
        .arg(root.path());
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("hwcheck runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn report(root: &FakeRoot, env: &[(&str, &str)]) -> Value {
    report_via(root, env, &[])
}

/// The status of check `id`, lower-case ("pass", "fail", …).
fn status(r: &Value, id: &str) -> String {
    check(r, id)["status"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn text<'a>(r: &'a Value, id: &str, field: &str) -> &'a str {
    check(r, id)[field].as_str().unwrap_or("")
}

/// No check anywhere tells this user to install a Linux driver with ubuntu-drivers or says
/// there is no driver.
fn never_no_driver(r: &Value) {
    for c in r["checks"].as_array().unwrap() {
        let all = format!("{} {}", c["summary"], c["fix"]);
        assert!(!all.contains("ubuntu-drivers"), "{c:#}");
        assert!(!all.contains("no NVIDIA driver"), "{c:#}");
    }
}

/// Makes a compiled library look built for `machine` (the aarch64 layouts of a Jetson on any
/// build host; a foreign x86-64 wheel on any build host).
fn as_machine(root: &FakeRoot, path: &str, machine: u16) {
    set_elf_machine(&root.at(path), machine);
}

fn wsl_root() -> FakeRoot {
    let r = FakeRoot::new();
    r.write(
        "/proc/sys/kernel/osrelease",
        "5.15.167.4-microsoft-standard-WSL2\n",
    );
    r.write("/dev/dxg", "");
    r.compile(
        "/usr/lib/wsl/lib/libcuda.so.1",
        "libcuda.so.1",
        &working_libcuda("NVIDIA GeForce RTX 4070", 8, 9, 0),
        &[],
    );
    r.compile(
        "/usr/lib/wsl/lib/libnvidia-ml.so.1",
        "libnvidia-ml.so.1",
        &working_nvml("566.14", 12070, "NVIDIA GeForce RTX 4070"),
        &[],
    );
    r
}

#[test]
fn wsl2_healthy() {
    let r = wsl_root();
    // WSL lists /usr/lib/wsl/lib in /etc/ld.so.conf.d/ld.wsl.conf; where ldconfig cannot build
    // a cache here, LD_LIBRARY_PATH puts it on the loader's path instead.
    let env: &[(&str, &str)] = if r.ldconfig(&["/usr/lib/wsl/lib"]) {
        &[("WSL_DISTRO_NAME", "Ubuntu-24.04")]
    } else {
        &[
            ("WSL_DISTRO_NAME", "Ubuntu-24.04"),
            ("LD_LIBRARY_PATH", "/usr/lib/wsl/lib"),
        ]
    };
    let rep = report(&r, env);
    assert_eq!(
        status(&rep, "platform.wsl"),
        "pass",
        "{:#}",
        check(&rep, "platform.wsl")
    );
    let wsl = text(&rep, "platform.wsl", "summary");
    assert!(
        wsl.contains("Windows NVIDIA driver 566.14 (runs CUDA <= 12.7)"),
        "{wsl}"
    );
    assert!(check(&rep, "platform.wsl")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e
            .as_str()
            .unwrap()
            .contains("is not a symbolic link\" is harmless")));
    assert_eq!(status(&rep, "driver.nvml"), "pass");
    assert_eq!(status(&rep, "driver.cuda_init"), "pass");
    let cuinit = text(&rep, "driver.cuda_init", "summary");
    assert!(
        cuinit.contains("NVIDIA GeForce RTX 4070 (compute capability 8.9)"),
        "{cuinit}"
    );
    assert_eq!(status(&rep, "environment.device_nodes"), "pass");
    assert!(text(&rep, "environment.kind", "summary")
        .starts_with("WSL2 (kernel release 5.15.167.4-microsoft-standard-WSL2"));
    assert!(
        rep["machine"]
            .as_str()
            .unwrap()
            .starts_with("Windows driver 566.14"),
        "{}",
        rep["machine"]
    );
    never_no_driver(&rep);
}

#[test]
fn wsl2_with_a_linux_driver_inside() {
    let r = wsl_root();
    r.compile(
        &format!("{LIBDIR}/libcuda.so.550.54.15"),
        "libcuda.so.1",
        FAKE_LIBCUDA,
        &[],
    );
    r.symlink("libcuda.so.550.54.15", &format!("{LIBDIR}/libcuda.so.1"));
    r.write(
        "/var/lib/dpkg/status",
        "Package: libnvidia-compute-550\nStatus: install ok installed\nArchitecture: amd64\nVersion: 550.54.15-0ubuntu1\n\nPackage: cuda\nStatus: install ok installed\nVersion: 12.4.0-1\n",
    );
    let rep = report(&r, &[("WSL_DISTRO_NAME", "Ubuntu")]);
    assert_eq!(rep["verdict"], "fail");
    assert_eq!(status(&rep, "platform.wsl"), "fail");
    let summary = text(&rep, "platform.wsl", "summary");
    assert!(
        summary.contains("a Linux NVIDIA driver inside WSL shadows the Windows driver"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("{LIBDIR}/libcuda.so")),
        "{summary}"
    );
    let fix = text(&rep, "platform.wsl", "fix");
    assert!(
        fix.contains("apt-get remove --purge libnvidia-compute-550"),
        "{fix}"
    );
    assert!(fix.contains("never install a Linux NVIDIA driver"), "{fix}");
    let evidence = check(&rep, "platform.wsl")["evidence"].to_string();
    assert!(evidence.contains("not on the loader's path"), "{evidence}");
    assert!(evidence.contains("`cuda` meta-package"), "{evidence}");
    assert_eq!(status(&rep, "driver.nvml"), "fail");
    assert!(text(&rep, "driver.nvml", "summary").contains("cannot be used in WSL"));
    never_no_driver(&rep);
}

/// A Jetson's fake root: the release file, device tree, SoC family, dpkg, L4T's libcuda
/// (libcuda.so.1.1, as on Tegra) in `driver_dir`, the JetPack CUDA runtime in /usr/local/cuda,
/// every library built for AArch64.
fn jetson_root(release: &str, revision: &str, driver_dir: &str, cuda: &str) -> FakeRoot {
    let r = FakeRoot::new();
    r.write(
        "/etc/nv_tegra_release",
        format!("# R{release} (release), REVISION: {revision}, GCID: 1, BOARD: generic, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n"),
    );
    r.write(
        "/proc/device-tree/model",
        "NVIDIA Jetson AGX Orin Developer Kit\0",
    );
    r.write(
        "/proc/device-tree/compatible",
        "nvidia,p3737-0000+p3701-0005\0nvidia,tegra234\0",
    );
    r.write("/sys/devices/soc0/family", "Tegra\n");
    r.write(
        "/var/lib/dpkg/status",
        format!("Package: nvidia-l4t-core\nStatus: install ok installed\nArchitecture: arm64\nVersion: {release}.{revision}-20230801\n"),
    );
    let libcuda = format!("{driver_dir}/libcuda.so.1.1");
    r.compile(
        &libcuda,
        "libcuda.so.1",
        &working_libcuda("Orin", 8, 7, 1),
        &[],
    );
    as_machine(&r, &libcuda, EM_AARCH64);
    r.symlink("libcuda.so.1.1", &format!("{driver_dir}/libcuda.so.1"));
    let major = cuda.split('.').next().unwrap();
    let lib = format!("/usr/local/cuda-{cuda}/targets/aarch64-linux/lib");
    let cudart = format!("{lib}/libcudart.so.{cuda}.0");
    r.compile(
        &cudart,
        &format!("libcudart.so.{major}"),
        "int cudart_marker;\n",
        &[],
    );
    as_machine(&r, &cudart, EM_AARCH64);
    r.symlink(
        &format!("libcudart.so.{cuda}.0"),
        &format!("{lib}/libcudart.so.{major}"),
    );
    r.write(
        &format!("/usr/local/cuda-{cuda}/version.json"),
        format!(r#"{{"cuda": {{"name": "CUDA SDK", "version": "{cuda}.0"}}}}"#),
    );
    r.symlink(&format!("cuda-{cuda}"), "/usr/local/cuda");
    r
}

fn assert_healthy_jetson(rep: &Value, release_text: &str) {
    let jetson = check(rep, "platform.jetson");
    assert_eq!(jetson["status"], "PASS", "{jetson:#}");
    let summary = jetson["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("NVIDIA Jetson AGX Orin Developer Kit: "),
        "{summary}"
    );
    assert!(summary.contains(release_text), "{summary}");
    assert!(summary.contains("GPU compute capability 8.7"), "{summary}");
    assert_eq!(status(rep, "driver.nvml"), "skip");
    assert!(text(rep, "driver.nvml", "summary").contains("NVML is not part of L4T"));
    assert_eq!(status(rep, "environment.device_nodes"), "skip");
    assert!(
        rep["machine"]
            .as_str()
            .unwrap()
            .contains("(no NVML on Jetson)"),
        "{}",
        rep["machine"]
    );
    assert!(text(rep, "environment.kind", "summary")
        .starts_with("NVIDIA Jetson AGX Orin Developer Kit, L4T"));
    never_no_driver(rep);
}

#[test]
fn jetson_jetpack_5_healthy() {
    let r = jetson_root("35", "4.1", "/usr/lib/aarch64-linux-gnu/tegra", "11.4");
    let rep = report(&r, &[]);
    assert_healthy_jetson(
        &rep,
        "L4T 35.4.1 = JetPack 5.1.2 (CUDA 11.4, cuDNN 8.6.0, TensorRT 8.5.2)",
    );
    let f = &rep["facts"];
    assert_eq!(f["platform"]["jetson"]["soc"], "tegra234");
    let libcuda = f["libraries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["path"] == "/usr/lib/aarch64-linux-gnu/tegra/libcuda.so.1")
        .expect("L4T's libcuda is found in tegra/");
    assert_eq!(libcuda["machine"], "AArch64");
    assert!(
        libcuda["version"].is_null(),
        "libcuda.so.1.1 names no driver version"
    );
    let toolkit = &f["toolkits"][0];
    assert_eq!(toolkit["targets"][0], "aarch64-linux");
}

#[test]
fn jetson_jetpack_6_healthy() {
    let r = jetson_root("36", "4.3", "/usr/lib/aarch64-linux-gnu/nvidia", "12.6");
    let rep = report(&r, &[]);
    assert_healthy_jetson(&rep, "L4T 36.4.3 = JetPack 6.2 (CUDA 12.6");
    assert!(
        text(&rep, "platform.jetson", "summary").contains("unconfirmed"),
        "a secondary-source row says so"
    );
}

#[test]
fn jetson_with_an_x86_wheel() {
    let r = jetson_root("36", "4.3", "/usr/lib/aarch64-linux-gnu/nvidia", "12.6");
    let site = "/home/u/.venv/lib/python3.10/site-packages";
    let cudnn = format!("{site}/nvidia/cudnn/lib/libcudnn.so.9");
    r.compile(&cudnn, "libcudnn.so.9", "int cudnn_marker;\n", &[]);
    as_machine(&r, &cudnn, EM_X86_64);
    let ort = format!("{site}/onnxruntime/capi/libonnxruntime.so.1.18.0");
    r.compile(&ort, "libonnxruntime.so.1", "int ort_marker;\n", &[]);
    as_machine(&r, &ort, EM_X86_64);
    r.write(
        &format!("{site}/onnxruntime_gpu-1.18.0.dist-info/WHEEL"),
        "Wheel-Version: 1.0\nTag: cp310-cp310-manylinux_2_17_x86_64\n",
    );
    let rep = report(&r, &[("HOME", "/home/u"), ("VIRTUAL_ENV", "/home/u/.venv")]);
    assert_eq!(rep["verdict"], "fail");
    let jetson = check(&rep, "platform.jetson");
    assert_eq!(jetson["status"], "FAIL", "{jetson:#}");
    let summary = jetson["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("x86-64 builds on this Arm Jetson cannot load"),
        "{summary}"
    );
    assert!(summary.contains(&cudnn), "{summary}");
    assert!(summary.contains("libonnxruntime.so.1.18.0"), "{summary}");
    let fix = jetson["fix"].as_str().unwrap();
    assert!(fix.contains("aarch64 builds for JetPack 6.2"), "{fix}");
    never_no_driver(&rep);
}

#[test]
fn a_vm_made_from_a_docker_image() {
    let r = FakeRoot::new();
    r.write("/.dockerenv", "");
    r.write(
        "/proc/self/mountinfo",
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n",
    );
    r.write("/proc/1/cgroup", "0::/process_api/core\n");
    r.write(
        "/proc/cpuinfo",
        "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n",
    );
    r.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
    let rep = report(&r, &[]);
    let f = &rep["facts"];
    assert!(
        f["environment"]["container"].is_null(),
        "{:#}",
        f["environment"]
    );
    assert!(f["environment"]["container_rejected"][0]
        .as_str()
        .unwrap()
        .contains("ext4 on /dev/vda"));
    assert_eq!(
        text(&rep, "environment.kind", "summary"),
        "VM (qemu: hypervisor flag in /proc/cpuinfo; DMI sys_vendor: QEMU)"
    );
    assert!(rep["machine"]
        .as_str()
        .unwrap()
        .ends_with("· VM (qemu: hypervisor flag in /proc/cpuinfo; DMI sys_vendor: QEMU)"));
    assert_eq!(status(&rep, "environment.container_gpus"), "skip");
    // No GPU in this VM: the plain host advice, never the container one.
    let fix = text(&rep, "driver.nvml", "fix");
    assert!(fix.contains("Install the NVIDIA driver"), "{fix}");
}

/// A container root without GPUs: the one failure says how to pass them in.
fn assert_container(rep: &Value, kind_line: &str) {
    assert_eq!(text(rep, "environment.kind", "summary"), kind_line);
    assert_eq!(rep["verdict"], "fail");
    assert_eq!(status(rep, "driver.nvml"), "fail");
    assert!(text(rep, "driver.nvml", "summary").starts_with("no NVIDIA driver in this container"));
    let fix = text(rep, "driver.nvml", "fix");
    assert!(
        fix.contains("--gpus all") && fix.contains("nvidia.com/gpu"),
        "{fix}"
    );
}

#[test]
fn docker_in_a_vm() {
    let r = FakeRoot::new();
    r.write("/.dockerenv", "");
    r.write(
        "/proc/self/mountinfo",
        "1062 970 0:63 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A\n",
    );
    r.write("/proc/cpuinfo", "flags\t\t: fpu hypervisor\n");
    let rep = report(&r, &[]);
    assert_container(
        &rep,
        "container: docker (/.dockerenv exists) in a VM (hypervisor flag in /proc/cpuinfo)",
    );
}

#[test]
fn podman() {
    let r = FakeRoot::new();
    r.write("/run/.containerenv", "engine=\"podman-4.9.3\"\n");
    let rep = report(&r, &[]);
    assert_container(&rep, "container: podman (/run/.containerenv exists)");
}

#[test]
fn kubernetes() {
    let r = FakeRoot::new();
    r.write(
        "/proc/1/cgroup",
        "0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abcd.scope\n",
    );
    let rep = report(&r, &[("KUBERNETES_SERVICE_HOST", "10.96.0.1")]);
    assert_container(
        &rep,
        "container: kubernetes (KUBERNETES_SERVICE_HOST is set)",
    );
    let r = FakeRoot::new();
    r.write(
        "/proc/1/cgroup",
        "0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abcd.scope\n",
    );
    let by_cgroup = report(&r, &[]);
    assert!(text(&by_cgroup, "environment.kind", "summary")
        .starts_with("container: kubernetes (/proc/1/cgroup: 0::/kubepods.slice"));
}

/// A host with the NVIDIA driver loaded and a libcuda whose cuInit fails with 999.
fn driver_root(nodes: &[&str]) -> FakeRoot {
    let r = FakeRoot::new();
    r.write(
        "/proc/driver/nvidia/version",
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build\n",
    );
    for n in nodes {
        r.write(&format!("/dev/{n}"), "");
    }
    r.write("/etc/group", "root:x:0:\nvideo:x:44:\n");
    r.compile(
        &format!("{LIBDIR}/libcuda.so.580.95.05"),
        "libcuda.so.1",
        LIBCUDA_999,
        &[],
    );
    r.symlink("libcuda.so.580.95.05", &format!("{LIBDIR}/libcuda.so.1"));
    r
}

#[test]
fn nvidia_uvm_missing() {
    let r = driver_root(&["nvidiactl", "nvidia0"]);
    let rep = report(&r, &[]);
    assert_eq!(rep["verdict"], "fail");
    let cuinit = check(&rep, "driver.cuda_init");
    assert_eq!(cuinit["status"], "FAIL", "{cuinit:#}");
    let summary = cuinit["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("cuInit: CUDA_ERROR_UNKNOWN (999) because /dev/nvidia-uvm is missing"),
        "{summary}"
    );
    assert!(cuinit["fix"]
        .as_str()
        .unwrap()
        .contains("sudo nvidia-modprobe -u -c=0"));
    assert_eq!(status(&rep, "environment.device_nodes"), "fail");
    assert!(
        text(&rep, "environment.device_nodes", "summary").starts_with("/dev/nvidia-uvm is missing")
    );
}

#[test]
fn device_nodes_not_accessible_to_the_user() {
    use std::os::unix::fs::{chown, PermissionsExt};
    let nodes = ["nvidiactl", "nvidia0", "nvidia-uvm", "nvidia-uvm-tools"];
    let r = driver_root(&nodes);
    // SAFETY: geteuid has no preconditions.
    let root_user = unsafe { libc::geteuid() } == 0;
    let has_setpriv = std::path::Path::new("/usr/bin/setpriv").exists();
    if root_user && !has_setpriv {
        eprintln!("running as root without setpriv: cannot test as another user; skipping");
        return;
    }
    for n in nodes {
        let p = r.at(&format!("/dev/{n}"));
        if root_user {
            chown(&p, Some(0), Some(44)).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o660)).unwrap();
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        }
    }
    std::fs::set_permissions(r.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // As root, access(2) allows everything: run as nobody, with no groups.
    let wrapper: &[&str] = if root_user {
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ]
    } else {
        &[]
    };
    let rep = report_via(&r, &[], wrapper);
    let nodes_check = check(&rep, "environment.device_nodes");
    assert_eq!(nodes_check["status"], "FAIL", "{nodes_check:#}");
    let summary = nodes_check["summary"].as_str().unwrap();
    assert!(
        summary.contains("cannot read and write /dev/nvidiactl"),
        "{summary}"
    );
    assert!(
        summary.contains("/dev/nvidia0") && summary.contains("/dev/nvidia-uvm"),
        "{summary}"
    );
    let fix = nodes_check["fix"].as_str().unwrap();
    assert!(fix.contains("usermod -aG"), "{fix}");
    if root_user {
        assert!(summary.starts_with("uid 65534"), "{summary}");
        assert!(fix.contains("usermod -aG video"), "{fix}");
    }
    let cuinit = text(&rep, "driver.cuda_init", "summary");
    assert!(
        cuinit.contains("(999) because") && cuinit.contains("cannot read and write"),
        "{cuinit}"
    );
}
