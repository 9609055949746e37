//! `hwcheck fix` lines from judged checks (the tests of `fix.rs`).

use super::*;
use hwcheck_model::check::EnvChange;
use hwcheck_model::facts::remedy::RemedyTrial;

const COMPAT: &str = "/usr/local/cuda/compat";
const ODD: &str = "/opt/it's my lib";

fn env() -> BTreeMap<String, String> {
    [
        ("LD_LIBRARY_PATH", "/usr/local/cuda/compat:/usr/lib64"),
        ("CUDA_VISIBLE_DEVICES", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A FAIL check `id` with a remedy of `changes` whose trial had `verified`.
fn failing(id: &str, changes: Vec<EnvChange>, verified: Option<bool>) -> Check {
    let mut remedy = Remedy::new(changes);
    let what = match verified {
        Some(true) => "it runs",
        Some(false) => "it still fails",
        None => "the child timed out after 5 s",
    };
    let trial = RemedyTrial::new(vec![id.into()], &remedy, "cuInit", verified, what);
    remedy.adopt(&trial);
    let mut check = Check::fail(hwcheck_model::check::CheckId::parse(id).unwrap(), "broken");
    check.remedy = Some(remedy);
    check
}

fn remove(dir: &str) -> EnvChange {
    EnvChange::RemoveFromList {
        name: "LD_LIBRARY_PATH".into(),
        dir: dir.into(),
    }
}

fn prepend(dir: &str) -> EnvChange {
    EnvChange::Prepend {
        name: "LD_LIBRARY_PATH".into(),
        dir: dir.into(),
    }
}

fn unset() -> EnvChange {
    EnvChange::Unset {
        name: "CUDA_VISIBLE_DEVICES".into(),
    }
}

#[test]
fn verified_fixes_come_first_and_build_on_each_other_unverified_ones_are_commented() {
    let checks = vec![
        failing(
            "ort.provider.cuda",
            vec![prepend("/pip/cudnn")],
            Some(false),
        ),
        failing("driver.cuda_init", vec![remove(COMPAT)], Some(true)),
        failing("cuda.forward_compat", vec![remove(COMPAT)], Some(true)),
        failing(
            "environment.cuda_visible_devices",
            vec![unset()],
            Some(true),
        ),
    ];
    let out = script(&checks, &env(), Shell::Bash).unwrap();
    let body: Vec<&str> = out.lines().skip(2).collect();
    assert_eq!(
        body,
        [
            "",
            "# driver.cuda_init, cuda.forward_compat: verified: with LD_LIBRARY_PATH without /usr/local/cuda/compat, it runs",
            "export LD_LIBRARY_PATH=/usr/lib64",
            "",
            "# environment.cuda_visible_devices: verified: with CUDA_VISIBLE_DEVICES unset, it runs",
            "unset CUDA_VISIBLE_DEVICES",
            "",
            "# ort.provider.cuda: did not help: with /pip/cudnn first on LD_LIBRARY_PATH, it still fails",
            "# export LD_LIBRARY_PATH=/pip/cudnn:/usr/lib64",
        ],
        "{out}"
    );
    let fish = script(&checks, &env(), Shell::Fish).unwrap();
    assert!(
        fish.contains("\nset -gx LD_LIBRARY_PATH /usr/lib64\n"),
        "{fish}"
    );
    assert!(fish.contains("\nset -e CUDA_VISIBLE_DEVICES\n"), "{fish}");
    assert!(fish.contains("hwcheck fix --shell fish | source"), "{fish}");
}

#[test]
fn a_remedy_that_was_not_run_says_why_and_nothing_to_do_is_said() {
    let checks = vec![failing("driver.cuda_init", vec![unset()], None)];
    let out = script(&checks, &env(), Shell::Zsh).unwrap();
    assert!(
        out.ends_with(
            "# driver.cuda_init: not run: the child timed out after 5 s\n# unset CUDA_VISIBLE_DEVICES\n"
        ),
        "{out}"
    );
    let fine = script(
        &[Check::pass(
            hwcheck_model::check::CheckKind::DriverNvml,
            "ok",
        )],
        &env(),
        Shell::Bash,
    )
    .unwrap();
    assert!(
        fine.ends_with("# Nothing to fix: no check fails.\n"),
        "{fine}"
    );
    let stuck = script(
        &[Check::fail(
            hwcheck_model::check::CheckKind::DriverNvml,
            "no",
        )],
        &env(),
        Shell::Bash,
    )
    .unwrap();
    assert!(stuck.contains("1 check(s) fail"), "{stuck}");
}

#[test]
fn paths_with_a_space_and_a_quote_are_quoted_for_each_shell() {
    let checks = vec![failing("ort.provider.cuda", vec![prepend(ODD)], Some(true))];
    let bash = script(&checks, &BTreeMap::new(), Shell::Bash).unwrap();
    let line = bash.lines().last().unwrap();
    assert_eq!(line, r#"export LD_LIBRARY_PATH="/opt/it's my lib""#);
    assert_eq!(fish_quote(ODD), r"'/opt/it\'s my lib'");
    assert_eq!(fish_quote(r"C:\x"), r"'C:\\x'");
    assert_eq!(fish_quote("/plain/dir:/b"), "/plain/dir:/b");
    assert_eq!(fish_quote(""), "''");
    // A newline in a value cannot break out of the comment line.
    assert_eq!(comment("a\nrm -rf /"), "# a rm -rf /");
}
