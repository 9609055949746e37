//! Environment changes a remedy consists of: applying them to an environment map, saying them
//! in words, and the outcome of re-running a failing probe with them.

use crate::check::{EnvChange, Remedy};
use crate::facts::remedy::RemedyTrial;
use std::collections::BTreeMap;

/// Outcome of a remedy no trial is recorded for (a report saved before verification existed,
/// or a run that verifies nothing, such as `watch`).
pub const NOT_VERIFIED: &str = "not verified: no re-run recorded";

/// Outcome of a WARN check's remedy in a run that verified remedies: only the probes of FAIL
/// checks are re-run (a healthy machine's run stays fast).
pub const NOT_VERIFIED_WARN: &str =
    "not verified: hwcheck re-runs the fixes of FAIL checks only, and this is a WARN";

/// `facts.probe_ms` key of the remedy trials' wall time: present when trials ran.
pub const VERIFY_MS: &str = "remedy_verification";

impl EnvChange {
    /// The variable it changes.
    pub fn variable(&self) -> &str {
        match self {
            EnvChange::Set { name, .. }
            | EnvChange::Unset { name }
            | EnvChange::RemoveFromList { name, .. }
            | EnvChange::Prepend { name, .. } => name,
        }
    }

    /// Applies the change to `env` (a missing list variable is an empty list; a list left
    /// empty is unset).
    pub fn apply(&self, env: &mut BTreeMap<String, String>) {
        match self {
            EnvChange::Set { name, value } => {
                env.insert(name.clone(), value.clone());
            }
            EnvChange::Unset { name } => {
                env.remove(name);
            }
            EnvChange::RemoveFromList { name, dir } => {
                set_list(env, name, list_without(env.get(name), dir));
            }
            EnvChange::Prepend { name, dir } => {
                let mut list = vec![dir.clone()];
                list.extend(list_without(env.get(name), dir));
                set_list(env, name, list);
            }
        }
    }

    /// The change as an instruction: "remove /usr/local/cuda/compat from LD_LIBRARY_PATH".
    pub fn describe(&self) -> String {
        self.describe_quoted(str::to_string)
    }

    /// [`EnvChange::describe`] with each name, value and directory passed through `quote`
    /// (Markdown puts them in code spans).
    pub fn describe_quoted(&self, quote: impl Fn(&str) -> String) -> String {
        match self {
            EnvChange::Set { name, value } => format!("set {}", quote(&format!("{name}={value}"))),
            EnvChange::Unset { name } => format!("unset {}", quote(name)),
            EnvChange::RemoveFromList { name, dir } => {
                format!("remove {} from {}", quote(dir), quote(name))
            }
            EnvChange::Prepend { name, dir } => {
                format!("put {} first on {}", quote(dir), quote(name))
            }
        }
    }

    /// The environment after the change, as a condition: "LD_LIBRARY_PATH without
    /// /usr/local/cuda/compat".
    pub fn condition(&self) -> String {
        match self {
            EnvChange::Set { name, value } => format!("{name}={value}"),
            EnvChange::Unset { name } => format!("{name} unset"),
            EnvChange::RemoveFromList { name, dir } => format!("{name} without {dir}"),
            EnvChange::Prepend { name, dir } => format!("{dir} first on {name}"),
        }
    }
}

impl Remedy {
    /// A remedy of `changes`, not yet verified.
    pub fn new(changes: Vec<EnvChange>) -> Self {
        Self {
            changes,
            verified: None,
            outcome: None,
        }
    }

    /// `env` with every change applied in order.
    pub fn applied_to(&self, env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut env = env.clone();
        for change in &self.changes {
            change.apply(&mut env);
        }
        env
    }

    /// Every change as an instruction, joined: "remove … from LD_LIBRARY_PATH; unset …".
    pub fn describe(&self) -> String {
        join(self.changes.iter().map(EnvChange::describe))
    }

    /// [`Remedy::describe`] with names, values and directories passed through `quote`.
    pub fn describe_quoted(&self, quote: impl Fn(&str) -> String) -> String {
        join(self.changes.iter().map(|c| c.describe_quoted(&quote)))
    }

    /// The changed environment as a condition: "LD_LIBRARY_PATH without …".
    pub fn condition(&self) -> String {
        join(self.changes.iter().map(EnvChange::condition))
    }

    /// Takes the verdict and outcome of a trial of this remedy.
    pub fn adopt(&mut self, trial: &RemedyTrial) {
        self.verified = trial.verified;
        self.outcome = Some(trial.outcome.clone());
    }

