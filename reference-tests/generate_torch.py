#!/usr/bin/env python3
"""Independent reference vectors for the pauc loss contract, computed with PyTorch autograd in float64.

Every op of the loss contract (docs/losses.md) is written here a second time, directly in torch, and its gradients come from
autograd, so the vectors check the Java oracle against an implementation that shares no code with it.

    /usr/bin/python3 reference-tests/generate_torch.py [OUT_DIR] [--seed S]

needs Debian's python3-torch and python3-numpy; writes OUT_DIR/OP/CASE.json (default: reference-tests/torch).
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
FORMAT = "pauc-reference-vector/1"
TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


# ---- the ops, as PyTorch expressions ---------------------------------------------------------

def l2_normalize(x, eps=1e-12):
    return F.normalize(x, p=2.0, dim=1, eps=eps)


def info_nce(q, k, queue, tau=0.2):
    pos = (q * k).sum(dim=1, keepdim=True)
    logits = torch.cat([pos, q @ queue.T], dim=1) / tau
    return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long))


def proto_nce(q, C, phi, pos, neg):
    ids = torch.cat([pos, neg])
    logits = (q @ C[ids].T) / phi[ids]
    return F.cross_entropy(logits, torch.arange(q.shape[0]))


def align(v, C, pos, alpha=2.0):
    return (v - C[pos]).norm(p=2, dim=1).pow(alpha).mean()


def uniformity(v, t=2.0):
    sq = torch.pdist(v, p=2).pow(2)
    return torch.logsumexp(-t * sq, dim=0) - math.log(sq.numel())


def standardize(z, eps):
    return (z - z.mean(dim=0)) / torch.sqrt(z.var(dim=0, unbiased=False) + eps)


def off_diagonal(m):
    return m[~torch.eye(m.shape[0], dtype=torch.bool)]


def correlation(z, eps=1e-5):
    zh = standardize(z, eps)
    r = zh.T @ zh / z.shape[0]
    return off_diagonal(r).pow(2).sum()


def cross_correlation(za, zb, lambda_off=5e-3, eps=1e-5):
    c = standardize(za, eps).T @ standardize(zb, eps) / za.shape[0]
    return (1 - torch.diagonal(c)).pow(2).sum() + lambda_off * off_diagonal(c).pow(2).sum()


def concentration(F_, C_raw, assign, alpha=10.0, tau=0.2):
    F_, C_raw, assign = F_.numpy(), C_raw.numpy(), assign.numpy()
    k = C_raw.shape[0]
    dist = np.linalg.norm(F_ - C_raw[assign], axis=1)
    phi = np.zeros(k)
    big = [c for c in range(k) if (assign == c).sum() > 1]
    for c in big:
        members = dist[assign == c]
        phi[c] = members.mean() / np.log(len(members) + alpha)
    top = max(phi[c] for c in big)
    for c in range(k):
        if c not in big:
            phi[c] = top
    phi = np.clip(phi, np.percentile(phi, 10), np.percentile(phi, 90))
    return torch.from_numpy(tau * phi / phi.mean())


def pauc_objective(u, k, queue, clusterings, tau=0.2, lambda_proto=1.0, lambda_align=0.5, lambda_unif=1.0,
                   lambda_corr=5e-3, alpha=2.0, t=2.0, eps=1e-5):
    v = l2_normalize(u)
    loss = info_nce(v, k, queue, tau)
    m = len(clusterings)
    if m:
        loss = loss + lambda_proto * sum(proto_nce(v, *cl) for cl in clusterings) / m
        loss = loss + lambda_align * sum(align(v, cl[0], cl[2], alpha) for cl in clusterings) / m
    if lambda_unif != 0:
        loss = loss + lambda_unif * uniformity(v, t)
    if lambda_corr != 0:
        loss = loss + lambda_corr * correlation(v, eps)
    return loss


# ---- inputs --------------------------------------------------------------------------------------

class Draw:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape, scale=1.0):
        return scale * torch.randn(*shape, generator=self.g)

    def sphere(self, n, d):
        return F.normalize(self.normal(n, d), dim=1)

    def near(self, n, d, spread):
        centre = self.sphere(1, d)
        return F.normalize(centre + self.normal(n, d, scale=spread), dim=1)

    def ids(self, n, bound):
        return torch.randint(0, bound, (n,), generator=self.g)

    def uniform(self, n, lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=self.g)

    def negatives(self, pos, k, s):
        free = torch.tensor(sorted(set(range(k)) - set(pos.tolist())), dtype=torch.long)
        take = torch.randperm(len(free), generator=self.g)[:min(s, len(free))]
        return free[take]


def tensor_json(x):
    x = torch.as_tensor(x)
    if x.dtype in (torch.int64, torch.int32):
        return {"dtype": "i32", "shape": list(x.shape), "data": [int(a) for a in x.reshape(-1).tolist()]}
    return {"dtype": "f64", "shape": list(x.shape), "data": [float(a) for a in x.reshape(-1).tolist()]}


def write(out_dir, op, case, params, inputs, expected):
    path = os.path.join(out_dir, op, case + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = ["{", f'  "format": "{FORMAT}",', f'  "op": "{op}",', f'  "name": "torch/{op}/{case}",',
             f'  "params": {json.dumps(params)},']
    for key, tensors in (("inputs", inputs), ("expected", expected)):
        body = ",\n".join(f'    "{n}": {json.dumps(tensor_json(t))}' for n, t in tensors.items())
        lines.append(f'  "{key}": {{\n{body}\n  }},')
    lines.append(f'  "tolerance": {json.dumps(TOLERANCE)}')
    lines.append("}")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def loss_case(out_dir, op, case, fn, params, inputs, grads):
    """Evaluates fn(**inputs, **params) with autograd and writes loss and grad.NAME for each name in grads."""
    leaves = {n: (t.clone().requires_grad_(n in grads) if t.is_floating_point() else t) for n, t in inputs.items()}
    loss = fn(**leaves, **params)
    loss.backward()
    expected = {"loss": loss.detach()}
    for n in grads:
        expected["grad." + n] = leaves[n].grad
    write(out_dir, op, case, params, inputs, expected)


def generate(out_dir, seed):
    r = Draw(seed)
    count = 0

    def case(*args):
        nonlocal count
        loss_case(out_dir, *args)
        count += 1

    # l2_normalize: y and the gradient of sum(dy * y)
    for name, x, dy, params in [
        ("random", r.normal(6, 5, scale=2.0), r.normal(6, 5), {}),
        ("below-eps", torch.cat([r.normal(2, 3), 1e-3 * r.normal(1, 3)]), r.normal(3, 3), {"eps": 0.5}),
        ("zero-row", torch.cat([r.normal(2, 4), torch.zeros(1, 4)]), r.normal(3, 4), {}),
    ]:
        xl = x.clone().requires_grad_(True)
        y = l2_normalize(xl, **params)
        (dy * y).sum().backward()
        write(out_dir, "l2_normalize", name, params, {"x": x, "dy": dy}, {"y": y.detach(), "grad.x": xl.grad})
        count += 1

    for name, q, k, queue, params in [
        ("random", r.sphere(5, 8), r.sphere(5, 8), r.sphere(12, 8), {}),
        ("tau-0.02", r.sphere(4, 6), r.sphere(4, 6), r.sphere(10, 6), {"tau": 0.02}),
        ("one-negative", r.sphere(3, 4), r.sphere(3, 4), r.sphere(1, 4), {"tau": 0.1}),
        ("negatives-16384-tau-0.02", r.sphere(2, 4), r.sphere(2, 4), r.sphere(16384, 4), {"tau": 0.02}),
        ("unnormalized", r.normal(4, 5), r.normal(4, 5), r.normal(7, 5), {"tau": 0.5}),
    ]:
        case("info_nce", name, info_nce, params, {"q": q, "k": k, "queue": queue}, ["q"])
    collapsed = r.near(9, 5, 1e-3)
    case("info_nce", "near-collapsed", info_nce, {}, {"q": collapsed[:3], "k": collapsed[:3], "queue": collapsed[3:]}, ["q"])

    for name, n, d, kk, s, lo, hi, dup in [
        ("random", 6, 5, 9, 3, 0.05, 0.5, False),
        ("duplicate-ids", 6, 4, 4, 1, 0.1, 0.3, True),
        ("one-negative", 4, 5, 6, 1, 0.1, 0.3, False),
        ("no-negatives", 3, 5, 4, 0, 0.1, 0.3, False),
        ("phi-0.02", 4, 6, 10, 4, 0.015, 0.025, False),
    ]:
        q = r.sphere(n, d)
        pos = torch.tensor([0, 0, 1, 1, 1, 0]) if dup else r.ids(n, kk)
        inputs = {"q": q, "C": r.sphere(kk, d), "phi": r.uniform(kk, lo, hi), "pos": pos,
                  "neg": r.negatives(pos, kk, s)}
        case("proto_nce", name, proto_nce, {}, inputs, ["q"])
    pos = r.ids(5, 6)
    case("proto_nce", "near-collapsed", proto_nce, {},
         {"q": r.near(5, 4, 1e-3), "C": r.sphere(6, 4), "phi": r.uniform(6, 0.1, 0.3), "pos": pos,
          "neg": r.negatives(pos, 6, 2)}, ["q"])

    for name, alpha in [("alpha-2", 2.0), ("alpha-1", 1.0), ("alpha-4", 4.0)]:
        case("align", name, align, {"alpha": alpha}, {"v": r.sphere(5, 6), "C": r.sphere(4, 6), "pos": r.ids(5, 4)}, ["v"])
    C = r.sphere(3, 4)
    pos = torch.tensor([1, 1, 2, 1])
    case("align", "duplicate-ids-near-prototype", align, {},
         {"v": C[pos] + r.normal(4, 4, scale=1e-3), "C": C, "pos": pos}, ["v"])

    for name, v, params in [
        ("random", r.sphere(7, 5), {}),
        ("two-samples", r.sphere(2, 3), {}),
        ("near-collapsed", r.near(6, 4, 1e-3), {}),
        ("t-10", r.sphere(6, 3), {"t": 10.0}),
    ]:
        case("uniformity", name, uniformity, params, {"v": v}, ["v"])

    constant = r.normal(7, 4)
    constant[:, 1] = 0.25
    for name, z, params in [
        ("random", r.normal(9, 5), {}),
        ("constant-column", constant, {}),
        ("two-samples", r.normal(2, 3), {"eps": 1e-3}),
        ("near-collapsed", r.near(8, 4, 1e-2), {}),
    ]:
        case("correlation", name, correlation, params, {"z": z}, ["z"])

    za = r.normal(8, 4)
    for name, a, b, params in [
        ("random", r.normal(9, 4), r.normal(9, 4), {}),
        ("constant-column", constant, r.normal(7, 4), {"lambda_off": 0.1}),
        ("same-view", za, za + r.normal(8, 4, scale=0.05), {}),
    ]:
        case("cross_correlation", name, cross_correlation, params, {"za": a, "zb": b}, ["za", "zb"])

    for name, n, d, kk, params, force in [
        ("random", 24, 4, 5, {}, {}),
        ("singletons-and-empty", 12, 3, 8, {"tau": 0.1}, {3: 5, 9: 6}),
        ("alpha-2", 10, 3, 3, {"alpha": 2.0, "tau": 0.3}, {}),
    ]:
        assign = r.ids(n, min(kk, 5))
        for i, c in force.items():
            assign[i] = c
        f, c_raw = r.sphere(n, d), r.normal(kk, d, scale=0.5)
        phi = concentration(f, c_raw, assign, **params)
        write(out_dir, "concentration", name, params, {"F": f, "C_raw": c_raw, "assign": assign}, {"loss": phi})
        count += 1

    def objective_inputs(n, d, rq, ks, s):
        inputs = {"u": r.normal(n, d, scale=3.0), "k": r.sphere(n, d), "queue": r.sphere(rq, d)}
        for m, kk in enumerate(ks):
            p = r.ids(n, kk)
            inputs.update({f"C.{m}": r.sphere(kk, d), f"phi.{m}": r.uniform(kk, 0.05, 0.4), f"pos.{m}": p,
                           f"neg.{m}": r.negatives(p, kk, s)})
        return inputs

    def objective(u, k, queue, **rest):
        params = {n: rest.pop(n) for n in list(rest) if "." not in n}
        m = len([n for n in rest if n.startswith("C.")])
        cls = [(rest[f"C.{i}"], rest[f"phi.{i}"], rest[f"pos.{i}"], rest[f"neg.{i}"]) for i in range(m)]
        return pauc_objective(u, k, queue, cls, **params)

    for name, shape, params in [
        ("moco", (5, 6, 8, [], 0), {}),
        ("pauc-defaults", (6, 6, 9, [5], 2), {}),
        ("pauc-two-granularities", (6, 5, 7, [3, 6], 2),
         {"lambda_align": 0.3, "lambda_unif": 0.7, "lambda_corr": 0.05, "alpha": 1.5, "t": 3.0}),
        ("pcl", (5, 5, 6, [4, 7], 3), {"lambda_align": 0.0, "lambda_unif": 0.0, "lambda_corr": 0.0}),
        ("tau-0.02", (4, 4, 5, [5], 1), {"tau": 0.02}),
    ]:
        case("pauc_objective", name, objective, params, objective_inputs(*shape), ["u"])
    return count


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=os.path.join(here, "torch"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    n = generate(args.out, args.seed)
    print(f"wrote {n} vectors under {args.out} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
