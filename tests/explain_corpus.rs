//! The explain corpus: real error texts from public reports (`tests/corpus/explain/*.toml`, each
//! with its source and the truth a support engineer would give, taken from the report and the
//! vendors' documentation, not from hwcheck's tables) run through the matcher and scored.
//!
//! A case is diagnosed correctly when the best match has the case's family (or an equivalent
//! one, see [`family_accepted`]) and kind, its fix contains every `fix_words` entry, its cause,
//! fix and note say none of `must_not_say`, and an `unknown` case matches nothing. The test
//! prints `explain corpus: N/M diagnosed correctly` and fails below 100%. Cases that cannot be
//! diagnosed from their text are listed, with the reason, in `tests/corpus/explain/DROPPED.md`.

use hwcheck_compat::errors::{ErrorTable, Kind};
use hwcheck_compat::Tables;
use hwcheck_judge::explain::explain;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Case {
    source: String,
    paste: String,
    family: String,
    kind: String,
    #[serde(default)]
    fix_words: Vec<String>,
    #[serde(default)]
    must_not_say: Vec<String>,
}

/// Frameworks that relay the errors of the libraries below.
const FRAMEWORKS: [&str; 4] = ["pytorch", "tensorflow", "jax", "onnxruntime"];

/// The words by which a message names a library family (lowercase).
fn library_words(family: &str) -> &'static [&'static str] {
    match family {
        "cuda-runtime" | "cuda-driver-api" => &[
            "cuda error",
            "cudaerror",
            "cuda_error",
            "cuda failure",
            "cuda runtime error",
            "cuinit",
            "cuda driver",
            "cuda-capable",
            "kernel image",
            "ptx",
            "cudart",
            "libcuda",
        ],
        "cudnn" => &["cudnn"],
        "cublas" => &["cublas"],
        "tensorrt" => &["tensorrt", "nvinfer"],
        _ => &[],
    }
}

/// The family-equivalence rule (docs/explain.md): a diagnosis's family is accepted when it is
/// the case's family; or both are CUDA API families (`cuda-runtime` and `cuda-driver-api` share
/// one error set); or one is a framework (PyTorch, TensorFlow, JAX, ONNX Runtime) and the other
/// a library (CUDA, cuDNN, cuBLAS, TensorRT) that the matched phrase names: the framework is
/// relaying the library's own error, so the message belongs to both layers.
fn family_accepted(case: &str, row: &str, phrase: &str) -> bool {
    let cuda = ["cuda-runtime", "cuda-driver-api"];
    if case == row || (cuda.contains(&case) && cuda.contains(&row)) {
        return true;
    }
    let phrase = phrase.to_lowercase();
    [(case, row), (row, case)]
        .iter()
        .any(|(framework, library)| {
            FRAMEWORKS.contains(framework)
                && library_words(library).iter().any(|w| phrase.contains(w))
        })
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/explain")
}

/// Why a case is not diagnosed correctly (empty when it is).
fn judge(case: &Case, errors: &ErrorTable, tables: &Tables) -> Vec<String> {
    let found = explain(&case.paste, errors);
    if case.family == "unknown" {
        return found
            .iter()
            .map(|m| format!("unknown text matched {}", m.row.id))
            .collect();
    }
    let Some(best) = found.first() else {
        return vec!["nothing matched".to_string()];
    };
    let row = best.row;
    let mut wrong = Vec::new();
    if !family_accepted(&case.family, &row.family, row.phrase.as_str()) {
        wrong.push(format!(
            "family {} (row {}), expected {}",
            row.family, row.id, case.family
        ));
    }
    let kind = match row.kind {
        Kind::Environment => "environment",
        Kind::Program => "program",
    };
    if kind != case.kind {
        wrong.push(format!(
            "kind {kind} (row {}), expected {}",
            row.id, case.kind
        ));
    }
    let fix = best.fix(&tables.arch).to_lowercase();
    for word in &case.fix_words {
        if !fix.contains(&word.to_lowercase()) {
            wrong.push(format!("fix of {} lacks {word:?}: {fix}", row.id));
        }
    }
    let mut said = format!("{} {}", best.cause(&tables.arch), fix).to_lowercase();
    if row.kind == Kind::Program {
        said.push_str(&hwcheck_program_note().to_lowercase());
    }
    for phrase in &case.must_not_say {
        if said.contains(&phrase.to_lowercase()) {
            wrong.push(format!("{} says {phrase:?}", row.id));
        }
    }
    wrong
}

/// The note the output adds to program problems (kept in step with explain_render.rs).
fn hwcheck_program_note() -> &'static str {
    "this is a problem of the program, its data or its memory use, not of this machine's setup: fix the program or its input; the installed GPU software is not the cause."
}

/// Case file names listed in DROPPED.md (lines starting with "- `NNN-...toml`").
fn dropped() -> Vec<String> {
    let text = std::fs::read_to_string(corpus_dir().join("DROPPED.md")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn explain_corpus_is_diagnosed_correctly() {
    let tables = Tables::load(None).expect("tables");
    let errors = ErrorTable::load(None).expect("error table");
    let families = errors.families();
    println!(
        "knowledge base: {} messages, {} families",
        errors.rows.len(),
        families.len()
    );
    let dropped = dropped();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 100, "only {} cases", files.len());
    let (mut scored, mut correct, mut failures) = (0, 0, Vec::new());
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("case file");
        let case: Case = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(case.source.starts_with("https://"), "{name}: no source");
        if dropped.contains(&name) {
            continue;
        }
        scored += 1;
        let wrong = judge(&case, &errors, &tables);
        if wrong.is_empty() {
            correct += 1;
        } else {
            failures.push(format!("{name}: {}", wrong.join("; ")));
        }
    }
    for d in &dropped {
        assert!(
            files.iter().any(|f| f.ends_with(d)),
            "DROPPED.md names a missing case {d}"
        );
    }
    println!(
        "explain corpus: {correct}/{scored} diagnosed correctly ({} dropped, see DROPPED.md)",
        dropped.len()
    );
    assert!(
        failures.is_empty(),
        "wrong diagnoses:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_family_rule_is_explicit() {
    assert!(family_accepted("cuda-runtime", "cuda-driver-api", "x"));
    assert!(family_accepted(
        "cuda-runtime",
        "pytorch",
        "Error 804: ... cuda driver ..."
    ));
    assert!(family_accepted(
        "cudnn",
        "tensorflow",
        "cuDNN failed to initialize"
    ));
    assert!(!family_accepted(
        "cudnn",
        "tensorflow",
        "Could not load dynamic library"
    ));
    assert!(!family_accepted(
        "container",
        "nvidia-smi",
        "NVIDIA-SMI has failed"
    ));
    assert!(!family_accepted("pytorch", "jax", "cuDNN"));
}
