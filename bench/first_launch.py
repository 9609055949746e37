#!/usr/bin/env python3
"""Where the CUDA provider's first inference goes: each lever in a fresh process.

For every (model, variant) pair a child process imports onnxruntime, creates a CUDA session with
the variant's provider/session options, times the first run and the median of the next runs,
and (variant "profile") sums ORT's profiler by operator type for the first run. The pairs run
--rounds times, interleaved, and the medians are printed as a table and written as JSON.

Usage (an onnxruntime-gpu importable, e.g. PYTHONPATH=<unpacked wheel>):
    python3 bench/first_launch.py --models models/person-ssdlite.onnx bench/models/conv1.onnx \
        --rounds 2 --out first_launch.json
bench/models/conv*.onnx come from tools/make_conv_models.py (1 and 20 distinct conv blocks).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HEURISTIC = {"cudnn_conv_algo_search": "HEURISTIC"}
VARIANTS = {
    "exhaustive": ({"cudnn_conv_algo_search": "EXHAUSTIVE"}, {}),
    "heuristic": (HEURISTIC, {}),
    "default": ({"cudnn_conv_algo_search": "DEFAULT"}, {}),
    "heuristic-no-max-workspace": ({**HEURISTIC, "cudnn_conv_use_max_workspace": "0"}, {}),
    "heuristic-nhwc": ({**HEURISTIC, "prefer_nhwc": "1"}, {}),
    "heuristic-no-tf32": ({**HEURISTIC, "use_tf32": "0"}, {}),
    "heuristic-no-graph-opt": (HEURISTIC, {"opt": "disable"}),
    "profile": (HEURISTIC, {"profile": True}),
}


def child(model, variant):
    """One fresh process: session, first run, steady runs; prints one JSON line."""
    t0 = time.perf_counter()
    import numpy as np
    import onnxruntime as ort

    imported = time.perf_counter()
    cuda_opts, extra = VARIANTS[variant]
    so = ort.SessionOptions()
    so.log_severity_level = 3
    if extra.get("opt") == "disable":
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    if extra.get("profile"):
        so.enable_profiling = True
    sess = ort.InferenceSession(model, so, providers=[("CUDAExecutionProvider", cuda_opts)])
    created = time.perf_counter()
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    dtype = np.uint8 if "uint8" in inp.type else np.float32
    x = (np.random.default_rng(1).random(shape) * 255).astype(dtype)
    sess.run(None, {inp.name: x})
    first = time.perf_counter()
    out = {"model": os.path.basename(model), "variant": variant,
           "providers": sess.get_providers()[:1],
           "import_ms": (imported - t0) * 1e3, "session_ms": (created - imported) * 1e3,
           "first_ms": (first - created) * 1e3}
    if extra.get("profile"):
        out["first_run_by_op_ms"] = profile_by_op(sess.end_profiling())
    else:
        steady = []
        for _ in range(10):
            t = time.perf_counter()
            sess.run(None, {inp.name: x})
            steady.append((time.perf_counter() - t) * 1e3)
        out["steady_ms"] = statistics.median(steady)
    print(json.dumps(out))


def profile_by_op(path):
    """ORT profiler events of the first run: summed by operator type (ms, top 8) and the 12
    slowest nodes with their input shapes."""
    with open(path) as f:
        events = json.load(f)
    os.unlink(path)
    totals, counts, nodes = {}, {}, []
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        args = e.get("args", {})
        op = args.get("op_name", "?")
        ms = e.get("dur", 0) / 1e3
        totals[op] = totals.get(op, 0.0) + ms
        counts[op] = counts.get(op, 0) + 1
        shapes = [list(x.values())[0] for x in args.get("input_type_shape", []) if x]
        nodes.append({"node": e["name"][: -len("_kernel_time")], "op": op, "ms": round(ms, 1),
                      "provider": args.get("provider", "?"), "inputs": shapes[:2]})
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:8]
    return {"by_op": {op: {"ms": round(ms, 1), "nodes": counts[op]} for op, ms in top},
            "slowest_nodes": sorted(nodes, key=lambda n: -n["ms"])[:12]}


def parent(args):
    rows = {}
    for _ in range(args.rounds):
        for model in args.models:
            for variant in args.variants:
                out = subprocess.run([sys.executable, __file__, "--child", model, variant],
                                     capture_output=True, text=True, timeout=600, check=False)
                line = out.stdout.strip().splitlines()[-1:] or [""]
                try:
                    rec = json.loads(line[0])
                except json.JSONDecodeError:
                    rec = {"model": os.path.basename(model), "variant": variant,
                           "error": out.stderr.strip()[-500:]}
                rows.setdefault((rec["model"], variant), []).append(rec)
    summary = []
    for (model, variant), recs in rows.items():
        ok = [r for r in recs if "error" not in r]
        med = lambda key: round(statistics.median(r[key] for r in ok), 1) if ok and key in ok[0] else None  # noqa: E731
        summary.append({"model": model, "variant": variant, "runs": len(ok),
                        "session_ms": med("session_ms"), "first_ms": med("first_ms"),
                        "steady_ms": med("steady_ms"),
                        "first_run_by_op_ms": ok[-1].get("first_run_by_op_ms") if ok else None,
                        "error": None if ok else recs[-1].get("error")})
    print(f"{'model':22} {'variant':28} {'session':>9} {'first':>9} {'steady':>8}")
    for s in summary:
        print(f"{s['model']:22} {s['variant']:28} {s['session_ms'] or '-':>9} "
              f"{s['first_ms'] or '-':>9} {s['steady_ms'] or '-':>8}  {s['error'] or ''}")
    for s in summary:
        if s["first_run_by_op_ms"]:
            print(f"first run of {s['model']} by operator: {json.dumps(s['first_run_by_op_ms'])}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", required=True)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--out")
    parent(p.parse_args())


if __name__ == "__main__":
    main()
