use super::*;
use crate::check::Status;
use std::time::UNIX_EPOCH;

const NOW: u64 = 1_795_000_000;

fn at(secs_ago: u64) -> String {
    crate::time::format_rfc3339(UNIX_EPOCH + Duration::from_secs(NOW - secs_ago))
}

fn report(
    host: Option<&str>,
    driver: &str,
    failing: &[&str],
    generated_secs_ago: Option<u64>,
) -> Digest {
    let mut checks: Vec<DigestCheck> = failing
        .iter()
        .map(|id| DigestCheck {
            id: id.to_string(),
            status: Status::Fail,
        })
        .collect();
    checks.push(DigestCheck {
        id: "driver.nvml".to_string(),
        status: Status::Pass,
    });
    let mut facts = DigestFacts::default();
    facts.host.hostname = host.map(str::to_string);
    facts.driver.nvml.driver_version = Some(driver.to_string());
    facts.driver.nvml.cuda_driver_version = Some("13.0".to_string());
    Digest {
        schema_version: 1,
        generated_at: generated_secs_ago.map(at),
        verdict: if failing.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Fail
        },
        checks,
        facts,
    }
}

fn loaded(file: &str, digest: Digest) -> Loaded {
    Loaded {
        file: file.to_string(),
        modified: Some(UNIX_EPOCH + Duration::from_secs(NOW - 50)),
        digest,
    }
}

fn options(max_age: Option<u64>) -> Options {
    Options {
        now: UNIX_EPOCH + Duration::from_secs(NOW),
        max_age: max_age.map(Duration::from_secs),
        examples: 2,
    }
}

#[test]
fn counts_verdicts_and_ranks_failing_checks_by_nodes() {
    let reports = vec![
        loaded("a.json", report(Some("a"), "580.1", &[], Some(10))),
        loaded(
            "b.json",
            report(
                Some("b"),
                "580.1",
                &["driver.cuda_init", "ort.provider.cuda"],
                Some(10),
            ),
        ),
        loaded(
            "c.json",
            report(Some("c"), "550.2", &["ort.provider.cuda"], Some(10)),
        ),
        loaded(
            "d.json",
            report(Some("d"), "550.2", &["ort.provider.cuda"], Some(10)),
        ),
    ];
    let s = summarize(reports, Vec::new(), &options(None));
    assert_eq!(s.nodes, 4);
    assert_eq!(s.verdicts, VerdictCounts { ok: 1, fail: 3 });
    assert_eq!(s.root_causes[0].id, "ort.provider.cuda");
    assert_eq!(s.root_causes[0].nodes, 3);
    assert_eq!(s.root_causes[0].first_failure, 2);
    assert_eq!(s.root_causes[0].examples, ["b", "c"], "capped at 2");
    assert_eq!(s.root_causes[1].id, "driver.cuda_init");
    assert_eq!(
        s.versions.driver,
        [
            Spread {
                value: "550.2".into(),
                nodes: 2
            },
            Spread {
                value: "580.1".into(),
                nodes: 2
            }
        ]
    );
    assert_eq!(s.versions.ort[0].value, "unknown");
    assert!(s.stale.is_empty() && s.max_age_seconds.is_none());
    assert_eq!(
        s.node_list[1].failing,
        ["driver.cuda_init", "ort.provider.cuda"]
    );
}

#[test]
fn stale_reports_use_the_report_time_else_the_file_time() {
    let reports = vec![
        loaded("old.json", report(Some("old"), "580", &[], Some(7200))),
        loaded("new.json", report(Some("new"), "580", &[], Some(60))),
        loaded("undated.json.gz", report(None, "580", &[], None)),
    ];
    let s = summarize(reports, Vec::new(), &options(Some(40)));
    let stale: Vec<(&str, u64, &str)> = s
        .stale
        .iter()
        .map(|x| (x.node.as_str(), x.age_seconds, x.age_from))
        .collect();
    assert_eq!(
        stale,
        [
            ("old", 7200, "report"),
            ("new", 60, "report"),
            ("undated", 50, "file time")
        ]
    );
    assert_eq!(s.max_age_seconds, Some(40));
}

#[test]
fn the_newest_report_of_a_node_counts() {
    let reports = vec![
        loaded(
            "x-old.json",
            report(Some("x"), "550", &["driver.nvml"], Some(900)),
        ),
        loaded("x-new.json", report(Some("x"), "580", &[], Some(5))),
    ];
    let unreadable = vec![Unreadable {
        file: "junk.json".into(),
        problem: "not JSON".into(),
    }];
    let s = summarize(reports, unreadable.clone(), &options(None));
    assert_eq!(s.nodes, 1);
    assert_eq!(s.verdicts, VerdictCounts { ok: 1, fail: 0 });
    assert_eq!(
        s.superseded,
        [Superseded {
            node: "x".into(),
            file: "x-old.json".into(),
            kept: "x-new.json".into()
        }]
    );
    assert_eq!(s.unreadable, unreadable);
}

#[test]
fn nodes_without_a_host_name_are_named_by_their_file() {
    let l = loaded("/reports/gpu-17.json.gz", report(None, "580", &[], None));
    assert_eq!(node_name(&l), "gpu-17");
    let l = loaded("gpu-18.json", report(Some("  "), "580", &[], None));
    assert_eq!(node_name(&l), "gpu-18");
    let l = loaded("report.txt", report(None, "580", &[], None));
    assert_eq!(node_name(&l), "report.txt");
}

#[test]
fn an_empty_fleet_is_empty() {
    let s = summarize(Vec::new(), Vec::new(), &options(Some(1)));
    assert_eq!(s.nodes, 0);
    assert!(s.root_causes.is_empty() && s.versions.driver.is_empty());
}
