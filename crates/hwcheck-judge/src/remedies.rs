//! Remedies: environment changes that should fix a failing check, proposed from the facts in a
//! pass over the judged checks. hwcheck-probe verifies each by re-running the failing probe in
//! a child with the changed environment; `hwcheck fix` prints the verified ones.
//!
//! - the loader picks a cuda-compat libcuda through LD_LIBRARY_PATH (`cuda.forward_compat` FAIL,
//!   `driver.cuda_init` 803/804): remove that directory from LD_LIBRARY_PATH;
//! - CUDA_VISIBLE_DEVICES hides every GPU or names invalid ones
//!   (`environment.cuda_visible_devices`, `driver.cuda_init` "no device"): unset it, or set it to
//!   the entries that name a GPU;
//! - a provider session fails for libraries the loader cannot find, and hwcheck found every one
//!   of them elsewhere (a pip wheel's `nvidia/*/lib`): put those directories first on
//!   LD_LIBRARY_PATH;
//! - the ONNX Runtime programs get is a CPU-only build while a GPU build is installed: set
//!   ORT_DYLIB_PATH to the GPU build (native programs using the `ort` crate's dynamic loading).

use crate::environment::valid_visible_entries;
use crate::stack;
use hwcheck_model::check::{Check, CheckKind, EnvChange, Remedy, Status};
use hwcheck_model::env_vars::{CUDA_VISIBLE_DEVICES, LD_LIBRARY_PATH, ORT_DYLIB_PATH};
use hwcheck_model::facts::ort::{OrtInstall, OrtSource, Provider};
use hwcheck_model::facts::remedy::{SKIPPED_VERIFY_FLAG, SKIPPED_VERIFY_QUICK};
use hwcheck_model::facts::{Code, Component, Facts, FoundVia, LibraryFacts};
use hwcheck_model::remedy::NOT_VERIFIED;

/// Sets `remedy` on every FAIL or WARN check an environment change should fix.
pub fn propose(facts: &Facts, checks: &mut [Check]) {
    let compat = compat_removal(facts);
    let visible = visible_devices(facts);
    for check in checks
        .iter_mut()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn) && c.remedy.is_none())
    {
        check.remedy = match check.id.kind {
            CheckKind::CudaForwardCompat if check.status == Status::Fail => compat.clone(),
            CheckKind::DriverCudaInit => match cuinit_failure(facts) {
                Some(CuInitFailure::DriverMismatch) => compat.clone(),
                Some(CuInitFailure::NoDevice) => visible.clone(),
                None => None,
            },
            CheckKind::EnvironmentCudaVisibleDevices => visible.clone(),
            CheckKind::OrtProvider => provider_remedy(facts, check),
            _ => None,
        };
        let key = check.key();
        if let Some(remedy) = check.remedy.as_mut() {
            attach_outcome(facts, &key, remedy);
        }
    }
}

/// Gives `remedy` the outcome of its trial for the check `key` (`facts.remedy_trials`), or
/// says why it was not verified.
fn attach_outcome(facts: &Facts, key: &str, remedy: &mut Remedy) {
    let trial = facts
        .remedy_trials
        .iter()
        .find(|t| t.changes == remedy.changes && t.checks.iter().any(|k| k == key));
    match trial {
        Some(trial) => remedy.adopt(trial),
        None => {
            let skipped = facts
                .skipped
                .iter()
                .find(|s| *s == SKIPPED_VERIFY_QUICK || *s == SKIPPED_VERIFY_FLAG);
            remedy.outcome = Some(match skipped {
                Some(why) => format!("not verified: {why}"),
                None => NOT_VERIFIED.to_string(),
            });
        }
    }
}

/// How cuInit failed, as far as a remedy cares.
enum CuInitFailure {
    /// 803 (system driver mismatch) or 804 (forward compatibility not supported).
    DriverMismatch,
    /// 100 (no device), or success with no device.
    NoDevice,
}

fn cuinit_failure(facts: &Facts) -> Option<CuInitFailure> {
    let api = facts.cuda_driver_api.as_ref()?;
    let name = api.init_error.as_ref().map(|e| e.code.normalized());
    match (api.init_code, name.as_deref()) {
        (Some(803 | 804), _) | (_, Some("systemdrivermismatch" | "compatnotsupportedondevice")) => {
            Some(CuInitFailure::DriverMismatch)
        }
        (Some(100), _) | (_, Some("nodevice")) => Some(CuInitFailure::NoDevice),
        (Some(0), None) if api.device_count == Some(0) => Some(CuInitFailure::NoDevice),
        _ => None,
    }
}

/// The entries of LD_LIBRARY_PATH, as recorded.
fn ld_library_path(facts: &Facts) -> Vec<&str> {
    stack::var(facts, LD_LIBRARY_PATH)
        .map(|v| v.split(':').filter(|e| !e.is_empty()).collect())
        .unwrap_or_default()
}

