//! Tests of the depthwise rewrite: the bundled model and inputs that are not models.

use super::*;
use crate::bundled;

#[test]
fn bundled_model_rewrites_33_depthwise_convs() {
    let out = split_depthwise(bundled::MODEL).unwrap();
    assert_eq!(out.rewritten, 33);
    assert!(out.bytes.len() < 2 * bundled::MODEL.len());
    // Nothing left to rewrite, and the output reads back.
    let again = split_depthwise(&out.bytes).unwrap();
    assert_eq!(again.rewritten, 0);
    assert_eq!(again.bytes, out.bytes);
    // The depthwise weights are gone (no other node used them).
    let g = top_graph(&out.bytes);
    assert!(!g
        .inits
        .keys()
        .any(|n| n.ends_with(b"depthwise_weights_fused_bn")));
    let convs = g.nodes.iter().filter(|(_, n)| n.op_type == b"Conv").count();
    assert_eq!(convs, 88 - 33);
    let sums = g.nodes.iter().filter(|(_, n)| n.op_type == b"Sum").count();
    assert_eq!(sums, 33);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert_eq!(split_depthwise(&[]), Err(RewriteError::Empty));
    // A length field pointing past the end.
    assert!(matches!(
        split_depthwise(&[0x3a, 0x10, 1, 2]),
        Err(RewriteError::Truncated { .. })
    ));
    for n in [
        1,
        10,
        100,
        1000,
        100_000,
        1_000_000,
        bundled::MODEL.len() - 100,
    ] {
        assert!(split_depthwise(&bundled::MODEL[..n]).is_err(), "{n}");
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..256)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        assert!(split_depthwise(&bytes).is_err());
    }
}

/// A model with one depthwise Conv (C channels) from "x" to "y", opset 13.
fn conv_model(c: usize, w: &[f32], bias: Option<&[f32]>, stride: i64, pads: [i64; 4]) -> Vec<u8> {
    use wire::{put_bytes_field as bytes, put_varint_field as varint};
    let attr = |name: &str, ints: &[i64]| {
        let mut a = Vec::new();
        bytes(&mut a, 1, name.as_bytes());
        for v in ints {
            varint(&mut a, 8, *v as u64);
        }
        varint(&mut a, 20, proto::ATTR_INTS);
        a
    };
    let mut node = Vec::new();
    for i in ["x", "w", if bias.is_some() { "b" } else { "" }] {
        bytes(&mut node, 1, i.as_bytes());
    }
    bytes(&mut node, 2, b"y");
    bytes(&mut node, 3, b"conv");
    bytes(&mut node, 4, b"Conv");
    let mut group = Vec::new();
    bytes(&mut group, 1, b"group");
    varint(&mut group, 3, c as u64);
    bytes(&mut node, 5, &group);
    bytes(&mut node, 5, &attr("strides", &[stride, stride]));
    bytes(&mut node, 5, &attr("pads", &pads));
    let mut graph = Vec::new();
    bytes(&mut graph, 1, &node);
    let raw = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|f| f.to_le_bytes()).collect() };
    proto::put_tensor(
        &mut graph,
        b"w",
        &[c as i64, 1, 3, 3],
        proto::FLOAT,
        &raw(w),
    );
    if let Some(b) = bias {
        proto::put_tensor(&mut graph, b"b", &[c as i64], proto::FLOAT, &raw(b));
    }
    let mut model = Vec::new();
    bytes(&mut model, 7, &graph);
    let mut opset = Vec::new();
    varint(&mut opset, 2, 13);
    bytes(&mut model, 8, &opset);
    model
}

/// A NCHW f32 tensor.
type T = (Vec<usize>, Vec<f32>);

/// The top-level graph (ModelProto field 7) of a model.
fn top_graph(model: &[u8]) -> Graph<'_> {
    let graph = Fields::collect_all(model, "ModelProto")
        .unwrap()
        .iter()
        .find(|f| f.number == 7)
        .unwrap()
        .bytes("m")
        .unwrap();
    Graph::parse(graph, &[]).unwrap()
}

