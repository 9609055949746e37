//! GPU device nodes: the nodes CUDA opens exist and this user may read and write them. Shared
//! with `driver.cuda_init`, which names a missing or refused node as the cause of cuInit's
//! CUDA_ERROR_UNKNOWN (999) or CUDA_ERROR_NO_DEVICE (100).

use super::stack::{self, NO_DRIVER};
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::platform::DeviceNodeFacts;
use hwcheck_model::facts::Facts;

const NODES: CheckKind = CheckKind::EnvironmentDeviceNodes;

/// Where a missing /dev/nvidia-uvm after a driver-container restart is reported.
pub const UVM_ISSUE: &str = "https://github.com/NVIDIA/gpu-operator/issues/2685";

/// One node that stops CUDA, with the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeProblem {
    /// What is wrong, naming the node.
    pub summary: String,
    /// What to change.
    pub fix: String,
}

/// Judges the device nodes.
pub fn judge(facts: &Facts) -> Check {
    let nodes = &facts.environment.device_nodes;
    if nodes.is_empty() {
        return Check::skip(NODES, "device nodes were not probed");
    }
    if stack::is_jetson(facts) {
        return Check::skip(
            NODES,
            "a Jetson's integrated GPU is reached through L4T's own nodes (/dev/nvmap, \
             /dev/nvhost-*), not /dev/nvidia*: see platform.jetson and driver.cuda_init",
        );
    }
    if stack::driver_absent(facts) {
        return Check::skip(NODES, NO_DRIVER);
    }
    let problems = problems(facts);
    let check = match problems.first() {
        Some(first) => {
            let mut c = Check::fail(NODES, first.summary.clone()).with_fix(first.fix.clone());
            for more in &problems[1..] {
                c = c.with_evidence(format!("also: {}", more.summary));
            }
            if problems
                .iter()
                .any(|p| p.summary.starts_with("/dev/nvidia-uvm is missing"))
            {
                c = c.with_source(UVM_ISSUE);
            }
            c
        }
        None => {
            let usable: Vec<&str> = nodes
                .iter()
                .filter(|n| n.present && !n.denied())
                .map(|n| n.path.as_str())
                .collect();
            Check::pass(
                NODES,
                format!(
                    "{} present and readable and writable by {}",
                    usable.join(", "),
                    who(facts)
                ),
            )
        }
    };
    nodes
        .iter()
        .fold(check, |c, n| c.with_evidence(describe(n)))
}

/// Every node that stops CUDA here: on WSL2 /dev/dxg; elsewhere /dev/nvidiactl,
/// /dev/nvidia-uvm and at least one /dev/nvidia<N>, each present and usable.
pub fn problems(facts: &Facts) -> Vec<NodeProblem> {
    let nodes = &facts.environment.device_nodes;
    if nodes.is_empty() || stack::is_jetson(facts) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if stack::is_wsl(facts) {
        match nodes.iter().find(|n| n.path == "/dev/dxg") {
            None => out.push(NodeProblem {
                summary: "/dev/dxg is missing: WSL 2 gives this distribution no GPU".to_string(),
                fix: stack::WSL_DRIVER_FIX.to_string(),
            }),
            Some(n) if n.denied() => out.push(denied(facts, &[n])),
            Some(_) => {}
        }
        return out;
    }
    let find = |path: &str| nodes.iter().find(|n| n.path == path);
    let in_container = stack::in_container(facts);
    if find("/dev/nvidiactl").is_some_and(|n| !n.present) {
        out.push(NodeProblem {
            summary: "/dev/nvidiactl is missing: no CUDA program can reach the driver".to_string(),
            fix: if in_container {
                stack::CONTAINER_GPU_FIX.to_string()
            } else {
                "Load the driver (`sudo modprobe nvidia`) and create the nodes with \
                 `sudo nvidia-modprobe -c=0` (or reboot)."
                    .to_string()
            },
        });
    }
    let gpu_nodes: Vec<&DeviceNodeFacts> = nodes.iter().filter(|n| is_gpu_node(&n.path)).collect();
    if gpu_nodes.is_empty() {
        out.push(NodeProblem {
            summary: "no /dev/nvidia<N> GPU node: CUDA sees no GPU".to_string(),
            fix: if in_container {
                stack::CONTAINER_GPU_FIX.to_string()
            } else {
                "Create the GPU nodes with `sudo nvidia-modprobe -c=0` (one per GPU: -c=1, …) or \
                 reboot; check `nvidia-smi` lists the GPU."
                    .to_string()
            },
        });
    }
    if find("/dev/nvidia-uvm").is_some_and(|n| !n.present) {
        out.push(NodeProblem {
            summary: "/dev/nvidia-uvm is missing: cuInit fails (CUDA_ERROR_UNKNOWN, 999) for \
                      every user but root, whose CUDA recreates it"
                .to_string(),
            fix: if in_container {
                "The container's device list lacks /dev/nvidia-uvm (after the driver or its \
                 container restarted, NVIDIA gpu-operator issue 2685): restart this container \
                 or pod so the NVIDIA Container Toolkit passes the nodes in again, or add \
                 `--device /dev/nvidia-uvm --device /dev/nvidia-uvm-tools`; on the host, \
                 `sudo nvidia-modprobe -u -c=0` loads nvidia_uvm and creates the nodes."
                    .to_string()
            } else {
                "Run `sudo nvidia-modprobe -u -c=0`: it loads the nvidia_uvm module and creates \
                 /dev/nvidia-uvm and /dev/nvidia-uvm-tools (make it persistent with the \
                 nvidia-persistenced service or a udev rule, or reboot)."
                    .to_string()
            },
        });
    }
    let refused: Vec<&DeviceNodeFacts> = nodes
        .iter()
        .filter(|n| n.denied() && !n.path.starts_with("/dev/nvidia-caps/"))
        .filter(|n| n.path != "/dev/nvidia-uvm-tools")
        .collect();
    if !refused.is_empty() {
        out.push(denied(facts, &refused));
    }
    out
}

