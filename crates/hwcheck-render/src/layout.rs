//! Root cause first: splits a report's checks into root causes (each with the checks that
//! follow from it) and the rest, from the checks' `caused_by` links alone — no check id is
//! special here.

use hwcheck_model::check::{Check, Status};
use std::collections::HashMap;

/// A FAIL or WARN that no other FAIL or WARN explains, and what follows from it.
#[derive(Debug)]
pub struct RootCause<'a> {
    /// The check to fix.
    pub check: &'a Check,
    /// Checks whose `caused_by` chain leads to it, in report order.
    pub consequences: Vec<&'a Check>,
}

/// The checks of a report, root causes first.
#[derive(Debug, Default)]
pub struct Layout<'a> {
    /// Root causes, in report order (failures first).
    pub roots: Vec<RootCause<'a>>,
    /// Every other check (passes, skips, …), in report order.
    pub rest: Vec<&'a Check>,
}

/// True for the statuses that need someone to act: FAIL and WARN.
pub fn is_problem(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Warn)
}

/// Groups `checks`: a FAIL or WARN whose `caused_by` names no FAIL or WARN of the report is a
/// root cause; a check whose chain of first causes reaches one is folded under it.
pub fn layout(checks: &[Check]) -> Layout<'_> {
    let by_key: HashMap<String, usize> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key(), i))
        .collect();
    let root_of: Vec<usize> = (0..checks.len())
        .map(|i| root_index(i, checks, &by_key))
        .collect();
    let mut layout = Layout::default();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, check) in checks.iter().enumerate() {
        if root_of[i] == i && is_problem(check.status) {
            slot.insert(i, layout.roots.len());
            layout.roots.push(RootCause {
                check,
                consequences: Vec::new(),
            });
        }
    }
    for (i, check) in checks.iter().enumerate() {
        if root_of[i] == i {
            if !slot.contains_key(&i) {
                layout.rest.push(check);
            }
        } else if let Some(&s) = slot.get(&root_of[i]) {
            layout.roots[s].consequences.push(check);
        }
    }
    layout
}

/// Follows first causes from `start` through FAIL and WARN checks (stopping at a key the report
/// lacks) and returns where it ends; a check on a cycle of causes is its own root.
fn root_index(start: usize, checks: &[Check], by_key: &HashMap<String, usize>) -> usize {
    let mut current = start;
    for _ in 0..checks.len() {
        let parent = checks[current]
            .caused_by
            .first()
            .and_then(|key| by_key.get(key))
            .copied()
            .filter(|&p| p != current && is_problem(checks[p].status));
        match parent {
            // A cycle back to the start: the check is its own root, so nothing is lost.
            Some(p) if p == start => return start,
            Some(p) => current = p,
            None => break,
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::check::CheckKind;

    fn caused(mut check: Check, by: &str) -> Check {
        check.caused_by.push(by.to_string());
        check
    }

    fn keys(checks: &[&Check]) -> Vec<String> {
        checks.iter().map(|c| c.key()).collect()
    }

    #[test]
    fn a_chain_folds_under_its_first_link_and_passes_stay_in_the_rest() {
        let checks = vec![
            caused(
                Check::fail(CheckKind::DriverCudaInit, "cuInit 803"),
                "cuda.forward_compat",
            ),
            Check::fail(CheckKind::CudaForwardCompat, "compat first"),
            Check::warn(CheckKind::GpuHealth, "persistence off"),
            Check::pass(CheckKind::DriverNvml, "driver ok"),
            caused(
                Check::skip(CheckKind::DetectionAgreement, "no provider"),
                "driver.cuda_init",
            ),
        ];
        let l = layout(&checks);
        let roots: Vec<&Check> = l.roots.iter().map(|r| r.check).collect();
        assert_eq!(keys(&roots), ["cuda.forward_compat", "gpu.health"]);
        assert_eq!(
            keys(&l.roots[0].consequences),
            ["driver.cuda_init", "detection.agreement"]
        );
        assert!(l.roots[1].consequences.is_empty());
        assert_eq!(keys(&l.rest), ["driver.nvml"]);
    }

    #[test]
    fn a_cause_that_passed_or_is_missing_does_not_hide_a_failure() {
        let checks = vec![
            caused(Check::fail(CheckKind::DriverCudaInit, "a"), "driver.nvml"),
            caused(Check::fail(CheckKind::GpuHealth, "b"), "no.such.check"),
            Check::pass(CheckKind::DriverNvml, "ok"),
            caused(
                Check::skip(CheckKind::DetectionAgreement, "c"),
                "driver.nvml",
            ),
        ];
        let l = layout(&checks);
        assert_eq!(l.roots.len(), 2);
        assert!(l.roots.iter().all(|r| r.consequences.is_empty()));
        assert_eq!(keys(&l.rest), ["driver.nvml", "detection.agreement"]);
    }

    #[test]
    fn checks_on_a_cycle_are_roots_and_nothing_is_lost() {
        let checks = vec![
            caused(Check::fail(CheckKind::DriverCudaInit, "a"), "gpu.health"),
            caused(Check::fail(CheckKind::GpuHealth, "b"), "driver.cuda_init"),
        ];
        let l = layout(&checks);
        assert_eq!(l.roots.len(), 2, "{l:?}");
    }
}