/// Evaluates the Pad/Slice/Mul/Sum graph of `model` on input `x`; returns "y".
fn evaluate(model: &[u8], x: T) -> T {
    let g = top_graph(model);
    let mut env: HashMap<Vec<u8>, T> = HashMap::new();
    let mut ints: HashMap<Vec<u8>, Vec<i64>> = HashMap::new();
    for t in g.inits.values().flatten() {
        let raw = t.raw_data.unwrap();
        if t.data_type == proto::INT64 {
            let v = raw
                .chunks(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap()));
            ints.insert(t.name.to_vec(), v.collect());
        } else {
            let dims = t.dims.iter().map(|d| *d as usize).collect();
            env.insert(t.name.to_vec(), (dims, t.floats().unwrap()));
        }
    }
    env.insert(b"x".to_vec(), x);
    let at = |s: &[usize], n: usize, c: usize, h: usize, w: usize| {
        ((n * s[1] + c) * s[2] + h) * s[3] + w
    };
    for (_, n) in &g.nodes {
        let input = |k: usize| env[n.inputs[k]].clone();
        let out = match n.op_type {
            b"Pad" => {
                let ((s, d), p) = (input(0), &ints[n.inputs[1]]);
                assert_eq!(p[..2], [0, 0]);
                let o = vec![
                    s[0],
                    s[1],
                    s[2] + (p[2] + p[6]) as usize,
                    s[3] + (p[3] + p[7]) as usize,
                ];
                let mut v = vec![0.0; o.iter().product()];
                for c in 0..s[1] {
                    for h in 0..s[2] {
                        for w in 0..s[3] {
                            v[at(&o, 0, c, h + p[2] as usize, w + p[3] as usize)] =
                                d[at(&s, 0, c, h, w)];
                        }
                    }
                }
                (o, v)
            }
            b"Slice" => {
                let (s, d) = input(0);
                let arg = |k: usize| &ints[n.inputs[k]];
                assert_eq!(arg(3), &vec![2, 3]);
                // ONNX Slice: negative indices count from the end, then clamp to [0, dim].
                let range = |a: usize| {
                    let dim = s[a + 2] as i64;
                    let fix = |v: i64| (if v < 0 { v + dim } else { v }).clamp(0, dim);
                    let (b, e, st) = (fix(arg(1)[a]), fix(arg(2)[a]), arg(4)[a]);
                    (b..e)
                        .step_by(st as usize)
                        .map(|v| v as usize)
                        .collect::<Vec<_>>()
                };
                let (hs, ws) = (range(0), range(1));
                let o = vec![s[0], s[1], hs.len(), ws.len()];
                let mut v = Vec::new();
                for c in 0..s[1] {
                    for h in &hs {
                        for w in &ws {
                            v.push(d[at(&s, 0, c, *h, *w)]);
                        }
                    }
                }
                (o, v)
            }
            b"Mul" | b"Sum" => {
                let (s, mut acc) = input(0);
                for k in 1..n.inputs.len() {
                    let (ks, kd) = input(k);
                    for (i, a) in acc.iter_mut().enumerate() {
                        let c = i / (s[2] * s[3]) % s[1];
                        let other = if ks == s { kd[i] } else { kd[c] };
                        *a = if n.op_type == b"Mul" {
                            *a * other
                        } else {
                            *a + other
                        };
                    }
                }
                (s, acc)
            }
            op => panic!("unexpected {op:?}"),
        };
        env.insert(n.outputs[0].to_vec(), out);
    }
    env.remove(b"y".as_slice()).unwrap()
}

/// A direct depthwise 3x3 convolution.
fn direct(x: &T, w: &[f32], bias: Option<&[f32]>, s: usize, p: [i64; 4]) -> T {
    let (xs, xd) = x;
    let (c, h, wd) = (xs[1], xs[2] as i64, xs[3] as i64);
    let size = |n: i64, a: i64, b: i64| ((n + a + b - 3).div_euclid(s as i64) + 1).max(0) as usize;
    let (oh, ow) = (size(h, p[0], p[2]), size(wd, p[1], p[3]));
    let mut v = Vec::new();
    for ch in 0..c {
        for y in 0..oh {
            for xo in 0..ow {
                let mut acc = bias.map_or(0.0, |b| b[ch]);
                for i in 0..3 {
                    for j in 0..3 {
                        let (r, q) = ((y * s + i) as i64 - p[0], (xo * s + j) as i64 - p[1]);
                        if (0..h).contains(&r) && (0..wd).contains(&q) {
                            acc += w[ch * 9 + i * 3 + j]
                                * xd[(ch * xs[2] + r as usize) * xs[3] + q as usize];
                        }
                    }
                }
                v.push(acc);
            }
        }
    }
    (vec![1, c, oh, ow], v)
}

