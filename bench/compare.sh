#!/usr/bin/env bash
# pauc against its peers on this machine, in the same run: for each round, pauc's JMH benchmarks, then the
# same shapes and training step with numpy/OpenBLAS and PyTorch (bench/peers.py); then a table of ratios
# (pauc / peer, higher is better for pauc) with the median over rounds.
#   bench/compare.sh [ROUNDS]            default 2 rounds
# Needs: apt-get install python3-numpy python3-torch python3-threadpoolctl python3-sklearn
# Writes its raw results under target/compare/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-2}
out="$root/target/compare"
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.jsonl
py=/usr/bin/python3
[ -x "$py" ] || py=python3
for r in $(seq 1 "$rounds"); do
  echo "== round $r/$rounds: pauc" >&2
  "$root/bench/run-jmh.sh" 'GemmBench|TrainStepBench|KMeansBench' -wi 3 -i 5 -rf json -rff "$out/pauc-$r.json" >"$out/pauc-$r.log" 2>&1 \
    || { tail -n 20 "$out/pauc-$r.log" >&2; exit 1; }
  echo "== round $r/$rounds: peers" >&2
  OPENBLAS_NUM_THREADS=2 "$py" "$root/bench/peers.py" --threads 2 >"$out/peers-$r.jsonl"
done
"$py" "$root/bench/ratios.py" "$out" "$rounds"
