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
        for width in [80u16, 120] {
            let text = hwcheck_render::table::render(&report, false, width);
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
            let text = hwcheck_render::render(&report, format, false);
            settings().bind(|| insta::assert_snapshot!(format!("{name}.{suffix}"), text));
        }
    }
}
