//! Is this kernel running in a virtual machine? The file-based part of systemd-detect-virt's VM
//! logic (src/basic/virt.c): the CPUID hypervisor leaf, DMI vendor strings, /sys/hypervisor,
//! the device tree's hypervisor node; plus the `hypervisor` CPU flag. A Firecracker microVM has
//! no DMI table: the CPU flag and the CPUID vendor (KVM) tell it.

use super::{bounded, first_line};
use crate::context::SystemContext;
use hwcheck_model::facts::platform::VirtualizationFacts;
use hwcheck_model::read;

/// Most bytes read of /proc/cpuinfo (only the first `flags` line is used).
const MAX_CPUINFO: u64 = 4 << 20;
/// The DMI strings systemd-detect-virt compares, in its order.
const DMI_FILES: [&str; 5] = [
    "/sys/class/dmi/id/product_name",
    "/sys/class/dmi/id/sys_vendor",
    "/sys/class/dmi/id/board_vendor",
    "/sys/class/dmi/id/bios_vendor",
    "/sys/class/dmi/id/product_version",
];
/// DMI vendor prefixes and the hypervisor they name (systemd's dmi_vendor_table).
const DMI_VENDORS: [(&str, &str); 17] = [
    ("KVM", "kvm"),
    ("OpenStack", "kvm"),
    ("KubeVirt", "kvm"),
    ("Amazon EC2", "amazon"),
    ("QEMU", "qemu"),
    ("VMware", "vmware"),
    ("VMW", "vmware"),
    ("innotek GmbH", "oracle"),
    ("VirtualBox", "oracle"),
    ("Oracle Corporation", "oracle"),
    ("Xen", "xen"),
    ("Bochs", "bochs"),
    ("Parallels", "parallels"),
    ("BHYVE", "bhyve"),
    ("Hyper-V", "microsoft"),
    ("Apple Virtualization", "apple"),
    ("Google Compute Engine", "google"),
];
/// CPUID leaf 0x40000000 vendor strings and the hypervisor they name (systemd's cpuid table).
const CPUID_VENDORS: [(&str, &str); 10] = [
    ("XenVMMXenVMM", "xen"),
    ("KVMKVMKVM", "kvm"),
    ("Linux KVM Hv", "kvm"),
    ("TCGTCGTCGTCG", "qemu"),
    ("VMwareVMware", "vmware"),
    ("Microsoft Hv", "microsoft"),
    ("bhyve bhyve ", "bhyve"),
    ("ACRNACRNACRN", "acrn"),
    ("SRESRESRESRE", "sre"),
    ("Apple VZ", "apple"),
];

/// The hypervisor's signs, `None` when there are none.
pub fn detect(ctx: &SystemContext) -> Option<VirtualizationFacts> {
    let mut facts = VirtualizationFacts::default();
    let name = |facts: &mut VirtualizationFacts, kind: &str| {
        facts.hypervisor.get_or_insert_with(|| kind.to_string());
    };
    // CPUID is this process's CPU: only meaningful when probing this machine.
    if !ctx.is_fake_root() {
        if let Some(vendor) = cpuid_hypervisor_vendor() {
            if let Some(kind) = lookup(&CPUID_VENDORS, &vendor) {
                name(&mut facts, kind);
            }
            facts
                .evidence
                .push(format!("CPUID hypervisor vendor {:?}", bounded(&vendor)));
        }
    }
    let flag = read::text_up_to(&ctx.path("/proc/cpuinfo"), MAX_CPUINFO)
        .is_ok_and(|t| has_hypervisor_flag(&t));
    if flag {
        facts
            .evidence
            .push("hypervisor flag in /proc/cpuinfo".to_string());
    }
    for file in DMI_FILES {
        let Some(value) = first_line(ctx, file) else {
            continue;
        };
        let kind = dmi_kind(&value, file, ctx);
        // Amazon's bare-metal instances carry the same DMI vendor: only a VM with the flag.
        if let Some(kind) = kind.filter(|k| *k != "amazon" || flag) {
            name(&mut facts, kind);
            let short = file.rsplit('/').next().unwrap_or(file);
            facts.evidence.push(format!("DMI {short}: {value}"));
        }
    }
    if let Some(kind) = first_line(ctx, "/sys/hypervisor/type") {
        name(&mut facts, &kind);
        facts.evidence.push(format!("/sys/hypervisor/type: {kind}"));
    }
    if let Some(node) = first_line(ctx, "/proc/device-tree/hypervisor/compatible") {
        let kind = if node.contains("xen") { "xen" } else { "kvm" };
        name(&mut facts, kind);
        facts
            .evidence
            .push(format!("/proc/device-tree/hypervisor/compatible: {node}"));
    }
    (!facts.evidence.is_empty()).then_some(facts)
}

