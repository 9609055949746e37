//! `hwcheck explain "<error text>"`: match pasted error text against the known-errors table and
//! say, from this machine's checks, whether the machine has the problem.
//!
//! The matcher is pure ([`explain`]); the machine lookup only reads checks the doctor's judges
//! produced ([`machine_status`]), so the rules stay in one place.

use hwcheck_compat::errors::{ErrorRow, ErrorTable};
use hwcheck_model::check::{Check, Status};

/// Most bytes of error text looked at; longer input is cut (at a character boundary).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// The input after bounding: the text looked at, and whether it was cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedInput<'a> {
    /// At most [`MAX_INPUT_BYTES`] bytes of the input.
    pub text: &'a str,
    /// True when the input was longer and was cut.
    pub truncated: bool,
}

/// Cuts `text` to at most [`MAX_INPUT_BYTES`] bytes at a character boundary.
pub fn bound(text: &str) -> BoundedInput<'_> {
    if text.len() <= MAX_INPUT_BYTES {
        return BoundedInput {
            text,
            truncated: false,
        };
    }
    let mut end = MAX_INPUT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    BoundedInput {
        text: &text[..end],
        truncated: true,
    }
}

/// Every table row whose pattern occurs in `text`, in table order.
pub fn explain<'t>(text: &str, table: &'t ErrorTable) -> Vec<&'t ErrorRow> {
    let lowered = text.to_lowercase();
    table
        .rows
        .iter()
        .filter(|row| row.matcher.is_match(text, &lowered))
        .collect()
}

/// What this machine's checks say about a row's problem.
#[derive(Clone, Debug, PartialEq)]
pub enum MachineStatus {
    /// The machine was not looked at (no probing asked for).
    NotChecked,
    /// No check with the row's id ran on this machine.
    NoCheck,
    /// The worst matching check (FAIL before WARN before PASS before SKIP).
    Check(Check),
}

impl MachineStatus {
    /// Whether the machine shows the problem (a matching check FAILed or WARNed).
    pub fn has_problem(&self) -> Option<bool> {
        match self {
            MachineStatus::Check(c) if c.status == Status::Skip => None,
            MachineStatus::Check(c) => Some(matches!(c.status, Status::Fail | Status::Warn)),
            _ => None,
        }
    }
}

/// The worst check whose id is `check_id` or starts with `check_id.` (a table row may name a
/// family such as `ort.provider`).
pub fn machine_status(check_id: &str, checks: &[Check]) -> MachineStatus {
    let prefix = format!("{check_id}.");
    checks
        .iter()
        .filter(|c| {
            let id = c.id.to_string();
            id == check_id || id.starts_with(&prefix)
        })
        .min_by_key(|c| c.status)
        .cloned()
        .map_or(MachineStatus::NoCheck, MachineStatus::Check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::check::CheckKind;

    fn table() -> ErrorTable {
        ErrorTable::load(None).unwrap()
    }

    fn ids(text: &str) -> Vec<String> {
        explain(text, &table())
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }

    #[test]
    fn matches_real_error_lines() {
        let cases = [
            ("cudaGetDeviceProperties returned 35\n-> CUDA driver version is insufficient for CUDA runtime version", "cuda-insufficient-driver"),
            ("Failed to initialize NVML: Driver/library version mismatch", "nvml-driver-library-mismatch"),
            ("Error 804: forward compatibility was attempted on non supported HW", "forward-compat-unsupported-hw"),
            ("Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory", "cublaslt-12-missing"),
            ("Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot open shared object file", "cudnn-ops-infer-8-missing"),
            ("docker: Error response from daemon: could not select device driver \"\" with capabilities: [[gpu]].", "docker-no-gpu-driver"),
            ("Specified provider 'CUDAExecutionProvider' is not in available provider names.Available providers: 'AzureExecutionProvider, CPUExecutionProvider'", "ort-provider-not-available"),
            ("ERROR: THIS PROJECT 'nvidia-cusparse-cu13' IS DEPRECATED", "cu13-stub-package"),
            ("W dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file", "cudart-missing"),
        ];
        for (text, id) in cases {
            assert!(
                ids(text).contains(&id.to_string()),
                "{id} not found in {:?}",
                ids(text)
            );
        }
    }

    #[test]
    fn is_case_insensitive_and_finds_nothing_in_unrelated_text() {
        assert!(
            ids("failed to initialize nvml: DRIVER/LIBRARY VERSION MISMATCH")
                .contains(&"nvml-driver-library-mismatch".to_string())
        );
        assert!(ids("all good, inference took 5 ms").is_empty());
        assert!(ids("").is_empty());
    }

    #[test]
    fn bounds_long_input_at_a_char_boundary() {
        let long = "é".repeat(MAX_INPUT_BYTES);
        let b = bound(&long);
        assert!(b.truncated);
        assert!(b.text.len() <= MAX_INPUT_BYTES && b.text.len() >= MAX_INPUT_BYTES - 1);
        assert!(!bound("short").truncated);
    }

    #[test]
    fn machine_status_takes_the_worst_matching_check() {
        let checks = vec![
            Check::pass(CheckKind::CudnnSupportMatrix, "ok"),
            Check::fail(CheckKind::CudnnCudaMajor, "bad"),
            Check::fail(CheckKind::CudaForwardCompat, "not a child"),
        ];
        match machine_status("cudnn", &checks) {
            MachineStatus::Check(c) => assert_eq!(c.id, "cudnn.cuda_major"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            machine_status("ort.provider", &checks),
            MachineStatus::NoCheck
        );
        assert_eq!(machine_status("cudnn", &checks).has_problem(), Some(true));
    }
}
