//! Known answers and how detections are matched against them (also used across providers).

use super::nms::iou;
use hwcheck_model::facts::detection::Detection;
use serde::{Deserialize, Serialize};

/// Score threshold of the bundled check and the default of `hwcheck detect` (golden answers
/// are cut at the same value).
pub const SCORE_THRESHOLD: f32 = 0.4;

/// Golden answers for the bundled model, as written by tools/golden.py.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Golden {
    /// SHA-256 of the model the answers belong to.
    pub model_sha256: String,
    /// Score threshold the answers were cut at.
    pub score_threshold: f32,
    /// How they were produced (runtime, version, resize).
    pub reference: String,
    /// Per bundled picture.
    pub images: Vec<GoldenImage>,
}

/// Golden people of one picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoldenImage {
    /// File name, e.g. "astronaut.png".
    pub image: String,
    /// People, best first.
    pub people: Vec<Detection>,
}

/// How close a detection must be to count as the same person.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Least IoU with the expected box.
    pub min_iou: f32,
    /// Largest score difference.
    pub max_score_diff: f32,
}

/// The tolerance: IoU >= 0.9, score within 0.02.
pub const TOLERANCE: Tolerance = Tolerance {
    min_iou: 0.9,
    max_score_diff: 0.02,
};

/// Outcome of matching one picture's detections against the expected ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Expected people found.
    pub matched: usize,
    /// Expected people not found (beyond the borderline allowance).
    pub missing: Vec<Detection>,
    /// People found that were not expected (beyond the borderline allowance).
    pub extra: Vec<Detection>,
    /// Lowest IoU among matched pairs.
    pub worst_iou: Option<f32>,
    /// Largest score difference among matched pairs.
    pub worst_score_diff: Option<f32>,
}

impl Comparison {
    /// True when nothing is missing and nothing is extra.
    pub fn agrees(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Matches `got` against `expected`, greedily, best expected score first. A pair matches when
/// IoU >= `tol.min_iou` and the scores differ by at most `tol.max_score_diff`. A box whose score
/// lies within `tol.max_score_diff` of `threshold` may be missing on one side without counting
/// as a difference (the same person can fall either side of the cut).
pub fn compare(
    expected: &[Detection],
    got: &[Detection],
    threshold: f32,
    tol: Tolerance,
) -> Comparison {
    let borderline = |d: &Detection| d.score < threshold + tol.max_score_diff;
    let mut order: Vec<&Detection> = expected.iter().collect();
    order.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut used = vec![false; got.len()];
    let mut out = Comparison::default();
    for e in order {
        let best = got
            .iter()
            .enumerate()
            .filter(|(i, g)| !used[*i] && (g.score - e.score).abs() <= tol.max_score_diff)
            .map(|(i, g)| (i, iou(&e.bbox, &g.bbox)))
            .filter(|(_, v)| *v >= tol.min_iou)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((i, v)) => {
                used[i] = true;
                out.matched += 1;
                let diff = (got[i].score - e.score).abs();
                out.worst_iou = Some(out.worst_iou.map_or(v, |w: f32| w.min(v)));
                out.worst_score_diff =
                    Some(out.worst_score_diff.map_or(diff, |w: f32| w.max(diff)));
            }
            None if borderline(e) => {}
            None => out.missing.push(*e),
        }
    }
    out.extra = got
        .iter()
        .zip(&used)
        .filter(|(g, u)| !**u && !borderline(g))
        .map(|(g, _)| *g)
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::facts::detection::BBox;

    fn d(ymin: f32, xmin: f32, ymax: f32, xmax: f32, score: f32) -> Detection {
        Detection {
            bbox: BBox {
                ymin,
                xmin,
                ymax,
                xmax,
            },
            score,
        }
    }

    #[test]
    fn identical_answers_agree() {
        let e = [d(0.1, 0.1, 0.9, 0.5, 0.91)];
        let c = compare(&e, &e, 0.4, TOLERANCE);
        assert!(c.agrees());
        assert_eq!(
            (c.matched, c.worst_iou, c.worst_score_diff),
            (1, Some(1.0), Some(0.0))
        );
    }

    #[test]
    fn small_shifts_pass_and_large_ones_fail() {
        let e = [d(0.0, 0.0, 1.0, 1.0, 0.9)];
        // IoU 0.95 (box 5 % narrower), score 0.015 off: a match.
        assert!(compare(&e, &[d(0.0, 0.0, 1.0, 0.95, 0.915)], 0.4, TOLERANCE).agrees());
        // IoU 0.85: missing and extra.
        let c = compare(&e, &[d(0.0, 0.0, 1.0, 0.85, 0.9)], 0.4, TOLERANCE);
        assert_eq!((c.missing.len(), c.extra.len()), (1, 1));
        // Same box, score 0.05 off: no match.
        assert!(!compare(&e, &[d(0.0, 0.0, 1.0, 1.0, 0.85)], 0.4, TOLERANCE).agrees());
    }

    #[test]
    fn missing_and_extra_people_are_listed() {
        let e = [d(0.0, 0.0, 0.5, 0.5, 0.8)];
        let c = compare(&e, &[], 0.4, TOLERANCE);
        assert_eq!(c.missing, e.to_vec());
        let c = compare(&[], &e, 0.4, TOLERANCE);
        assert_eq!(c.extra, e.to_vec());
        // The no-person picture: nothing expected, nothing found.
        assert!(compare(&[], &[], 0.4, TOLERANCE).agrees());
    }

    #[test]
    fn borderline_scores_may_fall_either_side() {
        let near = [d(0.0, 0.0, 0.5, 0.5, 0.41)];
        assert!(compare(&near, &[], 0.4, TOLERANCE).agrees());
        assert!(compare(&[], &near, 0.4, TOLERANCE).agrees());
        let clear = [d(0.0, 0.0, 0.5, 0.5, 0.43)];
        assert!(!compare(&clear, &[], 0.4, TOLERANCE).agrees());
    }

    #[test]
    fn each_found_box_matches_one_expected_person() {
        // Two expected people in the same place; one found: one is missing.
        let e = [d(0.0, 0.0, 1.0, 1.0, 0.9), d(0.0, 0.0, 1.0, 1.0, 0.89)];
        let c = compare(&e, &[d(0.0, 0.0, 1.0, 1.0, 0.9)], 0.4, TOLERANCE);
        assert_eq!((c.matched, c.missing.len()), (1, 1));
    }
}
