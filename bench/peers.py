#!/usr/bin/env python3
"""Peer timings on this machine for the shapes of pauc's benchmarks: numpy/OpenBLAS SGEMM, PyTorch CPU MoCo training
steps (channels_last, PyTorch's fastest layout here) of the bench model (b256), ResNet-18 with the CIFAR stem
(32×32×3, b128) and ResNet-50 (224×224×3, b32), and scikit-learn's k-means.

    /usr/bin/python3 bench/peers.py [--threads 2] [--repeats 15] [--only gemm|step|resnet|kmeans]

With OPENBLAS_CORETYPE=SkylakeX in the environment, numpy's GEMMs run OpenBLAS's AVX-512 kernels (only where the
processor has AVX-512: elsewhere they would stop at an illegal instruction).

Prints one JSON object per line: {"peer", "name", "median_s", "unit_per_s"}.
Needs Debian's python3-numpy, python3-torch, python3-threadpoolctl (python3-torchvision for the ResNets,
python3-sklearn for k-means).
"""
import argparse
import json
import os
import statistics
import time


def median_time(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


GEMM_SHAPES = ["256x256x256:NN", "512x512x512:NN", "1024x1024x1024:NN", "2048x2048x2048:NN",
               "256x4096x64:NT", "256x64x4096:NN",
               "200704x32x9:NN", "9x32x200704:TN",
               "50176x64x288:NN", "288x64x50176:TN", "50176x288x64:NT",
               "12544x128x576:NN", "576x128x12544:TN", "12544x576x128:NT"]


def gemm(args):
    import numpy as np
    from threadpoolctl import threadpool_limits, threadpool_info
    info = [(i.get("internal_api"), i.get("architecture"), i.get("version")) for i in threadpool_info()]
    print(json.dumps({"peer": "numpy", "info": str(info), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}))
    rng = np.random.default_rng(1)
    with threadpool_limits(args.threads):
        for shape in GEMM_SHAPES:
            dims, t = shape.split(":")
            m, n, k = map(int, dims.split("x"))
            a = rng.standard_normal((k, m) if t[0] == "T" else (m, k), dtype=np.float32)
            b = rng.standard_normal((n, k) if t[1] == "T" else (k, n), dtype=np.float32)
            op_a = a.T if t[0] == "T" else a
            op_b = b.T if t[1] == "T" else b
            s = median_time(lambda: op_a @ op_b, args.repeats)
            print(json.dumps({"peer": "numpy", "name": "sgemm " + shape, "median_s": s, "unit_per_s": 2 * m * n * k / s / 1e9,
                              "unit": "GFLOP/s"}), flush=True)



def bench_model():
    """The bench model: three 3×3 convolutions (32, 64, 128 channels; stride 1, 2, 2) with batch norm and ReLU,
    global average pool, head 128 → 128 → 64."""
    import torch.nn as nn
    layers, c = [], 1
    for i, w in enumerate([32, 64, 128]):
        layers += [nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
        c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64)]
    return nn.Sequential(*layers)


def resnet18():
    """ResNet-18 with the CIFAR stem (3×3 stride-1 first convolution, no max pool), head 512 → 512 → 64."""
    import torch.nn as nn
    import torchvision
    net = torchvision.models.resnet18()
    net.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    net.maxpool = nn.Identity()
    net.fc = nn.Sequential(nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 64))
    return net


def resnet50():
    """ResNet-50 (ImageNet stem), head 2048 → 2048 → 64."""
    import torch.nn as nn
    import torchvision
    net = torchvision.models.resnet50()
    net.fc = nn.Sequential(nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 64))
    return net


