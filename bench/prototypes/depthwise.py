#!/usr/bin/env python3
"""Prototypes of hwcheck_detect::depthwise: rewrite every depthwise 3x3 Conv (group == channels)
of an ONNX model without a cuDNN convolution, in one of two forms:

  sum:    Pad, nine strided Slices, nine per-channel Muls, one Sum (what hwcheck ships in Rust)
  concat: Pad, nine strided Slices, one Concat on a new leading axis, one Mul by the [9,C,1,1]
          taps, one ReduceSum (opset >= 13), then Add for the bias (fewer nodes)

Needs onnx and onnxruntime (for shapes).
Usage: python3 depthwise.py sum|concat IN.onnx OUT.onnx"""
import sys
import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper, TensorProto

form, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
assert form in ("sum", "concat"), "form: sum or concat"
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}

def attrs(n):
    return {a.name: helper.get_attribute_value(a) for a in n.attribute}

dws = [n for n in g.node if n.op_type == "Conv" and attrs(n).get("group", 1) > 1]
# Shapes of the depthwise inputs: run once on the CPU with them as extra outputs.
probe = onnx.load(src)
have = {o.name for o in probe.graph.output}
for n in dws:
    if n.input[0] not in have:
        probe.graph.output.append(helper.make_tensor_value_info(n.input[0], TensorProto.FLOAT, None))
sess = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
feed = {sess.get_inputs()[0].name: np.zeros((1, 300, 300, 3), np.uint8)}
names = [o.name for o in sess.get_outputs()]
vals = dict(zip(names, sess.run(None, feed)))
shapes = {n.input[0]: vals[n.input[0]].shape for n in dws}

new_nodes, new_inits = [], []
for n in g.node:
    if n not in dws:
        new_nodes.append(n)
        continue
    a = attrs(n)
    assert a["kernel_shape"] == [3, 3] and a.get("dilations", [1, 1]) == [1, 1], a
    s = a.get("strides", [1, 1])
    t, l, b, r = a.get("pads", [0, 0, 0, 0])
    _, c, h, w = shapes[n.input[0]]
    wt = numpy_helper.to_array(inits[n.input[1]])  # [C,1,3,3]
    ho = (h + t + b - 3) // s[0] + 1
    wo = (w + l + r - 3) // s[1] + 1
    p = n.name + "/dw"
    pads = numpy_helper.from_array(np.array([0, 0, t, l, 0, 0, b, r], np.int64), p + "/pads")
    new_inits.append(pads)
    new_nodes.append(helper.make_node("Pad", [n.input[0], pads.name], [p + "/padded"], name=p + "/pad"))
    slices = []
    for i in range(3):
        for j in range(3):
            q = f"{p}/{i}{j}"
            st = numpy_helper.from_array(np.array([i, j], np.int64), q + "/starts")
            en = numpy_helper.from_array(np.array([i + (ho - 1) * s[0] + 1, j + (wo - 1) * s[1] + 1], np.int64), q + "/ends")
            ax = numpy_helper.from_array(np.array([2, 3], np.int64), q + "/axes")
            sp = numpy_helper.from_array(np.array(s, np.int64), q + "/steps")
            new_inits += [st, en, ax, sp]
            new_nodes.append(helper.make_node("Slice", [p + "/padded", st.name, en.name, ax.name, sp.name], [q + "/s"], name=q + "/slice"))
            slices.append(q + "/s")
    has_bias = len(n.input) > 2 and n.input[2]
    bias = has_bias and numpy_helper.from_array(numpy_helper.to_array(inits[n.input[2]]).reshape(1, c, 1, 1), p + "/bias")
    if form == "sum":
        terms = []
        for t, sl in enumerate(slices):
            q = f"{p}/{t // 3}{t % 3}"
            k = numpy_helper.from_array(wt[:, 0, t // 3, t % 3].reshape(1, c, 1, 1).astype(np.float32), q + "/k")
            new_inits.append(k)
            new_nodes.append(helper.make_node("Mul", [sl, k.name], [q + "/m"], name=q + "/mul"))
            terms.append(q + "/m")
        if has_bias:
            new_inits.append(bias)
            terms.append(bias.name)
        new_nodes.append(helper.make_node("Sum", terms, [n.output[0]], name=p + "/sum"))
    else:
        new_nodes.append(helper.make_node("Concat", slices, [p + "/taps"], name=p + "/concat", axis=0))
        k = numpy_helper.from_array(wt[:, 0].reshape(c, 9).T.reshape(9, c, 1, 1).astype(np.float32), p + "/k")
        rax = numpy_helper.from_array(np.array([0], np.int64), p + "/raxes")
        new_inits += [k, rax]
        new_nodes.append(helper.make_node("Mul", [p + "/taps", k.name], [p + "/m"], name=p + "/mul"))
        out = p + "/r" if has_bias else n.output[0]
        new_nodes.append(helper.make_node("ReduceSum", [p + "/m", rax.name], [out], name=p + "/sum", keepdims=1))
        if has_bias:
            new_inits.append(bias)
            new_nodes.append(helper.make_node("Add", [out, bias.name], [n.output[0]], name=p + "/bias_add"))

dropped = {x for n in dws for x in n.input[1:]} - {i for n in new_nodes for i in n.input}
kept = [i for i in g.initializer if i.name not in dropped]
del g.node[:]
g.node.extend(new_nodes)
del g.initializer[:]
g.initializer.extend(kept + new_inits)
onnx.checker.check_model(m)
onnx.save(m, dst)
print(f"{len(dws)} depthwise convolutions rewritten; {len(new_nodes)} nodes")
