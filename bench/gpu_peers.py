#!/usr/bin/env python3
"""PyTorch CUDA timings for the shapes of `pauc bench --backend cuda`: float32 SGEMM (TF32 off, PyTorch's default
for float32 matmul), eager MoCo v2 training steps of the bench model (28×28×1), ResNet-18 with the CIFAR stem
(32×32×3) and ResNet-50 (224×224×3), batch 256, queue 4096, τ = 0.2, SGD lr 0.03 momentum 0.9 weight decay 1e-4
(optionally channels_last and AMP bf16), and k-means as PyTorch does it by hand (GEMM + argmin + index_add).

    python3 bench/gpu_peers.py [--gemm 4096,8192] [--step bench-model,resnet18,resnet50] [--channels-last] [--amp]
                               [--kmeans 1280000,128,25000] [--repeats 20]

Prints one JSON object per line, as `pauc bench`: {"peer", "name", "median_s", "unit_per_s", "unit"}.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

from peers import bench_model, moco_step, resnet18, resnet50


def timed(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_step(name, make, shape, batch, args):
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    x1 = torch.rand(batch, *shape, device="cuda").contiguous(memory_format=fmt)
    x2 = torch.rand(batch, *shape, device="cuda").contiguous(memory_format=fmt)
    one = moco_step(make().cuda().to(memory_format=fmt), make().cuda().to(memory_format=fmt), x1, x2)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.amp):
            one()

    s = timed(step, args.repeats, args.warmup)
    tag = (" channels_last" if args.channels_last else "") + (" amp-bf16" if args.amp else "")
    print(json.dumps({"peer": "torch", "name": f"moco step {name} b{batch}{tag}", "median_s": s,
                      "unit_per_s": batch / s, "unit": "samples/s"}), flush=True)


def bench_kmeans(n, d, k):
    """Ten Lloyd iterations of random unit points: distances by GEMM, argmin, sums by index_add, as faiss-free
    PyTorch code does it; seeding by k random points (untimed)."""
    x = torch.nn.functional.normalize(torch.randn(n, d, device="cuda"), dim=1)
    c = x[torch.randperm(n, device="cuda")[:k]].clone()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(10):
        assign = torch.empty(n, dtype=torch.long, device="cuda")
        for i in range(0, n, 65536):
            block = x[i:i + 65536]
            dist = (c * c).sum(1)[None, :] - 2 * block @ c.T
            assign[i:i + 65536] = dist.argmin(1)
        sums = torch.zeros(k, d, device="cuda").index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).clamp(min=1).unsqueeze(1)
        c = sums / counts
    torch.cuda.synchronize()
    s = time.perf_counter() - start
    print(json.dumps({"peer": "torch", "name": f"kmeans {n}x{d} K={k} 10 it", "median_s": s, "unit_per_s": 10 / s,
                      "unit": "iterations/s"}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gemm", default="4096,8192")
    ap.add_argument("--step", default="bench-model,resnet18")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--amp", action="store_true", help="autocast to bfloat16")
    ap.add_argument("--kmeans", default="", help="N,D,K")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    print(json.dumps({"peer": "torch", "info": f"torch {torch.__version__}, {torch.cuda.get_device_name()}, "
                      f"cuDNN {torch.backends.cudnn.version()}"}), flush=True)
    for n in [int(s) for s in args.gemm.split(",") if s]:
        a = torch.rand(n, n, device="cuda")
        b = torch.rand(n, n, device="cuda")
        s = timed(lambda: a @ b, args.repeats, args.warmup)
        print(json.dumps({"peer": "torch", "name": f"sgemm {n}x{n}x{n}:NN", "median_s": s,
                          "unit_per_s": 2 * n ** 3 / s / 1e9, "unit": "GFLOP/s"}), flush=True)
    models = {"bench-model": (bench_model, (1, 28, 28)), "resnet18": (resnet18, (3, 32, 32)),
              "resnet50": (resnet50, (3, 224, 224))}
    for name in [s for s in args.step.split(",") if s]:
        make, shape = models[name]
        bench_step(name, make, shape, args.batch_size, args)
    if args.kmeans:
        n, d, k = (int(v) for v in args.kmeans.split(","))
        bench_kmeans(n, d, k)


if __name__ == "__main__":
    main()
