#!/usr/bin/env python3
"""MoCo v2's training augmentation at 224 px with torchvision 0.14 and PIL, as MoCo v2's own code composes it
(its Gaussian blur is PIL's ImageFilter.GaussianBlur, sigma 0.1-2): decode, then two augmented views per image,
as float tensors normalised by ImageNet's statistics. Loads with a torch DataLoader of WORKERS processes and prints
one JSON line with images/s.

usage: torchvision_pipeline.py DIR IMAGES WORKERS
"""
import json
import os
import random
import sys
import time

import torch
import torchvision.transforms as T
from PIL import Image, ImageFilter


class GaussianBlur:
    """MoCo v2's blur: PIL's Gaussian blur with sigma drawn from [0.1, 2]."""

    def __init__(self, sigma=(0.1, 2.0)):
        self.sigma = sigma

    def __call__(self, x):
        return x.filter(ImageFilter.GaussianBlur(radius=random.uniform(self.sigma[0], self.sigma[1])))


AUGMENT = T.Compose([
    T.RandomResizedCrop(224, scale=(0.2, 1.0)),
    T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
    T.RandomGrayscale(p=0.2),
    T.RandomApply([GaussianBlur((0.1, 2.0))], p=0.5),
    T.RandomHorizontalFlip(),
    T.ToTensor(),
    T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])


class Photos(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        img = Image.open(self.files[i]).convert("RGB")
        return AUGMENT(img), AUGMENT(img)


def main():
    folder, images, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    root = os.path.join(folder, "train", "photos")
    files = sorted(os.path.join(root, f) for f in os.listdir(root))[:images]
    torch.set_num_threads(1)
    loader = torch.utils.data.DataLoader(Photos(files), batch_size=32, num_workers=workers,
                                         worker_init_fn=lambda _: torch.set_num_threads(1))
    t0 = time.perf_counter()
    n = 0
    for q, k in loader:
        n += q.shape[0]
    dt = time.perf_counter() - t0
    print(json.dumps({"pipeline": "torchvision", "images": n, "seconds": dt, "images_per_s": n / dt}))


if __name__ == "__main__":
    main()
