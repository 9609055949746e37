//! The cleaner on messages quoted in compat_tables/errors, tests/corpus and the recorded H100
//! reports (tests/fixtures/facts/h100_recorded_ortgpu.json).

use super::*;

#[test]
fn a_cuda_call_failure_keeps_only_the_cuda_sentence() {
    // The issue's example: cuda-compat libcuda first on the path, recorded on an H200.
    let raw = "/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:154 std::conditional_t<THRW, void, onnxruntime::common::Status> onnxruntime::CudaCall(ERRTYPE, const char*, const char*, SUCCTYPE, const char*, const char*, int) [with ERRTYPE = cudaError; SUCCTYPE = cudaError; bool THRW = true; std::conditional_t<THRW, void, onnxruntime::common::Status> = void] CUDA failure 803: system has unsupported display driver / cuda driver combination ; GPU=0 ; hostname=x ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; line=282 ; expr=cudaSetDevice(info_.device_id); ";
    assert_eq!(
        clean_error(raw),
        "CUDA failure 803: system has unsupported display driver / cuda driver combination"
    );
}

#[test]
fn two_nested_call_sites_are_both_removed() {
    // compat_tables/errors/cuda-runtime.toml, "CUDA failure 100".
    let raw = "EP Error /onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:121 std::conditional_t<THRW, void, onnxruntime::common::Status> onnxruntime::CudaCall(ERRTYPE, const char*, const char*, ERRTYPE, const char*, const char*, int) [with ERRTYPE = cudaError; bool THRW = true; std::conditional_t<THRW, void, onnxruntime::common::Status> = void] /onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:114 std::conditional_t<THRW, void, onnxruntime::common::Status> onnxruntime::CudaCall(ERRTYPE, const char*, const char*, ERRTYPE, const char*, const char*, int) [with ERRTYPE = cudaError; bool THRW = true; std::conditional_t<THRW, void, onnxruntime::common::Status> = void] CUDA failure 100: no CUDA-capable device is detected ; GPU=32712 ; hostname=HOME-PC ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; line=245 ; expr=cudaSetDevice(info_.device_id);";
    assert_eq!(
        clean_error(raw),
        "EP Error CUDA failure 100: no CUDA-capable device is detected"
    );
}

#[test]
fn template_arguments_already_stripped_by_a_forum_still_clean() {
    // tests/corpus/explain/010: the angle brackets were eaten by the page it was copied from.
    let raw = "EP Error /onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:121 std::conditional_t onnxruntime::CudaCall(ERRTYPE, const char*, const char*, ERRTYPE, const char*, const char*, int) [with ERRTYPE = cudaError; bool THRW = true; std::conditional_t = void] CUDA failure 804: forward compatibility was attempted on non supported HW ; GPU=-16";
    assert_eq!(
        clean_error(raw),
        "EP Error CUDA failure 804: forward compatibility was attempted on non supported HW"
    );
}

#[test]
fn windows_paths_are_removed_too() {
    // compat_tables/errors/cuda-runtime.toml, "CUDA failure 35".
    let raw = r"D:\a\_work\1\s\onnxruntime\core\providers\cuda\cuda_call.cc:121 onnxruntime::CudaCall D:\a\_work\1\s\onnxruntime\core\providers\cuda\cuda_call.cc:114 onnxruntime::CudaCall CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version ; GPU=-2011338632 ; hostname=DESKTOP-F9GHF2T ; file=D:\a\_work\1\s\onnxruntime\core\providers\cuda\cuda_execution_provider.cc ; line=236 ; expr=cudaSetDevice(info_.device_id); ";
    assert_eq!(
        clean_error(raw),
        "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version"
    );
}

#[test]
fn a_provider_load_failure_keeps_the_library_and_the_loader_error() {
    // The recorded H100 report, TensorRT provider without libnvinfer (evidence line).
    let raw = "error: /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2043 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /tmp/ortgpu/onnxruntime/capi/libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory\n";
    assert_eq!(
        clean_error(raw),
        "error: Failed to load library /tmp/ortgpu/onnxruntime/capi/libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory"
    );
}

#[test]
fn a_logged_line_loses_its_timestamp_and_logger_prefix() {
    // compat_tables/errors/onnxruntime.toml, libcudnn.so.8 missing.
    let raw = "2024-02-23 12:12:19.240097373 [E:onnxruntime:Default, provider_bridge_ort.cc:1546 TryGetProviderInfo_CUDA] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1209 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.8: cannot open shared object file: No such file or directory";
    assert_eq!(
        clean_error(raw),
        "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.8: cannot open shared object file: No such file or directory"
    );
    // compat_tables/errors/onnxruntime.toml, a cuDNN failure logged by CudaCall.
    let raw = "2023-07-26 17:04:50.4252918 [E:onnxruntime:test, cuda_call.cc:119 onnxruntime::CudaCall] CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR ; GPU=0 ; hostname=MSI ; expr=cudnnFindConvolutionForwardAlgorithmEx( GetCudnnHandle(context), s_.x_tensor, 1, &algo_count);";
    assert_eq!(
        clean_error(raw),
        "CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR"
    );
}

#[test]
fn a_java_exception_keeps_its_own_words() {
    // tests/corpus/explain/025.
    let raw = "ai.onnxruntime.OrtException: Error code - ORT_RUNTIME_EXCEPTION - message: /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1029 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcublas.so.11: cannot open shared object file: No such file or directory";
    assert_eq!(
        clean_error(raw),
        "ai.onnxruntime.OrtException: Error code - ORT_RUNTIME_EXCEPTION - message: Failed to load library libonnxruntime_providers_cuda.so with error: libcublas.so.11: cannot open shared object file: No such file or directory"
    );
}

#[test]
fn plain_text_paths_and_versions_are_left_alone() {
    for text in [
        "cuInit: CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803): /usr/local/cuda-13.0/compat/libcuda.so.580.95.05 does not match the kernel module 580.159.04",
        "libcudart 13.0 needs driver >= 580 | found 550.54.15",
        "Run `nvidia-smi -pm 1` as root.",
        "cudnn.toml row: cuDNN 9.11-9 + CUDA 13.0-13: driver >= 580.65.06 (unconfirmed)",
    ] {
        assert_eq!(clean_error(text), text);
    }
    assert_eq!(clean_error("one\n\ntwo  \n"), "one\ntwo");
}
