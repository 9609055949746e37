//! Box geometry: intersection over union and greedy non-maximum suppression.

use hwcheck_model::facts::detection::BBox;

/// A decoded box before filtering: where, how sure, which class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Normalised box (ymin, xmin, ymax, xmax).
    pub bbox: BBox,
    /// Score, 0–1.
    pub score: f32,
    /// Class index in the model's own numbering.
    pub class: i64,
}

/// Area of a box; 0 for an empty or inverted box.
pub fn area(b: &BBox) -> f32 {
    (b.ymax - b.ymin).max(0.0) * (b.xmax - b.xmin).max(0.0)
}

/// Intersection over union of two boxes; 0 when either is empty.
pub fn iou(a: &BBox, b: &BBox) -> f32 {
    let inter = BBox {
        ymin: a.ymin.max(b.ymin),
        xmin: a.xmin.max(b.xmin),
        ymax: a.ymax.min(b.ymax),
        xmax: a.xmax.min(b.xmax),
    };
    let i = area(&inter);
    let union = area(a) + area(b) - i;
    if union > 0.0 {
        i / union
    } else {
        0.0
    }
}

/// Greedy NMS: best score first, drops any box whose IoU with a kept box of the same class
/// exceeds `iou_threshold`. Returns the kept boxes, best first; non-finite scores are dropped.
pub fn nms(mut candidates: Vec<Candidate>, iou_threshold: f32) -> Vec<Candidate> {
    candidates.retain(|c| c.score.is_finite());
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        let overlaps = kept
            .iter()
            .any(|k| k.class == c.class && iou(&k.bbox, &c.bbox) > iou_threshold);
        if !overlaps {
            kept.push(c);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(ymin: f32, xmin: f32, ymax: f32, xmax: f32) -> BBox {
        BBox {
            ymin,
            xmin,
            ymax,
            xmax,
        }
    }

    fn c(bbox: BBox, score: f32, class: i64) -> Candidate {
        Candidate { bbox, score, class }
    }

    #[test]
    fn iou_of_hand_computed_boxes() {
        // Two 2x2 squares overlapping in a 1x2 strip: 2 / (4 + 4 - 2) = 1/3.
        let a = b(0.0, 0.0, 2.0, 2.0);
        let other = b(1.0, 0.0, 3.0, 2.0);
        assert!((iou(&a, &other) - 1.0 / 3.0).abs() < 1e-6);
        assert!((iou(&a, &a) - 1.0).abs() < 1e-6);
        // Touching edges share no area.
        assert_eq!(iou(&a, &b(2.0, 0.0, 4.0, 2.0)), 0.0);
        // A box inside another: 1 / 4.
        assert!((iou(&a, &b(0.5, 0.5, 1.5, 1.5)) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn degenerate_boxes_have_no_overlap() {
        let empty = b(1.0, 1.0, 1.0, 1.0);
        let inverted = b(2.0, 2.0, 1.0, 1.0);
        assert_eq!(iou(&empty, &empty), 0.0);
        assert_eq!(area(&inverted), 0.0);
        assert_eq!(iou(&inverted, &b(0.0, 0.0, 3.0, 3.0)), 0.0);
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let kept = nms(
            vec![
                c(b(0.0, 0.0, 1.0, 1.0), 0.6, 0),
                c(b(0.0, 0.0, 1.0, 0.9), 0.9, 0), // IoU 0.9 with the first
                c(b(2.0, 2.0, 3.0, 3.0), 0.7, 0), // far away
            ],
            0.5,
        );
        let scores: Vec<f32> = kept.iter().map(|k| k.score).collect();
        assert_eq!(scores, vec![0.9, 0.7]);
    }

    #[test]
    fn nms_threshold_is_strict_and_per_class() {
        // IoU exactly 1/3: kept at threshold 1/3 (only strictly greater suppresses).
        let a = c(b(0.0, 0.0, 2.0, 2.0), 0.9, 0);
        let half = c(b(1.0, 0.0, 3.0, 2.0), 0.8, 0);
        assert_eq!(nms(vec![a, half], 1.0 / 3.0).len(), 2);
        assert_eq!(nms(vec![a, half], 0.3).len(), 1);
        // Same box, other class: both stay.
        let other_class = c(a.bbox, 0.5, 1);
        assert_eq!(nms(vec![a, other_class], 0.3).len(), 2);
    }

    #[test]
    fn nms_drops_nan_scores() {
        let kept = nms(
            vec![
                c(b(0.0, 0.0, 1.0, 1.0), f32::NAN, 0),
                c(b(5.0, 5.0, 6.0, 6.0), 0.5, 0),
            ],
            0.5,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].score, 0.5);
    }
}
