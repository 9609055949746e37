//! Library copies that cannot be used: every [`LibraryFacts::problem`] (unreadable, not ELF,
//! truncated, wrong architecture, crashed / hung / exited while being loaded, missing version
//! symbol, absurd version) becomes a visible row naming the file, the failure and the fix.
//!
//! A copy the dynamic loader would pick that crashes or exits while being loaded is a FAIL: every
//! program asking for its soname gets it. Any other problem is a WARN: the loader skips the file
//! (or a program may never ask for it), but it is still a trap on the machine.

use crate::stack::{hidden_copy, soname_in_error};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Facts, LibraryFacts, ProbeError};

/// Stable id of the check.
pub const ID: CheckKind = CheckKind::LibrariesLoadProblems;

/// Judges the problems of every library copy found.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = tables;
    let broken: Vec<(&LibraryFacts, &ProbeError)> = facts
        .libraries
        .iter()
        .filter_map(|l| l.problem.as_ref().map(|p| (l, p)))
        .collect();
    if facts.libraries.is_empty() {
        return vec![Check::skip(ID, "no CUDA-family library found")];
    }
    if broken.is_empty() {
        return vec![Check::pass(
            ID,
            format!(
                "all {} library copies found are readable ELF files for this machine and loaded cleanly",
                facts.libraries.len()
            ),
        )];
    }
    let status = broken
        .iter()
        .map(|(l, p)| status_of(l, p))
        .min()
        .unwrap_or(Status::Warn);
    let lines: Vec<String> = broken.iter().map(|(l, p)| describe(l, p)).collect();
    let mut fixes: Vec<String> = Vec::new();
    for (l, p) in &broken {
        let fix = match missing_dependency(l, p) {
            Some(dep) => dependency_fix(&dep, facts),
            None => fix_for(&p.code).to_string(),
        };
        if !fixes.contains(&fix) {
            fixes.push(fix);
        }
    }
    let summary = format!(
        "{} library {} cannot be used: {}",
        broken.len(),
        if broken.len() == 1 { "copy" } else { "copies" },
        lines.join("; ")
    );
    let check = Check::new(ID, status, summary).with_fix(fixes.join(" "));
    vec![lines.into_iter().fold(check, Check::with_evidence)]
}

/// FAIL when the loader's pick breaks every program that loads it; WARN otherwise.
fn status_of(lib: &LibraryFacts, problem: &ProbeError) -> Status {
    // A loader error or missing symbol can come from how the child loads the file (by absolute
    // path, without the program's RUNPATH): only a crash or exit is certain to hit programs.
    let breaks_on_load = matches!(problem.code.as_str(), "crashed" | "exited");
    if lib.loader_selected && breaks_on_load {
        Status::Fail
    } else {
        Status::Warn
    }
}

/// "/path/libX.so.N (the loader's pick): crashed with SIGSEGV while being loaded".
fn describe(lib: &LibraryFacts, problem: &ProbeError) -> String {
    let pick = if lib.loader_selected {
        " (the loader's pick)"
    } else {
        ""
    };
    let context = match problem.code {
        Code::Crashed | Code::TimedOut | Code::Exited => " while being loaded",
        _ => "",
    };
    format!(
        "{}{pick}: {}{context}",
        lib.path,
        first_line(&problem.message)
    )
}

/// The first line of a message, at most 300 characters.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    line.chars().take(300).collect()
}

/// The library the loader could not find when `lib` failed to load because of it: glibc's
/// "libcublasLt.so.13: cannot open shared object file" names a dependency, not the file itself.
fn missing_dependency(lib: &LibraryFacts, problem: &ProbeError) -> Option<String> {
    let own = lib.path.rsplit('/').next().unwrap_or(&lib.path);
    (problem.code == Code::DlopenFailed)
        .then(|| soname_in_error(&problem.message))
        .flatten()
        .filter(|name| name != own)
}

/// Where a missing dependency is on disk (the copies the library scan found), as a fix.
fn dependency_fix(dep: &str, facts: &Facts) -> String {
    match hidden_copy(facts, dep) {
        Some(path) => format!(
            "A library it needs, {dep}, is not on the loader's search path, but a copy is in {}: add that directory to LD_LIBRARY_PATH (or to ld.so.conf and run ldconfig).",
            path.rsplit_once('/').map_or(path.as_str(), |(dir, _)| dir)
        ),
        None => format!(
            "A library it needs, {dep}, is not installed where the loader looks: install it (the same CUDA major as the library that needs it) or add its directory to LD_LIBRARY_PATH."
        ),
    }
}

