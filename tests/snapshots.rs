//! Snapshot tests of what users read: every recorded facts fixture re-judged and rendered as a
//! table (80 and 120 columns), Markdown, JUnit and JSON. A wording change shows up as a reviewed
//! diff (`cargo insta review`, or `INSTA_UPDATE=always cargo test --test snapshots` then
//! `git diff tests/snapshots/`).

use hwcheck_model::check::Report;
use std::path::Path;

fn reports() -> Vec<(String, Report)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
    let tables = hwcheck_compat::Tables::load(None).unwrap();
    let mut out: Vec<(String, Report)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let facts = hwcheck_model::facts::load::load_report(&path).unwrap();
            let checks = hwcheck_judge::judge(&facts, &tables);
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, Report::new(facts, checks, false))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "fixtures missing");
    out
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn tables_at_80_and_120_columns() {
    for (name, report) in reports() {
        for width in [80usize, 120] {
            let text = hwcheck_render::table::render(&report, false, Some(width));
            settings().bind(|| insta::assert_snapshot!(format!("{name}.table{width}"), text));
        }
    }
}

#[test]
fn markdown_junit_and_json() {
    use hwcheck_render::Format;
    for (name, report) in reports() {
        for (suffix, format) in [
            ("md", Format::Markdown),
            ("junit", Format::Junit),
            ("json", Format::Json),
        ] {
            let text = hwcheck_render::render(&report, format, false, None);
            settings().bind(|| insta::assert_snapshot!(format!("{name}.{suffix}"), text));
        }
    }
}

/// One failure family per fixture: the report leads with its root cause, and the checks that
/// follow from it are folded under it instead of repeating as rows.
#[test]
fn each_failure_family_leads_with_its_root_cause() {
    let families: [(&str, &str, &[&str]); 4] = [
        (
            "compat_first_on_path",
            "cuda.forward_compat",
            &["driver.cuda_init"],
        ),
        (
            "cuda_visible_devices_empty",
            "environment.cuda_visible_devices",
            &["driver.cuda_init"],
        ),
        (
            "container_without_gpus",
            "environment.container_gpus",
            &["driver.nvml", "driver.cuda_init", "gpu.health"],
        ),
        (
            "cpu_only",
            "driver.nvml",
            &["driver.cuda_init", "gpu.health"],
        ),
    ];
    let reports = reports();
    for (name, root, leads) in families {
        let report = &reports.iter().find(|(n, _)| n == name).unwrap().1;
        let layout = hwcheck_render::layout::layout(&report.checks);
        assert_eq!(layout.roots.len(), 1, "{name}");
        assert_eq!(layout.roots[0].check.key(), root, "{name}");
        let folded: Vec<String> = layout.roots[0]
            .consequences
            .iter()
            .map(|c| c.key())
            .collect();
        for id in leads {
            assert!(
                folded.iter().any(|k| k == id),
                "{name}: {id} not in {folded:?}"
            );
        }
        let table = hwcheck_render::table::render(report, false, Some(80));
        let first_block = table.lines().position(|l| l.starts_with("FAIL "));
        assert_eq!(
            table.lines().nth(first_block.unwrap()),
            Some(format!("FAIL {root}").as_str()),
            "{name}:\n{table}"
        );
        for id in leads {
            assert!(table.contains(&format!("leads to: {id} ")), "{name}: {id}");
            assert!(
                !table.contains(&format!("┆ {id} ")),
                "{name}: {id} repeated as a row"
            );
        }
    }
    // Hidden cuBLASLt: the CUDA provider is a root cause whose remedy puts the directory that
    // holds libcublasLt first on the path; its raw ORT error is cleaned in the table only.
    let report = &reports
        .iter()
        .find(|(n, _)| n == "hidden_cublaslt")
        .unwrap()
        .1;
    let layout = hwcheck_render::layout::layout(&report.checks);
    // The missing cuBLASLt dependency (a WARN of the library scan) is the root; the CUDA
    // provider's FAIL, with its remedy, folds under it.
    let root = layout
        .roots
        .iter()
        .find(|r| r.check.key() == "libraries.load_problems")
        .expect("the missing dependency is a root cause");
    let cuda = root
        .consequences
        .iter()
        .find(|c| c.key() == "ort.provider.cuda")
        .expect("the CUDA provider follows from it");
    assert!(cuda.remedy.is_some());
    assert!(root
        .check
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("nvidia/cu13/lib"));
    let table = hwcheck_render::table::render(report, false, Some(120));
    assert!(!table.contains("onnxruntime_src"), "{table}");
    let json = hwcheck_render::json::render(report);
    assert!(json.contains("onnxruntime_src"));
}
