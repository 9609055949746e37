//! Views of the few ONNX messages the rewrite reads, and encoders for the ones it writes.
//! Field numbers are those of onnx.proto
//! (<https://github.com/onnx/onnx/blob/main/onnx/onnx.proto>). Names are kept as bytes.

use super::wire::{self, put_bytes_field, put_varint_field, Field, Fields, Value};
use super::RewriteError;

/// TensorProto.DataType FLOAT.
pub(super) const FLOAT: i64 = 1;
/// TensorProto.DataType INT64.
pub(super) const INT64: i64 = 7;
/// GraphProto.node.
pub(super) const GRAPH_NODE: u64 = 1;
/// GraphProto.initializer.
pub(super) const GRAPH_INITIALIZER: u64 = 5;
/// GraphProto.input.
pub(super) const GRAPH_INPUT: u64 = 11;

/// A NodeProto.
#[derive(Debug, Default)]
pub(super) struct Node<'a> {
    /// input (1).
    pub inputs: Vec<&'a [u8]>,
    /// output (2).
    pub outputs: Vec<&'a [u8]>,
    /// name (3).
    pub name: &'a [u8],
    /// op_type (4).
    pub op_type: &'a [u8],
    /// domain (7).
    pub domain: &'a [u8],
    /// attribute (5).
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> Node<'a> {
    /// Reads a NodeProto (attributes one level deep; subgraphs stay bytes).
    pub fn parse(b: &'a [u8]) -> Result<Self, RewriteError> {
        const M: &str = "NodeProto";
        let mut node = Node::default();
        for f in Fields::new(b, M) {
            let f = f?;
            match f.number {
                1 => node.inputs.push(f.bytes(M)?),
                2 => node.outputs.push(f.bytes(M)?),
                3 => node.name = f.bytes(M)?,
                4 => node.op_type = f.bytes(M)?,
                5 => node.attributes.push(Attribute::parse(f.bytes(M)?)?),
                7 => node.domain = f.bytes(M)?,
                _ => {}
            }
        }
        Ok(node)
    }

    /// Whether any attribute holds a graph (a Loop, If or Scan body).
    pub fn has_subgraph(&self) -> bool {
        self.attributes.iter().any(|a| a.subgraph)
    }
}

/// An AttributeProto, as far as the rewrite reads it.
#[derive(Debug, Default)]
pub(super) struct Attribute<'a> {
    /// name (1).
    pub name: &'a [u8],
    /// i (3).
    pub int: Option<i64>,
    /// s (4).
    pub string: Option<&'a [u8]>,
    /// ints (8), packed or not.
    pub ints: Vec<i64>,
    /// type (20).
    pub kind: Option<u64>,
    /// Any other field (floats, tensors, graphs, references): not an attribute the rewrite reads.
    pub other: bool,
    /// Holds a graph: g (6) or graphs (11).
    pub subgraph: bool,
}

/// AttributeProto.AttributeType INT.
pub(super) const ATTR_INT: u64 = 2;
/// AttributeProto.AttributeType STRING.
pub(super) const ATTR_STRING: u64 = 3;
/// AttributeProto.AttributeType INTS.
pub(super) const ATTR_INTS: u64 = 7;

impl<'a> Attribute<'a> {
    fn parse(b: &'a [u8]) -> Result<Self, RewriteError> {
        const M: &str = "AttributeProto";
        let mut a = Attribute::default();
        for f in Fields::new(b, M) {
            let f = f?;
            match f.number {
                1 => a.name = f.bytes(M)?,
                3 => a.int = Some(f.varint(M)? as i64),
                4 => a.string = Some(f.bytes(M)?),
                8 => match f.value {
                    Value::Varint(v) => a.ints.push(v as i64),
                    Value::Bytes(p) => {
                        a.ints
                            .extend(wire::packed_varints(p, M)?.into_iter().map(|v| v as i64));
                    }
                    _ => return Err(f.wrong_type(M)),
                },
                20 => a.kind = Some(f.varint(M)?),
                6 | 11 => {
                    a.subgraph = true;
                    a.other = true;
                }
                // doc_string (13) changes nothing.
                13 => {}
                _ => a.other = true,
            }
        }
        Ok(a)
    }
}

/// A TensorProto, as far as the rewrite reads it: the data stay slices of the input.
#[derive(Debug, Default)]
pub(super) struct Tensor<'a> {
    /// name (8).
    pub name: &'a [u8],
    /// dims (1), packed or not.
    pub dims: Vec<i64>,
    /// data_type (2); 0 (UNDEFINED) when absent.
    pub data_type: i64,
    /// raw_data (9).
    pub raw_data: Option<&'a [u8]>,
    /// float_data (4): packed chunks, or one 4-byte chunk per unpacked value.
    pub float_chunks: Vec<&'a [u8]>,
    /// Data elsewhere: segment (3), external_data (13) or data_location EXTERNAL (14).
    pub elsewhere: bool,
}

