#!/usr/bin/env python3
"""Joins pauc's results (JMH, and the ResNet steps of `pauc bench`) with the peers' timings (bench/compare.sh) and
prints a Markdown table of throughputs and pauc/peer ratios, median over rounds, with a column against OpenBLAS's
AVX-512 kernels where they ran, headed by the processor as lscpu reports it."""
import json
import os
import statistics
import sys


def pauc_rows(path):
    rows = {}
    for b in json.load(open(path)):
        name = b["benchmark"].rsplit(".", 1)
        score_ms = b["primaryMetric"]["score"]
        params = b.get("params", {})
        if name[0].endswith("GemmBench"):
            m, n, k = map(int, params["shape"].split(":")[0].split("x"))
            rows["sgemm " + params["shape"]] = (2 * m * n * k / (score_ms / 1e3) / 1e9, "GFLOP/s")
        elif name[0].endswith("TrainStepBench"):
            rows["moco step bench-model b256"] = (256 / (score_ms / 1e3), "samples/s")
        elif name[0].endswith("KMeansBench") and name[1] == "seedPlusPlus":
            rows[f"kmeans++ init 60000x128 k={params['k']}"] = (1 / (score_ms / 1e3), "inits/s")
        elif name[0].endswith("KMeansBench"):
            rows[f"kmeans 60000x128 k={params['k']} 20 iters"] = (1 / (score_ms / 1e3), "fits/s")
    return rows


def jsonl_rows(path):
    rows = {}
    if os.path.exists(path):
        for line in open(path):
            d = json.loads(line)
            if "name" in d:
                rows[d["name"]] = (d["unit_per_s"], d.get("unit", "samples/s"), d["peer"])
    return rows


def cpu(out):
    """lscpu's model name, family and the vector flags that matter here."""
    fields = {}
    path = os.path.join(out, "cpu.txt")
    if os.path.exists(path):
        for line in open(path):
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
    flags = set(fields.get("Flags", "").split())
    vector = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl") if f in flags) or "?"
    return (f"{fields.get('Model name', '?')}, CPU family {fields.get('CPU family', '?')}, "
            f"{fields.get('CPU(s)', os.cpu_count())} CPUs, flags: {vector}")


def main():
    out, rounds = sys.argv[1], int(sys.argv[2])
    per_round = []
    for r in range(1, rounds + 1):
        p = pauc_rows(os.path.join(out, f"pauc-{r}.json"))
        p.update({n: v[:2] for n, v in jsonl_rows(os.path.join(out, f"pauc-steps-{r}.jsonl")).items()})
        q = jsonl_rows(os.path.join(out, f"peers-{r}.jsonl"))
        x = jsonl_rows(os.path.join(out, f"peers-avx512-{r}.jsonl"))
        per_round.append((p, q, x))
    avx512 = any(x for _, _, x in per_round)
    names = [n for n in per_round[0][0] if n in per_round[0][1]]
    print(f"Machine: {cpu(out)}; rounds: {rounds}")
    print()
    print("| benchmark | unit | pauc | peer | peer value | pauc / peer | pauc / OpenBLAS AVX-512 |")
    print("|---|---|---:|---|---:|---:|---:|")
    for n in names:
        vals = [(p[n][0], q[n][0]) for p, q, _ in per_round if n in p and n in q]
        pauc = statistics.median(v[0] for v in vals)
        peer = statistics.median(v[1] for v in vals)
        ratio = statistics.median(v[0] / v[1] for v in vals)
        skx = [p[n][0] / x[n][0] for p, _, x in per_round if n in p and n in x]
        col = f"{statistics.median(skx):.2f}" if skx else ("—" if avx512 or not n.startswith("sgemm") else
                                                            "n/a: no AVX-512")
        print(f"| {n} | {per_round[0][0][n][1]} | {pauc:.1f} | {per_round[0][1][n][2]} | {peer:.1f} | {ratio:.2f} "
              f"| {col} |")


if __name__ == "__main__":
    main()
