#!/usr/bin/env bash
# pauc against its peers on this machine, in the same run: for each round, pauc's JMH benchmarks and ResNet steps,
# then the same shapes and training steps with numpy/OpenBLAS, PyTorch and scikit-learn (bench/peers.py), and
# numpy again with OpenBLAS's AVX-512 kernels where the processor has AVX-512; then a table of ratios (pauc / peer,
# higher is better for pauc) with the median over rounds, headed by the processor (lscpu's model, family, flags).
#   bench/compare.sh [ROUNDS]            default 2 rounds
#   COMPARE_STEPS="resnet18:128" bench/compare.sh 2    other ResNet steps (MODEL:BATCH; default resnet18:128
#                                                      resnet50:32); ResNet-50's runs with PAUC_JAVA_OPTS=-Xmx16g
# Needs: apt-get install python3-numpy python3-torch python3-torchvision python3-threadpoolctl python3-sklearn
# Writes its raw results under target/compare/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-2}
out="$root/target/compare"
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.jsonl "$out"/*.log "$out"/cpu.txt
py=/usr/bin/python3
[ -x "$py" ] || py=python3
lscpu >"$out/cpu.txt" 2>/dev/null || true
avx512=no
grep -qw avx512f /proc/cpuinfo 2>/dev/null && avx512=yes
"$root/pauc" bench --help >/dev/null
steps=${COMPARE_STEPS:-resnet18:128 resnet50:32}
for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds: pauc" >&2
  "$root/bench/run-jmh.sh" 'GemmBench|TrainStepBench|KMeansBench' -wi 3 -i 5 -rf json -rff "$out/pauc-$r.json" >"$out/pauc-$r.log" 2>&1 \
    || { tail -n 20 "$out/pauc-$r.log" >&2; exit 1; }
  for step in $steps; do
    # a step that fails (out of memory, say) leaves its row out and says why
    PAUC_JAVA_OPTS=${PAUC_JAVA_OPTS:--Xmx16g} "$root/pauc" bench --backend cpu --threads 2 --step "${step%%:*}" \
      --batch-size "${step##*:}" --repeats 3 --warmup 1 >"$out/step.tmp" 2>"$out/step.err" || true
    grep '"name"' "$out/step.tmp" >>"$out/pauc-steps-$r.jsonl" || echo "compare: pauc step $step: $(tail -n 1 "$out/step.err")" >&2
  done
  echo "== round $r/$rounds: peers" >&2
  OPENBLAS_NUM_THREADS=2 "$py" "$root/bench/peers.py" --threads 2 --resnets "$steps" >"$out/peers-$r.jsonl"
  if [ "$avx512" = yes ]; then
    OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=2 "$py" "$root/bench/peers.py" --threads 2 --only gemm \
      >"$out/peers-avx512-$r.jsonl"
  fi
done
"$py" "$root/bench/ratios.py" "$out" "$rounds"
