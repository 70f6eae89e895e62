#!/usr/bin/env python3
"""Cuts the embedded Fashion-MNIST subset, reproducibly (standard library only).

    python3 small-datasets/make_fashion_mnist_small.py [SOURCE_DIR]

SOURCE_DIR holds the four official gzip IDX files (default: /usr/share/datasets/fashion-mnist, from Debian's
dataset-fashion-mnist). Takes, in file order, the first 1000 training images of each of the 10 classes
(10 000 images) and the first 200 test images of each class (2 000 images); keeps the file order among the
chosen images; writes gzip IDX files with a zero timestamp, so the output is byte-identical on every run.
"""
import gzip
import os
import struct
import sys

PER_CLASS = {"train": 1000, "t10k": 200}


def read(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got, = struct.unpack(">I", data[:4])
    assert got == magic, f"{path}: magic {got:#x}"
    ndim = data[3]
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return shape, data[4 + 4 * ndim:]


def write(path, magic, shape, payload):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(shape), *shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(header + payload)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-small")
    os.makedirs(out, exist_ok=True)
    for split, per in PER_CLASS.items():
        (n, rows, cols), pixels = read(os.path.join(src, f"{split}-images-idx3-ubyte.gz"), 0x803)
        (m,), labels = read(os.path.join(src, f"{split}-labels-idx1-ubyte.gz"), 0x801)
        assert n == m
        taken = {c: 0 for c in range(10)}
        chosen = []
        for i in range(n):
            c = labels[i]
            if taken[c] < per:
                taken[c] += 1
                chosen.append(i)
        size = rows * cols
        write(os.path.join(out, f"{split}-images-idx3-ubyte.gz"), 0x803, (len(chosen), rows, cols),
              b"".join(pixels[i * size:(i + 1) * size] for i in chosen))
        write(os.path.join(out, f"{split}-labels-idx1-ubyte.gz"), 0x801, (len(chosen),),
              bytes(labels[i] for i in chosen))
        print(f"{split}: {len(chosen)} images, {per} per class")


if __name__ == "__main__":
    main()
