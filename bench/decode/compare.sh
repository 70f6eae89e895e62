#!/usr/bin/env bash
# Decode + MoCo v2's two augmented 224-px views per image: pauc (libjpeg-turbo through FFM, 2 worker threads)
# against torchvision 0.14 + PIL (a DataLoader with 2 worker processes), on the same JPEGs and the same 2 cores, in
# alternating rounds of one run. Prints each round's images/s and the medians' ratio.
#
# usage: bench/decode/compare.sh [ROUNDS] [IMAGES] [PHOTOS_DIR]
# needs: Debian's python3-torchvision, python3-sklearn, python3-skimage, libturbojpeg0
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
images=${2:-1000}
photos=${3:-${TMPDIR:-/tmp}/pauc-photos}
py=/usr/bin/python3
[ -d "$photos/train/photos" ] || "$py" bench/decode/make_photos.py "$photos" 2000 >&2
./pauc bench --help >/dev/null   # builds the jar first, outside the timing
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="pauc torchvision"; else order="torchvision pauc"; fi
  for who in $order; do
    if [ "$who" = pauc ]; then
      ./pauc bench --decode "imagenet-folder:$photos" --images "$images" --workers 2 2>/dev/null | grep pipeline
    else
      "$py" bench/decode/torchvision_pipeline.py "$photos" "$images" 2
    fi
  done | tee -a "$results"
done
"$py" - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = {p: statistics.median(r["images_per_s"] for r in rows if r["pipeline"] == p) for p in ("pauc", "torchvision")}
for p, v in med.items():
    print("%-12s median %.1f images/s over %d rounds" % (p, v, sum(r["pipeline"] == p for r in rows)))
print("ratio pauc / torchvision: %.2f" % (med["pauc"] / med["torchvision"]))
PY
rm -f "$results"
