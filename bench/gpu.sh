#!/usr/bin/env bash
# The GPU check, in one run on a machine with an NVIDIA GPU, CUDA's libraries and PyTorch but possibly no Java:
# finds the libraries, then runs `pauc verify`, the reference check and the cpu/cuda training equivalence on the
# cuda backend, then SGEMM and training-step benchmarks next to PyTorch (bench/gpu_peers.py), alternating rounds.
# Everything goes to DIR/gpu.log (DIR = $OUT, else runs/gpu); the benchmark table to DIR/gpu-table.md.
#
#   bench/gpu.sh [ROUNDS]          ROUNDS of benchmarks (default 2)
#
# Java: JAVA_HOME, else `java` on the PATH, else a runtime packed by make-runtime.sh at .gpu-carry/jre.tar.xz.
# The jar: target/pauc.jar (mvn package). Library paths may be forced with PAUC_LIBCUDA, PAUC_LIBCUBLAS, PAUC_LIBNVRTC.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
dir=${OUT:-runs/gpu}
mkdir -p "$dir"
exec > >(tee "$dir/gpu.log") 2>&1
status=0
. bench/gpu-env.sh

step "pauc verify --backend cuda"
pauc verify --backend cuda > "$dir/verify.txt"; rc=$?; grep -v ' PASS$' "$dir/verify.txt"; [ $rc = 0 ] || status=1

step "pauc reference check reference-tests --backend cuda"
pauc reference check reference-tests --backend cuda > "$dir/reference.txt"; rc=$?; grep -v ' PASS' "$dir/reference.txt"; [ $rc = 0 ] || status=1

step "pauc equivalence --backend cuda --against cpu"
pauc equivalence --backend cuda --against cpu --out "$dir/equivalence"; [ $? = 0 ] || status=1

step "checkpoint read by safetensors.torch"
python3 -c "
import sys
from safetensors.torch import load_file
t = load_file(sys.argv[1])
print(len(t), 'tensors;', sum(v.numel() for v in t.values()), 'values; first:', sorted(t)[0], tuple(t[sorted(t)[0]].shape))
" "$dir/equivalence/cuda/checkpoint.safetensors" || status=1

step "benchmarks, $rounds rounds"
: > "$dir/bench-pauc.jsonl"; : > "$dir/bench-torch.jsonl"
for r in $(seq 1 "$rounds"); do
  timeout 150 "${PAUC[@]}" bench --backend cuda --gemm 4096,8192 --step bench-model,resnet18 | tee -a "$dir/bench-pauc.jsonl"
  timeout 150 python3 bench/gpu_peers.py --gemm 4096,8192 --step bench-model,resnet18 | tee -a "$dir/bench-torch.jsonl"
done
python3 bench/gpu_table.py "$dir/bench-pauc.jsonl" "$dir/bench-torch.jsonl" | tee "$dir/gpu-table.md"
step "done, status $status"
exit $status
