//! Protobuf wire format (<https://protobuf.dev/programming-guides/encoding/>): a bounds-checked
//! field reader that keeps every field's raw bytes for verbatim copying, and the few writers the
//! rewrite needs. No recursion: nested messages are read by the caller, one level at a time.

use super::RewriteError;

/// Wire type 0: varint.
const VARINT: u8 = 0;
/// Wire type 1: 8 little-endian bytes.
const FIXED64: u8 = 1;
/// Wire type 2: length-delimited.
const LEN: u8 = 2;
/// Wire type 5: 4 little-endian bytes.
const FIXED32: u8 = 5;
/// The largest field number protobuf allows (2^29 - 1).
const MAX_FIELD: u64 = (1 << 29) - 1;

/// A field's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: a string, bytes, a nested message or a packed repeated scalar.
    Bytes(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

/// One field of a message.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field<'a> {
    /// Field number.
    pub number: u64,
    /// Decoded payload.
    pub value: Value<'a>,
    /// The whole field (key and payload) as it appears in the input.
    pub raw: &'a [u8],
}

impl<'a> Field<'a> {
    /// The payload of a length-delimited field; an error naming `message` for any other type.
    pub fn bytes(&self, message: &'static str) -> Result<&'a [u8], RewriteError> {
        match self.value {
            Value::Bytes(b) => Ok(b),
            _ => Err(self.wrong_type(message)),
        }
    }

    /// The payload of a varint field; an error naming `message` for any other type.
    pub fn varint(&self, message: &'static str) -> Result<u64, RewriteError> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(self.wrong_type(message)),
        }
    }

    /// The error for a known field carried with the wrong wire type.
    pub fn wrong_type(&self, message: &'static str) -> RewriteError {
        RewriteError::WrongWireType {
            message,
            field: self.number,
        }
    }
}

/// The fields of one message, in order. Stops after the first error.
pub(super) struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    message: &'static str,
}

impl<'a> Fields<'a> {
    /// Reads the fields of `buf`, a `message` (its name is used in errors).
    pub fn new(buf: &'a [u8], message: &'static str) -> Self {
        Fields {
            buf,
            pos: 0,
            message,
        }
    }

    /// All fields, or the first error.
    pub fn collect_all(
        buf: &'a [u8],
        message: &'static str,
    ) -> Result<Vec<Field<'a>>, RewriteError> {
        Fields::new(buf, message).collect()
    }

    fn truncated(&self, offset: usize) -> RewriteError {
        RewriteError::Truncated {
            message: self.message,
            offset,
        }
    }

    fn varint(&mut self, start: usize) -> Result<u64, RewriteError> {
        match read_varint(self.buf.get(self.pos..).unwrap_or_default()) {
            Varint::Ok(v, n) => {
                self.pos += n;
                Ok(v)
            }
            Varint::Truncated => Err(self.truncated(start)),
            Varint::TooLong => Err(RewriteError::BadVarint {
                message: self.message,
                offset: self.pos,
            }),
        }
    }

    fn take(&mut self, n: usize, start: usize) -> Result<&'a [u8], RewriteError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let out = rest.get(..n).ok_or_else(|| self.truncated(start))?;
        self.pos += n;
        Ok(out)
    }

    fn field(&mut self) -> Result<Field<'a>, RewriteError> {
        let start = self.pos;
        let key = self.varint(start)?;
        let number = key >> 3;
        if number == 0 || number > MAX_FIELD {
            return Err(RewriteError::BadFieldNumber {
                message: self.message,
                offset: start,
            });
        }
        let value = match (key & 7) as u8 {
            VARINT => Value::Varint(self.varint(start)?),
            FIXED64 => Value::Fixed64(u64::from_le_bytes(array(self.take(8, start)?))),
            LEN => {
                let len = self.varint(start)?;
                // A length longer than what is left is truncation, whatever its size.
                let len = usize::try_from(len).map_err(|_| self.truncated(start))?;
                Value::Bytes(self.take(len, start)?)
            }
            FIXED32 => Value::Fixed32(u32::from_le_bytes(array(self.take(4, start)?))),
            wire_type => {
                return Err(RewriteError::BadWireType {
                    message: self.message,
                    offset: start,
                    wire_type,
                })
            }
        };
        let raw = self.buf.get(start..self.pos).unwrap_or_default();
        Ok(Field { number, value, raw })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, RewriteError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            self.pos = self.buf.len();
        }
        Some(field)
    }
}

/// The first `N` bytes of `b` (callers pass exactly `N`; shorter input is zero-filled).
fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    for (o, i) in out.iter_mut().zip(b) {
        *o = *i;
    }
    out
}

/// Result of reading one varint.
enum Varint {
    /// The value and how many bytes it took.
    Ok(u64, usize),
    /// The input ended inside the varint.
    Truncated,
    /// More than 10 bytes.
    TooLong,
}

/// Reads a varint from the start of `b`.
fn read_varint(b: &[u8]) -> Varint {
    let mut v: u64 = 0;
    for (n, byte) in b.iter().enumerate() {
        if n == 10 {
            return Varint::TooLong;
        }
        // The 10th byte holds bit 63 only; higher bits are dropped, as protobuf does.
        v |= u64::from(byte & 0x7f)
            .checked_shl(7 * n as u32)
            .unwrap_or(0);
        if byte & 0x80 == 0 {
            return Varint::Ok(v, n + 1);
        }
    }
    if b.len() >= 10 {
        Varint::TooLong
    } else {
        Varint::Truncated
    }
}

/// The varints of a packed repeated field.
pub(super) fn packed_varints(b: &[u8], message: &'static str) -> Result<Vec<u64>, RewriteError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rest) = b.get(pos..).filter(|r| !r.is_empty()) {
        match read_varint(rest) {
            Varint::Ok(v, n) => {
                out.push(v);
                pos += n;
            }
            Varint::Truncated => {
                return Err(RewriteError::Truncated {
                    message,
                    offset: pos,
                })
            }
            Varint::TooLong => {
                return Err(RewriteError::BadVarint {
                    message,
                    offset: pos,
                })
            }
        }
    }
    Ok(out)
}

/// Appends `v` as a varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a varint field.
pub(super) fn put_varint_field(out: &mut Vec<u8>, number: u32, v: u64) {
    put_varint(out, (u64::from(number) << 3) | u64::from(VARINT));
    put_varint(out, v);
}

/// Appends a length-delimited field.
pub(super) fn put_bytes_field(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    put_varint(out, (u64::from(number) << 3) | u64::from(LEN));
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}
