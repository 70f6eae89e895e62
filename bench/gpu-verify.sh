#!/usr/bin/env bash
# Everything pauc's GPU path needs checked on a device, as one script whose results come back within 10 minutes of
# device time (each step has its own time limit, and the script a budget), on a machine with an NVIDIA GPU, CUDA's libraries and PyTorch
# but no Java. Writes DIR/summary.md (one line per step: status, seconds, the line that matters) and DIR/STEP.log
# for each step; DIR is $OUT, else runs/gpu-verify.
#
#   bench/gpu-verify.sh --prepare   here, with a JDK: builds target/pauc.jar, a jlinked Java runtime
#                                   (.gpu-carry/jre.tar.xz) and a few WebDataset shards (.gpu-carry/shards), then
#                                   runs every step with the GPU steps skipped (a dry run), and prints the size of what
#                                   travels (at most 64 MiB)
#   bench/gpu-verify.sh             on the GPU machine, with target/pauc.jar and .gpu-carry/ carried
#
# Steps: verify (fp32, bf16, im2col), the reference vectors, three equivalences (cuda/cpu, cuDNN/im2col,
# bf16/fp32), a ResNet-50 224-px step with split batch norm, a short streamed-shard run, benchmarks against PyTorch
# (ResNet-18 b256 fp32 channels_last, ResNet-50 b256 bf16 against AMP bf16 channels_last, k-means 1.28M × 128 at
# K = 25 000, which is one full-scale E-step's clustering) and NCCL's version.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${OUT:-runs/gpu-verify}
mkdir -p "$dir"
summary="$dir/summary.md"
dry=0

if [ "${1:-}" = "--prepare" ]; then
  dry=1
  jdk=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
  [ -x "$jdk/bin/jlink" ] || { echo "--prepare needs a JDK 25 (JAVA_HOME)"; exit 2; }
  mvn -q -B -ntp -DskipTests package || { echo "the build failed"; exit 2; }
  mkdir -p .gpu-carry
  if [ ! -f .gpu-carry/jre.tar.xz ] || [ target/pauc.jar -nt .gpu-carry/jre.tar.xz ]; then
    mods=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 target/pauc.jar)
    tmp=$(mktemp -d)
    "$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
      --output "$tmp/jre"
    tar -C "$tmp/jre" -cJf .gpu-carry/jre.tar.xz .
    rm -rf "$tmp"
  fi
  export JAVA_HOME="$jdk"
fi

PAUC_DRY_RUN=$dry . bench/gpu-env.sh
: > "$summary"
echo "# GPU verification, $(date -u +%Y-%m-%dT%H:%MZ)" >> "$summary"
echo >> "$summary"
if [ $dry = 1 ]; then
  echo "dry run on $(hostname) (no GPU): GPU steps skipped" >> "$summary"
else
  echo "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)" >> "$summary"
fi
echo >> "$summary"
echo "| step | status | seconds | result |" >> "$summary"
echo "|---|---|---:|---|" >> "$summary"
failed=0
# the whole script ends within BUDGET_S seconds (default 540, under 10 minutes of device time with the start): each
# step gets its own limit or what is left, the most important first; a step with no time left is reported as such
deadline=$(( $(date +%s) + ${BUDGET_S:-540} ))

# run NAME LIMIT_S PATTERN COMMAND...: the command's output in DIR/NAME.log; the summary takes the last line
# matching PATTERN. GPU steps are skipped in a dry run.
run() {
  local name=$1 limit=$2 pattern=$3; shift 3
  step "$name"
  if [ $dry = 1 ] && [ "${GPU_STEP:-1}" = 1 ]; then
    echo "skipped (dry run): $*"
    echo "| $name | skipped (dry run) | | \`$*\` |" >> "$summary"
    return
  fi
  local t0=$(date +%s)
  local left=$(( deadline - t0 ))
  if [ $left -lt 10 ]; then
    echo "| $name | skipped (time budget spent) | | |" >> "$summary"
    return
  fi
  [ $limit -le $left ] || limit=$left
  if [ "$1" = pauc ]; then shift; set -- "${PAUC[@]}" "$@"; fi
  timeout "$limit" "$@" > "$dir/$name.log" 2>&1
  local rc=$? t=$(( $(date +%s) - t0 ))
  local line=$(grep -E "$pattern" "$dir/$name.log" | tail -1 | cut -c1-160 | tr '|' '/')
  local status=pass
  [ $rc = 0 ] || { status="FAIL (exit $rc$([ $rc = 124 ] && echo ', time limit'))"; failed=$((failed + 1)); }
  tail -3 "$dir/$name.log"
  echo "| $name | $status | $t | $line |" >> "$summary"
}

