#!/usr/bin/env bash
# Two builds of pauc's JMH benchmarks against each other, in alternating rounds on the same machine, to tell a
# real change of speed from the host's noise: round r runs A then B, and the table gives each benchmark's median
# over rounds and the ratio B/A of the times (below 1: B is faster).
#   bench/ab.sh A.jar B.jar [ROUNDS] [JMH benchmark regex]
#   AB_SHAPES=256x64x4096:NN,288x64x50176:TN AB_K=100,1000 bench/ab.sh …   other GEMM shapes (default 1024³ and
#   256×64×4096), k-means sizes (default 1000) and the convolutions' batch (AB_BATCH, default 256)
# Build a jar with `mvn -Pbench -DskipTests package` (target/bench/pauc-bench.jar) at each commit to compare.
set -euo pipefail
a=${1:?usage: bench/ab.sh A.jar B.jar [ROUNDS] [REGEX]}
b=${2:?usage: bench/ab.sh A.jar B.jar [ROUNDS] [REGEX]}
rounds=${3:-3}
regex=${4:-'TrainStepBench|KMeansBench|GemmBench'}
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/ab"
rm -rf "$out"
mkdir -p "$out"
vector_flags=
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  vector_flags="-jvmArgsAppend -XX:UseAVX=3"
fi
for r in $(seq 1 "$rounds"); do
  for v in A B; do
    jar=$a
    [ "$v" = B ] && jar=$b
    # shellcheck disable=SC2086
    "$jdk/bin/java" --add-modules jdk.incubator.vector -jar "$jar" "$regex" \
      -p shape="${AB_SHAPES:-1024x1024x1024:NN,256x64x4096:NN}" -p k="${AB_K:-1000}" -p batch="${AB_BATCH:-256}" $vector_flags -f 1 -wi 3 -i 5 -w 1s -r 1s \
      -rf json -rff "$out/$v-$r.json" >"$out/$v-$r.log" 2>&1 || { tail -n 20 "$out/$v-$r.log" >&2; exit 1; }
    echo "round $r/$rounds: $v done" >&2
  done
done
python3 - "$out" <<'PY'
import collections, glob, json, statistics, sys
res = collections.defaultdict(lambda: collections.defaultdict(list))
for f in sorted(glob.glob(sys.argv[1] + '/*.json')):
    side = f.rsplit('/', 1)[1].split('-')[0]
    for b in json.load(open(f)):
        params = ','.join(f'{k}={x}' for k, x in sorted(b.get('params', {}).items()))
        res[b['benchmark'].split('.', 3)[-1] + ' ' + params][side].append(b['primaryMetric']['score'])
print(f"{'benchmark':58s} {'A median':>10s} {'B median':>10s} {'B/A':>6s}  rounds")
for k in sorted(res):
    a, b = statistics.median(res[k]['A']), statistics.median(res[k]['B'])
    print(f"{k:58s} {a:10.3f} {b:10.3f} {b / a:6.3f}  {len(res[k]['A'])}")
PY
