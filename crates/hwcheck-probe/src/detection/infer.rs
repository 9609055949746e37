//! The ORT side of detection: read the model's image input, feed a prepared tensor, collect the
//! outputs as f32. Sessions come from [`crate::ort::session`]; nothing here loads ORT.

use hwcheck_detect::layouts::Output;
use hwcheck_detect::preprocess::{input_spec, Element, InputSpec, Prepared, TensorData};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorElementType, ValueType};

/// The model's image input: its name and what it wants.
pub fn image_input(session: &Session) -> Result<(String, InputSpec), ProbeError> {
    let bad = |m: String| ProbeError::new(Code::BadModelInput, m);
    let [input] = session.inputs() else {
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        return Err(bad(format!(
            "the model has {} inputs ({}); hwcheck feeds models with exactly one image input",
            names.len(),
            names.join(", ")
        )));
    };
    let ValueType::Tensor { ty, shape, .. } = input.dtype() else {
        return Err(bad(format!("the input {} is not a tensor", input.name())));
    };
    let element = match ty {
        TensorElementType::Uint8 => Element::U8,
        TensorElementType::Float32 => Element::F32,
        other => {
            return Err(bad(format!(
                "the input {} is {other:?}; uint8 or float32 images are supported",
                input.name()
            )))
        }
    };
    let spec =
        input_spec(shape, element).map_err(|m| bad(format!("input {}: {m}", input.name())))?;
    Ok((input.name().to_string(), spec))
}

/// The ORT tensor for a prepared input (built once, fed as often as needed).
pub fn tensor(prepared: &Prepared) -> Result<DynValue, ProbeError> {
    let err = |e: ort::Error| ProbeError::new(Code::RunFailed, e.to_string());
    Ok(match &prepared.data {
        TensorData::U8(v) => Tensor::from_array((prepared.shape, v.clone()))
            .map_err(err)?
            .into_dyn(),
        TensorData::F32(v) => Tensor::from_array((prepared.shape, v.clone()))
            .map_err(err)?
            .into_dyn(),
    })
}

/// Runs the model on one input tensor and returns every output as f32.
pub fn run(
    session: &mut Session,
    input: &str,
    value: &DynValue,
) -> Result<Vec<Output>, ProbeError> {
    let outputs = session
        .run(ort::inputs![input => value])
        .map_err(|e| ProbeError::new(Code::RunFailed, e.to_string()))?;
    outputs
        .iter()
        .map(|(name, value)| {
            let (shape, data) = to_f32(&value).ok_or_else(|| {
                ProbeError::new(
                    Code::BadModelOutput,
                    format!("output {name} is not a numeric tensor hwcheck can read"),
                )
            })?;
            Ok(Output {
                name: name.to_string(),
                shape,
                data,
            })
        })
        .collect()
}

/// A numeric tensor's shape and values as f32 (detectors emit float or integer outputs).
fn to_f32(value: &ort::value::DynValueRef<'_>) -> Option<(Vec<usize>, Vec<f32>)> {
    macro_rules! try_as {
        ($($t:ty),*) => {$(
            if let Ok((shape, data)) = value.try_extract_tensor::<$t>() {
                let dims = shape.iter().map(|&d| usize::try_from(d).unwrap_or(0)).collect();
                return Some((dims, data.iter().map(|&v| v as f32).collect()));
            }
        )*};
    }
    try_as!(f32, f64, i64, i32, u8, i8, u16, i16, u32, u64);
    None
}
