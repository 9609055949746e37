//! Output layouts of common detectors, told apart by output names and shapes, and decoded into
//! candidate boxes normalised to the model input.
//!
//! - SSD-style (TensorFlow Object Detection API): outputs named `*boxes*` [1,N,4] as
//!   (ymin, xmin, ymax, xmax) normalised, `*scores*` [1,N], `*classes*` [1,N] and optionally
//!   `num_detections` [1]; NMS is inside the graph. Person = class 1 (COCO label map).
//! - YOLO, channels first ([1, 4+C, N], YOLOv8 and later): rows cx, cy, w, h in input pixels,
//!   then C class scores. No NMS inside. Person = class 0.
//! - YOLO, rows first ([1, N, 5+C], YOLOv5): each row cx, cy, w, h, objectness, C class
//!   scores; score = objectness x best class score. No NMS inside. Person = class 0.

use super::nms::Candidate;
use hwcheck_model::facts::detection::BBox;

/// One output tensor as the model produced it, converted to f32.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// Output name.
    pub name: String,
    /// Actual shape.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f32>,
}

/// A recognised output layout (indices refer to the model's outputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Boxes, scores, classes (and detection count); NMS done by the model.
    Ssd {
        /// Index of the boxes output.
        boxes: usize,
        /// Index of the scores output.
        scores: usize,
        /// Index of the classes output.
        classes: usize,
        /// Index of the detection-count output, when there is one.
        num: Option<usize>,
    },
    /// [1, 4+C, N].
    YoloChannelsFirst {
        /// Index of the output.
        output: usize,
    },
    /// [1, N, 5+C].
    YoloRowsFirst {
        /// Index of the output.
        output: usize,
    },
}

impl Layout {
    /// Short human name, for reports.
    pub fn label(&self) -> &'static str {
        match self {
            Layout::Ssd { .. } => "SSD (boxes/scores/classes, NMS inside)",
            Layout::YoloChannelsFirst { .. } => "YOLO [1, 4+C, N]",
            Layout::YoloRowsFirst { .. } => "YOLO [1, N, 5+C]",
        }
    }

    /// True when the model already ran NMS (hwcheck must not run it again).
    pub fn has_nms(&self) -> bool {
        matches!(self, Layout::Ssd { .. })
    }

    /// The class index meaning "person" in this layout's usual label map.
    pub fn person_class(&self) -> i64 {
        match self {
            Layout::Ssd { .. } => 1,
            Layout::YoloChannelsFirst { .. } | Layout::YoloRowsFirst { .. } => 0,
        }
    }
}

/// The outputs matched no known layout; the message lists them and what was expected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot interpret the model's outputs {found}: {why}. Known layouts: SSD-style outputs named *boxes* [1,N,4], *scores* [1,N], *classes* [1,N] (+ optional num_detections [1]); YOLO [1,4+C,N]; YOLO [1,N,5+C]")]
pub struct LayoutError {
    /// The outputs as "name [shape]".
    pub found: String,
    /// What did not fit.
    pub why: String,
}

fn describe(outputs: &[(&str, &[usize])]) -> String {
    let parts: Vec<String> = outputs.iter().map(|(n, s)| format!("{n} {s:?}")).collect();
    parts.join(", ")
}

fn find_named(outputs: &[(&str, &[usize])], word: &str) -> Option<usize> {
    outputs
        .iter()
        .position(|(n, _)| n.to_ascii_lowercase().contains(word))
}

