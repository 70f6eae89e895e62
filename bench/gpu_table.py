#!/usr/bin/env python3
"""Pairs `pauc bench` and bench/gpu_peers.py output (JSON lines, several rounds each) by measurement name and prints
a Markdown table: median throughput of each and the pauc/PyTorch ratio.

    python3 bench/gpu_table.py PAUC_JSONL TORCH_JSONL
"""
import json
import statistics
import sys


def read(path):
    values, info = {}, []
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        if "name" in d:
            values.setdefault(d["name"], []).append((d["unit_per_s"], d["unit"]))
        elif "info" in d and d["info"] not in info:
            info.append(d["info"])
    return {k: (statistics.median(x for x, _ in v), v[0][1], len(v)) for k, v in values.items()}, info


def main():
    ours, our_info = read(sys.argv[1])
    peer, peer_info = read(sys.argv[2])
    print("pauc: " + "; ".join(our_info) + "  ")
    print("PyTorch: " + "; ".join(peer_info))
    print()
    print("| measurement | pauc cuda | PyTorch | unit | pauc / PyTorch |")
    print("|---|---:|---:|---|---:|")
    for name, (v, unit, n) in ours.items():
        p = peer.get(name)
        ratio = f"{v / p[0]:.2f}×" if p else "n/a"
        print(f"| {name} | {v:,.1f} | {p[0]:,.1f} | {unit} | {ratio} |" if p else f"| {name} | {v:,.1f} | n/a | {unit} | n/a |")


if __name__ == "__main__":
    main()
