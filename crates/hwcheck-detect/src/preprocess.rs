//! From picture bytes to the model's input tensor: decode, resize (stretch or letterbox),
//! lay out (NHWC or NCHW), scale (uint8 0–255 or float 0–1), and the geometry to map boxes back.

use hwcheck_model::facts::detection::BBox;
use image::{Rgb, RgbImage};

/// Largest picture side accepted (guards against decompression bombs).
const MAX_SIDE: u32 = 16_384;
/// Grey used by YOLO-style letterboxing (114 of 255, as Ultralytics pads).
const LETTERBOX_GREY: u8 = 114;
/// Input side used when a float (YOLO-style) model leaves its spatial dimensions dynamic.
const DEFAULT_FLOAT_SIDE: u32 = 640;
/// Input side used when a uint8 (TensorFlow SSD-style) model leaves them dynamic.
const DEFAULT_UINT8_SIDE: u32 = 300;

/// Why a picture could not be turned into a tensor.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    /// Zero bytes.
    #[error("the image is empty (0 bytes)")]
    Empty,
    /// Not a PNG or JPEG the decoder could read.
    #[error("cannot decode the image (PNG and JPEG are supported): {0}")]
    Decode(String),
    /// Absurd dimensions.
    #[error("the image is {0}x{1} pixels: too large or empty")]
    Size(u32, u32),
}

/// Decodes PNG/JPEG bytes into RGB (grey and grey+alpha become RGB, alpha is dropped).
pub fn decode(bytes: &[u8]) -> Result<RgbImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let mut reader = reader;
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if img.width() == 0 || img.height() == 0 {
        return Err(ImageError::Size(img.width(), img.height()));
    }
    Ok(img.to_rgb8())
}

/// Element type of the model's image input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Element {
    /// uint8, 0–255 (TensorFlow Object Detection API exports).
    U8,
    /// float32, 0–1 (YOLO-style exports).
    F32,
}

/// Memory order of the model's image input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// [1, H, W, 3].
    Nhwc,
    /// [1, 3, H, W].
    Nchw,
}

/// How a picture is fitted to the input size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Whole picture resized to the input size, aspect ratio not kept (SSD training).
    Stretch,
    /// Aspect ratio kept, centred, borders padded with grey (YOLO training).
    Letterbox,
}

/// What the model's image input wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// Element type.
    pub element: Element,
    /// Memory order.
    pub order: Order,
    /// Input width in pixels.
    pub width: u32,
    /// Input height in pixels.
    pub height: u32,
    /// How the picture is fitted.
    pub fit: Fit,
}

impl InputSpec {
    /// The tensor shape, e.g. [1, 300, 300, 3].
    pub fn shape(&self) -> [usize; 4] {
        let (h, w) = (self.height as usize, self.width as usize);
        match self.order {
            Order::Nhwc => [1, h, w, 3],
            Order::Nchw => [1, 3, h, w],
        }
    }
}

/// Reads the input spec from the model's input shape (dynamic dims as -1) and element type.
/// uint8 inputs are taken as TensorFlow SSD-style (stretch); float inputs as YOLO-style
/// (letterbox, 0–1). Anything else is refused with the reason.
pub fn input_spec(shape: &[i64], element: Element) -> Result<InputSpec, String> {
    let [batch, a, b, c] = shape else {
        return Err(format!(
            "the image input has rank {} ({shape:?}); a rank-4 image tensor [1,H,W,3] or [1,3,H,W] is needed",
            shape.len()
        ));
    };
    if *batch > 1 {
        return Err(format!(
            "the image input wants batch {batch}; batch 1 (or dynamic) is needed"
        ));
    }
    let (order, h, w) = match (*a, *c) {
        (_, 3) => (Order::Nhwc, *a, *b),
        (3, _) => (Order::Nchw, *b, *c),
        _ => {
            return Err(format!(
                "the image input {shape:?} has no 3-channel axis (expected [1,H,W,3] or [1,3,H,W])"
            ))
        }
    };
    let default_side = match element {
        Element::U8 => DEFAULT_UINT8_SIDE,
        Element::F32 => DEFAULT_FLOAT_SIDE,
    };
    let side = |d: i64| match d {
        d if d <= 0 => Ok(default_side),
        d => u32::try_from(d)
            .ok()
            .filter(|d| *d <= MAX_SIDE)
            .ok_or_else(|| format!("the image input {shape:?} is too large")),
    };
    let fit = match element {
        Element::U8 => Fit::Stretch,
        Element::F32 => Fit::Letterbox,
    };
    Ok(InputSpec {
        element,
        order,
        width: side(w)?,
        height: side(h)?,
        fit,
    })
}

