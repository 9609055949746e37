//! The fleet summary (`hwcheck summarize`) as text for people, Markdown or JSON.
//!
//! Text and Markdown show the top of each list (the JSON has everything, with every node).

use crate::markdown::escape;
use hwcheck_model::fleet::{FleetSummary, Spread};

/// Rows shown per list in text and Markdown.
pub const MAX_ROWS: usize = 20;

/// The summary as pretty JSON (no trailing newline).
pub fn render_json(summary: &FleetSummary) -> String {
    serde_json::to_string_pretty(summary).unwrap_or_else(|e| {
        serde_json::json!({ "error": format!("cannot serialise the summary: {e}") }).to_string()
    })
}

/// A section: a title and its rows (cells).
struct Section {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    more: usize,
}

fn sections(s: &FleetSummary) -> Vec<Section> {
    let mut out = Vec::new();
    let causes: Vec<Vec<String>> = s
        .root_causes
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.nodes.to_string(),
                c.first_failure.to_string(),
                c.examples.join(", "),
            ]
        })
        .collect();
    out.push(section(
        "Failing checks, by nodes hit".into(),
        vec!["Check", "Nodes", "First failure on", "Example nodes"],
        causes,
    ));
    for (title, spread) in [
        ("Driver", &s.versions.driver),
        ("CUDA (newest the driver supports)", &s.versions.cuda),
        ("ONNX Runtime", &s.versions.ort),
        ("GPU", &s.versions.gpu),
    ] {
        out.push(section(
            format!("{title} versions"),
            vec!["Version", "Nodes"],
            spread_rows(spread),
        ));
    }
    if let Some(max) = s.max_age_seconds {
        let rows = s
            .stale
            .iter()
            .map(|x| {
                vec![
                    x.node.clone(),
                    age(x.age_seconds),
                    x.age_from.to_string(),
                    x.file.clone(),
                ]
            })
            .collect();
        out.push(section(
            format!("Reports older than {}", age(max)),
            vec!["Node", "Age", "Age from", "File"],
            rows,
        ));
    }
    if !s.superseded.is_empty() {
        let rows = s
            .superseded
            .iter()
            .map(|x| vec![x.node.clone(), x.file.clone(), x.kept.clone()])
            .collect();
        out.push(section(
            "Older reports of the same node (not counted)".into(),
            vec!["Node", "File", "Newer file counted"],
            rows,
        ));
    }
    if !s.unreadable.is_empty() {
        let rows = s
            .unreadable
            .iter()
            .map(|x| vec![x.file.clone(), x.problem.clone()])
            .collect();
        out.push(section(
            "Files that are not hwcheck reports".into(),
            vec!["File", "Problem"],
            rows,
        ));
    }
    out
}

fn section(title: String, header: Vec<&'static str>, mut rows: Vec<Vec<String>>) -> Section {
    let more = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    Section {
        title,
        header,
        rows,
        more,
    }
}

fn spread_rows(spread: &[Spread]) -> Vec<Vec<String>> {
    spread
        .iter()
        .map(|x| vec![x.value.clone(), x.nodes.to_string()])
        .collect()
}

/// "3d 4h", "10m", "45s".
fn age(seconds: u64) -> String {
    hwcheck_model::time::format_duration(std::time::Duration::from_secs(seconds))
}

fn headline(s: &FleetSummary) -> String {
    format!(
        "{} nodes: {} OK, {} FAIL{}{}",
        s.nodes,
        s.verdicts.ok,
        s.verdicts.fail,
        if s.max_age_seconds.is_some() {
            format!(", {} stale", s.stale.len())
        } else {
            String::new()
        },
        if s.unreadable.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable files", s.unreadable.len())
        }
    )
}

/// The summary as text tables wrapped to `width` columns (`None`: no wrapping).
pub fn render_table(s: &FleetSummary, width: Option<usize>) -> String {
    use comfy_table::{presets, Table};
    let mut out = vec![crate::wrap::wrap(
        &format!("hwcheck fleet — {}", headline(s)),
        width,
    )];
    for sec in sections(s) {
        out.push(String::new());
        out.push(sec.title.clone());
        if sec.rows.is_empty() {
            out.push("  none".to_string());
            continue;
        }
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .force_no_tty()
            .set_header(sec.header.clone());
        crate::table::fit(&mut table, width);
        for row in &sec.rows {
            table.add_row(row.clone());
        }
        out.push(table.to_string());
        if sec.more > 0 {
            out.push(format!("  … and {} more (see --format json)", sec.more));
        }
    }
    out.join("\n")
}

/// The summary as GitHub-flavoured Markdown (no trailing newline).
pub fn render_markdown(s: &FleetSummary) -> String {
    let mut out = vec![
        "## hwcheck fleet".to_string(),
        String::new(),
        format!("**{}**", headline(s)),
    ];
    for sec in sections(s) {
        out.push(String::new());
        out.push(format!("### {}", escape(&sec.title)));
        out.push(String::new());
        if sec.rows.is_empty() {
            out.push("None.".to_string());
            continue;
        }
        out.push(format!("| {} |", sec.header.join(" | ")));
        out.push(format!("|{}", "---|".repeat(sec.header.len())));
        for row in &sec.rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            out.push(format!("| {} |", cells.join(" | ")));
        }
        if sec.more > 0 {
            out.push(String::new());
            out.push(format!("… and {} more (see `--format json`).", sec.more));
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::fleet::{RootCause, Stale, Unreadable, VerdictCounts};

    fn summary() -> FleetSummary {
        FleetSummary {
            nodes: 3,
            verdicts: VerdictCounts { ok: 1, fail: 2 },
            root_causes: vec![RootCause {
                id: "driver.cuda_init".into(),
                nodes: 2,
                first_failure: 2,
                examples: vec!["gpu-1".into(), "gpu_2".into()],
            }],
            max_age_seconds: Some(3600),
            stale: vec![Stale {
                node: "gpu-9".into(),
                file: "r/gpu-9.json".into(),
                age_seconds: 90_000,
                age_from: "report",
            }],
            unreadable: (0..25)
                .map(|i| Unreadable {
                    file: format!("junk{i}.json"),
                    problem: "not JSON".into(),
                })
                .collect(),
            ..FleetSummary::default()
        }
    }

    #[test]
    fn text_leads_with_the_counts_and_ranks_causes() {
        let text = render_table(&summary(), Some(100));
        assert!(
            text.starts_with("hwcheck fleet — 3 nodes: 1 OK, 2 FAIL, 1 stale, 25 unreadable files")
        );
        assert!(text.contains("driver.cuda_init") && text.contains("gpu-1, gpu_2"));
        assert!(text.contains("Reports older than 1h"));
        assert!(text.contains("1day 1h"), "{text}");
        assert!(text.contains("… and 5 more"));
    }

    #[test]
    fn markdown_escapes_cells() {
        let md = render_markdown(&summary());
        assert!(
            md.contains("| driver.cuda\\_init | 2 | 2 | gpu-1, gpu\\_2 |"),
            "{md}"
        );
        assert!(md.contains("### Driver versions\n\nNone."));
    }

    #[test]
    fn json_has_every_list() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&summary())).unwrap();
        assert_eq!(v["verdicts"]["fail"], 2);
        assert_eq!(v["unreadable"].as_array().unwrap().len(), 25);
        assert_eq!(v["stale"][0]["age_from"], "report");
    }
}
