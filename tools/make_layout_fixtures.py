#!/usr/bin/env python3
"""Tiny synthetic ONNX models for hwcheck's detection tests (tests/fixtures/detect/).

Each model takes an image input and outputs constant tensors of known boxes, so the tests know
the answer by hand, without any real (and often AGPL-licensed) YOLO weights:

- yolo_channels_first.onnx  input float32 [1,3,64,64], output [1, 4+C, N] (C=2, N=8)
- yolo_rows_first.onnx      input float32 [1,3,64,64], output [1, N, 5+C] (N=8, C=2)
- wrong_rank.onnx           input float32 [1,3,64] (rank 3): hwcheck must refuse it
- classifier.onnx           input float32 [1,3,64,64], output [1,1000]: no detector layout

Both YOLO models hold, in 64x64 input pixels (cx, cy, w, h):
  anchor 0: person (class 0) 0.90 at (32, 32, 32, 16)
  anchor 1: person 0.80 at (33, 32, 32, 16)  -- overlaps anchor 0 (IoU ~0.94): NMS drops it
  anchor 2: class 1 0.95 at (10, 10, 8, 8)   -- not a person
  anchor 3: person 0.30 at (50, 50, 8, 8)    -- below the 0.4 threshold
  anchors 4-7: all zero
(the rows-first model spreads each score as objectness x class score, e.g. 1.0 x 0.90).
For a 128x64 picture letterboxed into 64x64 (scale 0.5, 16 grey rows above), the one person
left is (ymin, xmin, ymax, xmax) = (0.25, 0.25, 0.75, 0.75) of the picture, score 0.90.

The output is `Constant + 0 * ReduceMean(input)` so the input is used and the output still
exact. Usage (with `onnx` installed): python tools/make_layout_fixtures.py [OUT_DIR]
"""

import pathlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
ANCHORS = [
    # cx, cy, w, h, class, score
    (32.0, 32.0, 32.0, 16.0, 0, 0.90),
    (33.0, 32.0, 32.0, 16.0, 0, 0.80),
    (10.0, 10.0, 8.0, 8.0, 1, 0.95),
    (50.0, 50.0, 8.0, 8.0, 0, 0.30),
]
N = 8
C = 2


def rows_first():
    """[1, N, 5+C]: cx, cy, w, h, objectness, class scores."""
    out = np.zeros((1, N, 5 + C), dtype=np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(ANCHORS):
        out[0, i, :5] = (cx, cy, w, h, 1.0)
        out[0, i, 5 + cls] = score
    return out


def channels_first():
    """[1, 4+C, N]: rows cx, cy, w, h, then one row per class."""
    out = np.zeros((1, 4 + C, N), dtype=np.float32)
    for i, (cx, cy, w, h, cls, score) in enumerate(ANCHORS):
        out[0, :4, i] = (cx, cy, w, h)
        out[0, 4 + cls, i] = score
    return out


def constant_model(name, input_shape, output_name, value):
    """A graph with one float input whose single output is `value` (input used, times zero)."""
    inp = helper.make_tensor_value_info("images", TensorProto.FLOAT, input_shape)
    out = helper.make_tensor_value_info(output_name, TensorProto.FLOAT, list(value.shape))
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["value", "nothing"], [output_name]),
    ]
    inits = [
        numpy_helper.from_array(value, "value"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    graph = helper.make_graph(nodes, name, [inp], [out], initializer=inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="hwcheck-fixtures"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/detect")
    out_dir.mkdir(parents=True, exist_ok=True)
    image = [1, 3, 64, 64]
    models = {
        "yolo_channels_first.onnx": constant_model("yolo_cf", image, "output0", channels_first()),
        "yolo_rows_first.onnx": constant_model("yolo_rf", image, "output", rows_first()),
        "wrong_rank.onnx": constant_model("wrong_rank", [1, 3, 64], "output0", channels_first()),
        "classifier.onnx": constant_model(
            "classifier", image, "logits", np.zeros((1, 1000), dtype=np.float32)
        ),
    }
    for name, model in models.items():
        onnx.save(model, str(out_dir / name))
        print(out_dir / name, (out_dir / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