/// What to do about one kind of problem.
fn fix_for(code: &Code) -> &'static str {
    match code {
        Code::Crashed | Code::Exited => {
            "A library that crashes or exits while loading is corrupt, built for another system or \
             tampered with: reinstall it from its package (or remove the stray copy) and check the \
             directory's owner."
        }
        Code::TimedOut => {
            "A library that hangs while loading blocks every program that loads it: reinstall it, or \
             raise --timeout if this machine is only slow."
        }
        Code::DlopenFailed | Code::NoSymbol | Code::CallFailed | Code::AbsurdVersion => {
            "This file is not the library its name says (wrong build, stub or corrupt copy): \
             reinstall the package that owns it or remove it."
        }
        Code::WrongArchitecture => {
            "Remove the copy built for another CPU architecture, or install the build for this one."
        }
        Code::NotElf | Code::Truncated => {
            "Replace the truncated or non-library file with the real library (an interrupted copy \
             or download leaves these)."
        }
        Code::DanglingSymlink | Code::SymlinkLoop => {
            "Repair or remove the broken symlink so that it points at an existing library file."
        }
        _ => "Make the file readable by the user running hwcheck, or remove it.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, tables, FactsBuilder};
    use hwcheck_model::facts::Component;

    const CUDART: &str = "/usr/local/cuda-13.0/lib64/libcudart.so.13";

    fn run(b: FactsBuilder) -> Check {
        only(&judge(&b.build(), &tables()), ID).clone()
    }

    fn with_problem(picked: bool, code: &str, message: &str) -> FactsBuilder {
        let b = FactsBuilder::cpu_only();
        let b = if picked {
            b.picked(Component::Cudart, CUDART, "13.0")
        } else {
            b.lib(Component::Cudart, CUDART, "13.0")
        };
        b.edit_lib(CUDART, |l| l.problem = Some(ProbeError::new(code, message)))
    }

    #[test]
    fn a_crashing_pick_fails_naming_file_and_signal() {
        let c = run(with_problem(true, "crashed", "crashed with SIGSEGV"));
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains(CUDART), "{}", c.summary);
        assert!(
            c.summary
                .contains("crashed with SIGSEGV while being loaded"),
            "{}",
            c.summary
        );
        assert!(c.fix.unwrap().contains("reinstall"));
    }

    #[test]
    fn a_copy_the_loader_skips_only_warns() {
        let c = run(with_problem(false, "crashed", "crashed with SIGABRT"));
        assert_eq!(c.status, Status::Warn);
        let c = run(with_problem(
            true,
            "wrong_architecture",
            "built for AArch64",
        ));
        assert_eq!(c.status, Status::Warn);
        assert!(c.fix.unwrap().contains("architecture"));
        let c = run(with_problem(
            true,
            "no_symbol",
            "undefined symbol: cudaRuntimeGetVersion",
        ));
        assert_eq!(
            c.status,
            Status::Warn,
            "a loader error may be the child's, not the program's"
        );
    }

    #[test]
    fn a_missing_dependency_points_at_the_copy_on_disk() {
        const PIP: &str = "/venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublasLt.so.13";
        let b = with_problem(
            true,
            "dlopen_failed",
            "libcublasLt.so.13: cannot open shared object file: No such file or directory",
        )
        .lib(Component::CublasLt, PIP, "13.1");
        let fix = run(b).fix.unwrap();
        assert!(
            fix.contains("libcublasLt.so.13, is not on the loader's search path"),
            "{fix}"
        );
        assert!(
            fix.contains("/venv/lib/python3.12/site-packages/nvidia/cu13/lib"),
            "{fix}"
        );
        assert!(!fix.contains("not the library its name says"), "{fix}");
        let alone = with_problem(
            true,
            "dlopen_failed",
            "libcublasLt.so.13: cannot open shared object file: No such file or directory",
        );
        assert!(run(alone)
            .fix
            .unwrap()
            .contains("is not installed where the loader looks"));
    }

    #[test]
    fn a_hang_warns_with_the_timeout_fix() {
        let c = run(with_problem(true, "timed_out", "timed out after 2 s"));
        assert_eq!(c.status, Status::Warn);
        assert!(c.summary.contains("timed out after 2 s while being loaded"));
        assert!(c.fix.unwrap().contains("--timeout"));
    }

    #[test]
    fn clean_copies_pass_and_no_copies_skip() {
        let clean = FactsBuilder::cpu_only().picked(Component::Cudart, CUDART, "13.0");
        assert_eq!(run(clean).status, Status::Pass);
        assert_eq!(run(FactsBuilder::cpu_only()).status, Status::Skip);
        assert_eq!(run(FactsBuilder::h100()).status, Status::Pass);
    }
}