/// The hypervisor a DMI value names; "Microsoft Corporation" counts only with the product
/// name "Virtual Machine" (Hyper-V), as physical Surface machines carry the same vendor.
fn dmi_kind(value: &str, file: &str, ctx: &SystemContext) -> Option<&'static str> {
    if value.starts_with("Microsoft Corporation") && file.ends_with("sys_vendor") {
        let product = first_line(ctx, DMI_FILES[0]).unwrap_or_default();
        return (product == "Virtual Machine").then_some("microsoft");
    }
    lookup(&DMI_VENDORS, value)
}

fn lookup(table: &[(&str, &'static str)], value: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(prefix, _)| value.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

/// Whether the first `flags` line of /proc/cpuinfo text lists `hypervisor`.
pub fn has_hypervisor_flag(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "flags").then_some(value)
        })
        .is_some_and(|flags| flags.split_whitespace().any(|f| f == "hypervisor"))
}

/// The CPUID leaf 0x40000000 vendor string, when CPUID leaf 1 says a hypervisor is present.
#[cfg(target_arch = "x86_64")]
fn cpuid_hypervisor_vendor() -> Option<String> {
    use std::arch::x86_64::__cpuid;
    // CPUID exists on every x86-64 CPU; leaf 1 ECX bit 31 is "hypervisor present".
    let leaf1 = __cpuid(1);
    if leaf1.ecx & (1 << 31) == 0 {
        return None;
    }
    let leaf = __cpuid(0x4000_0000);
    let bytes: Vec<u8> = [leaf.ebx, leaf.ecx, leaf.edx]
        .iter()
        .flat_map(|r| r.to_le_bytes())
        .collect();
    let text = String::from_utf8_lossy(&bytes)
        .trim_end_matches('\0')
        .to_string();
    Some(text)
}

/// No CPUID on other architectures: the device tree and DMI tell instead.
#[cfg(not(target_arch = "x86_64"))]
fn cpuid_hypervisor_vendor() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    const CPUINFO_VM: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc hypervisor lahf_lm\n\nprocessor\t: 1\nflags\t\t: fpu\n";

    #[test]
    fn reads_the_hypervisor_flag() {
        assert!(has_hypervisor_flag(CPUINFO_VM));
        assert!(!has_hypervisor_flag("flags\t: fpu vme hypervisorish\n"));
        assert!(!has_hypervisor_flag(""));
    }

    #[test]
    fn a_firecracker_like_vm_has_only_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/proc/cpuinfo", CPUINFO_VM);
        let v = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(v.evidence, ["hypervisor flag in /proc/cpuinfo"]);
        assert_eq!(v.hypervisor, None);
    }

    #[test]
    fn dmi_names_the_hypervisor() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/proc/cpuinfo", CPUINFO_VM);
        write(dir.path(), "/sys/class/dmi/id/sys_vendor", "QEMU\n");
        write(
            dir.path(),
            "/sys/class/dmi/id/product_name",
            "Standard PC (Q35 + ICH9, 2009)\n",
        );
        let v = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(v.hypervisor.as_deref(), Some("qemu"));
        assert!(v.evidence.contains(&"DMI sys_vendor: QEMU".to_string()));
    }

    #[test]
    fn bare_metal_vendors_are_not_vms() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
        write(
            dir.path(),
            "/sys/class/dmi/id/board_vendor",
            "Microsoft Corporation\n",
        );
        write(
            dir.path(),
            "/sys/class/dmi/id/product_name",
            "Surface Laptop 5\n",
        );
        write(dir.path(), "/proc/cpuinfo", "flags\t: fpu\n");
        assert!(detect(&ctx(dir.path(), &[])).is_none());
        write(
            dir.path(),
            "/sys/class/dmi/id/sys_vendor",
            "Microsoft Corporation\n",
        );
        write(
            dir.path(),
            "/sys/class/dmi/id/product_name",
            "Virtual Machine\n",
        );
        let v = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(v.hypervisor.as_deref(), Some("microsoft"));
    }

    #[test]
    fn xen_and_arm_device_trees() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/sys/hypervisor/type", "xen\n");
        assert_eq!(
            detect(&ctx(dir.path(), &[])).unwrap().hypervisor.as_deref(),
            Some("xen")
        );
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "/proc/device-tree/hypervisor/compatible",
            "linux,kvm\0",
        );
        assert_eq!(
            detect(&ctx(dir.path(), &[])).unwrap().hypervisor.as_deref(),
            Some("kvm")
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn cpuid_agrees_with_the_cpu_flag_here() {
        let flag = read::text_up_to(std::path::Path::new("/proc/cpuinfo"), MAX_CPUINFO)
            .is_ok_and(|t| has_hypervisor_flag(&t));
        assert_eq!(cpuid_hypervisor_vendor().is_some(), flag);
    }
}
