//! Which Conv nodes qualify, and the nodes and initializers that replace one.

use super::is_default_domain;
use super::proto::{self, Attribute, Node, Tensor, ATTR_INT, ATTR_INTS, ATTR_STRING};
use std::collections::{HashMap, HashSet};

/// One depthwise Conv to replace.
pub(super) struct Plan<'a> {
    /// Input X.
    pub x: &'a [u8],
    /// Output Y.
    y: &'a [u8],
    /// `N/dw` (`dw{index}/dw` for a node without a name): the start of every new name.
    pub prefix: Vec<u8>,
    /// Stride along both axes.
    stride: i64,
    /// pads [top, left, bottom, right].
    pads: [i64; 4],
    /// Channels.
    channels: usize,
    /// weight[c][0][i][j] at c * 9 + i * 3 + j.
    weight: Vec<f32>,
    /// Per-channel bias.
    bias: Option<Vec<f32>>,
    /// Names of the weight and the bias initializer.
    pub consts: Vec<&'a [u8]>,
}

/// The attributes a qualifying Conv may carry.
#[derive(Default)]
struct ConvAttrs {
    group: Option<i64>,
    kernel_shape: Option<Vec<i64>>,
    dilations: Option<Vec<i64>>,
    strides: Option<Vec<i64>>,
    pads: Option<Vec<i64>>,
    notset: bool,
}

impl ConvAttrs {
    /// The attributes of `node`; `None` for an unknown, repeated or odd-typed one.
    fn read(node: &Node) -> Option<Self> {
        let mut a = ConvAttrs {
            notset: true,
            ..ConvAttrs::default()
        };
        let mut seen = HashSet::new();
        for attr in &node.attributes {
            if attr.other || !seen.insert(attr.name) {
                return None;
            }
            match attr.name {
                b"group" => a.group = Some(int(attr)?),
                b"kernel_shape" => a.kernel_shape = Some(ints(attr)?),
                b"dilations" => a.dilations = Some(ints(attr)?),
                b"strides" => a.strides = Some(ints(attr)?),
                b"pads" => a.pads = Some(ints(attr)?),
                b"auto_pad" => {
                    let typed = attr.kind.is_none_or(|k| k == ATTR_STRING);
                    a.notset = typed && attr.int.is_none() && attr.string == Some(b"NOTSET");
                }
                _ => return None,
            }
        }
        Some(a)
    }
}

/// The value of an INT attribute.
fn int(a: &Attribute) -> Option<i64> {
    let typed = a.kind.is_none_or(|k| k == ATTR_INT);
    (typed && a.ints.is_empty() && a.string.is_none()).then_some(a.int?)
}

/// The values of an INTS attribute.
fn ints(a: &Attribute) -> Option<Vec<i64>> {
    let typed = a.kind.is_none_or(|k| k == ATTR_INTS);
    (typed && a.int.is_none() && a.string.is_none()).then(|| a.ints.clone())
}

/// A FLOAT initializer with exactly `dims`, not also a graph input: its values.
fn constant(
    name: &[u8],
    dims: &[i64],
    inits: &HashMap<&[u8], Option<Tensor>>,
    inputs: &HashSet<&[u8]>,
) -> Option<Vec<f32>> {
    let t = inits.get(name)?.as_ref()?;
    if inputs.contains(name) || t.dims != dims {
        return None;
    }
    let count = dims
        .iter()
        .try_fold(1usize, |n, d| n.checked_mul(usize::try_from(*d).ok()?))?;
    t.floats().filter(|v| v.len() == count)
}

