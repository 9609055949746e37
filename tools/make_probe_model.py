#!/usr/bin/env python3
"""Writes tests/fixtures/models/probe.onnx: hwcheck's tiny provider-probe model.

    python3 tools/make_probe_model.py [OUT]

x: float32[1,3,16,16] -> Conv 3x3 (8 ch, pad 1) -> Relu -> Conv 1x1 (4 ch) -> Sigmoid
-> y: float32[1,4,16,16]. Opset 13, IR 7 (loads in ONNX Runtime >= 1.8). Every op is
supported by the CPU, CUDA, TensorRT, OpenVINO, ROCm and oneDNN providers, so a session
with CPU fallback disabled succeeds on any of them. Weights come from a fixed LCG: the file
is byte-for-byte reproducible. No dependencies: the protobuf is encoded by hand.
"""
import struct
import sys

IN_SHAPE = [1, 3, 16, 16]
MID = 8
OUT_CH = 4


def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def f_int(field, n):
    return key(field, 0) + varint(n)


def f_bytes(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def lcg_weights(count, seed, scale):
    state = seed
    vals = []
    for _ in range(count):
        state = (state * 1103515245 + 12345) % (1 << 31)
        vals.append((state / float(1 << 31) * 2.0 - 1.0) * scale)
    return vals


def tensor(name, dims, values):
    raw = struct.pack("<%df" % len(values), *values)
    return b"".join(f_int(1, d) for d in dims) + f_int(2, 1) + f_bytes(8, name) + f_bytes(9, raw)


def value_info(name, dims):
    shape = b"".join(f_bytes(1, f_int(1, d)) for d in dims)
    tensor_type = f_int(1, 1) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, tensor_type))


def attr_ints(name, values):
    return f_bytes(1, name) + f_int(20, 7) + b"".join(f_int(8, v) for v in values)


def node(op, inputs, outputs, name, attrs=()):
    body = b"".join(f_bytes(1, i) for i in inputs)
    body += b"".join(f_bytes(2, o) for o in outputs)
    body += f_bytes(3, name) + f_bytes(4, op)
    body += b"".join(f_bytes(5, a) for a in attrs)
    return body


def model():
    c_in = IN_SHAPE[1]
    w1 = lcg_weights(MID * c_in * 9, 1, 0.4)
    b1 = lcg_weights(MID, 2, 0.1)
    w2 = lcg_weights(OUT_CH * MID, 3, 0.5)
    b2 = lcg_weights(OUT_CH, 4, 0.1)
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["h1"], "conv1",
             [attr_ints("kernel_shape", [3, 3]), attr_ints("pads", [1, 1, 1, 1])]),
        node("Relu", ["h1"], ["h2"], "relu"),
        node("Conv", ["h2", "w2", "b2"], ["h3"], "conv2", [attr_ints("kernel_shape", [1, 1])]),
        node("Sigmoid", ["h3"], ["y"], "sigmoid"),
    ]
    inits = [
        tensor("w1", [MID, c_in, 3, 3], w1),
        tensor("b1", [MID], b1),
        tensor("w2", [OUT_CH, MID, 1, 1], w2),
        tensor("b2", [OUT_CH], b2),
    ]
    out_shape = [IN_SHAPE[0], OUT_CH, IN_SHAPE[2], IN_SHAPE[3]]
    graph = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "hwcheck_probe")
    graph += b"".join(f_bytes(5, t) for t in inits)
    graph += f_bytes(11, value_info("x", IN_SHAPE)) + f_bytes(12, value_info("y", out_shape))
    opset = f_bytes(1, "") + f_int(2, 13)
    return f_int(1, 7) + f_bytes(2, "hwcheck") + f_bytes(7, graph) + f_bytes(8, opset)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/models/probe.onnx"
    with open(out, "wb") as fh:
        fh.write(model())
    print(out)


if __name__ == "__main__":
    main()
