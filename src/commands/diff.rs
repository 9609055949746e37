//! `hwcheck diff A.json B.json`: what changed between two machines (or one machine over time).
//!
//! Both reports' facts are re-judged with this hwcheck's tables, so status changes reflect the
//! machines, not a change of hwcheck version. Pure: [`diff`] compares facts and checks.

use crate::common::{load_facts, AppError, EXIT_FAIL, EXIT_OK};
use crate::options::{Diff, Global};
use hwcheck_compat::Tables;
use hwcheck_judge::judge;
use hwcheck_model::check::{Check, Report};
use hwcheck_model::facts::{Facts, LibraryFacts};
use hwcheck_render::Format;
use serde::Serialize;
use std::collections::BTreeMap;

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `driver`, `gpu`, `cuda`, `library`, `loader`, `toolkit`, `environment`, `variable`, `check`.
    pub section: &'static str,
    /// What changed, e.g. "driver version", "libcudnn.so.9 at /usr/lib/…", "cuda.runtime.…".
    pub item: String,
    /// Value in A (`None`: absent in A).
    pub before: Option<String>,
    /// Value in B (`None`: absent in B).
    pub after: Option<String>,
}

/// A side of the comparison: its facts and checks.
pub struct Side<'a> {
    /// The facts.
    pub facts: &'a Facts,
    /// The checks judged from them.
    pub checks: &'a [Check],
}

/// Every difference between A and B, grouped by section.
pub fn diff(a: &Side<'_>, b: &Side<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    compare_maps(
        &mut out,
        "driver",
        &driver_map(a.facts),
        &driver_map(b.facts),
    );
    compare_maps(&mut out, "gpu", &gpu_map(a.facts), &gpu_map(b.facts));
    compare_maps(
        &mut out,
        "library",
        &library_map(a.facts),
        &library_map(b.facts),
    );
    compare_maps(
        &mut out,
        "loader",
        &loader_map(a.facts),
        &loader_map(b.facts),
    );
    compare_maps(
        &mut out,
        "toolkit",
        &toolkit_map(a.facts),
        &toolkit_map(b.facts),
    );
    compare_maps(
        &mut out,
        "environment",
        &env_map(a.facts),
        &env_map(b.facts),
    );
    compare_maps(
        &mut out,
        "variable",
        &a.facts.environment.variables,
        &b.facts.environment.variables,
    );
    compare_maps(
        &mut out,
        "check",
        &check_map(a.checks.to_vec()),
        &check_map(b.checks.to_vec()),
    );
    out
}

fn compare_maps(
    out: &mut Vec<Change>,
    section: &'static str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (before, after) = (a.get(key), b.get(key));
        if before != after {
            out.push(Change {
                section,
                item: key.clone(),
                before: before.cloned(),
                after: after.cloned(),
            });
        }
    }
}

fn put(map: &mut BTreeMap<String, String>, key: &str, value: Option<String>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn driver_map(f: &Facts) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let nvml = &f.driver.nvml;
    put(
        &mut m,
        "driver version (NVML)",
        nvml.driver_version.as_ref().map(|v| v.to_string()),
    );
    put(
        &mut m,
        "CUDA supported by driver",
        nvml.cuda_driver_version.as_ref().map(|v| v.to_string()),
    );
    put(
        &mut m,
        "NVML error",
        nvml.error.as_ref().map(|e| e.code.to_string()),
    );
    put(&mut m, "NVML library", nvml.library_path.clone());
    let module = f.driver.kernel_module.as_ref();
    put(
        &mut m,
        "kernel module version",
        module
            .and_then(|k| k.version.as_ref())
            .map(|v| v.to_string()),
    );
    let api = f.cuda_driver_api.as_ref();
    put(
        &mut m,
        "cuInit error",
        api.and_then(|c| c.init_error.as_ref())
            .map(|e| e.code.to_string()),
    );
    put(
        &mut m,
        "libcuda (loader)",
        api.and_then(|c| c.library_path.clone()),
    );
    put(
        &mut m,
        "CUDA device count",
        api.and_then(|c| c.device_count).map(|n| n.to_string()),
    );
    m
}

fn gpu_map(f: &Facts) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for g in &f.gpus {
        let key = format!("GPU {}", g.index);
        put(&mut m, &format!("{key} name"), Some(g.name.clone()));
        put(
            &mut m,
            &format!("{key} compute capability"),
            g.compute_capability.as_ref().map(|v| v.to_string()),
        );
        put(
            &mut m,
            &format!("{key} memory"),
            g.memory_total_bytes
                .map(hwcheck_judge::require::format_bytes),
        );
        put(
            &mut m,
            &format!("{key} MIG"),
            g.mig_enabled.map(|b| b.to_string()),
        );
    }
    m
}

fn library_key(l: &LibraryFacts) -> String {
    format!("{} {}", l.component.label(), l.path)
}

fn library_map(f: &Facts) -> BTreeMap<String, String> {
    f.libraries
        .iter()
        .map(|l| {
            let version = l
                .version
                .as_ref()
                .map_or("version unknown".to_string(), |v| v.to_string());
            let value = match &l.problem {
                Some(p) => format!("{version} ({})", p.code),
                None => version,
            };
            (library_key(l), value)
        })
        .collect()
}

/// Which copy the loader picks, per component and soname.
fn loader_map(f: &Facts) -> BTreeMap<String, String> {
    f.libraries
        .iter()
        .filter(|l| l.loader_selected)
        .map(|l| {
            let name = l
                .soname
                .clone()
                .unwrap_or_else(|| l.component.label().to_string());
            (
                format!("{name} loads"),
                l.real_path.clone().unwrap_or_else(|| l.path.clone()),
            )
        })
        .collect()
}