    /// Whether re-running the failing probe with the changes made it succeed.
    pub fn is_verified(&self) -> bool {
        self.verified == Some(true)
    }
}

impl RemedyTrial {
    /// The trial of `remedy` for `checks`: `verified` as in [`RemedyTrial::verified`], `what`
    /// what the re-run of `rerun` showed ("cuInit succeeds (1 device(s))") or, when it did not
    /// run, why ("the child timed out after 5 s").
    pub fn new(
        checks: Vec<String>,
        remedy: &Remedy,
        rerun: &str,
        verified: Option<bool>,
        what: &str,
    ) -> Self {
        let outcome = match verified {
            Some(true) => format!("verified: with {}, {what}", remedy.condition()),
            Some(false) => format!("did not help: with {}, {what}", remedy.condition()),
            None => format!("not run: {what}"),
        };
        Self {
            checks,
            changes: remedy.changes.clone(),
            rerun: rerun.to_string(),
            verified,
            outcome,
        }
    }
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join("; ")
}

/// The entries of a colon-separated list other than `dir` (compared without trailing slashes),
/// empty entries dropped.
fn list_without(value: Option<&String>, dir: &str) -> Vec<String> {
    let dir = dir.trim_end_matches('/');
    value
        .map(|v| {
            v.split(':')
                .filter(|e| !e.is_empty() && e.trim_end_matches('/') != dir)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn set_list(env: &mut BTreeMap<String, String>, name: &str, list: Vec<String>) {
    if list.is_empty() {
        env.remove(name);
    } else {
        env.insert(name.to_string(), list.join(":"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn remove(dir: &str) -> EnvChange {
        EnvChange::RemoveFromList {
            name: "LD_LIBRARY_PATH".into(),
            dir: dir.into(),
        }
    }

    #[test]
    fn removing_a_directory_keeps_the_others_in_order_and_unsets_an_empty_list() {
        let mut e = env(&[("LD_LIBRARY_PATH", "/usr/local/cuda/compat/:/a::/b")]);
        remove("/usr/local/cuda/compat").apply(&mut e);
        assert_eq!(e["LD_LIBRARY_PATH"], "/a:/b");
        let mut e = env(&[("LD_LIBRARY_PATH", "/usr/local/cuda/compat")]);
        remove("/usr/local/cuda/compat").apply(&mut e);
        assert!(!e.contains_key("LD_LIBRARY_PATH"));
    }

    #[test]
    fn prepending_moves_an_existing_entry_first_and_creates_a_missing_list() {
        let prepend = EnvChange::Prepend {
            name: "LD_LIBRARY_PATH".into(),
            dir: "/b".into(),
        };
        let mut e = env(&[("LD_LIBRARY_PATH", "/a:/b")]);
        prepend.apply(&mut e);
        assert_eq!(e["LD_LIBRARY_PATH"], "/b:/a");
        let mut e = env(&[]);
        prepend.apply(&mut e);
        assert_eq!(e["LD_LIBRARY_PATH"], "/b");
    }

    #[test]
    fn a_remedy_applies_in_order_and_says_what_it_verified() {
        let mut r = Remedy::new(vec![
            EnvChange::Unset {
                name: "CUDA_VISIBLE_DEVICES".into(),
            },
            EnvChange::Set {
                name: "ORT_DYLIB_PATH".into(),
                value: "/gpu/libonnxruntime.so".into(),
            },
        ]);
        let after = r.applied_to(&env(&[("CUDA_VISIBLE_DEVICES", "")]));
        assert_eq!(after, env(&[("ORT_DYLIB_PATH", "/gpu/libonnxruntime.so")]));
        assert_eq!(
            r.describe(),
            "unset CUDA_VISIBLE_DEVICES; set ORT_DYLIB_PATH=/gpu/libonnxruntime.so"
        );
        let trial = RemedyTrial::new(
            vec!["driver.cuda_init".into()],
            &r,
            "cuInit",
            Some(false),
            "cuInit still fails: CUDA_ERROR_NO_DEVICE",
        );
        r.adopt(&trial);
        assert_eq!(r.verified, Some(false));
        assert!(!r.is_verified());
        assert_eq!(
            r.outcome.as_deref(),
            Some("did not help: with CUDA_VISIBLE_DEVICES unset; ORT_DYLIB_PATH=/gpu/libonnxruntime.so, cuInit still fails: CUDA_ERROR_NO_DEVICE")
        );
    }
}
