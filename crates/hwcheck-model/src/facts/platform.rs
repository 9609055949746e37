//! What kind of Linux hwcheck runs on: WSL2, a Jetson (L4T), a virtual machine; the NVIDIA
//! packages dpkg lists; the GPU device nodes and whether this user may open them. Every
//! conclusion keeps the files or variables it came from (`evidence`).

use crate::version::DottedVersion;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The platform facts of one run.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct PlatformFacts {
    /// Set when this is WSL2 (any of its signs was found).
    pub wsl: Option<WslFacts>,
    /// Set when this is an NVIDIA Jetson running L4T (any of its signs was found).
    pub jetson: Option<JetsonFacts>,
    /// Set when a hypervisor was seen (this kernel runs in a virtual machine).
    pub virtualization: Option<VirtualizationFacts>,
    /// Installed dpkg packages that matter to CUDA (NVIDIA drivers, CUDA meta-packages,
    /// toolkits, L4T), from /var/lib/dpkg/status; empty without dpkg.
    #[serde(default)]
    pub packages: Vec<PackageFacts>,
}

/// WSL2's signs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct WslFacts {
    /// Each sign found: "/dev/dxg exists", "kernel release 5.15.153.1-microsoft-standard-WSL2",
    /// "WSL_DISTRO_NAME=Ubuntu", "/usr/lib/wsl/lib exists".
    #[serde(default)]
    pub evidence: Vec<String>,
    /// /dev/dxg (the GPU paravirtualization device) exists.
    #[serde(default)]
    pub dxg: bool,
    /// /usr/lib/wsl/lib (the Windows driver's Linux libraries) exists.
    #[serde(default)]
    pub lib_dir: bool,
    /// /usr/lib/wsl/lib/libcuda.so.1 is a regular file, not a symlink (ldconfig then prints
    /// "libcuda.so.1 is not a symbolic link": harmless).
    #[serde(default)]
    pub libcuda_not_symlink: bool,
}

/// A Jetson's signs and its L4T release.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct JetsonFacts {
    /// Each sign found (the first line of /etc/nv_tegra_release, /sys/devices/soc0/family,
    /// the nvidia-l4t-core package, /proc/device-tree/model).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The L4T release, e.g. "36.4.3" (`# R36 (release), REVISION: 4.3` or nvidia-l4t-core).
    pub l4t: Option<DottedVersion>,
    /// /proc/device-tree/model, e.g. "NVIDIA Jetson AGX Orin Developer Kit".
    pub model: Option<String>,
    /// The SoC from /proc/device-tree/compatible or /sys/devices/soc0/family, e.g. "tegra234".
    pub soc: Option<String>,
}

/// A hypervisor under this kernel.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct VirtualizationFacts {
    /// The hypervisor when it could be named ("kvm", "vmware", "microsoft", "xen", "qemu",
    /// "amazon", "google", …), as systemd-detect-virt names them.
    pub hypervisor: Option<String>,
    /// Each sign found: "hypervisor flag in /proc/cpuinfo", "DMI sys_vendor: QEMU", "CPUID
    /// hypervisor vendor KVMKVMKVM", "/sys/hypervisor/type: xen".
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// One installed dpkg package.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackageFacts {
    /// Package name, e.g. "cuda-toolkit-12-6".
    pub name: String,
    /// Its version, e.g. "12.6.3-1".
    pub version: String,
    /// Its architecture, e.g. "arm64".
    pub architecture: Option<String>,
}

/// One GPU device node and whether this process's user may open it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceNodeFacts {
    /// The node, e.g. "/dev/nvidia-uvm".
    pub path: String,
    /// It exists.
    pub present: bool,
    /// access(2) R_OK for this user; `None` when absent.
    pub readable: Option<bool>,
    /// access(2) W_OK for this user; `None` when absent.
    pub writable: Option<bool>,
    /// Owner uid.
    pub owner_uid: Option<u32>,
    /// Owner gid and, when /etc/group names it, the group's name ("44 (video)").
    pub group: Option<String>,
    /// Permission bits, e.g. 0o660 (shown as 432).
    pub mode: Option<u32>,
}

/// Who runs hwcheck: what device permissions are checked against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserFacts {
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Supplementary groups (gids).
    #[serde(default)]
    pub groups: Vec<u32>,
}

impl PlatformFacts {
    /// True when a dpkg package named `name` is installed.
    pub fn has_package(&self, name: &str) -> bool {
        self.packages.iter().any(|p| p.name == name)
    }
}

impl DeviceNodeFacts {
    /// Present but not both readable and writable by this user.
    pub fn denied(&self) -> bool {
        self.present && (self.readable == Some(false) || self.writable == Some(false))
    }
}