/// Where the picture landed inside the model input, to map boxes back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    /// Left offset of the picture in input pixels.
    pub pad_x: f32,
    /// Top offset of the picture in input pixels.
    pub pad_y: f32,
    /// Width of the picture inside the input, in input pixels.
    pub inner_w: f32,
    /// Height of the picture inside the input, in input pixels.
    pub inner_h: f32,
    /// Input width.
    pub input_w: f32,
    /// Input height.
    pub input_h: f32,
}

impl Placement {
    /// A stretched picture fills the whole input.
    pub fn stretch(input_w: u32, input_h: u32) -> Self {
        let (w, h) = (input_w as f32, input_h as f32);
        Self {
            pad_x: 0.0,
            pad_y: 0.0,
            inner_w: w,
            inner_h: h,
            input_w: w,
            input_h: h,
        }
    }

    /// Letterbox maths: scale to fit inside the input keeping the aspect ratio, rounded to whole
    /// pixels, centred (odd padding pixel goes right/bottom).
    pub fn letterbox(src_w: u32, src_h: u32, input_w: u32, input_h: u32) -> Self {
        let scale = (input_w as f32 / src_w as f32).min(input_h as f32 / src_h as f32);
        let inner_w = ((src_w as f32 * scale).round() as u32).clamp(1, input_w);
        let inner_h = ((src_h as f32 * scale).round() as u32).clamp(1, input_h);
        Self {
            pad_x: ((input_w - inner_w) / 2) as f32,
            pad_y: ((input_h - inner_h) / 2) as f32,
            inner_w: inner_w as f32,
            inner_h: inner_h as f32,
            input_w: input_w as f32,
            input_h: input_h as f32,
        }
    }

    /// Maps a box normalised to the model input back to one normalised to the picture,
    /// clamped to 0–1.
    pub fn to_picture(&self, b: &BBox) -> BBox {
        let x = |v: f32| ((v * self.input_w - self.pad_x) / self.inner_w).clamp(0.0, 1.0);
        let y = |v: f32| ((v * self.input_h - self.pad_y) / self.inner_h).clamp(0.0, 1.0);
        BBox {
            ymin: y(b.ymin),
            xmin: x(b.xmin),
            ymax: y(b.ymax),
            xmax: x(b.xmax),
        }
    }
}

/// The tensor data, in the element type the model wants.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    /// uint8 values.
    U8(Vec<u8>),
    /// float32 values.
    F32(Vec<f32>),
}

/// A ready input tensor and where the picture sits in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// Shape, batch first.
    pub shape: [usize; 4],
    /// Values in `shape` order.
    pub data: TensorData,
    /// Geometry to map boxes back to the picture.
    pub placement: Placement,
}

/// Resizes and lays out `img` as `spec` wants. Resizing is bilinear (a triangle filter that
/// widens when shrinking, PIL's `BILINEAR` maths: see [`resize_weights`]).
pub fn prepare(img: &RgbImage, spec: &InputSpec) -> Prepared {
    let (canvas, placement) = match spec.fit {
        Fit::Stretch => (
            resize(img, spec.width, spec.height),
            Placement::stretch(spec.width, spec.height),
        ),
        Fit::Letterbox => {
            let p = Placement::letterbox(img.width(), img.height(), spec.width, spec.height);
            let inner = resize(img, p.inner_w as u32, p.inner_h as u32);
            let mut canvas =
                RgbImage::from_pixel(spec.width, spec.height, Rgb([LETTERBOX_GREY; 3]));
            image::imageops::replace(
                &mut canvas,
                &inner,
                i64::from(p.pad_x as u32),
                i64::from(p.pad_y as u32),
            );
            (canvas, p)
        }
    };
    let hwc = canvas.into_raw();
    let ordered = match spec.order {
        Order::Nhwc => hwc,
        Order::Nchw => hwc_to_chw(&hwc),
    };
    let data = match spec.element {
        Element::U8 => TensorData::U8(ordered),
        Element::F32 => TensorData::F32(ordered.iter().map(|&v| f32::from(v) / 255.0).collect()),
    };
    Prepared {
        shape: spec.shape(),
        data,
        placement,
    }
}

