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
    let fields = Fields::collect_all(&out.bytes, "ModelProto").unwrap();
    let graph = fields
        .iter()
        .find(|f| f.number == 7)
        .unwrap()
        .bytes("m")
        .unwrap();
    let g = Graph::parse(graph, &[]).unwrap();
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
