#!/usr/bin/env python3
"""Applies bench/experiments/terms-rule.md to a finished terms-validation experiment.

    python3 bench/experiments/pick_terms.py SPEC SUMMARY_CSV

Prints each configuration's validation linear probe and kNN (mean ± 95% half-width), the leader, the tied
configurations and the winner, and writes terms-corr.json (the winner with lambda-corr 0.02 and with 5e-3) next
to SPEC.
"""
import csv
import json
import os
import sys


def main():
    spec_file, summary = sys.argv[1:3]
    spec = json.load(open(spec_file))
    stats = {}
    for row in csv.DictReader(open(summary)):
        stats.setdefault(row["config"], {})[row["metric"]] = (float(row["mean"]), float(row["ci95_half_width"] or "nan"))
    names = [c["name"] for c in spec["configs"] if c["name"] in stats]
    for n in names:
        lp, knn = stats[n]["linear_probe_top1"], stats[n]["knn_top1"]
        print(f"{n:24s} linear {lp[0]:.4f} ± {lp[1]:.4f}   kNN {knn[0]:.4f} ± {knn[1]:.4f}")
    leader = max(names, key=lambda n: stats[n]["linear_probe_top1"][0])
    mean, half = stats[leader]["linear_probe_top1"]
    tied = [n for n in names if abs(stats[n]["linear_probe_top1"][0] - mean) <= half]
    winner = max(tied, key=lambda n: stats[n]["knn_top1"][0])
    print(f"leader (linear probe): {leader}; tied within its interval: {', '.join(tied)}; winner (kNN among tied): {winner}")
    chosen = next(c for c in spec["configs"] if c["name"] == winner)
    corr = dict(spec, name="terms-corr",
                description=f"lambda-corr 0.02 against 5e-3 for the terms-validation winner ({winner}), same split "
                            "and seeds; rule: bench/experiments/terms-rule.md, step 5.",
                configs=[dict(chosen, name=f"{winner}+corr-0.005", **{"lambda-corr": 0.005}),
                         dict(chosen, name=f"{winner}+corr-0.02", **{"lambda-corr": 0.02})])
    out = os.path.join(os.path.dirname(spec_file), "terms-corr.json")
    json.dump(corr, open(out, "w"), indent=1)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
