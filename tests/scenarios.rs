//! The scenario suite: broken environments from real reports (failure families S1–S9 of the
//! reference notes), each with a PASS twin, run through the binary with `--facts`.
//!
//! Each folder under tests/scenarios/ holds `facts.json` and `expected.toml`:
//!
//! ```toml
//! family = "S1"
//! description = "driver 515 (CUDA 11.7) runs a CUDA 12.4 runtime"
//! fail = ["cuda.runtime.driver_sufficient"]   # must be FAIL
//! pass = []                                    # must be PASS
//! fix_keywords = ["driver"]                    # each must appear in a failing check's fix
//! verdict = "fail"                             # optional: "ok" or "fail"
//! explain = "CUDA driver version is insufficient for CUDA runtime version"
//! ```
//!
//! With `explain`, `hwcheck explain --facts facts.json` must match the text, and say that the
//! machine has the problem exactly when `fail` is not empty. Prints
//! "N/M scenarios diagnosed correctly" and fails if any scenario is wrong.

use assert_cmd::cargo::cargo_bin_cmd;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    family: String,
    description: String,
    #[serde(default)]
    fail: Vec<String>,
    #[serde(default)]
    pass: Vec<String>,
    #[serde(default)]
    fix_keywords: Vec<String>,
    verdict: Option<String>,
    explain: Option<String>,
}

fn scenario_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn hwcheck_json(args: &[&str]) -> Result<(i32, Value), String> {
    let out = cargo_bin_cmd!("hwcheck")
        .args(args)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .map_err(|e| e.to_string())?;
    let code = out.status.code().ok_or("killed")?;
    let value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "exit {code}, not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok((code, value))
}

fn status_of<'a>(report: &'a Value, id: &str) -> Option<&'a str> {
    report["checks"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["status"].as_str())
}

/// Every way this scenario's diagnosis differs from the expectation (empty: correct).
fn diagnose(dir: &Path, exp: &Expected) -> Result<Vec<String>, String> {
    let facts = dir.join("facts.json");
    let facts = facts.to_str().ok_or("non-UTF-8 path")?;
    let (code, report) = hwcheck_json(&["--facts", facts])?;
    let mut wrong = Vec::new();
    for (ids, want) in [(&exp.fail, "FAIL"), (&exp.pass, "PASS")] {
        for id in ids {
            match status_of(&report, id) {
                Some(s) if s == want => {}
                other => wrong.push(format!("{id}: expected {want}, got {other:?}")),
            }
        }
    }
    let fixes: Vec<String> = report["checks"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter(|c| c["status"] == "FAIL")
                .filter_map(|c| c["fix"].as_str().map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default();
    for word in &exp.fix_keywords {
        if !fixes.iter().any(|f| f.contains(&word.to_lowercase())) {
            wrong.push(format!("no failing check's fix mentions {word:?}"));
        }
    }
    if let Some(verdict) = &exp.verdict {
        let want_code = if verdict == "ok" { 0 } else { 1 };
        if code != want_code || report["verdict"] != verdict.as_str() {
            wrong.push(format!(
                "verdict {} (exit {code}), expected {verdict}",
                report["verdict"]
            ));
        }
    }
    if let Some(text) = &exp.explain {
        wrong.extend(check_explain(facts, text, !exp.fail.is_empty())?);
    }
    Ok(wrong)
}

fn check_explain(facts: &str, text: &str, broken: bool) -> Result<Vec<String>, String> {
    let (code, doc) = hwcheck_json(&["explain", "--facts", facts, text])?;
    if code != 0 {
        return Ok(vec![format!("explain did not recognise {text:?}")]);
    }
    let has_problem = doc["matches"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .any(|m| m["this_machine"]["has_problem"] == Value::Bool(true))
        })
        .unwrap_or(false);
    Ok(if has_problem == broken {
        Vec::new()
    } else {
        vec![format!(
            "explain says has_problem={has_problem}, expected {broken}"
        )]
    })
}

#[test]
fn every_scenario_is_diagnosed_correctly() {
    let dirs = scenario_dirs();
    assert!(
        dirs.len() >= 18,
        "expected S1–S9 with twins, found {}",
        dirs.len()
    );
    let mut correct = 0;
    let mut families = std::collections::BTreeSet::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(dir.join("expected.toml")).expect("expected.toml");
        let exp: Expected = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        families.insert(exp.family.clone());
        match diagnose(dir, &exp) {
            Ok(wrong) if wrong.is_empty() => {
                correct += 1;
                println!("ok     {name} ({}): {}", exp.family, exp.description);
            }
            Ok(wrong) => println!("WRONG  {name} ({}): {}", exp.family, wrong.join("; ")),
            Err(e) => println!("ERROR  {name}: {e}"),
        }
    }
    println!("{correct}/{} scenarios diagnosed correctly", dirs.len());
    for family in ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"] {
        assert!(families.contains(family), "no scenario for {family}");
    }
    assert_eq!(
        correct,
        dirs.len(),
        "some scenarios were diagnosed wrongly (see above)"
    );
}
