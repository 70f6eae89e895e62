#!/usr/bin/env python3
"""Writes the two comparisons that follow the terms-validation experiment (bench/experiments/terms-rule.md):

1. fashion-mnist-terms.json: MoCo v2, PCL and PAUC with the chosen terms-start and decorrelation form, 5 seeds, at
   the default recipe (batch 64, 20 epochs), trained on the embedded 10 000 images and evaluated on the official
   10 000 Fashion-MNIST test images;
2. fashion-mnist-b256.json: PCL and PAUC under both terms-start rules (with the chosen decorrelation form), 3 seeds,
   in the batch-256 setting (5 warm-up epochs, K = 50/100/200, 256 negative prototypes, 30 epochs, weight decay
   5e-4, lambda-align 0.5), evaluated on the same test images.

    python3 bench/experiments/terms_main.py TERMS_START CORRELATION
"""
import json
import os
import sys


def main():
    start, corr = sys.argv[1:3]
    here = os.path.dirname(os.path.abspath(__file__))
    pauc = {"method": "pauc", "terms-start": start, "correlation": corr}
    main_spec = {
        "name": "fashion-mnist-terms",
        "description": f"MoCo v2, PCL and PAUC with the terms-validation winner (terms-start {start}, correlation "
                       f"{corr}), 5 seeds, default recipe; trained on the embedded 10 000-image subset, evaluated on "
                       "the official 10 000 test images.",
        "train": {"epochs": 20, "batch-size": 64, "lr": 0.06},
        "configs": [
            {"name": "moco", "method": "moco"},
            {"name": "pcl", "method": "pcl"},
            dict(name="pauc", **pauc),
        ],
        "seeds": [0, 1, 2, 3, 4],
        "eval": {"dataset": "fashion-mnist"},
    }
    b256 = {
        "name": "fashion-mnist-b256",
        "description": "PCL and PAUC under both terms-start rules (correlation " + corr + ") in the batch-256 "
                       "setting: 30 epochs, 5 warm-up, K = 50/100/200, 256 negative prototypes, weight decay 5e-4, "
                       "lambda-align 0.5, lr 0.06; 3 seeds; official test images.",
        "train": {"epochs": 30, "batch-size": 256, "lr": 0.06, "warmup-epochs": 5, "clusters": [50, 100, 200],
                  "neg-prototypes": 256, "weight-decay": 5e-4, "lambda-align": 0.5},
        "configs": [
            {"name": "pcl", "method": "pcl"},
            {"name": "pauc-first-step", "method": "pauc", "terms-start": "first-step", "correlation": corr},
            {"name": "pauc-prototypes", "method": "pauc", "terms-start": "prototypes", "correlation": corr},
        ],
        "seeds": [0, 1, 2],
        "eval": {"dataset": "fashion-mnist"},
    }
    for spec in (main_spec, b256):
        path = os.path.join(here, spec["name"] + ".json")
        json.dump(spec, open(path, "w"), indent=1)
        print("wrote", path)


if __name__ == "__main__":
    main()
