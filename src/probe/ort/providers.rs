//! The execution providers hwcheck can open a session on, and their `ort` registrations.

pub use crate::facts::ort::Provider;
use ort::ep::{self, ExecutionProviderDispatch};

/// The `ort` registration for `provider` with default options; `None` for the CPU, which is
/// never registered explicitly.
pub fn dispatch(provider: Provider) -> Option<ExecutionProviderDispatch> {
    match provider {
        Provider::Cpu => None,
        Provider::Cuda => Some(ep::CUDA::default().build()),
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
