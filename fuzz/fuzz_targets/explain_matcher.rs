//! `hwcheck explain` on any pasted text, against the built-in error table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn table() -> &'static hwcheck_compat::errors::ErrorTable {
    static TABLE: OnceLock<hwcheck_compat::errors::ErrorTable> = OnceLock::new();
    TABLE.get_or_init(|| hwcheck_compat::Tables::embedded().errors)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let bounded = hwcheck_judge::explain::bound(&text);
    let _ = hwcheck_judge::explain::explain(bounded.text, table());
});
