#!/usr/bin/env python3
"""Derives distinct ImageNet-like JPEGs (about 500x375, quality 90) from the real photographs that Debian's
python3-sklearn and python3-skimage ship: random crops, scales, flips, small colour changes, re-encoded.

usage: make_photos.py OUT [COUNT]   (writes OUT/train/photos/NNNNN.jpg; deterministic for a COUNT)
"""
import os
import random
import sys

import sklearn.datasets
import skimage
from PIL import Image, ImageEnhance

PHOTOS = [
    os.path.join(os.path.dirname(sklearn.datasets.__file__), "images", "china.jpg"),
    os.path.join(os.path.dirname(sklearn.datasets.__file__), "images", "flower.jpg"),
] + [os.path.join(os.path.dirname(skimage.__file__), "data", n) for n in (
    "astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "retina.jpg",
    "hubble_deep_field.jpg", "ihc.png")]


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(0)
    sources = [Image.open(p).convert("RGB") for p in PHOTOS if os.path.exists(p)]
    folder = os.path.join(out, "train", "photos")
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        w, h = src.size
        frac = rng.uniform(0.55, 1.0)
        cw, ch = int(w * frac), int(h * frac)
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        img = src.crop((x0, y0, x0 + cw, y0 + ch))
        size = (500, 375) if rng.random() < 0.75 else (375, 500)
        img = img.resize(size, Image.BICUBIC)
        if rng.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.85, 1.15))
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.8, 1.2))
        img.save(os.path.join(folder, "%05d.jpg" % i), quality=90)
    print("wrote %d photos to %s" % (count, folder))


if __name__ == "__main__":
    main()