/// "this user cannot read and write …" with the groups fix.
fn denied(facts: &Facts, nodes: &[&DeviceNodeFacts]) -> NodeProblem {
    let listed: Vec<String> = nodes.iter().map(|n| describe(n)).collect();
    let group = nodes
        .iter()
        .find_map(|n| n.group.as_deref())
        .map(|g| {
            g.split_once(" (").map_or(g.to_string(), |(_, name)| {
                name.trim_end_matches(')').to_string()
            })
        })
        .unwrap_or_else(|| "video".to_string());
    let container = if stack::in_container(facts) {
        " In a container, pass the GPUs at start (`--gpus all`) so the device cgroup allows them, \
         and run as a user in that group (`--group-add`)."
    } else {
        ""
    };
    NodeProblem {
        summary: format!(
            "{} cannot read and write {}",
            who(facts),
            stack::join_list(&listed)
        ),
        fix: format!(
            "Add the user to the group that owns the nodes: `sudo usermod -aG {group} $USER`, then \
             log in again (check with `id`). Or have the driver create them readable by all \
             (the nvidia module's NVreg_DeviceFileMode=0666, the default) or fix the udev rule \
             that changed them.{container}"
        ),
    }
}

/// "uid 1000 (groups 1000, 44)" or "this user".
fn who(facts: &Facts) -> String {
    match &facts.environment.user {
        Some(u) => {
            let groups: Vec<String> = u.groups.iter().map(u32::to_string).collect();
            let groups = if groups.is_empty() {
                u.gid.to_string()
            } else {
                groups.join(", ")
            };
            format!("uid {} (groups {groups})", u.uid)
        }
        None => "this user".to_string(),
    }
}

/// "/dev/nvidia0 (mode 660, owner 0, group 44 (video), read yes, write no)" or "missing".
fn describe(n: &DeviceNodeFacts) -> String {
    if !n.present {
        return format!("{}: missing", n.path);
    }
    let yes = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    };
    let mode = n.mode.map_or("?".to_string(), |m| format!("{m:o}"));
    let owner = n.owner_uid.map_or("?".to_string(), |u| u.to_string());
    let group = n.group.as_deref().unwrap_or("?");
    format!(
        "{} (mode {mode}, owner {owner}, group {group}, read {}, write {})",
        n.path,
        yes(n.readable),
        yes(n.writable)
    )
}

