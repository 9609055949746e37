//! Library copies: several versions of one soname, and loader picks that would mix versions of
//! one library family (libcudnn.so.9 from one install, libcudnn_ops.so.9 from another).

use super::stack::{self, NO_DRIVER};
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind, Status};
use hwcheck_model::facts::{Component, Facts, LibraryFacts};

const DUPLICATES: CheckKind = CheckKind::LibrariesDuplicates;

/// Judges the library copies found.
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let _ = tables;
    vec![duplicates(facts)]
}

/// Copies grouped by soname (cuda-compat copies are `cuda.forward_compat`'s business), one
/// entry per real file.
fn groups(facts: &Facts) -> Vec<(String, Vec<&LibraryFacts>)> {
    let mut groups: Vec<(String, Vec<&LibraryFacts>)> = Vec::new();
    let real = |l: &LibraryFacts| l.real_path.clone().unwrap_or_else(|| l.path.clone());
    for lib in facts.libraries.iter().filter(|l| !stack::is_compat(l)) {
        let key = stack::soname_key(lib);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, copies)) => {
                if !copies.iter().any(|c| real(c) == real(lib)) {
                    copies.push(lib);
                }
            }
            None => groups.push((key, vec![lib])),
        }
    }
    groups
}

fn describe(lib: &LibraryFacts) -> String {
    let v = lib
        .version
        .as_ref()
        .map_or("?".to_string(), |v| v.to_string());
    format!("{v} ({})", lib.path)
}

/// Library families whose loader picks must all have one version.
const FAMILIES: [(&str, [Component; 2]); 2] = [
    ("cuDNN", [Component::Cudnn, Component::CudnnSub]),
    ("cuBLAS", [Component::Cublas, Component::CublasLt]),
];

fn duplicates(facts: &Facts) -> Check {
    if facts.libraries.is_empty() {
        return Check::skip(DUPLICATES, "no CUDA-family library found");
    }
    if stack::driver_absent(facts) {
        return Check::skip(DUPLICATES, NO_DRIVER);
    }
    let mut status = Status::Pass;
    let mut problems: Vec<String> = Vec::new();
    let mut fixes: Vec<&str> = Vec::new();
    let mut evidence: Vec<String> = Vec::new();
    for (family, components) in FAMILIES {
        let picks: Vec<&LibraryFacts> = facts
            .libraries
            .iter()
            .filter(|l| {
                l.loader_selected && components.contains(&l.component) && l.version.is_some()
            })
            .collect();
        if let Some(first) = picks.first() {
            if let Some(other) = picks.iter().find(|p| p.version != first.version) {
                status = Status::Fail;
                problems.push(format!(
                    "the loader would mix {family} versions: {} {} with {} {}",
                    stack::soname_key(first),
                    describe(first),
                    stack::soname_key(other),
                    describe(other)
                ));
                fixes.push(
                    "Make one installation win for the whole library family: put its directory first on \
                     LD_LIBRARY_PATH, or remove the partial copy.",
                );
            }
        }
    }
    for (soname, copies) in groups(facts) {
        let mut versions: Vec<_> = copies.iter().filter_map(|c| c.version.as_ref()).collect();
        versions.sort();
        versions.dedup();
        if versions.len() < 2 {
            continue;
        }
        let list: Vec<String> = copies.iter().map(|c| describe(c)).collect();
        evidence.push(format!("{soname}: {}", list.join(", ")));
        let pick = copies.iter().find(|c| c.loader_selected);
        let newer_on_path = pick.and_then(|p| {
            copies
                .iter()
                .filter(|c| stack::on_loader_path(c) && c.version > p.version)
                .max_by(|a, b| a.version.cmp(&b.version))
                .map(|n| (p, n))
        });
        if let Some((p, n)) = newer_on_path {
            status = status.min(Status::Warn);
            problems.push(format!(
                "the loader picks {soname} {} although {} is also on its search path",
                describe(p),
                describe(n)
            ));
            fixes.push(
                "Remove the older copy, or put the directory of the copy you want first on LD_LIBRARY_PATH.",
            );
        }
    }
    let check = if problems.is_empty() {
        let summary = if evidence.is_empty() {
            "one version per library".to_string()
        } else {
            format!(
                "{} libraries have copies of several versions; each environment loads its own",
                evidence.len()
            )
        };
        Check::pass(DUPLICATES, summary)
    } else {
        Check::new(DUPLICATES, status, problems.join("; ")).with_fix(fixes.join(" "))
    };
    evidence.into_iter().fold(check, Check::with_evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{only, tables, FactsBuilder};

    fn run(b: FactsBuilder) -> Check {
        only(&judge(&b.build(), &tables()), DUPLICATES).clone()
    }

    #[test]
    fn h100_pip_copy_is_reported_but_passes() {
        let c = run(FactsBuilder::h100());
        assert_eq!(c.status, Status::Pass, "{c:#?}");
        assert!(c
            .evidence
            .iter()
            .any(|e| e.contains("libcudnn.so.9") && e.contains("9.19.0")));
    }

    #[test]
    fn older_pick_with_newer_copy_on_the_path_warns() {
        let c = run(FactsBuilder::h100().lib(
            Component::Cudnn,
            "/usr/local/cuda/targets/x86_64-linux/lib/libcudnn.so.9",
            "9.19.0",
        ));
        assert_eq!(c.status, Status::Warn, "{c:#?}");
        assert!(
            c.summary.contains("/lib/x86_64-linux-gnu/libcudnn.so.9"),
            "{}",
            c.summary
        );
        assert!(
            c.summary.contains("/usr/local/cuda/targets"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn mixed_cudnn_picks_fail() {
        let ops = "/lib/x86_64-linux-gnu/libcudnn_ops.so.9";
        let c = run(FactsBuilder::h100().edit_lib(ops, |l| {
            l.version = Some(crate::testkit::v("9.19.0"));
        }));
        assert_eq!(c.status, Status::Fail);
        assert!(c.summary.contains("mix cuDNN versions"), "{}", c.summary);
    }

    #[test]
    fn nothing_found_or_no_driver_skips() {
        assert_eq!(run(FactsBuilder::cpu_only()).status, Status::Skip);
    }
}
