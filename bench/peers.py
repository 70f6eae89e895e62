#!/usr/bin/env python3
"""Peer timings on this machine for the shapes of pauc's benchmarks: numpy/OpenBLAS SGEMM and a PyTorch CPU
MoCo training step of the bench model (channels_last, PyTorch's fastest layout here).

    /usr/bin/python3 bench/peers.py [--threads 2] [--repeats 15] [--only gemm|step|kmeans]

Prints one JSON object per line: {"peer", "name", "median_s", "unit_per_s"}.
Needs Debian's python3-numpy, python3-torch, python3-threadpoolctl (python3-sklearn for k-means).
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


def step(args):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    def encoder():
        layers = []
        c = 1
        for i, w in enumerate([32, 64, 128]):
            layers += [nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
            c = w
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64)]
        return nn.Sequential(*layers).to(memory_format=torch.channels_last)

    n = 256
    x1 = torch.rand(n, 1, 28, 28).to(memory_format=torch.channels_last)
    x2 = torch.rand(n, 1, 28, 28).to(memory_format=torch.channels_last)
    one = moco_step(encoder(), encoder(), x1, x2)
    s = median_time(one, args.repeats, warmup=5)
    print(json.dumps({"peer": "torch", "name": "moco step bench-model b256", "median_s": s, "unit_per_s": n / s,
                      "unit": "samples/s", "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


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
    ap.add_argument("--only", choices=["gemm", "step", "kmeans"])
    args = ap.parse_args()
    for name, fn in (("gemm", gemm), ("step", step), ("kmeans", kmeans)):
        if args.only in (None, name):
            try:
                fn(args)
            except ImportError as e:
                print(json.dumps({"peer": name, "error": str(e)}), flush=True)


if __name__ == "__main__":
    main()
