//! Is this process in a container, and which kind? Each source is checked in a fixed order and
//! the first that answers wins, with the evidence kept for the report.
//!
//! `/.dockerenv` is only believed when the root mount could be a container's: a virtual
//! machine whose root filesystem was made from a Docker image keeps the file (seen on a
//! Firecracker microVM: `/` is ext4 on /dev/vda, PID 1 is the VM's init), and that is no
//! container. Such a rejected sign is kept too.

use crate::context::SystemContext;
use hwcheck_model::env_vars::{CONTAINER, KUBERNETES_SERVICE_HOST};
use hwcheck_model::read;

/// Most characters of a file line kept as evidence.
const MAX_EVIDENCE: usize = 160;
/// Most bytes read of /proc/self/mountinfo (hosts with many mounts stay bounded).
const MAX_MOUNTINFO: u64 = 4 << 20;
/// The file Docker creates in every container's root.
const DOCKERENV: &str = "/.dockerenv";
/// Mount info of this process.
const MOUNTINFO: &str = "/proc/self/mountinfo";

/// Words in a cgroup path or root mount that betray a container runtime, most specific first.
const HINTS: [(&str, &str); 6] = [
    ("kubepods", "kubernetes"),
    ("libpod", "podman"),
    ("docker", "docker"),
    ("containerd", "containerd"),
    ("lxc", "lxc"),
    ("crio", "cri-o"),
];

/// Root filesystem types of container images (overlay layers, user-space overlays).
const IMAGE_FS: [&str; 4] = ["overlay", "aufs", "fuse-overlayfs", "fuse.fuse-overlayfs"];

/// What container detection concluded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    /// The container kind and why it was concluded; `None` on a bare host or a VM.
    pub found: Option<(String, String)>,
    /// Signs found but not believed, each with why.
    pub rejected: Vec<String>,
}

/// The container kind and why it was concluded; `None` on a bare host (or an unknown runtime).
pub fn detect(ctx: &SystemContext) -> Detection {
    let mut rejected = Vec::new();
    let found = first_sign(ctx, &mut rejected);
    Detection { found, rejected }
}

fn first_sign(ctx: &SystemContext, rejected: &mut Vec<String>) -> Option<(String, String)> {
    if ctx.var(KUBERNETES_SERVICE_HOST).is_some() {
        return found("kubernetes", format!("{KUBERNETES_SERVICE_HOST} is set"));
    }
    let mountinfo = read::text_up_to(&ctx.path(MOUNTINFO), MAX_MOUNTINFO).ok();
    if ctx.path(DOCKERENV).exists() {
        match mountinfo.as_deref().and_then(whole_disk_root) {
            Some(root) => rejected.push(format!(
                "{DOCKERENV} exists but / is {root} (a whole disk, not a container image's \
                 layers): a root filesystem made from a Docker image, not a running container"
            )),
            None => return found("docker", format!("{DOCKERENV} exists")),
        }
    }
    let podman = "/run/.containerenv";
    if ctx.path(podman).exists() {
        return found("podman", format!("{podman} exists"));
    }
    let systemd = "/run/systemd/container";
    if let Some(kind) = read::small_text(&ctx.path(systemd))
        .ok()
        .and_then(|t| t.lines().next().map(|l| bounded(l.trim())))
        .filter(|k| !k.is_empty())
    {
        return Some((kind.clone(), format!("{systemd} says {kind:?}")));
    }
    if let Some(kind) = ctx
        .var(CONTAINER)
        .map(|k| bounded(k.trim()))
        .filter(|k| !k.is_empty())
    {
        return Some((kind.clone(), format!("{CONTAINER}={kind:?} is set")));
    }
    let cgroup = "/proc/1/cgroup";
    if let Some((kind, line)) = read::small_text(&ctx.path(cgroup))
        .ok()
        .and_then(|t| cgroup_hint(&t))
    {
        return found(kind, format!("{cgroup}: {line}"));
    }
    let (kind, line) = mountinfo.as_deref().and_then(mountinfo_hint)?;
    found(kind, format!("{MOUNTINFO}: root mount {line}"))
}