def moco_step(q, k, x1, x2, queue_length=4096):
    """One MoCo v2 step as a closure: q trains (SGD lr 0.03, momentum 0.9, wd 1e-4), k follows with m = 0.99,
    InfoNCE at τ = 0.2 against a queue of unit keys; the tensors' device is the step's device."""
    import torch
    import torch.nn.functional as F
    k.load_state_dict(q.state_dict())
    for p in k.parameters():
        p.requires_grad = False
    opt = torch.optim.SGD(q.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    n = x1.shape[0]
    queue = F.normalize(torch.randn(queue_length, 64, device=x1.device), dim=1)
    target = torch.zeros(n, dtype=torch.long, device=x1.device)
    ptr = [0]

    def one():
        qv = F.normalize(q(x1), dim=1)
        with torch.no_grad():
            for pk, pq in zip(k.parameters(), q.parameters()):
                pk.mul_(0.99).add_(pq.detach(), alpha=0.01)
            kv = F.normalize(k(x2), dim=1)
        logits = torch.cat([(qv * kv).sum(1, keepdim=True), qv @ queue.T], 1) / 0.2
        loss = F.cross_entropy(logits, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        queue[ptr[0]:ptr[0] + n] = kv
        ptr[0] = (ptr[0] + n) % queue_length

    return one


def cpu_step(make, shape, batch, repeats, warmup):
    """Median seconds of one MoCo step of the model, channels_last, on the CPU."""
    import torch
    torch.manual_seed(1)
    x1 = torch.rand(batch, *shape).to(memory_format=torch.channels_last)
    x2 = torch.rand(batch, *shape).to(memory_format=torch.channels_last)
    q = make().to(memory_format=torch.channels_last)
    k = make().to(memory_format=torch.channels_last)
    return median_time(moco_step(q, k, x1, x2), repeats, warmup=warmup)


def step(args):
    import torch
    torch.set_num_threads(args.threads)
    s = cpu_step(bench_model, (1, 28, 28), 256, args.repeats, 5)
    print(json.dumps({"peer": "torch", "name": "moco step bench-model b256", "median_s": s, "unit_per_s": 256 / s,
                      "unit": "samples/s", "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


def resnet(args):
    """The ResNet steps, a few repeats each (a step takes seconds)."""
    import torch
    torch.set_num_threads(args.threads)
    models = {"resnet18": (resnet18, (3, 32, 32)), "resnet50": (resnet50, (3, 224, 224))}
    for spec in args.resnets.split():
        name, batch = spec.split(":")
        make, shape = models[name]
        batch = int(batch)
        s = cpu_step(make, shape, batch, 3, 1)
        print(json.dumps({"peer": "torch", "name": f"moco step {name} b{batch}", "median_s": s,
                          "unit_per_s": batch / s, "unit": "samples/s"}), flush=True)


def kmeans(args):
    import numpy as np
    from sklearn.cluster import KMeans, kmeans_plusplus
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60000, 128), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    with threadpool_limits(args.threads):
        for k in (100, 1000):
            init = x[rng.choice(len(x), k, replace=False)]
            km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=20, tol=0, algorithm="lloyd")
            s = median_time(lambda: km.fit(x), max(3, args.repeats // 5), warmup=1)
            print(json.dumps({"peer": "sklearn", "name": f"kmeans 60000x128 k={k} 20 iters", "median_s": s,
                              "unit_per_s": 1 / s, "unit": "fits/s"}), flush=True)
            # scikit-learn's k-means++ as KMeans runs it: greedy, 2 + ln(k) candidates per centre
            s = median_time(lambda: kmeans_plusplus(x, k, random_state=0), max(3, args.repeats // 5), warmup=1)
            print(json.dumps({"peer": "sklearn", "name": f"kmeans++ init 60000x128 k={k}", "median_s": s,
                              "unit_per_s": 1 / s, "unit": "inits/s"}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--only", choices=["gemm", "step", "resnet", "kmeans"])
    ap.add_argument("--resnets", default="resnet18:128 resnet50:32", help="MODEL:BATCH pairs for --only resnet")
    args = ap.parse_args()
    for name, fn in (("gemm", gemm), ("step", step), ("resnet", resnet), ("kmeans", kmeans)):
        if args.only in (None, name):
            try:
                fn(args)
            except ImportError as e:
                print(json.dumps({"peer": name, "error": str(e)}), flush=True)


if __name__ == "__main__":
    main()