/// /dev/nvidia0, /dev/nvidia1, …
fn is_gpu_node(path: &str) -> bool {
    path.strip_prefix("/dev/nvidia")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, tables, FactsBuilder};
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::platform::UserFacts;

    fn node(path: &str, present: bool, ok: bool) -> DeviceNodeFacts {
        DeviceNodeFacts {
            path: path.to_string(),
            present,
            readable: present.then_some(ok),
            writable: present.then_some(ok),
            owner_uid: present.then_some(0),
            group: present.then(|| "44 (video)".to_string()),
            mode: present.then_some(0o660),
        }
    }

    fn healthy() -> Vec<DeviceNodeFacts> {
        vec![
            node("/dev/nvidiactl", true, true),
            node("/dev/nvidia-uvm", true, true),
            node("/dev/nvidia-uvm-tools", true, true),
            node("/dev/nvidia0", true, true),
        ]
    }

    fn with_nodes(nodes: Vec<DeviceNodeFacts>) -> Facts {
        let mut f = FactsBuilder::h100().build();
        f.environment.container = None;
        f.environment.device_nodes = nodes;
        f.environment.user = Some(UserFacts {
            uid: 1000,
            gid: 1000,
            groups: vec![1000],
        });
        f
    }

    #[test]
    fn healthy_nodes_pass() {
        let c = judge(&with_nodes(healthy()));
        assert_eq!(c.status, Status::Pass, "{c:#?}");
        assert!(c.summary.contains("/dev/nvidia-uvm"), "{}", c.summary);
        assert!(c.summary.contains("uid 1000"), "{}", c.summary);
    }

    #[test]
    fn a_missing_uvm_node_is_named_with_nvidia_modprobe() {
        let mut nodes = healthy();
        nodes[1] = node("/dev/nvidia-uvm", false, false);
        nodes[2] = node("/dev/nvidia-uvm-tools", false, false);
        let c = judge(&with_nodes(nodes.clone()));
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.starts_with("/dev/nvidia-uvm is missing"),
            "{}",
            c.summary
        );
        assert!(c
            .fix
            .as_deref()
            .unwrap()
            .contains("nvidia-modprobe -u -c=0"));
        assert!(c.sources.iter().any(|s| s == UVM_ISSUE));
        let mut f = with_nodes(nodes);
        f.environment.container = Some("kubernetes".to_string());
        let c = judge(&f);
        assert!(c
            .fix
            .as_deref()
            .unwrap()
            .contains("restart this container or pod"));
    }

    #[test]
    fn refused_nodes_name_the_group() {
        let mut nodes = healthy();
        nodes[0] = node("/dev/nvidiactl", true, false);
        nodes[3] = node("/dev/nvidia0", true, false);
        let c = judge(&with_nodes(nodes));
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary
                .starts_with("uid 1000 (groups 1000) cannot read and write /dev/nvidiactl"),
            "{}",
            c.summary
        );
        assert!(c.summary.contains("/dev/nvidia0"), "{}", c.summary);
        assert!(c.fix.as_deref().unwrap().contains("usermod -aG video"));
    }

    #[test]
    fn no_gpu_node_and_no_control_node() {
        let nodes = vec![
            node("/dev/nvidiactl", false, false),
            node("/dev/nvidia-uvm", true, true),
            node("/dev/nvidia-uvm-tools", true, true),
        ];
        let p = problems(&with_nodes(nodes));
        assert_eq!(p.len(), 2);
        assert!(p[0].summary.starts_with("/dev/nvidiactl is missing"));
        assert!(p[1].summary.starts_with("no /dev/nvidia<N>"));
    }

    #[test]
    fn caps_and_uvm_tools_do_not_stop_cuda() {
        let mut nodes = healthy();
        nodes[2] = node("/dev/nvidia-uvm-tools", true, false);
        nodes.push(node("/dev/nvidia-caps/nvidia-cap1", true, false));
        assert!(problems(&with_nodes(nodes)).is_empty());
    }

    #[test]
    fn wsl_needs_dxg_and_skips_nvidia_nodes() {
        let mut f = with_nodes(vec![node("/dev/nvidiactl", false, false)]);
        f.platform.wsl = Some(Default::default());
        let p = problems(&f);
        assert_eq!(p.len(), 1);
        assert!(p[0].summary.starts_with("/dev/dxg is missing"));
        assert!(!p[0].fix.contains("ubuntu-drivers"));
        f.environment
            .device_nodes
            .push(node("/dev/dxg", true, true));
        assert!(problems(&f).is_empty());
    }

    #[test]
    fn jetson_and_unprobed_skip() {
        let mut f = with_nodes(Vec::new());
        assert_eq!(judge(&f).status, Status::Skip);
        f.environment.device_nodes = healthy();
        f.platform.jetson = Some(Default::default());
        assert_eq!(judge(&f).status, Status::Skip);
        let checks = crate::judge(&f, &tables());
        assert_eq!(only(&checks, NODES).status, Status::Skip);
    }
}
