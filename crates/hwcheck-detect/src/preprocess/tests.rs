use super::*;

fn png_bytes(img: &image::DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[test]
fn grey_pictures_become_rgb() {
    let grey =
        image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(4, 2, image::Luma([77])));
    let rgb = decode(&png_bytes(&grey)).unwrap();
    assert_eq!(rgb.dimensions(), (4, 2));
    assert_eq!(rgb.get_pixel(3, 1), &Rgb([77, 77, 77]));
}

#[test]
fn bad_bytes_are_named() {
    assert_eq!(decode(&[]), Err(ImageError::Empty));
    assert!(matches!(
        decode(b"not a picture at all"),
        Err(ImageError::Decode(_))
    ));
    let mut truncated = png_bytes(&image::DynamicImage::ImageRgb8(RgbImage::new(64, 64)));
    truncated.truncate(truncated.len() / 2);
    assert!(matches!(decode(&truncated), Err(ImageError::Decode(_))));
}

#[test]
fn input_spec_of_known_layouts() {
    let ssd = input_spec(&[1, 300, 300, 3], Element::U8).unwrap();
    assert_eq!(
        (ssd.order, ssd.fit, ssd.width, ssd.height),
        (Order::Nhwc, Fit::Stretch, 300, 300)
    );
    assert_eq!(ssd.shape(), [1, 300, 300, 3]);
    let yolo = input_spec(&[1, 3, 640, 480], Element::F32).unwrap();
    assert_eq!(
        (yolo.order, yolo.fit, yolo.width, yolo.height),
        (Order::Nchw, Fit::Letterbox, 480, 640)
    );
    assert_eq!(yolo.shape(), [1, 3, 640, 480]);
    let dynamic = input_spec(&[-1, 3, -1, -1], Element::F32).unwrap();
    assert_eq!((dynamic.width, dynamic.height), (640, 640));
    let dynamic_tf = input_spec(&[-1, -1, -1, 3], Element::U8).unwrap();
    assert_eq!((dynamic_tf.width, dynamic_tf.height), (300, 300));
}

#[test]
fn input_spec_refusals_say_why() {
    assert!(input_spec(&[1, 300, 300], Element::U8)
        .unwrap_err()
        .contains("rank 3"));
    assert!(input_spec(&[1, 4, 300, 300], Element::F32)
        .unwrap_err()
        .contains("3-channel"));
    assert!(input_spec(&[8, 3, 640, 640], Element::F32)
        .unwrap_err()
        .contains("batch 8"));
}

#[test]
fn letterbox_maths_by_hand() {
    // 1000x500 into 640x640: scale 0.64 -> 640x320, 160 rows of grey above and below.
    let p = Placement::letterbox(1000, 500, 640, 640);
    assert_eq!(
        (p.inner_w, p.inner_h, p.pad_x, p.pad_y),
        (640.0, 320.0, 0.0, 160.0)
    );
    // 300x301 into 100x100: scale 100/301 -> 99.67 rounds to 100 wide, 100 high: no padding.
    let q = Placement::letterbox(300, 301, 100, 100);
    assert_eq!(
        (q.inner_w, q.inner_h, q.pad_x, q.pad_y),
        (100.0, 100.0, 0.0, 0.0)
    );
    // 3x1 into 8x8: 8x3 (2.67 rounds to 3), 5 spare rows: 2 above, 3 below.
    let r = Placement::letterbox(3, 1, 8, 8);
    assert_eq!(
        (r.inner_w, r.inner_h, r.pad_x, r.pad_y),
        (8.0, 3.0, 0.0, 2.0)
    );
}

#[test]
fn letterboxed_boxes_map_back_to_the_picture() {
    let p = Placement::letterbox(1000, 500, 640, 640);
    // Input rows 160..480 hold the picture; a box over rows 320..480, cols 0..320.
    let b = BBox {
        ymin: 320.0 / 640.0,
        xmin: 0.0,
        ymax: 480.0 / 640.0,
        xmax: 0.5,
    };
    let back = p.to_picture(&b);
    assert_eq!(
        (back.ymin, back.xmin, back.ymax, back.xmax),
        (0.5, 0.0, 1.0, 0.5)
    );
    // Anything in the grey band clamps to the picture's edge.
    let band = BBox {
        ymin: 0.0,
        xmin: 0.0,
        ymax: 0.1,
        xmax: 1.0,
    };
    assert_eq!(p.to_picture(&band).ymax, 0.0);
    // A stretch placement is the identity.
    assert_eq!(Placement::stretch(300, 300).to_picture(&b), b);
}