impl<'a> Plan<'a> {
    /// The plan for `node` (the `index`th node of the graph) if it is a depthwise 3x3 Conv the
    /// rewrite handles (see the module docs); `None` leaves it untouched.
    pub fn new(
        node: &Node<'a>,
        index: usize,
        inits: &HashMap<&[u8], Option<Tensor>>,
        inputs: &HashSet<&[u8]>,
    ) -> Option<Self> {
        if node.op_type != b"Conv" || !is_default_domain(node.domain) {
            return None;
        }
        let (&x, &w) = (node.inputs.first()?, node.inputs.get(1)?);
        let b = node.inputs.get(2).copied().unwrap_or_default();
        let [y] = node.outputs[..] else { return None };
        if x.is_empty() || y.is_empty() || node.inputs.len() > 3 {
            return None;
        }
        let a = ConvAttrs::read(node)?;
        let c = a.group.filter(|g| *g > 1)?;
        let channels = usize::try_from(c).ok()?;
        let weight = constant(w, &[c, 1, 3, 3], inits, inputs)?;
        let bias = match b {
            b"" => None,
            _ => Some(constant(b, &[c], inits, inputs)?),
        };
        let fits = a.kernel_shape.as_deref().is_none_or(|k| k == [3, 3])
            && a.dilations
                .as_deref()
                .is_none_or(|d| d.iter().all(|v| *v == 1))
            && a.notset;
        let stride = match a.strides.as_deref() {
            None => 1,
            Some(&[s, t]) if s == t && (s == 1 || s == 2) => s,
            Some(_) => return None,
        };
        let pads = match a.pads.as_deref() {
            None => [0; 4],
            Some(&[t, l, b, r]) if [t, l, b, r].iter().all(|p| *p >= 0) => [t, l, b, r],
            Some(_) => return None,
        };
        if !fits {
            return None;
        }
        let mut consts = vec![w];
        if bias.is_some() && b != w {
            consts.push(b);
        }
        let prefix = match node.name {
            b"" => format!("dw{index}/dw").into_bytes(),
            n => [n, b"/dw"].concat(),
        };
        Some(Plan {
            x,
            y,
            prefix,
            stride,
            pads,
            channels,
            weight,
            bias,
            consts,
        })
    }

    /// `prefix/suffix`.
    fn name(&self, suffix: &str) -> Vec<u8> {
        [&self.prefix[..], b"/", suffix.as_bytes()].concat()
    }

    /// Appends the replacement nodes to `nodes` and their initializers to `inits` (both as
    /// GraphProto fields): Pad, then Slice + Mul for each of the nine taps, then Sum.
    pub fn emit(&self, nodes: &mut Vec<u8>, inits: &mut Vec<u8>) {
        let [t, l, b, r] = self.pads;
        let (padded, axes, steps) = (self.name("padded"), self.name("axes"), self.name("steps"));
        let pads = self.name("pads");
        proto::put_i64s(inits, &pads, &[0, 0, t, l, 0, 0, b, r]);
        proto::put_i64s(inits, &axes, &[2, 3]);
        proto::put_i64s(inits, &steps, &[self.stride, self.stride]);
        proto::put_node(
            nodes,
            &self.name("pad"),
            "Pad",
            &[self.x, &pads],
            &[&padded],
        );
        let mut terms = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                let q = |s: &str| self.name(&format!("{i}{j}/{s}"));
                let (starts, ends, k) = (q("starts"), q("ends"), q("k"));
                let (sliced, product) = (q("s"), q("m"));
                proto::put_i64s(inits, &starts, &[i, j]);
                proto::put_i64s(inits, &ends, &[end(i), end(j)]);
                let tap: Vec<f32> = (0..self.channels)
                    .map(|c| {
                        self.weight
                            .get(c * 9 + (i * 3 + j) as usize)
                            .copied()
                            .unwrap_or(0.0)
                    })
                    .collect();
                proto::put_channel_floats(inits, &k, &tap);
                let slice_in: [&[u8]; 5] = [&padded, &starts, &ends, &axes, &steps];
                proto::put_node(nodes, &q("slice"), "Slice", &slice_in, &[&sliced]);
                proto::put_node(nodes, &q("mul"), "Mul", &[&sliced, &k], &[&product]);
                terms.push(product);
            }
        }
        if let Some(bias) = &self.bias {
            let name = self.name("bias");
            proto::put_channel_floats(inits, &name, bias);
            terms.push(name);
        }
        let terms: Vec<&[u8]> = terms.iter().map(Vec::as_slice).collect();
        proto::put_node(nodes, &self.name("sum"), "Sum", &terms, &[self.y]);
    }
}

/// The Slice end for kernel row (or column) `k` of 3: -2, -1 (counted from the end) and
/// i64::MAX (to the end). With start `k` and step s in {1, 2} this takes
/// ceil((Hp - 2) / s) = floor((Hp - 3) / s) + 1 values of a padded size Hp >= 2: the output size.
pub(super) const fn end(k: i64) -> i64 {
    if k < 2 {
        k - 2
    } else {
        i64::MAX
    }
}