/// Tells the layout from output names and actual shapes.
pub fn detect(outputs: &[(&str, &[usize])]) -> Result<Layout, LayoutError> {
    let err = |why: &str| LayoutError {
        found: describe(outputs),
        why: why.to_string(),
    };
    if outputs.len() >= 3 {
        let (Some(boxes), Some(scores), Some(classes)) = (
            find_named(outputs, "box"),
            find_named(outputs, "score"),
            find_named(outputs, "class"),
        ) else {
            return Err(err("several outputs, but not named boxes/scores/classes"));
        };
        let n = match outputs[boxes].1 {
            [1, n, 4] => *n,
            _ => return Err(err("the boxes output is not [1,N,4]")),
        };
        if outputs[scores].1 != [1, n] || outputs[classes].1 != [1, n] {
            return Err(err(
                "scores and classes are not both [1,N] with the boxes' N",
            ));
        }
        let num = find_named(outputs, "num");
        return Ok(Layout::Ssd {
            boxes,
            scores,
            classes,
            num,
        });
    }
    let [(_, shape)] = outputs else {
        return Err(err("expected one output (YOLO) or at least three (SSD)"));
    };
    match shape {
        [1, a, b] if a < b && *a >= 5 => Ok(Layout::YoloChannelsFirst { output: 0 }),
        [1, a, b] if a >= b && *b >= 6 => Ok(Layout::YoloRowsFirst { output: 0 }),
        _ => Err(err("a single output must be [1,4+C,N] or [1,N,5+C]")),
    }
}

/// Decodes `outputs` (already known to fit `layout`) into candidates normalised to the model
/// input (`input_w` x `input_h` pixels), every class kept, scores as the model gives them.
pub fn decode(
    layout: &Layout,
    outputs: &[Output],
    input_w: f32,
    input_h: f32,
) -> Result<Vec<Candidate>, LayoutError> {
    let get = |i: usize| {
        outputs.get(i).ok_or_else(|| LayoutError {
            found: format!("{} outputs", outputs.len()),
            why: format!("output {i} is missing"),
        })
    };
    match *layout {
        Layout::Ssd {
            boxes,
            scores,
            classes,
            num,
        } => {
            let (boxes, scores, classes) = (get(boxes)?, get(scores)?, get(classes)?);
            let n = scores
                .data
                .len()
                .min(classes.data.len())
                .min(boxes.data.len() / 4);
            let limit = match num {
                Some(i) => get(i)?.data.first().map_or(n, |&v| {
                    if v.is_finite() && v >= 0.0 {
                        (v as usize).min(n)
                    } else {
                        n
                    }
                }),
                None => n,
            };
            Ok((0..limit)
                .map(|i| Candidate {
                    bbox: BBox {
                        ymin: boxes.data[4 * i],
                        xmin: boxes.data[4 * i + 1],
                        ymax: boxes.data[4 * i + 2],
                        xmax: boxes.data[4 * i + 3],
                    },
                    score: scores.data[i],
                    class: classes.data[i] as i64,
                })
                .collect())
        }
        Layout::YoloChannelsFirst { output } => {
            let out = get(output)?;
            let (rows, n) = dims(out)?;
            // Value of row r for anchor i.
            let at = |r: usize, i: usize| out.data[r * n + i];
            Ok((0..n)
                .filter_map(|i| {
                    let (class, score) = best_class((4..rows).map(|r| at(r, i)))?;
                    Some(Candidate {
                        bbox: from_center(
                            [at(0, i), at(1, i), at(2, i), at(3, i)],
                            input_w,
                            input_h,
                        ),
                        score,
                        class,
                    })
                })
                .collect())
        }
        Layout::YoloRowsFirst { output } => {
            let out = get(output)?;
            let (_, cols) = dims(out)?;
            Ok(out
                .data
                .chunks_exact(cols)
                .filter_map(|row| {
                    let (class, score) = best_class(row[5..].iter().copied())?;
                    Some(Candidate {
                        bbox: from_center([row[0], row[1], row[2], row[3]], input_w, input_h),
                        score: score * row[4],
                        class,
                    })
                })
                .collect())
        }
    }
}

fn dims(out: &Output) -> Result<(usize, usize), LayoutError> {
    match out.shape.as_slice() {
        [1, a, b] if a * b == out.data.len() => Ok((*a, *b)),
        s => Err(LayoutError {
            found: format!("{} {s:?}", out.name),
            why: "the output's shape does not match its data".to_string(),
        }),
    }
}

/// Index and value of the best score; `None` when there are none.
fn best_class(scores: impl Iterator<Item = f32>) -> Option<(i64, f32)> {
    scores
        .enumerate()
        .filter(|(_, s)| s.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, s)| (i as i64, s))
}