#[test]
fn prepare_lays_out_and_scales() {
    let mut img = RgbImage::new(2, 1);
    img.put_pixel(0, 0, Rgb([10, 20, 30]));
    img.put_pixel(1, 0, Rgb([40, 50, 60]));
    let nhwc = InputSpec {
        element: Element::U8,
        order: Order::Nhwc,
        width: 2,
        height: 1,
        fit: Fit::Stretch,
    };
    assert_eq!(
        prepare(&img, &nhwc).data,
        TensorData::U8(vec![10, 20, 30, 40, 50, 60])
    );
    let nchw = InputSpec {
        element: Element::F32,
        order: Order::Nchw,
        fit: Fit::Stretch,
        ..nhwc
    };
    let got = prepare(&img, &nchw);
    assert_eq!(got.shape, [1, 3, 1, 2]);
    let want: Vec<f32> = [10, 40, 20, 50, 30, 60]
        .iter()
        .map(|&v| v as f32 / 255.0)
        .collect();
    assert_eq!(got.data, TensorData::F32(want));
}

#[test]
fn letterbox_pads_with_grey() {
    let img = RgbImage::from_pixel(4, 2, Rgb([200, 0, 0]));
    let spec = InputSpec {
        element: Element::U8,
        order: Order::Nhwc,
        width: 4,
        height: 4,
        fit: Fit::Letterbox,
    };
    let TensorData::U8(v) = prepare(&img, &spec).data else {
        panic!("uint8 wanted")
    };
    // Row 0 is padding, rows 1-2 the picture, row 3 padding.
    assert_eq!(&v[0..3], &[114, 114, 114]);
    assert_eq!(&v[12..15], &[200, 0, 0]);
    assert_eq!(&v[36..39], &[114, 114, 114]);
}

#[test]
fn resize_weights_by_hand() {
    // Halving 4 pixels: support 2. Output 0 centres on 1.0 and covers inputs 0..3 with
    // triangle weights 0.75, 0.75, 0.25 (normalised: 3/7, 3/7, 1/7).
    let w = resize_weights(4, 2);
    let one = f64::from(1u32 << PRECISION_BITS);
    assert_eq!(w[0].0, 0);
    let got: Vec<f64> = w[0].1.iter().map(|&v| f64::from(v) / one).collect();
    for (g, want) in got.iter().zip([3.0 / 7.0, 3.0 / 7.0, 1.0 / 7.0]) {
        assert!((g - want).abs() < 1e-6, "{got:?}");
    }
    assert_eq!(w[1].0, 1);
    // Enlarging 2 -> 4: support 1, plain linear interpolation. Output 1 centres on 0.75,
    // a quarter of a pixel from input 0's centre (0.5): weights 0.75 and 0.25.
    let up = resize_weights(2, 4);
    assert_eq!(up[1].0, 0);
    let got: Vec<f64> = up[1].1.iter().map(|&v| f64::from(v) / one).collect();
    assert!(
        (got[0] - 0.75).abs() < 1e-6 && (got[1] - 0.25).abs() < 1e-6,
        "{got:?}"
    );
}

#[test]
fn stretch_resize_is_bilinear_on_a_ramp() {
    // A 4-pixel ramp 0,100,200,255 halved: (0*3 + 100*3 + 200)/7 = 71.4 and
    // (100 + 200*3 + 255*3)/7 = 209.3.
    let mut img = RgbImage::new(4, 1);
    for (x, v) in [0u8, 100, 200, 255].iter().enumerate() {
        img.put_pixel(x as u32, 0, Rgb([*v; 3]));
    }
    let out = resize(&img, 2, 1);
    assert_eq!(out.get_pixel(0, 0), &Rgb([71; 3]));
    assert_eq!(out.get_pixel(1, 0), &Rgb([209; 3]));
    // A flat picture stays flat whatever the size.
    let flat = RgbImage::from_pixel(7, 5, Rgb([33, 66, 99]));
    let resized = resize(&flat, 3, 11);
    assert!(resized.pixels().all(|p| p == &Rgb([33, 66, 99])));
}
