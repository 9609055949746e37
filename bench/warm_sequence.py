#!/usr/bin/env python3
"""One process, one CUDA context: what each step of a provider check costs when the steps share
a process (hwcheck's warm sequence) instead of each opening its own.

Steps, timed in a fresh process: import onnxruntime; the probe model's CUDA session and first
run; then each detector given: its CUDA session, first run, median of 10 more.

Usage (an onnxruntime-gpu importable, e.g. PYTHONPATH=<unpacked wheel>):
    python3 bench/warm_sequence.py tests/fixtures/models/probe.onnx models/person-ssdlite.onnx ...
"""

import json
import statistics
import sys
import time


def timed_session(ort, np, path):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    t = time.perf_counter()
    sess = ort.InferenceSession(path, so, providers=[("CUDAExecutionProvider",
                                                      {"cudnn_conv_algo_search": "HEURISTIC"})])
    created = time.perf_counter()
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    dtype = np.uint8 if "uint8" in inp.type else np.float32
    x = (np.random.default_rng(1).random(shape) * 255).astype(dtype)
    sess.run(None, {inp.name: x})
    first = time.perf_counter()
    steady = []
    for _ in range(10):
        s = time.perf_counter()
        sess.run(None, {inp.name: x})
        steady.append((time.perf_counter() - s) * 1e3)
    return {"model": path.rsplit("/", 1)[-1], "session_ms": round((created - t) * 1e3, 1),
            "first_ms": round((first - created) * 1e3, 1),
            "steady_ms": round(statistics.median(steady), 2)}


def main():
    t0 = time.perf_counter()
    import numpy as np
    import onnxruntime as ort
    steps = [{"step": "import onnxruntime", "ms": round((time.perf_counter() - t0) * 1e3, 1)}]
    for path in sys.argv[1:]:
        steps.append(timed_session(ort, np, path))
    steps.append({"step": "total", "ms": round((time.perf_counter() - t0) * 1e3, 1)})
    print(json.dumps(steps))


if __name__ == "__main__":
    main()
