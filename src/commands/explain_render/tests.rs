use super::*;
use hwcheck_compat::errors::ErrorTable;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};

fn ctx(no_driver: Option<Check>) -> Context {
    Context {
        machine: "facts from r.json".into(),
        truncated: false,
        table_rows: 200,
        no_driver,
    }
}

fn findings<'t>(
    text: &str,
    errors: &'t ErrorTable,
    tables: &Tables,
    machine: MachineStatus,
) -> Vec<Finding<'t>> {
    hwcheck_judge::explain::explain(text, errors)
        .into_iter()
        .map(|m| Finding {
            machine: machine.clone(),
            cause: m.cause(&tables.arch),
            fix: m.fix(&tables.arch),
            matched: m.matched(),
            row: m.row,
        })
        .collect()
}

#[test]
fn text_names_family_phrase_cause_fix_check_source_and_machine() {
    let tables = Tables::load(None).unwrap();
    let errors = ErrorTable::load(None).unwrap();
    let check = Check::fail(
        CheckKind::DriverKernelModuleMatches,
        "module 550.90.07, library 550.107.02",
    )
    .with_fix("reboot");
    let f = findings(
        "Failed to initialize NVML: Driver/library version mismatch",
        &errors,
        &tables,
        MachineStatus::Check(Box::new(check)),
    );
    let out = text(&f, &ctx(None));
    assert!(
        out.contains("[nvml] nvml-driver-library-version-mismatch"),
        "{out}"
    );
    assert!(
        out.contains("matched: Driver/library version mismatch"),
        "{out}"
    );
    assert!(out.contains("cause:") && out.contains("fix:") && out.contains("source:  https://"));
    assert!(out.contains("YES, this machine has this problem"), "{out}");
    assert!(out.contains("fix here: reboot"));
    assert!(!out.contains("\\."), "a regex leaked: {out}");
    let doc: serde_json::Value = serde_json::from_str(&json(&f, &ctx(None))).unwrap();
    assert_eq!(doc["matched"], true);
    assert_eq!(doc["matches"][0]["this_machine"]["has_problem"], true);
    assert_eq!(doc["matches"][0]["kind"], "environment");
}

#[test]
fn program_problems_say_so_and_no_match_says_what_to_run() {
    let tables = Tables::load(None).unwrap();
    let errors = ErrorTable::load(None).unwrap();
    let f = findings(
        "RuntimeError: CUDA error: an illegal memory access was encountered",
        &errors,
        &tables,
        MachineStatus::NotChecked,
    );
    let out = text(&f, &ctx(None));
    assert!(
        out.contains("(program problem)") && out.contains(PROGRAM_NOTE),
        "{out}"
    );
    let none = text(&[], &ctx(None));
    assert!(none.contains("unknown") && none.contains("hwcheck --format json > report.json"));
    let doc: serde_json::Value = serde_json::from_str(&json(&[], &ctx(None))).unwrap();
    assert_eq!(doc["matched"], false);
}

#[test]
fn no_driver_here_replaces_unknown() {
    let nodriver = Check::fail(CheckKind::DriverNvml, "libnvidia-ml.so.1 not found")
        .with_fix("install the driver");
    let out = text(&[], &ctx(Some(nodriver.clone())));
    assert!(
        out.contains("no usable NVIDIA driver") && !out.contains("unknown:"),
        "{out}"
    );
    let doc: serde_json::Value = serde_json::from_str(&json(&[], &ctx(Some(nodriver)))).unwrap();
    assert!(doc["no_driver"].as_str().unwrap().contains("driver.nvml"));
}