fn toolkit_map(f: &Facts) -> BTreeMap<String, String> {
    f.toolkits
        .iter()
        .map(|t| {
            let mut value = t
                .version
                .as_ref()
                .map_or("version unknown".to_string(), |v| v.to_string());
            if let Some(compat) = &t.compat_libcuda_version {
                value.push_str(&format!(", compat libcuda {compat}"));
            }
            (t.root.clone(), value)
        })
        .collect()
}

fn env_map(f: &Facts) -> BTreeMap<String, String> {
    let e = &f.environment;
    let mut m = BTreeMap::new();
    put(
        &mut m,
        "container",
        Some(e.container.clone().unwrap_or_else(|| "none".into())),
    );
    put(&mut m, "/dev/nvidia* nodes", Some(e.dev_nodes.join(" ")));
    for (tool, path) in &e.tools {
        m.insert(format!("tool {tool}"), path.clone());
    }
    m
}

/// Each check's status by its key (id and instance), unique within a report.
fn check_map(checks: Vec<Check>) -> BTreeMap<String, String> {
    Report::new(Facts::default(), checks, false)
        .checks
        .iter()
        .map(|c| (c.key(), c.status.label().to_string()))
        .collect()
}

/// A human table of the changes (or "no differences"), wrapped to `width`.
pub fn render_table(
    changes: &[Change],
    a_name: &str,
    b_name: &str,
    width: Option<usize>,
) -> String {
    if changes.is_empty() {
        return hwcheck_render::wrap::wrap(
            &format!("no differences between {a_name} and {b_name}"),
            width,
        );
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["section", "item", a_name, b_name]);
    hwcheck_render::table::fit(&mut table, width);
    let absent = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_string());
    for c in changes {
        table.add_row(vec![
            c.section.to_string(),
            c.item.clone(),
            absent(&c.before),
            absent(&c.after),
        ]);
    }
    format!("{table}\n{} difference(s)", changes.len())
}

/// The changes as JSON: `{a, b, changes: [...]}`.
pub fn render_json(changes: &[Change], a_name: &str, b_name: &str) -> String {
    let doc = serde_json::json!({ "a": a_name, "b": b_name, "changes": changes });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Runs `hwcheck diff A B`: loads both reports, re-judges them, prints the changes.
/// Exit 0 when nothing differs, 1 when something does.
pub fn run(global: &Global, options: &Diff) -> Result<u8, AppError> {
    let (a, b) = (options.before.as_path(), options.after.as_path());
    let tables = Tables::load(global.tables.as_deref())?;
    let (fa, fb) = (load_facts(a)?, load_facts(b)?);
    let (ca, cb) = (judge(&fa, &tables), judge(&fb, &tables));
    let changes = diff(
        &Side {
            facts: &fa,
            checks: &ca,
        },
        &Side {
            facts: &fb,
            checks: &cb,
        },
    );
    let (na, nb) = (a.display().to_string(), b.display().to_string());
    let out = match options.format {
        Format::Json => render_json(&changes, &na, &nb),
        _ => render_table(&changes, &na, &nb, global.width),
    };
    println!("{out}");
    Ok(if changes.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAIL
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::check::{Check, CheckKind};
    use hwcheck_model::facts::{Component, LibraryFacts};
    use hwcheck_model::version::DottedVersion;

    fn lib(path: &str, version: &str, selected: bool) -> LibraryFacts {
        LibraryFacts {
            soname: Some("libcudnn.so.9".into()),
            version: DottedVersion::parse(version).ok(),
            loader_selected: selected,
            ..LibraryFacts::new(Component::Cudnn, path)
        }
    }

    #[test]
    fn reports_driver_library_loader_variable_and_status_changes() {
        let mut a = Facts::default();
        a.driver.nvml.driver_version = DottedVersion::parse("550.90.07").ok();
        a.libraries = vec![lib("/usr/lib/libcudnn.so.9", "9.1.0", true)];
        a.environment
            .variables
            .insert("LD_LIBRARY_PATH".into(), "/opt".into());
        let mut b = a.clone();
        b.driver.nvml.driver_version = DottedVersion::parse("550.107.02").ok();
        b.libraries = vec![
            lib("/usr/lib/libcudnn.so.9", "9.1.0", false),
            lib("/opt/libcudnn.so.9", "9.5.1", true),
        ];
        b.environment.variables.clear();
        let ca = vec![Check::pass(CheckKind::DriverNvml, "ok")];
        let cb = vec![Check::fail(CheckKind::DriverNvml, "mismatch")];
        let changes = diff(
            &Side {
                facts: &a,
                checks: &ca,
            },
            &Side {
                facts: &b,
                checks: &cb,
            },
        );
        let find = |section: &str| changes.iter().filter(|c| c.section == section).count();
        assert_eq!(find("driver"), 1);
        assert_eq!(find("library"), 1, "{changes:?}");
        assert_eq!(find("loader"), 1);
        assert_eq!(find("variable"), 1);
        let check = changes.iter().find(|c| c.section == "check").unwrap();
        assert_eq!(
            (check.before.as_deref(), check.after.as_deref()),
            (Some("PASS"), Some("FAIL"))
        );
        let table = render_table(&changes, "a.json", "b.json", Some(120));
        assert!(table.contains("550.107.02") && table.contains("difference(s)"));
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&changes, "a", "b")).unwrap();
        assert!(json["changes"].as_array().unwrap().len() >= 5);
    }

    #[test]
    fn identical_reports_have_no_differences() {
        let f = Facts::default();
        let side = Side {
            facts: &f,
            checks: &[],
        };
        assert!(diff(&side, &side).is_empty());
        assert!(render_table(&[], "a", "b", None).starts_with("no differences"));
    }
}
