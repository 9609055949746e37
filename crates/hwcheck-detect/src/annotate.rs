//! Draws detected people on a picture: a rectangle per person and its score in a small built-in
//! digit font (3x5 pixels per glyph, scaled), so support staff can see what the model saw.

use hwcheck_model::facts::detection::Detection;
use image::{Rgb, RgbImage};

/// Box colour.
const BOX: Rgb<u8> = Rgb([0, 230, 0]);
/// Label background.
const LABEL_BG: Rgb<u8> = Rgb([0, 0, 0]);
/// Label text.
const LABEL_FG: Rgb<u8> = Rgb([255, 255, 255]);

/// 3x5 glyphs, one row per entry, bit 2 = left column: digits 0–9, then '.'.
const GLYPHS: [[u8; 5]; 11] = [
    [0b111, 0b101, 0b101, 0b101, 0b111], // 0
    [0b010, 0b110, 0b010, 0b010, 0b111], // 1
    [0b111, 0b001, 0b111, 0b100, 0b111], // 2
    [0b111, 0b001, 0b111, 0b001, 0b111], // 3
    [0b101, 0b101, 0b111, 0b001, 0b001], // 4
    [0b111, 0b100, 0b111, 0b001, 0b111], // 5
    [0b111, 0b100, 0b111, 0b101, 0b111], // 6
    [0b111, 0b001, 0b010, 0b010, 0b010], // 7
    [0b111, 0b101, 0b111, 0b101, 0b111], // 8
    [0b111, 0b101, 0b111, 0b001, 0b111], // 9
    [0b000, 0b000, 0b000, 0b000, 0b010], // .
];

fn glyph(c: char) -> Option<&'static [u8; 5]> {
    match c {
        '0'..='9' => GLYPHS.get(c as usize - '0' as usize),
        '.' => GLYPHS.get(10),
        _ => None,
    }
}

/// Fills the rectangle [x0, x1) x [y0, y1), clipped to the picture.
fn fill(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb<u8>) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            // In range by the clamps above.
            img.put_pixel(x as u32, y as u32, colour);
        }
    }
}

/// Draws `text` (digits and '.') with its top-left at (x, y), each font pixel `scale` wide,
/// on a background box; returns nothing, clips at the edges.
pub fn draw_label(img: &mut RgbImage, x: i64, y: i64, text: &str, scale: i64) {
    let width = text.chars().count() as i64 * 4 * scale + scale;
    fill(img, x, y, x + width, y + 7 * scale, LABEL_BG);
    for (i, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let gx = x + scale + i as i64 * 4 * scale;
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    let px = gx + col * scale;
                    let py = y + scale + r as i64 * scale;
                    fill(img, px, py, px + scale, py + scale, LABEL_FG);
                }
            }
        }
    }
}

/// A copy of `img` with every detection drawn: rectangle outline and score ("0.91").
pub fn annotate(img: &RgbImage, people: &[Detection]) -> RgbImage {
    let mut out = img.clone();
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let thickness = ((w.min(h) / 150.0).round() as i64).max(2);
    let scale = ((w.min(h) / 160.0).round() as i64).max(2);
    for p in people {
        let x0 = (f64::from(p.bbox.xmin) * w).round() as i64;
        let y0 = (f64::from(p.bbox.ymin) * h).round() as i64;
        let x1 = (f64::from(p.bbox.xmax) * w).round() as i64;
        let y1 = (f64::from(p.bbox.ymax) * h).round() as i64;
        fill(&mut out, x0, y0, x1, y0 + thickness, BOX);
        fill(&mut out, x0, y1 - thickness, x1, y1, BOX);
        fill(&mut out, x0, y0, x0 + thickness, y1, BOX);
        fill(&mut out, x1 - thickness, y0, x1, y1, BOX);
        // Label above the box, or inside it when the box touches the top edge.
        let label_h = 7 * scale;
        let ly = if y0 >= label_h {
            y0 - label_h
        } else {
            y0 + thickness
        };
        draw_label(&mut out, x0, ly, &format!("{:.2}", p.score), scale);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::facts::detection::BBox;

    #[test]
    fn draws_the_outline_and_leaves_the_inside() {
        let img = RgbImage::from_pixel(200, 100, Rgb([50, 50, 50]));
        let person = Detection {
            bbox: BBox {
                ymin: 0.5,
                xmin: 0.25,
                ymax: 1.0,
                xmax: 0.75,
            },
            score: 0.91,
        };
        let out = annotate(&img, &[person]);
        // Left edge of the box at x = 50, bottom edge at y = 99.
        assert_eq!(out.get_pixel(50, 75), &BOX);
        assert_eq!(out.get_pixel(100, 99), &BOX);
        // The middle of the box is untouched, and so is a corner of the picture.
        assert_eq!(out.get_pixel(100, 80), &Rgb([50, 50, 50]));
        assert_eq!(out.get_pixel(199, 0), &Rgb([50, 50, 50]));
        // The label sits above the box (y 36..50 at scale 2) and has white pixels.
        let label_white = (50..90)
            .flat_map(|x| (36..50).map(move |y| (x, y)))
            .any(|(x, y)| out.get_pixel(x, y) == &LABEL_FG);
        assert!(label_white);
    }

    #[test]
    fn digits_render_as_their_glyphs() {
        let mut img = RgbImage::new(20, 10);
        draw_label(&mut img, 0, 0, "1", 1);
        // "1": rows 010,110,010,010,111 starting at (1, 1).
        let lit: Vec<(u32, u32)> = (0..10)
            .flat_map(|y| (0..20).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y) == &LABEL_FG)
            .collect();
        assert_eq!(
            lit,
            vec![
                (2, 1),
                (1, 2),
                (2, 2),
                (2, 3),
                (2, 4),
                (1, 5),
                (2, 5),
                (3, 5)
            ]
        );
    }

    #[test]
    fn boxes_off_the_picture_are_clipped() {
        let img = RgbImage::new(10, 10);
        let wild = Detection {
            bbox: BBox {
                ymin: -1.0,
                xmin: -1.0,
                ymax: 2.0,
                xmax: 2.0,
            },
            score: 1.0,
        };
        let out = annotate(&img, &[wild]);
        assert_eq!(out.dimensions(), (10, 10));
    }
}
