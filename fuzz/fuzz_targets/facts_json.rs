//! Saved reports / facts read back with --facts, then judged and rendered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::OnceLock;

fn tables() -> &'static hwcheck::compat::Tables {
    static TABLES: OnceLock<hwcheck::compat::Tables> = OnceLock::new();
    TABLES.get_or_init(hwcheck::compat::Tables::embedded)
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    if let Ok(facts) = hwcheck::app::load_facts(file.path()) {
        let checks = hwcheck::judge::judge(&facts, tables());
        let report = hwcheck::check::Report::new(facts, checks, false);
        for format in [
            hwcheck::render::Format::Table,
            hwcheck::render::Format::Json,
            hwcheck::render::Format::Markdown,
        ] {
            let _ = hwcheck::render::render(&report, format, false);
        }
    }
});