/// Bits of fraction in the fixed-point resize weights (as PIL uses).
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// For each output pixel along one axis: the first input pixel and the fixed-point weights of
/// the input pixels it averages. Bilinear (triangle) filter whose support widens by the
/// shrink factor, weights normalised to 1 — the same maths as PIL's `Image.resize(BILINEAR)`.
pub fn resize_weights(input: u32, output: u32) -> Vec<(usize, Vec<i32>)> {
    let scale = f64::from(input) / f64::from(output);
    let filterscale = scale.max(1.0);
    let support = filterscale;
    (0..output)
        .map(|o| {
            let center = (f64::from(o) + 0.5) * scale;
            // Truncation toward zero, then clamped, as in PIL.
            let first = ((center - support + 0.5) as i64).max(0);
            let last = ((center + support + 0.5) as i64).min(i64::from(input));
            let raw: Vec<f64> = (first..last)
                .map(|x| {
                    let t = ((x as f64 - center + 0.5) / filterscale).abs();
                    if t < 1.0 {
                        1.0 - t
                    } else {
                        0.0
                    }
                })
                .collect();
            let total: f64 = raw.iter().sum();
            let fixed = raw
                .iter()
                .map(|w| {
                    let w = if total > 0.0 { w / total } else { 0.0 };
                    (w * f64::from(1u32 << PRECISION_BITS)).round() as i32
                })
                .collect();
            (usize::try_from(first).unwrap_or(0), fixed)
        })
        .collect()
}

fn clip8(acc: i64) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Resizes RGB pixels: a horizontal pass, then a vertical one, each rounded to 8 bits.
fn resize(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    if img.width() == width && img.height() == height {
        return img.clone();
    }
    let (w_in, h_in) = (img.width() as usize, img.height() as usize);
    let (w_out, h_out) = (width as usize, height as usize);
    let src = img.as_raw();
    let half = 1i64 << (PRECISION_BITS - 1);
    let mut horizontal = vec![0u8; w_out * h_in * 3];
    let xs = resize_weights(img.width(), width);
    for y in 0..h_in {
        let row = &src[y * w_in * 3..(y + 1) * w_in * 3];
        for (x, (first, weights)) in xs.iter().enumerate() {
            for c in 0..3 {
                let acc = weights.iter().enumerate().fold(half, |acc, (k, w)| {
                    acc + i64::from(row[(first + k) * 3 + c]) * i64::from(*w)
                });
                horizontal[(y * w_out + x) * 3 + c] = clip8(acc);
            }
        }
    }
    let mut out = vec![0u8; w_out * h_out * 3];
    let ys = resize_weights(img.height(), height);
    let stride = w_out * 3;
    for (y, (first, weights)) in ys.iter().enumerate() {
        for i in 0..stride {
            let acc = weights.iter().enumerate().fold(half, |acc, (k, w)| {
                acc + i64::from(horizontal[(first + k) * stride + i]) * i64::from(*w)
            });
            out[y * stride + i] = clip8(acc);
        }
    }
    RgbImage::from_raw(width, height, out).unwrap_or_else(|| RgbImage::new(width, height))
}

/// Interleaved RGBRGB… to planar RRR…GGG…BBB….
pub fn hwc_to_chw(hwc: &[u8]) -> Vec<u8> {
    let pixels = hwc.len() / 3;
    let mut chw = vec![0u8; pixels * 3];
    for (i, px) in hwc.chunks_exact(3).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            chw[c * pixels + i] = v;
        }
    }
    chw
}

#[cfg(test)]
mod tests;