/// "ext4 on /dev/vda" when the root mount of mountinfo text is a whole block-device filesystem
/// with no runtime hint: what a virtual machine's root looks like, never a container's.
pub fn whole_disk_root(mountinfo: &str) -> Option<String> {
    let line = root_mount(mountinfo)?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let dash = fields.iter().position(|f| *f == "-")?;
    let (fs, source) = (*fields.get(dash + 1)?, *fields.get(dash + 2)?);
    let whole = fields.get(3) == Some(&"/");
    (whole && source.starts_with("/dev/") && !IMAGE_FS.contains(&fs) && hint_in(line).is_none())
        .then(|| format!("{fs} on {source}"))
}

fn root_mount(text: &str) -> Option<&str> {
    text.lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
}

fn found(kind: &str, evidence: String) -> Option<(String, String)> {
    Some((kind.to_string(), evidence))
}

/// The first runtime hint in /proc/1/cgroup text, with the line it came from.
pub fn cgroup_hint(text: &str) -> Option<(&'static str, String)> {
    text.lines().find_map(|line| {
        let path = line.splitn(3, ':').nth(2)?;
        hint_in(path).map(|kind| (kind, bounded(line.trim())))
    })
}

/// A runtime hint in the root ("/") mount of /proc/self/mountinfo text. Only the root mount is
/// read: a host running containers lists their overlay mounts too.
pub fn mountinfo_hint(text: &str) -> Option<(&'static str, String)> {
    let line = root_mount(text)?;
    hint_in(line).map(|kind| (kind, bounded(line.trim())))
}

fn hint_in(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    HINTS
        .iter()
        .find(|(word, _)| lower.contains(word))
        .map(|(_, kind)| *kind)
}

