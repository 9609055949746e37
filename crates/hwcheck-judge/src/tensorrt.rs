//! TensorRT: found or not (informational: only the TensorRT execution provider needs it), and
//! whether the CUDA libraries it was linked against are present.

use super::stack::{self, NO_DRIVER};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::{Component, Facts};

const PRESENT: CheckKind = CheckKind::TensorrtPresent;

/// Judges TensorRT.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = tables;
    vec![present(facts)]
}

fn present(facts: &Facts) -> Check {
    let copies: Vec<_> = stack::libs(facts, Component::Tensorrt).collect();
    let Some(main) = copies
        .iter()
        .find(|l| l.loader_selected)
        .or_else(|| copies.first())
    else {
        return Check::skip(
            PRESENT,
            "TensorRT (libnvinfer) not found: only the TensorRT execution provider needs it",
        );
    };
    if stack::driver_absent(facts) {
        return Check::skip(PRESENT, NO_DRIVER);
    }
    let version = main
        .version
        .as_ref()
        .map_or("(version unknown)".to_string(), |v| v.to_string());
    let missing = stack::missing_needed(facts, main);
    let check = if missing.is_empty() {
        Check::pass(PRESENT, format!("TensorRT {version} ({})", main.path))
    } else {
        let cuda = stack::needed_cuda_major(main).map_or(String::new(), |m| format!(" (CUDA {m})"));
        Check::fail(
            PRESENT,
            format!(
                "TensorRT {version} ({}) needs {}{cuda} but no copy was found",
                main.path,
                stack::join_list(&missing)
            ),
        )
        .with_fix(
            "Install the CUDA libraries of the major this TensorRT was built for, or the TensorRT build \
             for the CUDA you have (tensorrt-cu12 / tensorrt-cu13 wheels).",
        )
    };
    copies.iter().fold(check, |c, l| {
        let v = l
            .version
            .as_ref()
            .map_or("?".to_string(), |v| v.to_string());
        c.with_evidence(format!("{} {v}", l.path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, tables, FactsBuilder};
    use hwcheck_model::check::Status;

    fn run(b: FactsBuilder) -> Check {
        only(&judge(&b.build(), &tables()), PRESENT).clone()
    }

    #[test]
    fn absent_skips_present_passes_and_missing_cuda_fails() {
        assert_eq!(run(FactsBuilder::h100()).status, Status::Skip);
        let path = "/usr/lib/x86_64-linux-gnu/libnvinfer.so.10";
        let b = FactsBuilder::h100().picked(Component::Tensorrt, path, "10.13.0");
        let c = run(b.clone());
        assert_eq!(c.status, Status::Pass);
        assert!(c.summary.contains("TensorRT 10.13.0"));
        let c = run(b.needed(path, &["libcudart.so.12"]));
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.summary.contains("libcudart.so.12 (CUDA 12)"),
            "{}",
            c.summary
        );
    }
}
