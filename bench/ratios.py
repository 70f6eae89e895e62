#!/usr/bin/env python3
"""Joins pauc's JMH results with the peers' timings (bench/compare.sh) and prints a Markdown table of
throughputs and pauc/peer ratios, median over rounds."""
import json
import os
import platform
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


def peer_rows(path):
    rows = {}
    for line in open(path):
        d = json.loads(line)
        if "name" in d:
            rows[d["name"]] = (d["unit_per_s"], d["peer"])
    return rows


def main():
    out, rounds = sys.argv[1], int(sys.argv[2])
    per_round = []
    for r in range(1, rounds + 1):
        p = pauc_rows(os.path.join(out, f"pauc-{r}.json"))
        q = peer_rows(os.path.join(out, f"peers-{r}.jsonl"))
        per_round.append((p, q))
    names = [n for n in per_round[0][0] if n in per_round[0][1]]
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; rounds: {rounds}")
    print()
    print("| benchmark | unit | pauc | peer | peer value | pauc / peer |")
    print("|---|---|---:|---|---:|---:|")
    for n in names:
        vals = [(p[n][0], q[n][0]) for p, q in per_round if n in p and n in q]
        pauc = statistics.median(v[0] for v in vals)
        peer = statistics.median(v[1] for v in vals)
        ratio = statistics.median(v[0] / v[1] for v in vals)
        print(f"| {n} | {per_round[0][0][n][1]} | {pauc:.1f} | {per_round[0][1][n][1]} | {peer:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