/// Removal of every LD_LIBRARY_PATH entry through which the loader picks a cuda-compat libcuda.
fn compat_removal(facts: &Facts) -> Option<Remedy> {
    let entries = ld_library_path(facts);
    let loaded = facts
        .cuda_driver_api
        .as_ref()
        .and_then(|a| a.library_path.as_deref());
    let mut changes: Vec<EnvChange> = Vec::new();
    let picked = stack::libs(facts, Component::Libcuda).filter(|l| {
        stack::is_compat(l)
            && l.found_via.contains(&FoundVia::LdLibraryPath)
            && (l.loader_selected || loaded.is_some_and(|p| is_copy_at(l, p)))
    });
    for lib in picked {
        let dirs = [Some(lib.path.as_str()), lib.real_path.as_deref()]
            .into_iter()
            .flatten()
            .map(stack::dir_name)
            .collect::<Vec<_>>();
        for entry in &entries {
            let change = EnvChange::RemoveFromList {
                name: LD_LIBRARY_PATH.to_string(),
                dir: (*entry).to_string(),
            };
            if dirs.contains(&entry.trim_end_matches('/')) && !changes.contains(&change) {
                changes.push(change);
            }
        }
    }
    (!changes.is_empty()).then(|| Remedy::new(changes))
}

fn is_copy_at(lib: &LibraryFacts, path: &str) -> bool {
    lib.path == path || lib.real_path.as_deref() == Some(path)
}

/// CUDA_VISIBLE_DEVICES without the entries that name no GPU (unset when none is left).
fn visible_devices(facts: &Facts) -> Option<Remedy> {
    let value = stack::var(facts, CUDA_VISIBLE_DEVICES)?;
    let valid = valid_visible_entries(value, facts);
    let all: Vec<&str> = value.split(',').map(str::trim).collect();
    if !valid.is_empty() && valid.len() == all.len() {
        return None;
    }
    let change = if valid.is_empty() {
        EnvChange::Unset {
            name: CUDA_VISIBLE_DEVICES.to_string(),
        }
    } else {
        EnvChange::Set {
            name: CUDA_VISIBLE_DEVICES.to_string(),
            value: valid.join(","),
        }
    };
    Some(Remedy::new(vec![change]))
}

fn provider_remedy(facts: &Facts, check: &Check) -> Option<Remedy> {
    let provider = Provider::from_short_name(check.id.provider_name()?)?;
    let install = facts.ort.install(check.id.install)?;
    let probe = install.providers.iter().find(|p| p.provider == provider)?;
    let error = probe.error.as_ref()?;
    if error.code == Code::ProviderNotBuilt {
        return gpu_build(facts, install, provider);
    }
    hidden_libraries(facts, install, &probe.missing_libraries)
}

/// Directories to put first on LD_LIBRARY_PATH so that the loader finds every one of
/// `missing`; `None` unless hwcheck found a usable copy of each.
fn hidden_libraries(facts: &Facts, install: &OrtInstall, missing: &[String]) -> Option<Remedy> {
    if missing.is_empty() {
        return None;
    }
    let site = install.found_via.iter().find_map(|v| match v {
        OrtSource::Python(site) => Some(site.as_str()),
        _ => None,
    });
    let mut dirs: Vec<String> = Vec::new();
    for soname in missing {
        let mut copies: Vec<&LibraryFacts> = facts
            .libraries
            .iter()
            .filter(|l| l.problem.is_none() && answers_to(l, soname))
            .collect();
        // A copy in the ORT install's own Python environment first.
        copies.sort_by_key(|l| !site.is_some_and(|s| l.path.starts_with(s)));
        let dir = stack::dir_name(&copies.first()?.path).to_string();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let changes = dirs
        .into_iter()
        .map(|dir| EnvChange::Prepend {
            name: LD_LIBRARY_PATH.to_string(),
            dir,
        })
        .collect();
    Some(Remedy::new(changes))
}

/// Whether the copy is what the loader opens for `soname`.
fn answers_to(lib: &LibraryFacts, soname: &str) -> bool {
    lib.soname.as_deref() == Some(soname) || stack::file_name(&lib.path) == soname
}

/// ORT_DYLIB_PATH set to another (non-reference) install that has `provider` built in,
/// preferring one whose session on it ran.
fn gpu_build(facts: &Facts, install: &OrtInstall, provider: Provider) -> Option<Remedy> {
    let mut builds: Vec<&OrtInstall> = facts
        .ort
        .installs
        .iter()
        .filter(|i| !i.is_reference && i.path != install.path && i.load_error.is_none())
        .filter(|i| i.compiled_in.iter().any(|c| c == provider.ort_name()))
        .collect();
    builds.sort_by_key(|i| {
        !i.providers
            .iter()
            .any(|p| p.provider == provider && p.session_ok)
    });
    let build = builds.first()?;
    Some(Remedy::new(vec![EnvChange::Set {
        name: ORT_DYLIB_PATH.to_string(),
        value: build.path.clone(),
    }]))
}

#[cfg(test)]
#[path = "remedies_tests.rs"]
mod tests;
