#!/usr/bin/env bash
# Data parallelism on one machine: `mpirun -np 2 ./pauc train` with one thread per process against one process with
# two threads, the bench model (small CNN, 28×28×1, the embedded subset), global batch 256, in alternating rounds.
# MoCo (no E-step) gives the training rate: the median samples/s of epochs 2–3 of each run. A PCL run of each gives
# the E-step's seconds, and the 2-process runs print the seconds spent in all-reduce and all-gather per epoch.
#   bench/dist.sh [ROUNDS]      default 3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
./pauc --version >/dev/null
lscpu | grep -E '^(Model name|CPU family|CPU\(s\))' | sed 's/  */ /g'
out=$(mktemp -d)
flags=(--encoder small-cnn --batch-size 256 --seed 0)
mpi=(mpirun -np 2 --oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
rate() { # the median samples/s of epochs 2 and later in a run's log
  python3 -c 'import json,statistics,sys; r=[json.loads(l) for l in open(sys.argv[1])][1:]; print(statistics.median(x["samplesPerSecond"] for x in r))' "$1/log.jsonl"
}
for r in $(seq 1 "$rounds"); do
  rm -rf "$out"/one "$out"/two
  ./pauc train "${flags[@]}" --method moco --epochs 3 --threads 2 --dist none --out "$out/one" >"$out/one.log" 2>&1
  "${mpi[@]}" ./pauc train "${flags[@]}" --method moco --epochs 3 --threads 1 --out "$out/two" >"$out/two.log" 2>&1
  a=$(rate "$out/one"); b=$(rate "$out/two")
  echo "round $r: one process (2 threads) $a samples/s, 2 processes (1 thread each) $b samples/s, ratio $(python3 -c "print(round($b/$a, 3))")"
  grep 'communication this epoch' "$out/two.log" | tail -n 1 | sed 's/^/  moco, 2 processes, /'
  echo "$a $b" >>"$out/rates"
done
python3 - "$out/rates" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
a = statistics.median(r[0] for r in rows); b = statistics.median(r[1] for r in rows)
print(f"median: one process {a:.0f} samples/s, 2 processes {b:.0f} samples/s, ratio {b / a:.3f}")
PY
# the E-step: PCL with one warm-up epoch, so the second epoch clusters (K = 100, 200 on 10 000 images)
rm -rf "$out"/pone "$out"/ptwo
./pauc train "${flags[@]}" --method pcl --epochs 2 --warmup-epochs 1 --threads 2 --dist none --out "$out/pone" >"$out/pone.log" 2>&1
"${mpi[@]}" ./pauc train "${flags[@]}" --method pcl --epochs 2 --warmup-epochs 1 --threads 1 --out "$out/ptwo" >"$out/ptwo.log" 2>&1
python3 - "$out" <<'PY'
import json, sys
for name in ("pone", "ptwo"):
    e = [json.loads(l) for l in open(f"{sys.argv[1]}/{name}/log.jsonl")][-1]
    print(f"pcl E-step, {'one process' if name == 'pone' else '2 processes'}: {e['kmeansSeconds']:.2f} s "
          f"(features and k-means), epoch {e['seconds']:.2f} s")
PY
grep 'communication this epoch' "$out/ptwo.log" | tail -n 1 | sed 's/^/  pcl epoch with the E-step, 2 processes, /'
rm -rf "$out"