# Shards for the streamed run: 96 PNG images of 32×32 in 3 classes, written here (pure Python) and packed by pauc.
if [ ! -f .gpu-carry/shards/train-000000.tar ]; then
  python3 - <<'PY'
import os, struct, zlib, random
random.seed(1)
def png(path, w, h, rgb):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"".join(b"\x00" + b"".join(bytes(rgb(x, y)) for x in range(w)) for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b""))
for c in range(3):
    os.makedirs(f".gpu-carry/images/train/class{c}", exist_ok=True)
    for i in range(32):
        base = [(c * 90 + 40) % 256, (c * 60 + 100) % 256, (c * 30 + 160) % 256]
        png(f".gpu-carry/images/train/class{c}/{i:03d}.png", 32, 32,
            lambda x, y: [min(255, max(0, v + random.randint(-40, 40) + (x if c == 0 else y))) for v in base])
PY
  "${PAUC[@]}" shards --input .gpu-carry/images/train --out .gpu-carry/shards --prefix train > /dev/null
  rm -rf .gpu-carry/images
fi

run verify-fp32 150 'passed' pauc verify --backend cuda
run verify-bf16 150 'passed' pauc verify --backend cuda --precision bf16
run verify-im2col 60 'passed' pauc verify --backend cuda --conv im2col --op conv2d
run reference 60 'passed' pauc reference check reference-tests --backend cuda
run equivalence-cpu 150 'largest' pauc equivalence --backend cuda --against cpu --out "$dir/eq-cpu"
run equivalence-cudnn 90 'largest' pauc equivalence --backend cuda --conv cudnn --against cuda --against-conv im2col \
  --out "$dir/eq-conv"
run equivalence-bf16 90 'largest' pauc equivalence --backend cuda --precision bf16 --against cuda --out "$dir/eq-bf16"
run resnet50-splitbn 90 'samples/s' pauc bench --backend cuda --step resnet50 --batch-size 32 --bn-splits 4 \
  --repeats 3 --warmup 1
run streamed 90 'epoch 2/2' pauc train --backend cuda --dataset "shards:.gpu-carry/shards/train-*.tar" \
  --image-size 32 --encoder resnet18 --batch-size 32 --epochs 2 --warmup-epochs 1 --clusters 4,8 --queue 64 \
  --out "$dir/streamed"
if [ $dry = 1 ]; then  # the carried shards and the streamed run's flags, on the CPU
  GPU_STEP=0 run streamed-cpu 120 'epoch 2/2' pauc train --backend cpu --dataset "shards:.gpu-carry/shards/train-*.tar" \
    --image-size 32 --encoder resnet18 --batch-size 32 --epochs 2 --warmup-epochs 1 --clusters 4,8 --queue 64 \
    --out "$dir/streamed-cpu"
fi
run bench-pauc 240 'kmeans' pauc bench --backend cuda --step resnet18 --batch-size 256 --repeats 10 --warmup 3 \
  --kmeans 1280000,128,25000
run bench-pauc-bf16 120 'samples/s' pauc bench --backend cuda --precision bf16 --step resnet50 --batch-size 256 \
  --repeats 5 --warmup 2
run bench-torch 240 'kmeans' python3 bench/gpu_peers.py --gemm "" --step resnet18 --channels-last \
  --kmeans 1280000,128,25000 --repeats 10 --warmup 3
run bench-torch-amp 120 'samples/s' python3 bench/gpu_peers.py --gemm "" --step resnet50 --channels-last --amp \
  --repeats 5 --warmup 2
run nccl 30 'NCCL' python3 -c "import torch; print('NCCL', '.'.join(map(str, torch.cuda.nccl.version())))"

GPU_STEP=0 run carried 10 'MiB' sh -c 'du -cm target/pauc.jar .gpu-carry reference-tests bench | tail -1 | \
  awk "{print \$1 \" MiB carried (jar, runtime, shards, vectors, bench)\"}"'
step "summary ($failed failed)"
cat "$summary"
[ $failed = 0 ]
