use super::*;
use crate::context::{ProbeOptions, DEFAULT_TIMEOUT};
use std::collections::BTreeMap;

fn ctx(root: &Path, env: &[(&str, &str)], options: ProbeOptions) -> SystemContext {
    SystemContext {
        root: root.to_path_buf(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        timeout: DEFAULT_TIMEOUT,
        quick: false,
        options,
    }
}

fn touch(root: &Path, path: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, b"x").unwrap();
}

#[test]
fn names_of_main_libraries() {
    assert!(is_main_ort_lib("libonnxruntime.so"));
    assert!(is_main_ort_lib("libonnxruntime.so.1.31.1"));
    assert!(!is_main_ort_lib("libonnxruntime_providers_cuda.so"));
    assert!(!is_main_ort_lib("libonnxruntime.sox"));
}

#[test]
fn dist_info_names() {
    assert_eq!(
        parse_dist_info("onnxruntime_gpu-1.31.1.dist-info").as_deref(),
        Some("onnxruntime-gpu 1.31.1")
    );
    assert_eq!(
        parse_dist_info("onnxruntime-1.26.0.dist-info").as_deref(),
        Some("onnxruntime 1.26.0")
    );
    assert_eq!(parse_dist_info("onnxruntime_genai-0.5.dist-info"), None);
    assert_eq!(parse_dist_info("numpy-2.0.dist-info"), None);
    assert_eq!(parse_dist_info("onnxruntime"), None);
}

#[test]
fn wheel_tags_tell_where_a_wheel_was_built_for() {
    let wheel = "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: false\nTag: cp310-cp310-manylinux_2_27_aarch64\nTag: cp310-cp310-manylinux_2_28_aarch64\n";
    assert_eq!(
        parse_wheel_tags(wheel),
        [
            "cp310-cp310-manylinux_2_27_aarch64",
            "cp310-cp310-manylinux_2_28_aarch64"
        ]
    );
    assert!(parse_wheel_tags("").is_empty());
    assert!(parse_wheel_tags("Tag:   \n").is_empty());
}

#[test]
fn finds_a_cpu_wheel_shadowing_a_gpu_wheel_and_a_venv() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let site = "/opt/app/.venv/lib/python3.11/site-packages";
    touch(
        root,
        &format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1"),
    );
    touch(
        root,
        &format!("{site}/onnxruntime/capi/libonnxruntime_providers_shared.so"),
    );
    std::fs::create_dir_all(root.join(&site[1..]).join("onnxruntime-1.31.1.dist-info")).unwrap();
    std::fs::create_dir_all(
        root.join(&site[1..])
            .join("onnxruntime_gpu-1.31.1.dist-info"),
    )
    .unwrap();
    touch(root, "/usr/local/lib/libonnxruntime.so.1.20.0");
    let c = ctx(root, &[("HOME", "/root")], ProbeOptions::default());
    let (found, missing) = discover(&c);
    assert_eq!(missing, None);
    assert_eq!(found.len(), 2, "{found:?}");
    let py = &found[0].install;
    assert_eq!(
        py.path,
        format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1")
    );
    assert_eq!(py.found_via, vec![OrtSource::Python(site.to_string())]);
    assert_eq!(
        py.python_packages,
        vec!["onnxruntime 1.31.1", "onnxruntime-gpu 1.31.1"]
    );
    assert_eq!(py.provider_libraries.len(), 1);
    assert_eq!(
        found[1].install.found_via,
        vec![OrtSource::System("/usr/local/lib".to_string())]
    );
}

#[test]
fn option_and_env_come_first_and_duplicates_merge() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    touch(root, "/usr/local/lib/libonnxruntime.so.1.31.1");
    let options = ProbeOptions {
        ort_path: Some(PathBuf::from("/usr/local/lib/libonnxruntime.so.1.31.1")),
        ..ProbeOptions::default()
    };
    let c = ctx(
        root,
        &[("ORT_DYLIB_PATH", "/usr/local/lib/libonnxruntime.so.1.31.1")],
        options,
    );
    let (found, _) = discover(&c);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].install.found_via,
        vec![
            OrtSource::Option,
            OrtSource::OrtDylibPath,
            OrtSource::System("/usr/local/lib".to_string())
        ]
    );
}

#[test]
fn reference_runtime_only_when_asked_or_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cached = format!(
        "/home/u/.cache/hwcheck/onnxruntime/{REFERENCE_VERSION}/libonnxruntime.so.{REFERENCE_VERSION}"
    );
    touch(root, &cached);
    let env = [("HOME", "/home/u")];
    let (found, _) = discover(&ctx(root, &env, ProbeOptions::default()));
    assert_eq!(found.len(), 1, "nothing else found: the reference is used");
    assert!(found[0].install.is_reference);

    touch(root, "/usr/lib/libonnxruntime.so.1.20.0");
    let (found, _) = discover(&ctx(root, &env, ProbeOptions::default()));
    assert_eq!(found.len(), 1);
    assert!(!found[0].install.is_reference);

    let asked = ProbeOptions {
        reference_runtime: true,
        ..ProbeOptions::default()
    };
    let (found, _) = discover(&ctx(root, &env, asked.clone()));
    assert_eq!(found.len(), 2);
    assert!(found[1].install.is_reference);

    let (_, missing) = discover(&ctx(root, &[("HOME", "/nobody")], asked));
    assert!(missing.unwrap().contains("fetch-reference-ort.sh"));
}

#[test]
fn the_environment_hwcheck_is_installed_in_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let own = "/srv/tool-env/lib/python3.11/site-packages";
    let active = "/home/u/other-env/lib/python3.12/site-packages";
    for site in [own, active] {
        touch(
            root,
            &format!("{site}/onnxruntime/capi/libonnxruntime.so.1.31.1"),
        );
    }
    touch(root, "/home/u/other-env/pyvenv.cfg");
    touch(root, "/srv/tool-env/bin/hwcheck");
    let env = [("HOME", "/home/u"), ("VIRTUAL_ENV", "/home/u/other-env")];
    let installed = |exe: &str| ProbeOptions {
        own_executable: Some(PathBuf::from(exe)),
        ..ProbeOptions::default()
    };
    let sources = |options: ProbeOptions| -> Vec<OrtSource> {
        let (found, _) = discover(&ctx(root, &env, options));
        found
            .into_iter()
            .flat_map(|f| f.install.found_via)
            .collect()
    };

    // Not a Python environment (no pyvenv.cfg, no conda-meta): not searched at all.
    assert_eq!(
        sources(installed("/srv/tool-env/bin/hwcheck")),
        vec![OrtSource::Python(active.to_string())]
    );

    touch(root, "/srv/tool-env/pyvenv.cfg");
    assert_eq!(
        sources(installed("/srv/tool-env/bin/hwcheck")),
        vec![
            OrtSource::Python(own.to_string()),
            OrtSource::Python(active.to_string())
        ],
        "the venv hwcheck runs from is searched before the active one"
    );
    assert_eq!(
        own_environment(&ctx(root, &env, installed("/srv/tool-env/bin/hwcheck"))),
        Some(root.join("srv/tool-env"))
    );
    // An executable outside a bin/ directory, or none known: no own environment.
    assert_eq!(
        own_environment(&ctx(root, &env, installed("/srv/tool-env/hwcheck"))),
        None
    );
    assert_eq!(
        own_environment(&ctx(root, &env, ProbeOptions::default())),
        None
    );
}
