#!/usr/bin/env bash
# Memory of streamed training as the shard count grows: the same kind of run (MoCo, small-cnn, 32-px views, one
# epoch) on 500, 1000 and 2000 photos packed 25 to a shard (20, 40, 80 shards). Prints, per run, the largest heap
# in use after a garbage collection (from the GC log) and the process's peak resident memory.
#
# usage: bench/decode/memory.sh [PHOTOS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
photos=${1:-${TMPDIR:-/tmp}/pauc-photos}
py=/usr/bin/python3
[ -d "$photos/train/photos" ] || "$py" bench/decode/make_photos.py "$photos" 2000 >&2
./pauc bench --help >/dev/null
work=$(mktemp -d)
all=("$photos"/train/photos/*.jpg)
for n in 500 1000 2000; do
  mkdir -p "$work/src-$n/photos"
  for f in "${all[@]:0:$n}"; do ln -s "$f" "$work/src-$n/photos/"; done
  # 25 photos of about 50 kB per shard: a 1 MiB limit
  out=$(./pauc shards --input "$work/src-$n" --out "$work/shards-$n" --shard-size 1 2>/dev/null | grep -o "shards:.*'" | tr -d "'")
  count=$(ls "$work/shards-$n"/*.tar | wc -l)
  PAUC_JAVA_OPTS="-Xlog:gc:file=$work/gc-$n.log" /usr/bin/time -f "%M" -o "$work/rss-$n" ./pauc train \
    --dataset "$out" --image-size 32 --method moco --epochs 1 --batch-size 50 --queue 500 --backend cpu \
    --out "$work/run-$n" >/dev/null 2>&1
  heap=$(grep -o -- '->[0-9]*M' "$work/gc-$n.log" | tr -d '>M-' | sort -n | tail -1)
  printf '%5d photos in %3d shards: largest heap after GC %4s MiB, peak RSS %5d MiB\n' "$n" "$count" "${heap:-?}" \
    $(( $(cat "$work/rss-$n") / 1024 ))
done
rm -rf "$work"
