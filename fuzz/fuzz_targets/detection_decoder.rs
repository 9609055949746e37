//! The detector output decoder: layout recognition, box decoding and person filtering/NMS on
//! any output shapes and values (a user's --model can produce anything).
#![no_main]

use hwcheck_detect::layouts::{decode, detect, people, Output};
use libfuzzer_sys::fuzz_target;

fn take_f32(data: &mut &[u8]) -> Option<f32> {
    let (head, tail) = data.split_first_chunk::<4>()?;
    *data = tail;
    Some(f32::from_le_bytes(*head))
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    // Up to 4 outputs, each with up to 3 dimensions of up to 63.
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    data = rest;
    let mut outputs = Vec::new();
    for i in 0..usize::from(count % 5) {
        let Some((dims, rest)) = data.split_first_chunk::<3>() else {
            break;
        };
        data = rest;
        let shape: Vec<usize> = dims
            .iter()
            .filter(|d| **d != 0xff)
            .map(|d| usize::from(d % 64))
            .collect();
        let len = shape.iter().product::<usize>().min(4096);
        let mut values = Vec::with_capacity(len);
        for _ in 0..len {
            values.push(take_f32(&mut data).unwrap_or(0.5));
        }
        outputs.push(Output {
            name: format!("output{i}"),
            shape,
            data: values,
        });
    }
    let shapes: Vec<(&str, &[usize])> = outputs
        .iter()
        .map(|o| (o.name.as_str(), o.shape.as_slice()))
        .collect();
    if let Ok(layout) = detect(&shapes) {
        if let Ok(candidates) = decode(&layout, &outputs, 320.0, 320.0) {
            let nms = (!layout.has_nms()).then_some(0.45);
            let _ = people(candidates, layout.person_class(), 0.3, nms);
        }
    }
});