impl<'a> Tensor<'a> {
    /// Reads a TensorProto without copying its data.
    pub fn parse(b: &'a [u8]) -> Result<Self, RewriteError> {
        const M: &str = "TensorProto";
        let mut t = Tensor::default();
        for f in Fields::new(b, M) {
            let f = f?;
            match f.number {
                1 => match f.value {
                    Value::Varint(v) => t.dims.push(v as i64),
                    Value::Bytes(p) => {
                        t.dims
                            .extend(wire::packed_varints(p, M)?.into_iter().map(|v| v as i64));
                    }
                    _ => return Err(f.wrong_type(M)),
                },
                2 => t.data_type = f.varint(M)? as i64,
                4 => t.float_chunks.push(float_chunk(&f, M)?),
                8 => t.name = f.bytes(M)?,
                9 => t.raw_data = Some(f.bytes(M)?),
                3 | 13 => t.elsewhere = true,
                14 => t.elsewhere |= f.varint(M)? != 0,
                _ => {}
            }
        }
        Ok(t)
    }

    /// The values of a FLOAT tensor held in the model (raw_data or float_data); `None` for
    /// another type, data held elsewhere, or a byte count that is not a whole number of floats.
    pub fn floats(&self) -> Option<Vec<f32>> {
        if self.data_type != FLOAT || self.elsewhere {
            return None;
        }
        let chunks: &[&[u8]] = match &self.raw_data {
            Some(raw) => std::slice::from_ref(raw),
            None => &self.float_chunks,
        };
        let mut out = Vec::new();
        for c in chunks {
            if c.len() % 4 != 0 {
                return None;
            }
            out.extend(
                c.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
        }
        Some(out)
    }
}

/// One float_data field's bytes: a packed run, or the 4 bytes of one unpacked value.
fn float_chunk<'a>(f: &Field<'a>, message: &'static str) -> Result<&'a [u8], RewriteError> {
    match f.value {
        Value::Bytes(p) => Ok(p),
        Value::Fixed32(_) => Ok(f
            .raw
            .get(f.raw.len().saturating_sub(4)..)
            .unwrap_or_default()),
        _ => Err(f.wrong_type(message)),
    }
}

/// The name (1) of a ValueInfoProto.
pub(super) fn value_info_name(b: &[u8]) -> Result<&[u8], RewriteError> {
    const M: &str = "ValueInfoProto";
    let mut name: &[u8] = &[];
    for f in Fields::new(b, M) {
        let f = f?;
        if f.number == 1 {
            name = f.bytes(M)?;
        }
    }
    Ok(name)
}

/// The (domain (1), version (2)) of an OperatorSetIdProto.
pub(super) fn opset_id(b: &[u8]) -> Result<(&[u8], i64), RewriteError> {
    const M: &str = "OperatorSetIdProto";
    let (mut domain, mut version): (&[u8], i64) = (&[], 0);
    for f in Fields::new(b, M) {
        let f = f?;
        match f.number {
            1 => domain = f.bytes(M)?,
            2 => version = f.varint(M)? as i64,
            _ => {}
        }
    }
    Ok((domain, version))
}

/// Appends a GraphProto.node field: a node in the default domain with no attributes.
pub(super) fn put_node(
    out: &mut Vec<u8>,
    name: &[u8],
    op_type: &str,
    inputs: &[&[u8]],
    outputs: &[&[u8]],
) {
    let mut node = Vec::new();
    for i in inputs {
        put_bytes_field(&mut node, 1, i);
    }
    for o in outputs {
        put_bytes_field(&mut node, 2, o);
    }
    put_bytes_field(&mut node, 3, name);
    put_bytes_field(&mut node, 4, op_type.as_bytes());
    put_bytes_field(out, GRAPH_NODE as u32, &node);
}

/// Appends a GraphProto.initializer field holding `raw` (little-endian) as raw_data.
pub(super) fn put_tensor(out: &mut Vec<u8>, name: &[u8], dims: &[i64], data_type: i64, raw: &[u8]) {
    let mut t = Vec::with_capacity(raw.len() + name.len() + 16);
    for d in dims {
        put_varint_field(&mut t, 1, *d as u64);
    }
    put_varint_field(&mut t, 2, data_type as u64);
    put_bytes_field(&mut t, 8, name);
    put_bytes_field(&mut t, 9, raw);
    put_bytes_field(out, GRAPH_INITIALIZER as u32, &t);
}

/// Appends an INT64 initializer.
pub(super) fn put_i64s(out: &mut Vec<u8>, name: &[u8], values: &[i64]) {
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    put_tensor(out, name, &[values.len() as i64], INT64, &raw);
}

/// Appends a FLOAT initializer of dims [1, C, 1, 1], C = `values.len()`.
pub(super) fn put_channel_floats(out: &mut Vec<u8>, name: &[u8], values: &[f32]) {
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    put_tensor(out, name, &[1, values.len() as i64, 1, 1], FLOAT, &raw);
}
