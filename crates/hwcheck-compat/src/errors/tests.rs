use super::*;

fn table() -> ErrorTable {
    ErrorTable::load(None).unwrap()
}

#[test]
fn embedded_knowledge_base_is_large_sourced_and_covers_the_families() {
    let t = table();
    assert!(t.rows.len() >= 150, "{} rows", t.rows.len());
    let families = t.families();
    for family in [
        "cuda-runtime",
        "cuda-driver-api",
        "nvml",
        "nvidia-smi",
        "cudnn",
        "cublas",
        "onnxruntime",
        "pytorch",
        "tensorflow",
        "jax",
        "container",
        "wsl2",
        "jetson",
        "tensorrt",
        "program",
    ] {
        assert!(
            families.get(family).copied().unwrap_or(0) >= 3,
            "{family}: {families:?}"
        );
    }
    for row in &t.rows {
        assert!(row.source.starts_with("https://"), "{}", row.id);
        assert!(!row.quote.trim().is_empty(), "{}", row.id);
    }
}

#[test]
fn every_phrase_matches_its_own_quote() {
    for row in &table().rows {
        assert!(
            row.phrase
                .find(&phrase::Haystack::new(&row.quote))
                .is_some(),
            "{}: {:?} not in {:?}",
            row.id,
            row.phrase.as_str(),
            row.quote
        );
    }
}

#[test]
fn program_rows_do_not_send_people_to_the_driver() {
    for row in table().rows.iter().filter(|r| r.kind == Kind::Program) {
        let text = format!("{} {}", row.cause.as_str(), row.fix.as_str()).to_lowercase();
        assert!(!text.contains("driver"), "{}: {text}", row.id);
    }
}

const ROW: &str = "id = 'a-row'\nfamily = 'cublas'\nkind = 'program'\nphrase = 'Create cublas handle failed'\ncause = 'c'\nfix = 'f'\ncheck = ''\nsource = 'https://example.org/r/1'\nquote = 'Check failed: Create cublas handle failed'\n";

fn override_error(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(DIR_NAME)).unwrap();
    std::fs::write(dir.path().join(DIR_NAME).join(name), text).unwrap();
    match ErrorTable::load(Some(dir.path())) {
        Ok(_) => format!("loaded: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_override_file_replaces_its_family_and_adds_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(DIR_NAME)).unwrap();
    std::fs::write(
        dir.path().join(DIR_NAME).join("cublas.toml"),
        format!("[[error]]\n{ROW}"),
    )
    .unwrap();
    let extra = ROW.replace("a-row", "b-row").replace("'cublas'", "'mine'");
    std::fs::write(
        dir.path().join(DIR_NAME).join("mine.toml"),
        format!("[[error]]\n{extra}"),
    )
    .unwrap();
    let t = ErrorTable::load(Some(dir.path())).unwrap();
    assert_eq!(t.families()["cublas"], 1);
    assert_eq!(t.families()["mine"], 1);
    assert!(t.rows.len() > 100);
}

#[test]
fn bad_rows_are_reported_with_file_and_row() {
    let cases = [
        (
            ROW.replace(
                "quote = 'Check failed: Create cublas handle failed'",
                "quote = 'something else'",
            ),
            "own quote",
        ),
        (ROW.replace("'cublas'", "'nvml'"), "family"),
        (ROW.replace("kind = 'program'", "kind = 'weather'"), "row 2"),
        (
            ROW.replace("check = ''", "check = 'no.such.check'"),
            "names no hwcheck check",
        ),
        (
            ROW.replace("fix = 'f'", "fix = 'see {cuda:1}'"),
            "placeholder",
        ),
        (
            ROW.replace("https://example.org/r/1", "n/a"),
            "source must be",
        ),
        (
            ROW.replace(
                "quote = 'Check failed: Create cublas handle failed'",
                "quote = ' '",
            ),
            "empty `quote`",
        ),
    ];
    for (bad, want) in cases {
        let err = override_error(
            "cublas.toml",
            &format!(
                "[[error]]\n{ROW}\n[[error]]\n{}",
                bad.replace("a-row", "b-row")
            ),
        );
        assert!(
            err.contains("errors/cublas.toml") && err.contains(want),
            "{want}: {err}"
        );
    }
    let dup = override_error(
        "cublas.toml",
        &format!("[[error]]\n{ROW}\n[[error]]\n{ROW}"),
    );
    assert!(dup.contains("duplicate row id"), "{dup}");
}

#[test]
fn check_names_are_checked_against_the_check_kinds() {
    for good in [
        "driver.nvml",
        "cudnn",
        "ort.provider",
        "ort.provider.cuda",
        "gpu.compute_capability",
    ] {
        assert!(names_a_check(good), "{good}");
    }
    for bad in ["kernels.images", "environment.wsl", "driver.nvm"] {
        assert!(!names_a_check(bad), "{bad}");
    }
}
