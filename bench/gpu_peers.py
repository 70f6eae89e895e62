#!/usr/bin/env python3
"""PyTorch CUDA timings for the shapes of `pauc bench --backend cuda`: float32 SGEMM (TF32 off, PyTorch's default
for float32 matmul) and eager float32 MoCo v2 training steps of the bench model (28×28×1) and ResNet-18 with the
CIFAR stem (32×32×3), batch 256, queue 4096, τ = 0.2, SGD lr 0.03 momentum 0.9 weight decay 1e-4.

    python3 bench/gpu_peers.py [--gemm 4096,8192] [--step bench-model,resnet18] [--repeats 20]

Prints one JSON object per line, as `pauc bench`: {"peer", "name", "median_s", "unit_per_s", "unit"}.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

from peers import moco_step


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


def bench_model():
    layers, c = [], 1
    for i, w in enumerate([32, 64, 128]):
        layers += [nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64)]
    return nn.Sequential(*layers)


def resnet18():
    import torchvision
    net = torchvision.models.resnet18()
    net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    net.maxpool = nn.Identity()
    net.fc = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 64))
    return net


def bench_step(name, make, shape, batch, args):
    x1 = torch.rand(batch, *shape, device="cuda")
    x2 = torch.rand(batch, *shape, device="cuda")
    s = timed(moco_step(make().cuda(), make().cuda(), x1, x2), args.repeats, args.warmup)
    print(json.dumps({"peer": "torch", "name": f"moco step {name} b{batch}", "median_s": s, "unit_per_s": batch / s,
                      "unit": "samples/s"}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gemm", default="4096,8192")
    ap.add_argument("--step", default="bench-model,resnet18")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
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
    models = {"bench-model": (bench_model, (1, 28, 28)), "resnet18": (resnet18, (3, 32, 32))}
    for name in [s for s in args.step.split(",") if s]:
        make, shape = models[name]
        bench_step(name, make, shape, args.batch_size, args)


if __name__ == "__main__":
    main()
