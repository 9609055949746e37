//! Saved reports / facts read back with --facts, then judged and rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::OnceLock;

fn tables() -> &'static hwcheck_compat::Tables {
    static TABLES: OnceLock<hwcheck_compat::Tables> = OnceLock::new();
    TABLES.get_or_init(hwcheck_compat::Tables::embedded)
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    if let Ok(facts) = hwcheck_model::facts::load::load_report(file.path()) {
        let checks = hwcheck_judge::judge(&facts, tables());
        let report = hwcheck_model::check::Report::new(facts, checks, false);
        for format in [
            hwcheck_render::Format::Table,
            hwcheck_render::Format::Json,
            hwcheck_render::Format::Markdown,
        ] {
            let _ = hwcheck_render::render(&report, format, false, Some(80));
        }
    }
});
