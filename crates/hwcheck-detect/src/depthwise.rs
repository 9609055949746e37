//! Rewrites depthwise 3x3 convolutions of an ONNX model as Pad + nine strided Slices + nine
//! per-channel Muls + one Sum: the same arithmetic with no convolution node.
//!
//! Why: with cuDNN 9.10 or newer, ONNX Runtime's CUDA provider makes cuDNN compile engines at
//! run time for depthwise convolutions, which cost the bundled detector about 4 s on its first
//! CUDA run on an H200 with cuDNN 9.14 (4653 ms; 687 ms with this rewrite; steady state 11.9 ms
//! vs 4.6 ms). Source: <https://github.com/NVIDIA/cudnn-frontend/issues/1066> (measurement on
//! the H200 is hwcheck's own). The CPU keeps the original model.
//!
//! The rewrite works on the protobuf wire format: every byte it does not replace is copied
//! as it is, so no field of the model is lost. It reads only the top-level graph (subgraphs of
//! Loop/If stay bytes), never recurses, checks every length against the bytes left, and
//! never panics.
//!
//! A Conv is rewritten when it is in the default domain, `group` = C > 1, its weight is a FLOAT
//! initializer of dims [C, 1, 3, 3] (not also a graph input), `kernel_shape` is absent or
//! [3, 3], `dilations` absent or all 1, `auto_pad` absent or NOTSET, `strides` [s, s] with
//! s in {1, 2}, `pads` [t, l, b, r] (non-negative), and its optional bias is a FLOAT
//! initializer of dims [C]. Slice ends are -2, -1 and i64::MAX for kernel rows/columns 0, 1, 2:
//! that gives floor((Hp - 3) / s) + 1 rows for any padded size Hp, so no shape is needed.

mod plan;
mod proto;
#[cfg(test)]
mod tests;
mod wire;

use proto::{Node, Tensor};
use std::collections::{HashMap, HashSet};
use wire::{put_bytes_field, Fields};

/// The oldest default-domain opset the rewritten model is valid in: Pad takes `pads` as an
/// input since opset 11 (<https://onnx.ai/onnx/operators/onnx__Pad.html>), Slice takes
/// `steps` since opset 10 (<https://onnx.ai/onnx/operators/onnx__Slice.html>).
pub const MIN_OPSET: i64 = 11;

/// ModelProto.graph.
const MODEL_GRAPH: u64 = 7;
/// ModelProto.opset_import.
const MODEL_OPSET: u64 = 8;

/// A rewritten model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// The new model's bytes (a copy of the input when nothing was rewritten).
    pub bytes: Vec<u8>,
    /// How many Conv nodes were replaced.
    pub rewritten: usize,
}

/// Why a model could not be read for the rewrite.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    /// No bytes at all.
    #[error("the model is empty (0 bytes)")]
    Empty,
    /// A field runs past the end of its message.
    #[error(
        "truncated protobuf: a field of a {message} starting at byte {offset} runs past its end"
    )]
    Truncated {
        /// The message being read.
        message: &'static str,
        /// Where the field starts, in that message.
        offset: usize,
    },
    /// A varint of more than 10 bytes.
    #[error("malformed protobuf: a varint longer than 10 bytes in a {message} at byte {offset}")]
    BadVarint {
        /// The message being read.
        message: &'static str,
        /// Where the varint starts, in that message.
        offset: usize,
    },
    /// A wire type ONNX never uses (groups) or that does not exist.
    #[error("malformed protobuf: wire type {wire_type} in a {message} at byte {offset}")]
    BadWireType {
        /// The message being read.
        message: &'static str,
        /// Where the field starts, in that message.
        offset: usize,
        /// The wire type found.
        wire_type: u8,
    },
    /// Field number 0 or above 2^29 - 1.
    #[error("malformed protobuf: an invalid field number in a {message} at byte {offset}")]
    BadFieldNumber {
        /// The message being read.
        message: &'static str,
        /// Where the field starts, in that message.
        offset: usize,
    },
    /// A field ONNX defines, carried with another wire type.
    #[error("not an ONNX model: field {field} of a {message} has the wrong wire type")]
    WrongWireType {
        /// The message being read.
        message: &'static str,
        /// The field number.
        field: u64,
    },
    /// ModelProto has no graph (field 7).
    #[error("the model has no graph (ModelProto field 7)")]
    NoGraph,
    /// ModelProto has several graph fields.
    #[error("the model has {0} graph fields (ModelProto field 7); expected one")]
    SeveralGraphs(usize),
    /// The default-domain opset is missing or older than [`MIN_OPSET`].
    #[error("the model imports default-domain opset {}; the rewrite needs {MIN_OPSET} or newer", .0.map_or("none".to_string(), |v| v.to_string()))]
    Opset(Option<i64>),
}