/// (cx, cy, w, h) in input pixels to a normalised (ymin, xmin, ymax, xmax) box.
pub fn from_center(cxcywh: [f32; 4], input_w: f32, input_h: f32) -> BBox {
    let [cx, cy, w, h] = cxcywh;
    BBox {
        ymin: (cy - h / 2.0) / input_h,
        xmin: (cx - w / 2.0) / input_w,
        ymax: (cy + h / 2.0) / input_h,
        xmax: (cx + w / 2.0) / input_w,
    }
}

/// People among `candidates`: class `person`, score at least `threshold`, NMS at `iou` unless
/// the model already ran it; best first.
pub fn people(
    candidates: Vec<Candidate>,
    person: i64,
    threshold: f32,
    nms_iou: Option<f32>,
) -> Vec<Candidate> {
    let mut kept: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.class == person && c.score >= threshold)
        .collect();
    match nms_iou {
        Some(iou) => super::nms::nms(kept, iou),
        None => {
            kept.sort_by(|a, b| b.score.total_cmp(&a.score));
            kept
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(name: &str, shape: &[usize], data: Vec<f32>) -> Output {
        Output {
            name: name.to_string(),
            shape: shape.to_vec(),
            data,
        }
    }

    fn shapes(outputs: &[Output]) -> Vec<(&str, &[usize])> {
        outputs
            .iter()
            .map(|o| (o.name.as_str(), o.shape.as_slice()))
            .collect()
    }

    #[test]
    fn detects_the_bundled_ssd_by_name() {
        let names = [
            ("detection_boxes:0", &[1usize, 100, 4][..]),
            ("detection_scores:0", &[1, 100][..]),
            ("detection_classes:0", &[1, 100][..]),
            ("num_detections:0", &[1][..]),
        ];
        assert_eq!(
            detect(&names).unwrap(),
            Layout::Ssd {
                boxes: 0,
                scores: 1,
                classes: 2,
                num: Some(3)
            }
        );
    }

    #[test]
    fn detects_yolo_by_shape() {
        assert_eq!(
            detect(&[("output0", &[1, 84, 8400][..])]).unwrap(),
            Layout::YoloChannelsFirst { output: 0 }
        );
        assert_eq!(
            detect(&[("output", &[1, 25200, 85][..])]).unwrap(),
            Layout::YoloRowsFirst { output: 0 }
        );
    }

    #[test]
    fn unknown_layouts_are_explained() {
        let e = detect(&[("logits", &[1, 1000][..])]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("logits [1, 1000]"), "{msg}");
        assert!(msg.contains("[1,4+C,N]"), "{msg}");
        let e = detect(&[("a", &[1, 5][..]), ("b", &[1, 5][..]), ("c", &[1, 5][..])]).unwrap_err();
        assert!(e.why.contains("not named"), "{e}");
        let e = detect(&[
            ("boxes", &[1usize, 10, 5][..]),
            ("scores", &[1, 10][..]),
            ("classes", &[1, 10][..]),
        ])
        .unwrap_err();
        assert!(e.why.contains("[1,N,4]"), "{e}");
        assert!(detect(&[]).is_err());
    }

    #[test]
    fn ssd_decoding_honours_num_detections() {
        let outputs = vec![
            out(
                "boxes",
                &[1, 2, 4],
                vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
            ),
            out("scores", &[1, 2], vec![0.9, 0.8]),
            out("classes", &[1, 2], vec![1.0, 3.0]),
            out("num_detections", &[1], vec![1.0]),
        ];
        let layout = detect(&shapes(&outputs)).unwrap();
        let c = decode(&layout, &outputs, 300.0, 300.0).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].class, 1);
        assert_eq!(
            c[0].bbox,
            BBox {
                ymin: 0.1,
                xmin: 0.2,
                ymax: 0.3,
                xmax: 0.4
            }
        );
        assert!(layout.has_nms());
    }

    #[test]
    fn yolo_channels_first_by_hand() {
        // C = 2 classes, N = 8 anchors (N > 4+C); rows: cx, cy, w, h, class0, class1.
        // Anchor 0: centre (320, 160), 64x32, class 0 at 0.9. Anchor 1: class 1 at 0.7.
        // Anchors 2..8 are all zeros.
        let rows: [[f32; 2]; 6] = [
            [320.0, 100.0], // cx
            [160.0, 100.0], // cy
            [64.0, 10.0],   // w
            [32.0, 10.0],   // h
            [0.9, 0.1],     // class 0
            [0.2, 0.7],     // class 1
        ];
        let data: Vec<f32> = rows
            .iter()
            .flat_map(|r| r.iter().copied().chain(std::iter::repeat_n(0.0, 6)))
            .collect();
        let outputs = vec![out("output0", &[1, 6, 8], data)];
        let layout = detect(&shapes(&outputs)).unwrap();
        assert_eq!(layout, Layout::YoloChannelsFirst { output: 0 });
        let c = decode(&layout, &outputs, 640.0, 640.0).unwrap();
        assert_eq!(c.len(), 8);
        assert_eq!((c[0].class, c[0].score), (0, 0.9));
        assert_eq!(
            c[0].bbox,
            BBox {
                ymin: 0.225,
                xmin: 0.45,
                ymax: 0.275,
                xmax: 0.55
            }
        );
        assert_eq!((c[1].class, c[1].score), (1, 0.7));
        assert_eq!(c[5].score, 0.0);
    }

    #[test]
    fn yolo_rows_first_multiplies_objectness() {
        // N = 6 rows (so N >= 5+C), C = 1: cx, cy, w, h, obj, person.
        let mut data = vec![100.0, 100.0, 50.0, 100.0, 0.5, 0.8];
        data.extend(std::iter::repeat_n(0.0, 30));
        let outputs = vec![out("output", &[1, 6, 6], data)];
        let layout = detect(&shapes(&outputs)).unwrap();
        assert_eq!(layout, Layout::YoloRowsFirst { output: 0 });
        let c = decode(&layout, &outputs, 200.0, 200.0).unwrap();
        assert!((c[0].score - 0.4).abs() < 1e-6);
        assert_eq!(
            c[0].bbox,
            BBox {
                ymin: 0.25,
                xmin: 0.375,
                ymax: 0.75,
                xmax: 0.625
            }
        );
        assert_eq!(c.len(), 6);
    }

    #[test]
    fn mismatched_data_is_an_error_not_a_panic() {
        let outputs = vec![out("output0", &[1, 6, 8], vec![0.0; 5])];
        let layout = Layout::YoloChannelsFirst { output: 0 };
        assert!(decode(&layout, &outputs, 640.0, 640.0).is_err());
        assert!(decode(&Layout::YoloRowsFirst { output: 3 }, &outputs, 1.0, 1.0).is_err());
    }

    #[test]
    fn people_filters_class_threshold_and_overlaps() {
        let b = BBox {
            ymin: 0.0,
            xmin: 0.0,
            ymax: 1.0,
            xmax: 1.0,
        };
        let cands = vec![
            Candidate {
                bbox: b,
                score: 0.9,
                class: 0,
            },
            Candidate {
                bbox: b,
                score: 0.8,
                class: 0,
            }, // duplicate of the first
            Candidate {
                bbox: b,
                score: 0.95,
                class: 2,
            }, // not a person
            Candidate {
                bbox: BBox {
                    ymin: 2.0,
                    ymax: 3.0,
                    ..b
                },
                score: 0.3,
                class: 0,
            }, // too low
        ];
        let with_nms = people(cands.clone(), 0, 0.4, Some(0.5));
        assert_eq!(
            with_nms.iter().map(|c| c.score).collect::<Vec<_>>(),
            vec![0.9]
        );
        let without = people(cands, 0, 0.4, None);
        assert_eq!(
            without.iter().map(|c| c.score).collect::<Vec<_>>(),
            vec![0.9, 0.8]
        );
    }
}
