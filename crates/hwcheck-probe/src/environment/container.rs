//! Is this process in a container, and which kind? Each source is checked in a fixed order and
//! the first that answers wins, with the evidence kept for the report.

use crate::context::SystemContext;
use hwcheck_model::read;

/// Set by Kubernetes in every pod.
const KUBERNETES_SERVICE_HOST: &str = "KUBERNETES_SERVICE_HOST";
/// Most characters of a file line kept as evidence.
const MAX_EVIDENCE: usize = 160;
/// Most bytes read of /proc/self/mountinfo (hosts with many mounts stay bounded).
const MAX_MOUNTINFO: u64 = 4 << 20;

/// Words in a cgroup path or root mount that betray a container runtime, most specific first.
const HINTS: [(&str, &str); 6] = [
    ("kubepods", "kubernetes"),
    ("libpod", "podman"),
    ("docker", "docker"),
    ("containerd", "containerd"),
    ("lxc", "lxc"),
    ("crio", "cri-o"),
];

/// The container kind and why it was concluded; `None` on a bare host (or an unknown runtime).
pub fn detect(ctx: &SystemContext) -> Option<(String, String)> {
    if ctx.var(KUBERNETES_SERVICE_HOST).is_some() {
        return found("kubernetes", format!("{KUBERNETES_SERVICE_HOST} is set"));
    }
    for (file, kind) in [("/.dockerenv", "docker"), ("/run/.containerenv", "podman")] {
        if ctx.path(file).exists() {
            return found(kind, format!("{file} exists"));
        }
    }
    let systemd = "/run/systemd/container";
    if let Some(kind) = read::small_text(&ctx.path(systemd))
        .ok()
        .and_then(|t| t.lines().next().map(|l| bounded(l.trim())))
        .filter(|k| !k.is_empty())
    {
        return Some((kind.clone(), format!("{systemd} says {kind:?}")));
    }
    let cgroup = "/proc/1/cgroup";
    if let Some((kind, line)) = read::small_text(&ctx.path(cgroup))
        .ok()
        .and_then(|t| cgroup_hint(&t))
    {
        return found(kind, format!("{cgroup}: {line}"));
    }
    let mountinfo = "/proc/self/mountinfo";
    let (kind, line) = read::text_up_to(&ctx.path(mountinfo), MAX_MOUNTINFO)
        .ok()
        .and_then(|t| mountinfo_hint(&t))?;
    found(kind, format!("{mountinfo}: root mount {line}"))
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
    let line = text
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))?;
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
        assert_eq!(detect(&ctx(dir.path(), &[])), None);
    }

    #[test]
    fn sources_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "/proc/self/mountinfo", MOUNTINFO_DOCKER);
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(kind, "docker");
        assert!(evidence.starts_with("/proc/self/mountinfo: root mount"));

        write(dir.path(), "/proc/1/cgroup", CGROUP_K8S);
        assert_eq!(detect(&ctx(dir.path(), &[])).unwrap().0, "kubernetes");

        write(dir.path(), "/run/systemd/container", "lxc\n");
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(
            (kind.as_str(), evidence.as_str()),
            ("lxc", "/run/systemd/container says \"lxc\"")
        );

        write(dir.path(), "/run/.containerenv", "");
        assert_eq!(detect(&ctx(dir.path(), &[])).unwrap().0, "podman");

        write(dir.path(), "/.dockerenv", "");
        let (kind, evidence) = detect(&ctx(dir.path(), &[])).unwrap();
        assert_eq!(
            (kind.as_str(), evidence.as_str()),
            ("docker", "/.dockerenv exists")
        );

        let k8s = ctx(dir.path(), &[("KUBERNETES_SERVICE_HOST", "10.0.0.1")]);
        assert_eq!(detect(&k8s).unwrap().1, "KUBERNETES_SERVICE_HOST is set");
    }
}