#[test]
fn rewritten_graph_computes_the_convolution() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let c = 3;
    for h in [1, 2, 3, 5, 19] {
        for wd in [1, 2, 3, 5, 19] {
            for s in [1, 2] {
                for pads in [[1, 1, 1, 1], [0, 0, 1, 1]] {
                    for with_bias in [false, true] {
                        let w: Vec<f32> = (0..c * 9).map(|_| rand()).collect();
                        let b: Vec<f32> = (0..c).map(|_| rand()).collect();
                        let bias = with_bias.then_some(&b[..]);
                        let model = conv_model(c, &w, bias, s as i64, pads);
                        let out = split_depthwise(&model).unwrap();
                        assert_eq!(out.rewritten, 1);
                        let x: T = (vec![1, c, h, wd], (0..c * h * wd).map(|_| rand()).collect());
                        let want = direct(&x, &w, bias, s, pads);
                        let got = evaluate(&out.bytes, x);
                        assert_eq!(got.0, want.0, "{h}x{wd} s{s} {pads:?}");
                        let diff = got
                            .1
                            .iter()
                            .zip(&want.1)
                            .map(|(a, b)| (a - b).abs())
                            .fold(0.0, f32::max);
                        assert!(diff < 1e-5, "{h}x{wd} s{s} {pads:?}: {diff}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_conv_with_one_group_is_left_alone() {
    let model = conv_model(1, &[0.5; 9], None, 1, [1, 1, 1, 1]);
    let out = split_depthwise(&model).unwrap();
    assert_eq!(out.rewritten, 0);
    assert_eq!(out.bytes, model);
}

#[test]
fn mutated_models_never_panic() {
    let model = conv_model(2, &[0.25; 18], Some(&[1.0, 2.0]), 2, [0, 0, 1, 1]);
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5000 {
        let mut m = model.clone();
        for _ in 0..1 + next() % 4 {
            let at = next() as usize % m.len();
            match next() % 3 {
                0 => m[at] = next() as u8,
                1 => m.truncate(at.max(1)),
                _ => m.insert(at, next() as u8),
            }
        }
        if let Ok(out) = split_depthwise(&m) {
            let _ = split_depthwise(&out.bytes);
        }
    }
}

#[test]
fn a_loop_body_is_copied_and_keeps_the_weights_it_names() {
    use wire::put_bytes_field as bytes;
    // The top-level depthwise Conv of conv_model, plus a Loop whose body (attribute g) holds
    // a depthwise Conv naming "w": the body is not rewritten and "w" stays.
    let model = conv_model(2, &[0.25; 18], None, 1, [1, 1, 1, 1]);
    let fields = Fields::collect_all(&model, "m").unwrap();
    let graph = fields[0].bytes("m").unwrap();
    let inner = Fields::collect_all(graph, "g").unwrap()[0]
        .bytes("g")
        .unwrap()
        .to_vec();
    let mut body = Vec::new();
    bytes(&mut body, 1, &inner);
    let mut attr = Vec::new();
    bytes(&mut attr, 1, b"body");
    bytes(&mut attr, 6, &body);
    let mut lp = Vec::new();
    bytes(&mut lp, 2, b"loop_out");
    bytes(&mut lp, 4, b"Loop");
    bytes(&mut lp, 5, &attr);
    let mut new_graph = graph.to_vec();
    bytes(&mut new_graph, 1, &lp);
    let mut m = Vec::new();
    bytes(&mut m, 7, &new_graph);
    m.extend_from_slice(fields[1].raw);
    let out = split_depthwise(&m).unwrap();
    assert_eq!(out.rewritten, 1);
    let fields = Fields::collect_all(&out.bytes, "m").unwrap();
    let g = Graph::parse(fields[0].bytes("m").unwrap(), &[]).unwrap();
    assert!(g.inits.contains_key(b"w".as_slice()));
    let (k, lp_node) = g.nodes.iter().find(|(_, n)| n.op_type == b"Loop").unwrap();
    assert!(lp_node.has_subgraph());
    assert!(contains(g.raw(*k).unwrap(), &inner));
    assert_eq!(
        g.nodes.iter().filter(|(_, n)| n.op_type == b"Conv").count(),
        0
    );
}
