#!/usr/bin/env python3
"""Golden answers for hwcheck's bundled person detector, from an independent reference.

Runs models/person-ssdlite.onnx on every picture in assets/images/ with Python onnxruntime
(CPU), numpy and PIL -- none of hwcheck's code -- and writes assets/golden.json: per picture,
every person (class 1) with score >= SCORE_THRESHOLD, box as (ymin, xmin, ymax, xmax)
normalised to the picture, best first.

Pre-processing is the model's own: the whole picture converted to RGB (grey pictures
replicated), resized to 300x300 with PIL's bilinear filter (no letterbox), uint8 NHWC.
NMS is inside the model, so nothing is suppressed here.

Usage (in a throwaway virtualenv with onnxruntime, numpy and pillow):
    python tools/golden.py [--out assets/golden.json]
The functions below are also imported by bench/detect_vs_python.py.
"""

import argparse
import hashlib
import json
import pathlib

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "person-ssdlite.onnx"
IMAGES = ROOT / "assets" / "images"
SCORE_THRESHOLD = 0.4
PERSON_CLASS = 1
SIZE = 300


def session(model=MODEL, threads=0, provider="CPUExecutionProvider"):
    """An onnxruntime session on `provider` with `threads` intra-op threads (0: ORT default).
    The CUDA provider picks cuDNN convolution algorithms by heuristic, as hwcheck does (ORT's
    default exhaustive search costs seconds on the first run)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    if provider == "CUDAExecutionProvider":
        chosen = [(provider, {"cudnn_conv_algo_search": "HEURISTIC"})]
    else:
        chosen = [provider]
    return ort.InferenceSession(str(model), sess_options=opts, providers=chosen)


def preprocess(path):
    """Decode, RGB, bilinear resize of the whole picture to 300x300, uint8 [1,300,300,3]."""
    with Image.open(path) as img:
        rgb = img.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)
    return np.asarray(rgb, dtype=np.uint8)[np.newaxis, ...]


def people(outputs, threshold=SCORE_THRESHOLD):
    """Person boxes and scores from the model's four outputs, best first."""
    boxes, scores, classes, num = outputs
    found = []
    for i in range(int(num[0])):
        if int(classes[0, i]) == PERSON_CLASS and scores[0, i] >= threshold:
            ymin, xmin, ymax, xmax = (round(float(v), 6) for v in boxes[0, i])
            found.append(
                {
                    "bbox": {"ymin": ymin, "xmin": xmin, "ymax": ymax, "xmax": xmax},
                    "score": round(float(scores[0, i]), 6),
                }
            )
    found.sort(key=lambda p: -p["score"])
    return found


def detect(sess, path):
    """The whole reference pipeline for one picture."""
    name = sess.get_inputs()[0].name
    return people(sess.run(None, {name: preprocess(path)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "assets" / "golden.json"))
    args = parser.parse_args()
    sess = session()
    pictures = sorted(p for p in IMAGES.iterdir() if p.suffix in (".png", ".jpg"))
    golden = {
        "model_sha256": hashlib.sha256(MODEL.read_bytes()).hexdigest(),
        "score_threshold": SCORE_THRESHOLD,
        "reference": f"Python onnxruntime {ort.__version__} CPUExecutionProvider, "
        f"numpy {np.__version__}, PIL {Image.__version__} bilinear resize to {SIZE}x{SIZE}",
        "images": [{"image": p.name, "people": detect(sess, p)} for p in pictures],
    }
    pathlib.Path(args.out).write_text(json.dumps(golden, indent=2) + "\n")
    for img in golden["images"]:
        print(img["image"], [(p["score"], p["bbox"]) for p in img["people"]])


if __name__ == "__main__":
    main()
