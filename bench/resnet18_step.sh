#!/usr/bin/env bash
# One MoCo v2 training step of ResNet-18 (CIFAR stem, 32×32×3, batch 128, head 512→512→64), pauc's CPU backend
# against PyTorch on the CPU (channels-last, the same step as bench/peers.py), 2 threads each, in
# alternating rounds of one run; prints each round's samples/s and the medians' ratio.
#   bench/resnet18_step.sh [ROUNDS]      default 3; each step takes seconds, so a round is a few repeats
# Needs Debian's python3-torch and python3-torchvision.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
py=/usr/bin/python3
./pauc bench --help >/dev/null
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
  ./pauc bench --backend cpu --threads 2 --step resnet18 --batch-size 128 --repeats 3 --warmup 1 2>/dev/null \
    | grep '"name"' | tee -a "$results"
  "$py" - <<'PY' | tee -a "$results"
import json, sys, torch
sys.path.insert(0, "bench")
from peers import cpu_step, resnet18
torch.set_num_threads(2)
s = cpu_step(resnet18, (3, 32, 32), 128, 3, 1)
print(json.dumps({"peer": "torch", "name": "moco step resnet18 b128", "median_s": s, "unit_per_s": 128 / s}))
PY
done
"$py" - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = {p: statistics.median(r["unit_per_s"] for r in rows if r["peer"] == p) for p in ("pauc", "torch")}
for p, v in med.items():
    print("%-6s median %.1f samples/s: %s" % (p, v, ", ".join("%.1f" % r["unit_per_s"] for r in rows if r["peer"] == p)))
print("ratio pauc / torch: %.2f" % (med["pauc"] / med["torch"]))
PY
rm -f "$results"