/// Rewrites every depthwise 3x3 Conv of the top-level graph of `model` (an ONNX ModelProto)
/// as Pad + 9 Slice + 9 Mul + Sum (see the module docs for which Convs qualify). Weight and
/// bias initializers no other node uses are dropped. Errors on bytes that are not a readable
/// ModelProto with a graph and default-domain opset >= [`MIN_OPSET`].
pub fn split_depthwise(model: &[u8]) -> Result<Rewritten, RewriteError> {
    if model.is_empty() {
        return Err(RewriteError::Empty);
    }
    const M: &str = "ModelProto";
    let fields = Fields::collect_all(model, M)?;
    let mut graphs = Vec::new();
    let mut opset = None;
    for f in &fields {
        match f.number {
            MODEL_GRAPH => graphs.push(f.bytes(M)?),
            MODEL_OPSET => {
                let (domain, version) = proto::opset_id(f.bytes(M)?)?;
                if is_default_domain(domain) {
                    opset = Some(version);
                }
            }
            _ => {}
        }
    }
    let graph = match graphs.as_slice() {
        [] => return Err(RewriteError::NoGraph),
        [g] => *g,
        several => return Err(RewriteError::SeveralGraphs(several.len())),
    };
    if opset.is_none_or(|v| v < MIN_OPSET) {
        return Err(RewriteError::Opset(opset));
    }
    let outside: Vec<&[u8]> = fields
        .iter()
        .filter(|f| f.number != MODEL_GRAPH)
        .map(|f| f.raw)
        .collect();
    let (new_graph, rewritten) = rewrite_graph(graph, &outside)?;
    if rewritten == 0 {
        return Ok(Rewritten {
            bytes: model.to_vec(),
            rewritten,
        });
    }
    let mut bytes =
        Vec::with_capacity(model.len() + new_graph.len() - graph.len().min(new_graph.len()) + 16);
    for f in &fields {
        if f.number == MODEL_GRAPH {
            put_bytes_field(&mut bytes, MODEL_GRAPH as u32, &new_graph);
        } else {
            bytes.extend_from_slice(f.raw);
        }
    }
    Ok(Rewritten { bytes, rewritten })
}

/// Whether `domain` names the default ONNX operator set.
fn is_default_domain(domain: &[u8]) -> bool {
    domain.is_empty() || domain == b"ai.onnx"
}

/// What the rewrite reads of the top-level GraphProto.
struct Graph<'a> {
    /// All fields, in order.
    fields: Vec<wire::Field<'a>>,
    /// The nodes, with the index of their field.
    nodes: Vec<(usize, Node<'a>)>,
    /// Initializers by name; `None` for a name given twice (ambiguous, never used).
    inits: HashMap<&'a [u8], Option<Tensor<'a>>>,
    /// Initializer names by field index.
    init_names: HashMap<usize, &'a [u8]>,
    /// Names of the graph inputs.
    inputs: HashSet<&'a [u8]>,
    /// Raw bytes of every model and graph field that is neither a node nor an initializer.
    other: Vec<&'a [u8]>,
}

