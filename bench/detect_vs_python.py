#!/usr/bin/env python3
"""hwcheck's person detector vs the Python onnxruntime reference, same model, provider, threads.

Two ratios (hwcheck / Python; below 1.0 hwcheck is faster):
  1. inference: median of session.run on the same prepared 300x300 tensor
     (hwcheck: `hwcheck detect` timings.median_ms; Python: InferenceSession.run);
  2. whole pipeline: decode the picture file's bytes, resize, infer, decode boxes
     (hwcheck: timings.pipeline_median_ms; Python: tools/golden.py's detect(), i.e. PIL decode +
     bilinear resize + run + person filter).
Each side times --runs runs (median of >= 10) in one process; the pair is repeated --rounds
times, alternating, and the median of the per-round medians is reported.

Usage (onnxruntime, numpy and pillow importable; a release build of hwcheck):
    python bench/detect_vs_python.py --hwcheck target/release/hwcheck \
        --ort /path/to/libonnxruntime.so.1.31.1 [--provider cpu|cuda] [--threads N]
Use the same ORT build on both sides: point --ort at the library inside the Python
onnxruntime package (onnxruntime/capi/) to compare the same engine.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import golden  # noqa: E402  (tools/golden.py: the reference pipeline)

PROVIDERS = {"cpu": ("CPUExecutionProvider", "CPUExecutionProvider"),
             "cuda": ("CUDAExecutionProvider", "CUDAExecutionProvider")}


def hwcheck_round(args, picture):
    """(inference median ms, pipeline median ms) from one `hwcheck detect` run."""
    cmd = [args.hwcheck, "detect", "--ort", args.ort, "--image", str(picture),
           "--runs", str(args.runs), "--format", "json"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit(f"hwcheck failed ({out.returncode}): {out.stderr.strip()}")
    want = PROVIDERS[args.provider][1]
    for run in json.loads(out.stdout)["facts"]["detection"]["runs"]:
        if run["provider"] == want and run.get("timings"):
            return run["timings"]["median_ms"], run["timings"]["pipeline_median_ms"]
    sys.exit(f"hwcheck did not run the {args.provider} provider: {out.stdout[:2000]}")


def python_round(args, picture, sess):
    """(inference median ms, pipeline median ms) in this process."""
    name = sess.get_inputs()[0].name
    tensor = golden.preprocess(picture)
    sess.run(None, {name: tensor})  # warm-up, as hwcheck's first inference is not counted
    infer = []
    for _ in range(args.runs):
        t = time.perf_counter()
        sess.run(None, {name: tensor})
        infer.append((time.perf_counter() - t) * 1000)
    pipeline = []
    for _ in range(args.runs):
        t = time.perf_counter()
        golden.detect(sess, picture)
        pipeline.append((time.perf_counter() - t) * 1000)
    return statistics.median(infer), statistics.median(pipeline)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hwcheck", default=str(ROOT / "target" / "release" / "hwcheck"))
    ap.add_argument("--ort", required=True, help="libonnxruntime.so hwcheck loads")
    ap.add_argument("--provider", choices=sorted(PROVIDERS), default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0: ORT default)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--picture", default=str(ROOT / "assets" / "images" / "astronaut.png"))
    args = ap.parse_args()
    if args.runs < 10:
        sys.exit("--runs must be at least 10")
    picture = pathlib.Path(args.picture)
    sess = golden.session(threads=args.threads, provider=PROVIDERS[args.provider][0])
    rows = {"hwcheck": ([], []), "python": ([], [])}
    for _ in range(args.rounds):
        for side, (infer, pipe) in rows.items():
            i, p = hwcheck_round(args, picture) if side == "hwcheck" else python_round(args, picture, sess)
            infer.append(i)
            pipe.append(p)
    med = {side: (statistics.median(i), statistics.median(p)) for side, (i, p) in rows.items()}
    print(f"provider {args.provider}, threads {args.threads or 'ORT default'}, picture {picture.name}, "
          f"{args.runs} runs x {args.rounds} rounds, onnxruntime {golden.ort.__version__} (Python)")
    print(f"{'':10} {'inference ms':>14} {'pipeline ms':>14}")
    for side, (i, p) in med.items():
        print(f"{side:10} {i:14.2f} {p:14.2f}")
    print(f"{'ratio':10} {med['hwcheck'][0] / med['python'][0]:14.3f} "
          f"{med['hwcheck'][1] / med['python'][1]:14.3f}   (hwcheck / python)")


if __name__ == "__main__":
    main()
