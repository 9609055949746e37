//! `hwcheck fix`: the shell lines of the environment fixes hwcheck verified, for bash, zsh or
//! fish. It prints; it never changes the system, a shell or a startup file.
//!
//! Each verified fix is printed as the lines that give each variable it changes its verified
//! value (computed from the environment hwcheck ran in, with the fixes before it applied), after
//! a comment naming the checks it fixes and what the re-run showed. Remedies that were not
//! verified follow, commented out, with why. Quoting: bash and zsh get the `shlex` crate's
//! POSIX quoting (already a dependency; it documents bash/zsh/dash compatibility and refuses a
//! NUL); fish has its own single-quote rules (`\'` and `\\` inside quotes), which no quoting
//! crate here implements, so [`fish_quote`] does.

use crate::common::{gather_verified, AppError, EXIT_FAIL, EXIT_OK};
use crate::options::{Fix, Global, Shell};
use hwcheck_model::check::{Check, Remedy, Status};
use hwcheck_render::Format;
use std::collections::BTreeMap;

/// Probes (or loads), verifies, judges, prints the lines; exit 0 when a fix is verified or
/// nothing fails, 1 when checks fail and no fix is verified.
pub fn run(global: &Global, options: &Fix) -> Result<u8, AppError> {
    let (tables, facts) = gather_verified(global, &options.machine, Format::Table, true)?;
    let checks = hwcheck_judge::judge(&facts, &tables);
    let text =
        script(&checks, &facts.environment.variables, options.shell).map_err(AppError::Usage)?;
    print!("{text}");
    let verified = proposals(&checks).iter().any(|p| p.remedy.is_verified());
    let failing = checks.iter().any(|c| c.status == Status::Fail);
    Ok(if verified || !failing {
        EXIT_OK
    } else {
        EXIT_FAIL
    })
}

/// One remedy and the keys of the checks it was proposed for.
struct Proposal<'a> {
    remedy: &'a Remedy,
    checks: Vec<String>,
}

/// The distinct remedies of `checks`, each with its checks, verified ones first.
fn proposals(checks: &[Check]) -> Vec<Proposal<'_>> {
    let mut out: Vec<Proposal> = Vec::new();
    for check in checks {
        let Some(remedy) = &check.remedy else {
            continue;
        };
        match out
            .iter_mut()
            .find(|p| p.remedy.changes == remedy.changes && p.remedy.verified == remedy.verified)
        {
            Some(p) => p.checks.push(check.key()),
            None => out.push(Proposal {
                remedy,
                checks: vec![check.key()],
            }),
        }
    }
    out.sort_by_key(|p| !p.remedy.is_verified());
    out
}

/// The whole output for `shell`, from the checks and the environment hwcheck ran in; an error
/// only for a value no shell line can carry (a NUL).
pub fn script(
    checks: &[Check],
    env: &BTreeMap<String, String>,
    shell: Shell,
) -> Result<String, String> {
    let proposals = proposals(checks);
    let apply = match shell {
        Shell::Fish => "hwcheck fix --shell fish | source".to_string(),
        Shell::Bash | Shell::Zsh => format!("eval \"$(hwcheck fix --shell {})\"", name(shell)),
    };
    let mut out = vec![
        format!(
            "# hwcheck fix ({}): environment changes hwcheck verified by re-running the failing",
            name(shell)
        ),
        format!("# probe in a child with each. hwcheck changed nothing; to apply: {apply}"),
    ];
    if proposals.is_empty() {
        let failing = checks.iter().filter(|c| c.status == Status::Fail).count();
        out.push(match failing {
            0 => "# Nothing to fix: no check fails.".to_string(),
            n => format!(
                "# No environment change to try: {n} check(s) fail; run `hwcheck` for their fixes."
            ),
        });
    }
    let mut env = env.clone();
    for p in &proposals {
        out.push(String::new());
        let after = p.remedy.applied_to(&env);
        let lines = lines(p.remedy, &after, shell)?;
        // ORT's C++ source paths and template signatures stay in the JSON report, not here.
        let outcome = hwcheck_render::clean::clean_error(
            p.remedy.outcome.as_deref().unwrap_or("not verified"),
        );
        out.push(comment(&format!("{}: {outcome}", p.checks.join(", "))));
        if p.remedy.is_verified() {
            out.extend(lines);
            env = after;
        } else {
            out.extend(lines.into_iter().map(|l| format!("# {l}")));
        }
    }
    Ok(out.join("\n") + "\n")
}

/// The shell's name.
fn name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
    }
}

/// A comment line (a newline in the text would end the comment).
fn comment(text: &str) -> String {
    format!("# {}", text.replace(['\n', '\r'], " "))
}

/// The lines that give every variable `remedy` changes its value in `after` (unset when gone).
fn lines(
    remedy: &Remedy,
    after: &BTreeMap<String, String>,
    shell: Shell,
) -> Result<Vec<String>, String> {
    let mut names: Vec<&str> = Vec::new();
    for change in &remedy.changes {
        if !names.contains(&change.variable()) {
            names.push(change.variable());
        }
    }
    names
        .into_iter()
        .map(|name| {
            Ok(match (after.get(name), shell) {
                (Some(v), Shell::Fish) => format!("set -gx {name} {}", fish_quote(v)),
                (Some(v), Shell::Bash | Shell::Zsh) => {
                    let quoted = shlex::try_quote(v).map_err(|e| format!("{name}: {e}"))?;
                    format!("export {name}={quoted}")
                }
                (None, Shell::Fish) => format!("set -e {name}"),
                (None, Shell::Bash | Shell::Zsh) => format!("unset {name}"),
            })
        })
        .collect()
}

/// `value` as one fish word: bare when it has only safe characters, else single-quoted with
/// `\` and `'` escaped (the only escapes fish reads inside single quotes).
pub fn fish_quote(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:,+=".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