fn bounded(line: &str) -> String {
    line.chars().take(MAX_EVIDENCE).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    const CGROUP_V1_DOCKER: &str =
        "12:pids:/docker/3f1c9a0b2e\n11:memory:/docker/3f1c9a0b2e\n0::/docker/3f1c9a0b2e\n";
    const CGROUP_K8S: &str = "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-abcd.scope\n";
    const CGROUP_V2_HOST: &str = "0::/init.scope\n";
    const CGROUP_V2_NAMESPACED: &str = "0::/\n";
    const MOUNTINFO_DOCKER: &str = "1062 970 0:63 / / rw,relatime master:459 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC:/var/lib/docker/overlay2/l/DEF,upperdir=/var/lib/docker/overlay2/123/diff\n1063 1062 0:66 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n";
    const MOUNTINFO_HOST_RUNNING_DOCKER: &str = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n300 27 0:63 / /var/lib/docker/overlay2/123/merged rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC\n";

    #[test]
    fn cgroup_hints() {
        assert_eq!(cgroup_hint(CGROUP_V1_DOCKER).unwrap().0, "docker");
        let (kind, line) = cgroup_hint(CGROUP_K8S).unwrap();
        assert_eq!(kind, "kubernetes");
        assert!(line.starts_with("0::/kubepods"));
        assert_eq!(cgroup_hint(CGROUP_V2_HOST), None);
        assert_eq!(cgroup_hint(CGROUP_V2_NAMESPACED), None);
        assert_eq!(cgroup_hint("garbage\u{0}docker"), None);
    }

    #[test]
    fn mountinfo_reads_only_the_root_mount() {
        assert_eq!(mountinfo_hint(MOUNTINFO_DOCKER).unwrap().0, "docker");
        assert_eq!(mountinfo_hint(MOUNTINFO_HOST_RUNNING_DOCKER), None);
        assert_eq!(mountinfo_hint(""), None);
    }

    #[test]
    fn a_bare_fake_root_is_no_container() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/proc/1/cgroup", CGROUP_V2_HOST);
        write(
            dir.path(),
            "/proc/self/mountinfo",
            MOUNTINFO_HOST_RUNNING_DOCKER,
        );
        assert_eq!(detect(&ctx(dir.path(), &[])).found, None);
    }

    #[test]
    fn sources_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/proc/self/mountinfo", MOUNTINFO_DOCKER);
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).found.unwrap();
        assert_eq!(kind, "docker");
        assert!(evidence.starts_with("/proc/self/mountinfo: root mount"));

        write(dir.path(), "/proc/1/cgroup", CGROUP_K8S);
        assert_eq!(detect(&ctx(dir.path(), &[])).found.unwrap().0, "kubernetes");

        write(dir.path(), "/run/systemd/container", "lxc\n");
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).found.unwrap();
        assert_eq!(
            (kind.as_str(), evidence.as_str()),
            ("lxc", "/run/systemd/container says \"lxc\"")
        );

        write(dir.path(), "/run/.containerenv", "");
        assert_eq!(detect(&ctx(dir.path(), &[])).found.unwrap().0, "podman");

        write(dir.path(), "/.dockerenv", "");
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).found.unwrap();
        assert_eq!(
            (kind.as_str(), evidence.as_str()),
            ("docker", "/.dockerenv exists")
        );

        let k8s = ctx(dir.path(), &[("KUBERNETES_SERVICE_HOST", "10.0.0.1")]);
        assert_eq!(
            detect(&k8s).found.unwrap().1,
            "KUBERNETES_SERVICE_HOST is set"
        );
    }

    /// The H200 box and this CPU box: Firecracker microVMs whose root filesystem was made from
    /// a Docker image (so /.dockerenv is there), / on a whole virtio disk, PID 1 the VM's init.
    const MOUNTINFO_FIRECRACKER: &str = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n22 27 0:21 / /proc rw,relatime - proc proc rw\n";
    const CGROUP_FIRECRACKER: &str = "0::/process_api/core\n";

    #[test]
    fn a_vm_made_from_a_docker_image_is_no_container() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/.dockerenv", "");
        write(dir.path(), "/proc/self/mountinfo", MOUNTINFO_FIRECRACKER);
        write(dir.path(), "/proc/1/cgroup", CGROUP_FIRECRACKER);
        let d = detect(&ctx(dir.path(), &[]));
        assert_eq!(d.found, None);
        assert_eq!(d.rejected.len(), 1);
        assert!(
            d.rejected[0].contains("ext4 on /dev/vda"),
            "{:?}",
            d.rejected
        );
        // The same image run by Docker: an overlay root, so /.dockerenv is believed.
        write(dir.path(), "/proc/self/mountinfo", MOUNTINFO_DOCKER);
        let d = detect(&ctx(dir.path(), &[]));
        assert_eq!(d.found.unwrap().1, "/.dockerenv exists");
        assert!(d.rejected.is_empty());
    }

    #[test]
    fn whole_disk_roots() {
        assert_eq!(
            whole_disk_root(MOUNTINFO_FIRECRACKER).as_deref(),
            Some("ext4 on /dev/vda")
        );
        assert_eq!(whole_disk_root(MOUNTINFO_DOCKER), None);
        // A bind-mounted sub-directory (a container's root on the host's disk) is not whole.
        let bind = "100 90 254:0 /var/lib/machines/c1 / rw - ext4 /dev/vda rw\n";
        assert_eq!(whole_disk_root(bind), None);
        let devmapper = "100 90 253:3 / / rw - xfs /dev/mapper/docker-8:1-1234-abcd rw\n";
        assert_eq!(whole_disk_root(devmapper), None);
        assert_eq!(whole_disk_root(""), None);
        assert_eq!(whole_disk_root("garbage / /"), None);
    }

    #[test]
    fn the_container_variable_names_the_kind() {
        let dir = tempfile::tempdir().unwrap();
        let d = detect(&ctx(dir.path(), &[("container", "lxc")]));
        assert_eq!(
            d.found.unwrap(),
            ("lxc".to_string(), "container=\"lxc\" is set".to_string())
        );
    }
}
