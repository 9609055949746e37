# hwcheck fix (bash): environment changes hwcheck verified by re-running the failing
# probe in a child with each. hwcheck changed nothing; to apply: eval "$(hwcheck fix --shell bash)"

# ort.provider.cuda: verified: with /opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib first on LD_LIBRARY_PATH, the CUDA provider session runs
export LD_LIBRARY_PATH=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib

# ort.provider.cuda.install2, ort.provider.tensorrt.install2: did not help: with ORT_DYLIB_PATH=/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1, the CUDA provider session still fails: /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2043 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /tmp/ortgpu/onn…
# export ORT_DYLIB_PATH=/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1
