//! The NFD feature file, parsed the way nfd-worker's `local` source reads it (NFD's
//! customization guide, "Feature files" and "Input format"; source/local/local.go): at most
//! 65,536 bytes or the file is ignored; lines split on `\n` and trimmed; `#` lines are comments
//! except `# +expiry-time=<RFC 3339>` (lines after a past expiry are dropped) and the
//! `# +no-label` / `# +no-feature` directives; `key[=value]` with the value defaulting to
//! "true". nfd-master then publishes a label only when the key is a Kubernetes qualified name
//! whose namespace is not kubernetes.io (or a sub-domain of it) and the value a valid label
//! value.

use super::{fixtures, hwcheck, rejudged};
use regex::Regex;
use std::collections::BTreeMap;
use std::time::SystemTime;

const MAX_FEATURE_FILE: usize = 65_536;

/// The labels NFD would publish from `text` at `now`, or why it would ignore the file.
fn parse_nfd(text: &str, now: SystemTime) -> Result<BTreeMap<String, String>, String> {
    if text.len() > MAX_FEATURE_FILE {
        return Err(format!("{} bytes: NFD ignores the file", text.len()));
    }
    let name = Regex::new(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$").unwrap();
    let dns =
        Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").unwrap();
    let mut expired = false;
    let mut labels = BTreeMap::new();
    for line in text.split('\n').map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(directive) = line.strip_prefix("# +") {
            let (key, value) = directive.split_once('=').unwrap_or((directive, ""));
            match key {
                "expiry-time" => {
                    let at = humantime::parse_rfc3339(value.trim())
                        .map_err(|e| format!("bad expiry-time {value:?}: {e}"))?;
                    expired = at < now;
                }
                other => return Err(format!("unexpected directive {other:?}")),
            }
            continue;
        }
        if line.starts_with('#') || expired {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, "true"));
        let (namespace, label) = key
            .split_once('/')
            .ok_or_else(|| format!("{key:?} has no namespace (NFD would prefix it)"))?;
        if !(namespace.len() <= 253 && dns.is_match(namespace)) {
            return Err(format!("{key:?}: namespace is not a DNS subdomain"));
        }
        if namespace == "kubernetes.io" || namespace.ends_with(".kubernetes.io") {
            return Err(format!("{key:?}: nfd-master always denies kubernetes.io"));
        }
        if !(label.len() <= 63 && name.is_match(label)) {
            return Err(format!("{key:?}: not a valid label name"));
        }
        if !(value.is_empty() || (value.len() <= 63 && name.is_match(value))) {
            return Err(format!("{key:?}: {value:?} is not a valid label value"));
        }
        if labels.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("{key:?} given twice"));
        }
    }
    Ok(labels)
}

#[test]
fn every_fixture_gives_labels_nfd_publishes() {
    let now = SystemTime::now();
    for fixture in fixtures() {
        let text = rejudged(&fixture, "nfd");
        let labels = parse_nfd(&text, now).unwrap_or_else(|e| panic!("{fixture:?}: {e}\n{text}"));
        let verdict = &labels["hwcheck.dev/verdict"];
        assert!(verdict == "ok" || verdict == "fail", "{fixture:?}");
        assert!(labels.keys().all(|k| k.starts_with("hwcheck.dev/")));
        let fails = labels
            .keys()
            .filter(|k| k.starts_with("hwcheck.dev/fail.") && *k != "hwcheck.dev/fail.count")
            .count();
        assert_eq!(
            labels["hwcheck.dev/fail.count"],
            fails.to_string(),
            "{fixture:?}"
        );
        assert_eq!(verdict == "ok", fails == 0, "{fixture:?}");
        // The file expires a day after it was made: past that, NFD publishes nothing of it.
        let later = now + std::time::Duration::from_secs(25 * 3600);
        assert!(parse_nfd(&text, later).unwrap().is_empty(), "{fixture:?}");
    }
}

#[test]
fn a_working_node_and_a_broken_one_differ_where_schedulers_look() {
    let by_name = |name: &str| {
        let f = fixtures().into_iter().find(|f| f.ends_with(name)).unwrap();
        parse_nfd(&rejudged(&f, "nfd"), SystemTime::now()).unwrap()
    };
    let good = by_name("h100_recorded_ortgpu.json");
    assert_eq!(good["hwcheck.dev/provider.cuda"], "pass");
    assert_eq!(good["hwcheck.dev/detection.cuda"], "pass");
    assert_eq!(good["hwcheck.dev/driver.version"], "580.159.04");
    assert_eq!(good["hwcheck.dev/driver.cuda"], "13.0");
    let broken = by_name("compat_first_on_path.json");
    assert_eq!(broken["hwcheck.dev/verdict"], "fail");
    assert_eq!(broken["hwcheck.dev/fail.driver.cuda_init"], "true");
    assert_ne!(
        broken.get("hwcheck.dev/provider.cuda").map(String::as_str),
        Some("pass")
    );
}

#[test]
fn the_parser_refuses_what_nfd_would_not_publish() {
    let now = SystemTime::now();
    assert!(parse_nfd("verdict=ok\n", now).is_err(), "unprefixed");
    assert!(parse_nfd("hwcheck.dev/x=a b\n", now).is_err());
    assert!(parse_nfd("node.kubernetes.io/x=1\n", now).is_err());
    assert!(parse_nfd(&format!("hwcheck.dev/{}=1\n", "a".repeat(64)), now).is_err());
    assert!(parse_nfd(&"#".repeat(MAX_FEATURE_FILE + 1), now).is_err());
    let past = "# +expiry-time=2001-01-01T00:00:00Z\nhwcheck.dev/a=1\n";
    assert!(parse_nfd(past, now).unwrap().is_empty());
    let flag = parse_nfd("hwcheck.dev/a\n", now).unwrap();
    assert_eq!(flag["hwcheck.dev/a"], "true");
}

#[test]
fn output_dir_writes_the_feature_file_in_place_of_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let features = dir.path().join("features.d");
    let fixture = &fixtures()[0];
    let args = [
        "--facts",
        fixture.to_str().unwrap(),
        "--format",
        "nfd",
        "--nfd-expiry",
        "2h",
        "--output-dir",
        features.to_str().unwrap(),
    ];
    assert_eq!(hwcheck(&args), "", "nothing printed");
    let names: Vec<String> = std::fs::read_dir(&features)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["hwcheck"], "no temporary file left");
    let text = std::fs::read_to_string(features.join("hwcheck")).unwrap();
    let labels = parse_nfd(&text, SystemTime::now()).unwrap();
    assert!(labels.contains_key("hwcheck.dev/verdict"));
    let in_3h = SystemTime::now() + std::time::Duration::from_secs(3 * 3600);
    assert!(
        parse_nfd(&text, in_3h).unwrap().is_empty(),
        "--nfd-expiry 2h"
    );
}

#[test]
fn output_dir_refuses_formats_that_are_only_printed() {
    let fixture = &fixtures()[0];
    let out = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .args(["--facts", fixture.to_str().unwrap(), "--format", "table"])
        .args(["--output-dir", "/nonexistent/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output-dir writes"));
    // And formats a command does not have are refused by the command line itself.
    let out = assert_cmd::Command::cargo_bin("hwcheck")
        .unwrap()
        .args(["detect", "--format", "nfd"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
