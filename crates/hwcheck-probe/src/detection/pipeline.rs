//! One picture through the detector: decode, prepare, infer, interpret the outputs, keep people.

use hwcheck_detect::layouts::{self, Layout, Output};
use hwcheck_detect::preprocess::{self, Element, Fit, InputSpec, Order, Placement};
use hwcheck_model::facts::detection::Detection;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use ort::session::Session;
use std::time::{Duration, Instant};

/// IoU above which NMS drops the weaker of two person boxes (models without NMS inside).
pub const NMS_IOU: f32 = 0.5;

/// People found in one picture, and how the outputs were read.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The layout recognised.
    pub layout: Layout,
    /// People, normalised to the picture, best first.
    pub people: Vec<Detection>,
}

/// "uint8 NHWC 300x300 stretch" and the like.
pub fn describe_spec(spec: &InputSpec) -> String {
    let element = match spec.element {
        Element::U8 => "uint8 0-255",
        Element::F32 => "float32 0-1",
    };
    let order = match spec.order {
        Order::Nhwc => "NHWC",
        Order::Nchw => "NCHW",
    };
    let fit = match spec.fit {
        Fit::Stretch => "stretched",
        Fit::Letterbox => "letterboxed",
    };
    format!("{element} {order} {}x{} {fit}", spec.width, spec.height)
}

/// Runs the whole pipeline on one encoded picture; also returns how long the inference alone
/// took.
pub fn detect(
    session: &mut Session,
    input: &str,
    spec: &InputSpec,
    bytes: &[u8],
    threshold: f32,
) -> Result<(Found, Duration), ProbeError> {
    let img =
        preprocess::decode(bytes).map_err(|e| ProbeError::new(Code::BadImage, e.to_string()))?;
    let prepared = preprocess::prepare(&img, spec);
    let tensor = super::infer::tensor(&prepared)?;
    let started = Instant::now();
    let outputs = super::infer::run(session, input, &tensor)?;
    let inference = started.elapsed();
    let found = postprocess(&outputs, spec, &prepared.placement, threshold)
        .map_err(|e| ProbeError::new(Code::UnknownLayout, e.to_string()))?;
    Ok((found, inference))
}

/// From raw outputs to people: recognise the layout, decode, keep persons above `threshold`,
/// NMS unless the model did it, map boxes back to the picture.
pub fn postprocess(
    outputs: &[Output],
    spec: &InputSpec,
    placement: &Placement,
    threshold: f32,
) -> Result<Found, layouts::LayoutError> {
    let shapes: Vec<(&str, &[usize])> = outputs
        .iter()
        .map(|o| (o.name.as_str(), o.shape.as_slice()))
        .collect();
    let layout = layouts::detect(&shapes)?;
    let candidates = layouts::decode(&layout, outputs, spec.width as f32, spec.height as f32)?;
    let nms = (!layout.has_nms()).then_some(NMS_IOU);
    let people = layouts::people(candidates, layout.person_class(), threshold, nms)
        .into_iter()
        .map(|c| Detection {
            bbox: placement.to_picture(&c.bbox),
            score: c.score,
        })
        .collect();
    Ok(Found { layout, people })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::facts::detection::BBox;

    fn yolo_spec() -> InputSpec {
        preprocess::input_spec(&[1, 3, 640, 640], Element::F32).unwrap()
    }

    #[test]
    fn yolo_people_are_suppressed_and_mapped_back_through_the_letterbox() {
        // [1, 4+C, N] with C = 2, N = 8: two overlapping persons, one dog, five empty anchors.
        let anchors: [[f32; 6]; 3] = [
            [320.0, 320.0, 100.0, 200.0, 0.9, 0.0], // person
            [322.0, 320.0, 100.0, 200.0, 0.8, 0.0], // same person, weaker
            [100.0, 100.0, 50.0, 50.0, 0.1, 0.95],  // a dog
        ];
        let n = 8;
        let mut data = vec![0.0; 6 * n];
        for (i, a) in anchors.iter().enumerate() {
            for (r, v) in a.iter().enumerate() {
                data[r * n + i] = *v;
            }
        }
        let outputs = vec![Output {
            name: "output0".into(),
            shape: vec![1, 6, n],
            data,
        }];
        // A 1280x640 picture letterboxed into 640x640: 640x320 at rows 160..480.
        let placement = Placement::letterbox(1280, 640, 640, 640);
        let found = postprocess(&outputs, &yolo_spec(), &placement, 0.4).unwrap();
        assert_eq!(found.layout, Layout::YoloChannelsFirst { output: 0 });
        assert_eq!(found.people.len(), 1);
        let p = found.people[0];
        assert_eq!(p.score, 0.9);
        // x: 270..370 of 640 wide; y: 220..420 in input = 60..260 of 320 picture rows.
        let want = BBox {
            ymin: 60.0 / 320.0,
            xmin: 270.0 / 640.0,
            ymax: 260.0 / 320.0,
            xmax: 370.0 / 640.0,
        };
        assert!((p.bbox.ymin - want.ymin).abs() < 1e-6 && (p.bbox.ymax - want.ymax).abs() < 1e-6);
        assert!((p.bbox.xmin - want.xmin).abs() < 1e-6 && (p.bbox.xmax - want.xmax).abs() < 1e-6);
    }

    #[test]
    fn ssd_people_are_not_suppressed_again() {
        // Two overlapping persons (IoU 0.8): the model's own NMS kept both, so must hwcheck.
        let outputs = vec![
            Output {
                name: "detection_boxes".into(),
                shape: vec![1, 2, 4],
                data: vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.8],
            },
            Output {
                name: "detection_scores".into(),
                shape: vec![1, 2],
                data: vec![0.9, 0.7],
            },
            Output {
                name: "detection_classes".into(),
                shape: vec![1, 2],
                data: vec![1.0, 1.0],
            },
        ];
        let spec = preprocess::input_spec(&[1, 300, 300, 3], Element::U8).unwrap();
        let found = postprocess(&outputs, &spec, &Placement::stretch(300, 300), 0.4).unwrap();
        assert_eq!(found.people.len(), 2);
    }

    #[test]
    fn describes_the_bundled_input() {
        let spec = preprocess::input_spec(&[1, 300, 300, 3], Element::U8).unwrap();
        assert_eq!(describe_spec(&spec), "uint8 0-255 NHWC 300x300 stretched");
    }
}
