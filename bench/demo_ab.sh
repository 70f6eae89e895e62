#!/usr/bin/env bash
# `pauc demo` with two jars in alternating runs on this machine (the wall time of the whole command), to measure a
# speed-up of the demo as a ratio despite the host's noise: run r runs A then B (B first on even rounds).
#   bench/demo_ab.sh OLD.jar NEW.jar [ROUNDS]     default 2 rounds; each run takes minutes
# Build a jar with `mvn -DskipTests package` (target/pauc.jar) at each commit to compare.
set -euo pipefail
a=${1:?usage: bench/demo_ab.sh A.jar B.jar [ROUNDS]}
b=${2:?usage: bench/demo_ab.sh A.jar B.jar [ROUNDS]}
rounds=${3:-2}
jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -Dpauc.home="$root")
grep -qw avx512f /proc/cpuinfo 2>/dev/null && flags+=(-XX:UseAVX=3)
for r in $(seq 1 "$rounds"); do
  order="A B"
  [ $((r % 2)) -eq 0 ] && order="B A"
  for v in $order; do
    jar=$a
    [ "$v" = B ] && jar=$b
    t0=$(date +%s.%N)
    "$jdk/bin/java" "${flags[@]}" -jar "$jar" demo --out "$out/$v-$r" >"$out/$v-$r.log" 2>&1
    t1=$(date +%s.%N)
    line=$(grep -E '^checkpoint +[0-9]' "$out/$v-$r.log" | head -n 1)
    printf '%s round %d: %6.1f s  %s\n' "$v" "$r" "$(echo "$t1 - $t0" | bc)" "$line" | tee -a "$out/times"
  done
done
python3 - "$out/times" <<'PY'
import statistics, sys
t = {"A": [], "B": []}
for line in open(sys.argv[1]):
    v, _, _, s = line.split()[:4]
    t[v].append(float(s))
a, b = statistics.median(t["A"]), statistics.median(t["B"])
print(f"A median {a:.1f} s, B median {b:.1f} s: B is {a / b:.2f}x as fast as A")
PY
rm -rf "$out"
