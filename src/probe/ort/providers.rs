//! The execution providers hwcheck can open a session on, and their `ort` registrations.

pub use crate::facts::ort::Provider;
use ort::ep::{self, ExecutionProviderDispatch};

/// The `ort` registration for `provider`; `None` for the CPU, which is never registered
/// explicitly. The CUDA provider picks cuDNN convolution algorithms by heuristic instead of
/// ORT's default exhaustive benchmark, which cost 3.5 s on the first run of the person detector
/// on an H100 and proves nothing about whether the provider works.
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
