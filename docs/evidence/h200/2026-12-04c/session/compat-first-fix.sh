# hwcheck fix (bash): environment changes hwcheck verified by re-running the failing
# probe in a child with each. hwcheck changed nothing; to apply: eval "$(hwcheck fix --shell bash)"

# driver.cuda_init, cuda.forward_compat: verified: with LD_LIBRARY_PATH without /usr/local/cuda/compat, cuInit succeeds (1 device(s))
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib

# ort.provider.cuda.install2, ort.provider.tensorrt.install2: did not help: with ORT_DYLIB_PATH=/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1, the CUDA provider session still fails: /onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:154 std::conditional_t<THRW, void, onnxruntime::common::Status> onnxruntime::CudaCall(ERRTYPE, const char*, const char*, SUCCTYPE, const …
# export ORT_DYLIB_PATH=/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1
