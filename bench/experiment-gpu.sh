#!/usr/bin/env bash
# Runs `pauc experiment SPEC` on the cuda backend on a GPU machine (see bench/gpu-env.sh for what it needs), after a
# `pauc verify --backend cuda`, and packs the results (eval.json, logs and configs; no checkpoints) into
# DIR/NAME.tar.gz (DIR = $OUT, else runs/gpu). The summary is regenerated with plots elsewhere by
# `pauc experiment SPEC --report-only`. Rerunning continues an interrupted experiment in the same folder.
#
#   bench/experiment-gpu.sh SPEC [PARALLEL] [THREADS] [EVAL_DATA]
set -uo pipefail
cd "$(dirname "$0")/.."
spec=${1:?usage: bench/experiment-gpu.sh SPEC [PARALLEL] [THREADS] [EVAL_DATA]}
parallel=${2:-8}
threads=${3:-2}
eval_data=${4:-}
dir=${OUT:-runs/gpu}
mkdir -p "$dir"
name=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['name'])" "$spec")
exec > >(tee "$dir/$name.log") 2>&1
step_status=0
. bench/gpu-env.sh
step "pauc verify --backend cuda"
pauc verify --backend cuda | tail -1
step "pauc experiment $spec ($parallel at a time, $threads threads each)"
pauc experiment "$spec" --backend cuda --parallel "$parallel" --threads "$threads" --no-plots \
  --out "runs/experiments/$name" ${eval_data:+--eval-data "$eval_data"} || step_status=$?
tar -czf "$dir/$name.tar.gz" --exclude='*.safetensors' -C runs/experiments "$name"
step "done, status $step_status"
exit $step_status
