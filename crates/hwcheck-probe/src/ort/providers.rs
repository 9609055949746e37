//! The execution providers hwcheck can open a session on, and their `ort` registrations.

pub use hwcheck_model::facts::ort::Provider;
use ort::ep::{self, ExecutionProviderDispatch};

/// The `ort` registration for `provider`; `None` for the CPU, which is never registered
/// explicitly. The CUDA provider picks cuDNN convolution algorithms by heuristic instead of
/// ORT's default exhaustive benchmark: a probe proves the provider works, it does not tune it.
/// (Measured on the H100: the detector's first CUDA inference takes 4–6 s either way, in
/// hwcheck and in Python onnxruntime alike; `DEFAULT` made steady runs 100x slower.)
pub fn dispatch(provider: Provider) -> Option<ExecutionProviderDispatch> {
    match provider {
        Provider::Cpu => None,
        Provider::Cuda => Some(
            ep::CUDA::default()
                .with_conv_algorithm_search(ep::cuda::ConvAlgorithmSearch::Heuristic)
                .build(),
        ),
        Provider::Tensorrt => Some(ep::TensorRT::default().build()),
        Provider::OpenVino => Some(ep::OpenVINO::default().build()),
        Provider::Rocm => Some(ep::ROCm::default().build()),
        Provider::Dnnl => Some(ep::OneDNN::default().build()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_cpu_is_never_registered() {
        for p in Provider::ALL {
            assert_eq!(dispatch(p).is_none(), p == Provider::Cpu, "{p:?}");
        }
    }
}
