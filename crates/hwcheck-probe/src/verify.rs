//! Verifying remedies: re-running the failing probe in a child started with the changed
//! environment, with the probe's own timeout, and recording whether the change helped.
//!
//! cuInit re-runs for the driver, cuda-compat and CUDA_VISIBLE_DEVICES remedies; a provider
//! session for the ONNX Runtime ones (on the install the check is about, or on the build an
//! `ORT_DYLIB_PATH` remedy points to). The dynamic loader reads LD_LIBRARY_PATH when a process
//! starts, so the change is made in the child's environment, never in hwcheck's own; under a
//! fake root the emulated loader search sees it too, and directories are mapped into the root.
//! Nothing on the system is changed.

use crate::context::SystemContext;
use hwcheck_model::check::{Check, CheckKind, EnvChange, Remedy};
use hwcheck_model::env_vars::{LD_LIBRARY_PATH, ORT_DYLIB_PATH};
use hwcheck_model::facts::ort::Provider;
use hwcheck_model::facts::remedy::RemedyTrial;
use hwcheck_model::facts::{Code, CudaDriverApiFacts, Facts, ProbeError};
use std::collections::BTreeMap;

/// Longest failure message quoted in an outcome, in characters.
const MAX_QUOTED: usize = 200;
/// Most remedies re-run in one hwcheck run (each costs at most one probe timeout; they run in
/// parallel); the others are recorded as not run.
pub const MAX_TRIALS: usize = 8;

/// What re-running shows a remedy on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// cuInit and the device count through the libcuda the loader picks.
    CuInit,
    /// A session on `provider` of the ORT library at `lib` (as the probed system names it).
    Session {
        /// The library.
        lib: String,
        /// The provider.
        provider: Provider,
    },
}

impl Target {
    /// What is re-run, in words.
    fn describe(&self) -> String {
        match self {
            Target::CuInit => "cuInit".to_string(),
            Target::Session { lib, provider } => {
                format!("{} provider session of {lib}", provider.label())
            }
        }
    }
}

/// How one re-run ended.
enum Rerun {
    /// The probe succeeded, or still failed: (succeeded, what it showed).
    Ran(bool, String),
    /// It could not tell (timeout, no child): why.
    NotRun(String),
}

