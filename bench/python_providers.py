#!/usr/bin/env python3
"""Reference for bench/providers_vs_python.sh: what a person would write in Python to learn
whether the CPU and CUDA providers work: import onnxruntime, open a CPU session and a CUDA
session on hwcheck's probe model, run each once, and check the CUDA session really used CUDA
(no silent fallback). Prints one line per provider."""
import os
import sys
import time

import numpy as np

start = time.perf_counter()
import onnxruntime as ort  # noqa: E402  (import time is part of what is measured)

model = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "models", "probe.onnx")
for provider in ["CPUExecutionProvider", "CUDAExecutionProvider"]:
    try:
        sess = ort.InferenceSession(model, providers=[provider])
        used = sess.get_providers()[0]
        inp = sess.get_inputs()[0]
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        out = sess.run(None, {inp.name: np.ones(shape, dtype=np.float32)})
        ok = used == provider
        print(f"{provider}: {'ok' if ok else 'fell back to ' + used} {out[0].shape}")
    except Exception as e:  # a provider that cannot load is a result, not a crash
        print(f"{provider}: failed: {e}")
print(f"total {time.perf_counter() - start:.3f} s", file=sys.stderr)
