//! `environment.kind`: what this Linux runs in, with every file and variable that tells it.

use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::Facts;
use hwcheck_model::summary::environment_summary;

const KIND: CheckKind = CheckKind::EnvironmentKind;

/// Describes the environment (information only: always PASS).
pub fn judge(facts: &Facts) -> Check {
    let p = &facts.platform;
    let summary = match environment_summary(facts).as_str() {
        "no container" => {
            "bare metal or an unrecognised hypervisor: no container, hypervisor, WSL \
                           or Jetson sign found"
                .to_string()
        }
        other => other.to_string(),
    };
    let mut check = Check::pass(KIND, summary);
    let labelled = [
        ("WSL", p.wsl.as_ref().map(|w| w.evidence.as_slice())),
        ("Jetson", p.jetson.as_ref().map(|j| j.evidence.as_slice())),
        (
            "VM",
            p.virtualization.as_ref().map(|v| v.evidence.as_slice()),
        ),
    ];
    for (label, evidence) in labelled {
        for e in evidence.unwrap_or_default() {
            check = check.with_evidence(format!("{label}: {e}"));
        }
    }
    if let Some(e) = &facts.environment.container_evidence {
        check = check.with_evidence(format!("container: {e}"));
    }
    for r in &facts.environment.container_rejected {
        check = check.with_evidence(format!("not a container: {r}"));
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::FactsBuilder;
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::platform::VirtualizationFacts;

    #[test]
    fn a_firecracker_vm_is_a_vm_with_the_rejected_dockerenv_said() {
        let f = FactsBuilder::h100()
            .map_facts(|f| {
                f.environment.container = None;
                f.environment.container_evidence = None;
                f.environment.container_rejected =
                    vec!["/.dockerenv exists but / is ext4 on /dev/vda".to_string()];
                f.platform.virtualization = Some(VirtualizationFacts {
                    hypervisor: None,
                    evidence: vec!["hypervisor flag in /proc/cpuinfo".to_string()],
                });
            })
            .build();
        let c = judge(&f);
        assert_eq!(c.status, Status::Pass);
        assert_eq!(c.summary, "VM (hypervisor flag in /proc/cpuinfo)");
        assert!(c
            .evidence
            .iter()
            .any(|e| e.starts_with("not a container: /.dockerenv")));
    }

    #[test]
    fn bare_metal_says_nothing_was_found() {
        let c = judge(&FactsBuilder::cpu_only().build());
        assert!(c.summary.starts_with("bare metal"), "{}", c.summary);
        let c = judge(&FactsBuilder::h100().build());
        assert_eq!(c.summary, "container: docker (/.dockerenv exists)");
    }
}
