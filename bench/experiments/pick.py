#!/usr/bin/env python3
"""Picks the PAUC weights from the validation sweep and writes the main experiment's spec.

Rule, fixed before the sweep ran: the sweep configuration with the highest mean validation linear-probe top-1
over its seeds (ties: the higher mean kNN top-1) gives λ_align, λ_unif, λ_corr, t and α. The main spec trains
MoCo v2, PCL (the PAUC objective with the three added weights at 0), PAUC with the chosen weights, and PCL plus
each chosen term alone, all with the sweep's budget, and evaluates on the official Fashion-MNIST test images.

    python3 bench/experiments/pick.py SWEEP_SPEC SWEEP_SUMMARY_CSV OUT_SPEC [SEEDS]
"""
import csv
import json
import sys

WEIGHTS = ["lambda-align", "lambda-unif", "lambda-corr", "t", "alpha"]


def main():
    sweep_spec, summary, out = sys.argv[1:4]
    seeds = [int(s) for s in (sys.argv[4] if len(sys.argv) > 4 else "0,1,2,3,4").split(",")]
    spec = json.load(open(sweep_spec))
    means = {}
    for row in csv.DictReader(open(summary)):
        means.setdefault(row["config"], {})[row["metric"]] = float(row["mean"])
    best = max(means, key=lambda c: (means[c]["linear_probe_top1"], means[c]["knn_top1"]))
    flags = next(c for c in spec["configs"] if c["name"] == best)
    w = {k: flags[k] for k in WEIGHTS}
    print(f"sweep winner: {best} (validation linear probe {means[best]['linear_probe_top1']:.4f}, "
          f"kNN {means[best]['knn_top1']:.4f}): " + ", ".join(f"{k} {v}" for k, v in w.items()))
    off = {"lambda-align": 0, "lambda-unif": 0, "lambda-corr": 0}
    train = {k: v for k, v in spec["train"].items() if k != "method"}
    main_spec = {
        "name": "fashion-mnist",
        "description": f"MoCo v2, PCL, PAUC and PCL + each PAUC term, same budget; PAUC weights from {sweep_spec} "
                       f"(winner: {best}); trained on the embedded 10 000-image subset, evaluated on the official "
                       "10 000 test images.",
        "train": train,
        "configs": [
            {"name": "moco", "method": "moco"},
            {"name": "pcl", "method": "pauc", **off},
            {"name": "pauc", "method": "pauc", **w},
            {"name": "pcl+align", "method": "pauc", **off, "lambda-align": w["lambda-align"], "alpha": w["alpha"]},
            {"name": "pcl+unif", "method": "pauc", **off, "lambda-unif": w["lambda-unif"], "t": w["t"]},
            {"name": "pcl+corr", "method": "pauc", **off, "lambda-corr": w["lambda-corr"]},
        ],
        "seeds": seeds,
        "eval": {"dataset": "fashion-mnist"},
    }
    with open(out, "w") as f:
        json.dump(main_spec, f, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
