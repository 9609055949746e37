//! docs/checks.md is generated from the check-id enum; this test fails when they differ.
//! `HWCHECK_BLESS=1 cargo test --test checks_doc` rewrites the file.

#[test]
fn docs_checks_md_is_generated_from_the_enum() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md");
    let expected = hwcheck_model::check_id::reference_markdown();
    if std::env::var_os("HWCHECK_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/checks.md differs from the CheckKind enum: run HWCHECK_BLESS=1 cargo test --test checks_doc"
    );
}