impl<'a> Graph<'a> {
    fn parse(graph: &'a [u8], outside: &[&'a [u8]]) -> Result<Self, RewriteError> {
        const G: &str = "GraphProto";
        let mut g = Graph {
            fields: Fields::collect_all(graph, G)?,
            nodes: Vec::new(),
            inits: HashMap::new(),
            init_names: HashMap::new(),
            inputs: HashSet::new(),
            other: outside.to_vec(),
        };
        for (k, f) in g.fields.iter().enumerate() {
            match f.number {
                proto::GRAPH_NODE => g.nodes.push((k, Node::parse(f.bytes(G)?)?)),
                proto::GRAPH_INITIALIZER => {
                    let t = Tensor::parse(f.bytes(G)?)?;
                    g.init_names.insert(k, t.name);
                    let first = !g.inits.contains_key(t.name);
                    g.inits.insert(t.name, first.then_some(t));
                }
                number => {
                    if number == proto::GRAPH_INPUT {
                        g.inputs.insert(proto::value_info_name(f.bytes(G)?)?);
                    }
                    g.other.push(f.raw);
                }
            }
        }
        Ok(g)
    }

    /// Whether `needle` occurs in any node, any non-initializer field or any initializer name.
    fn mentions(&self, needle: &[u8]) -> bool {
        self.nodes
            .iter()
            .any(|(k, _)| self.raw(*k).is_some_and(|r| contains(r, needle)))
            || self.other.iter().any(|h| contains(h, needle))
            || self.init_names.values().any(|n| contains(n, needle))
    }

    /// The raw bytes of field `k`.
    fn raw(&self, k: usize) -> Option<&'a [u8]> {
        self.fields.get(k).map(|f| f.raw)
    }
}

/// Rewrites a GraphProto; `outside` are the model's other fields (searched for names).
fn rewrite_graph<'a>(
    graph: &'a [u8],
    outside: &[&'a [u8]],
) -> Result<(Vec<u8>, usize), RewriteError> {
    let g = Graph::parse(graph, outside)?;
    let mut plans: HashMap<usize, plan::Plan> = HashMap::new();
    let mut prefixes = HashSet::new();
    for (index, (field, node)) in g.nodes.iter().enumerate() {
        let Some(plan) = plan::Plan::new(node, index, &g.inits, &g.inputs) else {
            continue;
        };
        // The new names must be new: skip a node whose prefix occurs anywhere already.
        let mut probe = plan.prefix.clone();
        probe.push(b'/');
        if g.mentions(&probe) || !prefixes.insert(probe) {
            continue;
        }
        plans.insert(*field, plan);
    }
    let dropped = droppable(&g, &plans);
    let mut out = Vec::with_capacity(graph.len() + 64 * 1024);
    let mut new_inits = Vec::new();
    for (k, f) in g.fields.iter().enumerate() {
        if let Some(plan) = plans.get(&k) {
            plan.emit(&mut out, &mut new_inits);
        } else if !g.init_names.get(&k).is_some_and(|n| dropped.contains(n)) {
            out.extend_from_slice(f.raw);
        }
    }
    out.extend_from_slice(&new_inits);
    Ok((out, plans.len()))
}

/// The weight and bias names of `plans` nothing left uses: no kept node's input, no rewritten
/// node's X, not found as bytes in a kept node holding a subgraph, nor in the graph's or the
/// model's other fields (graph inputs and outputs, training info).
fn droppable<'a>(g: &Graph<'a>, plans: &HashMap<usize, plan::Plan<'a>>) -> HashSet<&'a [u8]> {
    let kept: Vec<(usize, &Node)> = g
        .nodes
        .iter()
        .filter(|(k, _)| !plans.contains_key(k))
        .map(|(k, n)| (*k, n))
        .collect();
    let mut used: HashSet<&[u8]> = kept
        .iter()
        .flat_map(|(_, n)| n.inputs.iter().copied())
        .collect();
    used.extend(plans.values().map(|p| p.x));
    let subgraphs: Vec<&[u8]> = kept
        .iter()
        .filter(|(_, n)| n.has_subgraph())
        .filter_map(|(k, _)| g.raw(*k))
        .collect();
    plans
        .values()
        .flat_map(|p| p.consts.iter().copied())
        .filter(|name| {
            !used.contains(name)
                && !subgraphs.iter().any(|h| contains(h, name))
                && !g.other.iter().any(|h| contains(h, name))
        })
        .collect()
}

/// Whether `needle` occurs in `haystack` (an empty needle never does).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
