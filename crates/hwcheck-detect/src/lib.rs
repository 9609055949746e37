//! The person detector's pure parts: picture decoding and pre-processing ([`preprocess`]),
//! output layouts and box decoding ([`layouts`]), IoU and NMS ([`nms`]), golden answers
//! ([`golden`]), drawing boxes ([`annotate`]) and the bundled model and pictures
//! ([`bundled`]), and rewriting a model's depthwise convolutions without convolutions for
//! GPUs where those are slow to start ([`depthwise`]). Running a model (ONNX Runtime, child
//! processes) lives in `hwcheck-probe`.

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod annotate;
pub mod bundled;
pub mod depthwise;
pub mod golden;
pub mod layouts;
pub mod nms;
pub mod preprocess;
