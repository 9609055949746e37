#!/usr/bin/env python3
"""Writes the small convolution models bench/first_launch.py uses to split the CUDA provider's
first-inference cost into a fixed part and a per-convolution-shape part.

  conv1.onnx:  one depthwise 3x3 + one pointwise 1x1 convolution (MobileNet's block)
  conv20.onnx: 20 such blocks, each with its own channel count (20 distinct shape pairs)

Needs the `onnx` package (pip install onnx==1.17.0 numpy==1.26.4). Weights are seeded random:
only the shapes matter for timing.

Usage: python3 tools/make_conv_models.py bench/models
"""

import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def block(prefix, x, cin, cout, rng, inits, nodes):
    """Depthwise 3x3 (groups=cin) then pointwise 1x1 to cout, ReLU after each."""
    dw = numpy_helper.from_array(rng.standard_normal((cin, 1, 3, 3)).astype(np.float32), f"{prefix}_dw")
    pw = numpy_helper.from_array(rng.standard_normal((cout, cin, 1, 1)).astype(np.float32) * 0.1, f"{prefix}_pw")
    inits += [dw, pw]
    nodes.append(helper.make_node("Conv", [x, dw.name], [f"{prefix}_a"], group=cin, pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", [f"{prefix}_a"], [f"{prefix}_b"]))
    nodes.append(helper.make_node("Conv", [f"{prefix}_b", pw.name], [f"{prefix}_c"]))
    nodes.append(helper.make_node("Relu", [f"{prefix}_c"], [f"{prefix}_out"]))
    return f"{prefix}_out"


def model(blocks, first_channels, path):
    rng = np.random.default_rng(7)
    inits, nodes = [], []
    x, cin = "input", first_channels
    for i in range(blocks):
        cout = first_channels + 8 * (i + 1)
        x = block(f"b{i}", x, cin, cout, rng, inits, nodes)
        cin = cout
    graph = helper.make_graph(
        nodes, "conv", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, first_channels, 75, 75])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, cin, 75, 75])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="hwcheck-bench")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bench/models")
    out.mkdir(parents=True, exist_ok=True)
    model(1, 32, out / "conv1.onnx")
    model(20, 32, out / "conv20.onnx")


if __name__ == "__main__":
    main()
