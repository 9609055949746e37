#!/usr/bin/env python3
"""Reference for bench/full_vs_python.sh: the work of hwcheck's full default run with one ORT
install, written as a person would in Python: import onnxruntime; per provider (CPU, CUDA) open a
session on the probe model and run it once, then open a session on the bundled person detector
and run it once on every bundled picture (PIL decode + resize, as tools/golden.py does),
checking the provider really ran (no silent fallback). Providers run one after another, as a
plain script would. Prints one line per provider.

With BENCH_CUDA_MODEL=<path> the CUDA provider runs that detector instead (the variant hwcheck
runs there: depthwise convolutions as Pad + Slice + Mul + Sum), so both do the same work."""
import os
import pathlib
import sys
import time

start = time.perf_counter()
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402  (import time is part of what is measured)

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import golden  # noqa: E402

PROBE = ROOT / "tests" / "fixtures" / "models" / "probe.onnx"
pictures = [golden.preprocess(p) for p in sorted(golden.IMAGES.iterdir()) if p.is_file()]
for provider in ["CPUExecutionProvider", "CUDAExecutionProvider"]:
    try:
        sess = ort.InferenceSession(str(PROBE), providers=[provider])
        inp = sess.get_inputs()[0]
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        sess.run(None, {inp.name: np.ones(shape, dtype=np.float32)})
        cuda_model = os.environ.get("BENCH_CUDA_MODEL")
        if cuda_model and provider == "CUDAExecutionProvider":
            det = golden.session(model=cuda_model, provider=provider)
        else:
            det = golden.session(provider=provider)
        name = det.get_inputs()[0].name
        found = sum(int(det.run(None, {name: x})[3][0]) for x in pictures)
        used = det.get_providers()[0]
        print(f"{provider}: {'ok' if used == provider else 'fell back to ' + used}, {found} boxes")
    except Exception as e:  # a provider that cannot load is a result, not a crash
        print(f"{provider}: failed: {e}")
print(f"total {time.perf_counter() - start:.3f} s", file=sys.stderr)