/// Re-runs the failing probe of every check that has a remedy, in a child started with the
/// remedy's changes, and returns one trial per distinct (probe, changes) pair: at most
/// [`MAX_TRIALS`] are run (in parallel, each with the probe's own timeout), the rest recorded
/// as not run.
pub fn verify(ctx: &SystemContext, facts: &Facts, checks: &[Check]) -> Vec<RemedyTrial> {
    let mut jobs: BTreeMap<(Target, String), (Remedy, Vec<String>)> = BTreeMap::new();
    for check in checks {
        let Some(remedy) = check.remedy.as_ref() else {
            continue;
        };
        let Some(target) = target_of(facts, check, remedy) else {
            continue;
        };
        let key = (target, format!("{:?}", remedy.changes));
        jobs.entry(key)
            .or_insert_with(|| (remedy.clone(), Vec::new()))
            .1
            .push(check.key());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .enumerate()
            .map(|(i, ((target, _), (remedy, keys)))| {
                s.spawn(move || {
                    let rerun = if i < MAX_TRIALS {
                        run(ctx, &target, &remedy)
                    } else {
                        Rerun::NotRun(format!(
                            "hwcheck re-runs at most {MAX_TRIALS} remedies per run"
                        ))
                    };
                    let (verified, what) = match rerun {
                        Rerun::Ran(ok, what) => (Some(ok), what),
                        Rerun::NotRun(why) => (None, why),
                    };
                    RemedyTrial::new(keys, &remedy, &target.describe(), verified, &what)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// The probe that failed for `check`, if hwcheck knows how to re-run it.
fn target_of(facts: &Facts, check: &Check, remedy: &Remedy) -> Option<Target> {
    match check.id.kind {
        CheckKind::DriverCudaInit
        | CheckKind::CudaForwardCompat
        | CheckKind::EnvironmentCudaVisibleDevices => Some(Target::CuInit),
        CheckKind::OrtProvider => {
            let provider = Provider::from_short_name(check.id.provider_name()?)?;
            let pinned = remedy.changes.iter().find_map(|c| match c {
                EnvChange::Set { name, value } if name == ORT_DYLIB_PATH => Some(value.clone()),
                _ => None,
            });
            let lib = match pinned {
                Some(lib) => lib,
                None => facts.ort.install(check.id.install)?.path.clone(),
            };
            Some(Target::Session { lib, provider })
        }
        _ => None,
    }
}

/// Runs `target` with the remedy applied.
fn run(ctx: &SystemContext, target: &Target, remedy: &Remedy) -> Rerun {
    let changed = SystemContext {
        env: remedy.applied_to(&ctx.env),
        ..ctx.clone()
    };
    let child_env = child_env(ctx, &changed.env, remedy);
    match target {
        Target::CuInit => cuinit_outcome(crate::cuda_driver::probe_in(&changed, &child_env)),
        Target::Session { lib, provider } => session_outcome(
            *provider,
            crate::ort::session_in(&changed, &ctx.path(lib), *provider, &child_env),
        ),
    }
}

/// Whether a failure says nothing about the remedy (the child did not get to answer).
fn inconclusive(e: &ProbeError) -> bool {
    matches!(e.code, Code::TimedOut | Code::SpawnFailed | Code::BadOutput)
}

fn session_outcome(provider: Provider, result: Result<(), ProbeError>) -> Rerun {
    let label = provider.label();
    match result {
        Ok(()) => Rerun::Ran(true, format!("the {label} provider session runs")),
        Err(e) if inconclusive(&e) => Rerun::NotRun(format!(
            "the {label} provider session child {}",
            quoted(&e.message)
        )),
        Err(e) => Rerun::Ran(
            false,
            format!(
                "the {label} provider session still fails: {}",
                quoted(&e.message)
            ),
        ),
    }
}

fn cuinit_outcome(api: Option<CudaDriverApiFacts>) -> Rerun {
    let Some(api) = api else {
        return Rerun::Ran(false, "no libcuda.so.1 can be found".to_string());
    };
    match (&api.init_error, api.device_count) {
        (Some(e), _) if inconclusive(e) => {
            Rerun::NotRun(format!("the cuInit child {}", quoted(&e.message)))
        }
        (Some(e), _) => Rerun::Ran(
            false,
            format!("cuInit still fails: {} ({})", e.code, quoted(&e.message)),
        ),
        (None, Some(0)) => Rerun::Ran(
            false,
            "cuInit succeeds but CUDA still sees no device".to_string(),
        ),
        (None, count) => Rerun::Ran(
            true,
            format!(
                "cuInit succeeds{}",
                count.map_or(String::new(), |n| format!(" ({n} device(s))"))
            ),
        ),
    }
}

/// The variables a remedy touches, as the child must see them: set to their new value
/// (directories mapped into a fake root) or removed.
fn child_env(
    ctx: &SystemContext,
    changed: &BTreeMap<String, String>,
    remedy: &Remedy,
) -> Vec<(String, Option<String>)> {
    let mut names: Vec<&str> = remedy.changes.iter().map(EnvChange::variable).collect();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let value = changed.get(name).map(|v| match name {
                LD_LIBRARY_PATH | ORT_DYLIB_PATH if ctx.is_fake_root() => v
                    .split(':')
                    .map(|entry| match entry.starts_with('/') {
                        true => ctx.path(entry).display().to_string(),
                        false => entry.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(":"),
                _ => v.clone(),
            });
            (name.to_string(), value)
        })
        .collect()
}

/// The first line of a failure message, cut to [`MAX_QUOTED`] characters.
fn quoted(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX_QUOTED {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(MAX_QUOTED - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ctx;

    #[test]
    fn the_child_sees_the_changed_variables_mapped_into_a_fake_root() {
        let ctx = ctx(
            std::path::Path::new("/tmp/root"),
            &[("LD_LIBRARY_PATH", "/opt/compat:/usr/lib"), ("X", "1")],
        );
        let remedy = Remedy::new(vec![
            EnvChange::RemoveFromList {
                name: LD_LIBRARY_PATH.into(),
                dir: "/opt/compat".into(),
            },
            EnvChange::Unset {
                name: "CUDA_VISIBLE_DEVICES".into(),
            },
        ]);
        let env = child_env(&ctx, &remedy.applied_to(&ctx.env), &remedy);
        assert_eq!(
            env,
            vec![
                (
                    LD_LIBRARY_PATH.to_string(),
                    Some("/tmp/root/usr/lib".to_string())
                ),
                ("CUDA_VISIBLE_DEVICES".to_string(), None),
            ]
        );
    }

    fn said(rerun: Rerun) -> (Option<bool>, String) {
        match rerun {
            Rerun::Ran(ok, what) => (Some(ok), what),
            Rerun::NotRun(why) => (None, why),
        }
    }

    #[test]
    fn cuinit_outcomes_say_what_happened() {
        let ok = CudaDriverApiFacts {
            device_count: Some(2),
            ..CudaDriverApiFacts::default()
        };
        assert_eq!(
            said(cuinit_outcome(Some(ok))),
            (Some(true), "cuInit succeeds (2 device(s))".to_string())
        );
        let failed = CudaDriverApiFacts {
            init_error: Some(ProbeError::new("CUDA_ERROR_NO_DEVICE", "100: no device")),
            ..CudaDriverApiFacts::default()
        };
        assert_eq!(
            said(cuinit_outcome(Some(failed))),
            (
                Some(false),
                "cuInit still fails: CUDA_ERROR_NO_DEVICE (100: no device)".to_string()
            )
        );
        assert_eq!(said(cuinit_outcome(None)).0, Some(false));
        let hung = CudaDriverApiFacts {
            init_error: Some(ProbeError::new(Code::TimedOut, "timed out after 5 s")),
            ..CudaDriverApiFacts::default()
        };
        assert_eq!(
            said(cuinit_outcome(Some(hung))),
            (None, "the cuInit child timed out after 5 s".to_string())
        );
        assert_eq!(quoted(&"x".repeat(500)).chars().count(), MAX_QUOTED);
    }

    #[test]
    fn session_outcomes_tell_a_new_error_from_a_timeout() {
        assert_eq!(
            said(session_outcome(Provider::Cuda, Ok(()))),
            (Some(true), "the CUDA provider session runs".to_string())
        );
        let e = ProbeError::new(
            Code::ProviderRegisterFailed,
            "libcudnn.so.9: cannot open\nmore",
        );
        assert_eq!(
            said(session_outcome(Provider::Cuda, Err(e))),
            (
                Some(false),
                "the CUDA provider session still fails: libcudnn.so.9: cannot open".to_string()
            )
        );
        let e = ProbeError::new(Code::TimedOut, "timed out after 1 s");
        assert_eq!(said(session_outcome(Provider::Cuda, Err(e))).0, None);
    }
}
