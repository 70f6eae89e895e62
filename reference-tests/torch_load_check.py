#!/usr/bin/env python3
"""Loads a pauc checkpoint into PyTorch and checks that it computes what `pauc embed` computed.

This is also the recipe for PyTorch users: `read_safetensors` is a complete reader of the format (a little-endian
u64 header length, a JSON header, raw little-endian tensor bytes), `build` makes the same network in torch from
the checkpoint's tensor names and shapes, and `load` copies the query encoder's weights into it (pauc stores
convolution weights kh×kw×cin×cout for its NHWC layout; torch wants cout×cin×kh×kw).

    python3 reference-tests/torch_load_check.py CHECKPOINT FEATURES.safetensors PROJECTIONS.safetensors IMAGES_IDX_GZ

FEATURES and PROJECTIONS are `pauc embed --output features|projections` of the images in IMAGES_IDX_GZ (an IDX
file, the dataset's test split). Prints the largest differences and exits 1 unless every element agrees to 1e-4
(relative to the output's largest magnitude).
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch
from torch import nn

TOLERANCE = 1e-4


def read_safetensors(path):
    """{name: numpy array} and the metadata of a safetensors file (F32 and I32 tensors)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    types = {"F32": np.float32, "I32": np.int32}
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=types[t["dtype"]]).reshape(t["shape"])
    return out, meta


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        magic, count, rows, cols = struct.unpack(">iiii", f.read(16))
        assert magic == 0x803, f"{path}: not an IDX image file"
        pixels = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    return pixels.reshape(count, 1, rows, cols).astype(np.float32) / 255.0  # NCHW, as pauc scales them


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class Encoder(nn.Module):
    """pauc's encoders: small-cnn (three conv3×3 + BN + ReLU, strides 1, 2, 2) or resnet18 (CIFAR stem), global
    average pool, and the head Linear → ReLU → Linear."""

    def __init__(self, kind, shapes):
        super().__init__()
        self.kind = kind
        w = lambda name: shapes["encoder_q." + name]  # noqa: E731
        if kind == "small-cnn":
            layers = []
            for i in range(3):
                kh, kw, cin, cout = w(f"backbone.conv{i + 1}.weight")
                layers += [nn.Conv2d(cin, cout, kh, 1 if i == 0 else 2, 1), nn.BatchNorm2d(cout), nn.ReLU()]
            self.backbone = nn.Sequential(*layers)
        else:
            kh, kw, cin, cout = w("backbone.conv1.weight")
            self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            stages = []
            c = cout
            for s, width in enumerate([64, 128, 256, 512]):
                stride = 1 if s == 0 else 2
                stages.append(nn.Sequential(BasicBlock(c, width, stride), BasicBlock(width, width, 1)))
                c = width
            self.layers = nn.ModuleList(stages)
        out1, in1 = w("head.fc1.weight")
        out2, _ = w("head.fc2.weight")
        self.fc1 = nn.Linear(in1, out1)
        self.fc2 = nn.Linear(out1, out2)

    def features(self, x):
        if self.kind == "small-cnn":
            x = self.backbone(x)
        else:
            x = torch.relu(self.bn1(self.conv1(x)))
            for stage in self.layers:
                x = stage(x)
        return x.mean(dim=(2, 3))

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(self.features(x))))


def torch_name(kind, name):
    """The torch module path of pauc's tensor name (without the encoder_q. prefix)."""
    if kind == "small-cnn":
        for i in range(3):
            name = name.replace(f"backbone.conv{i + 1}.", f"backbone.{3 * i}.")
            name = name.replace(f"backbone.bn{i + 1}.", f"backbone.{3 * i + 1}.")
    else:
        name = name.replace("backbone.layer", "layers.").replace("backbone.", "")
        for s in range(4):
            name = name.replace(f"layers.{s + 1}.", f"layers.{s}.")
    return name.replace("head.", "")


def load(model, kind, tensors):
    state = model.state_dict()
    loaded = 0
    for name, value in tensors.items():
        if not name.startswith("encoder_q."):
            continue
        key = torch_name(kind, name[len("encoder_q."):])
        v = torch.from_numpy(value.copy())
        if v.dim() == 4:
            v = v.permute(3, 2, 0, 1)  # kh×kw×cin×cout → cout×cin×kh×kw
        assert key in state, f"no module for {name} ({key})"
        assert state[key].shape == v.shape, f"{name}: {tuple(v.shape)} for {tuple(state[key].shape)}"
        state[key] = v
        loaded += 1
    model.load_state_dict(state)
    return loaded


def compare(what, got, want):
    scale = float(np.abs(want).max())
    diff = float(np.abs(got - want).max())
    ok = diff <= TOLERANCE * scale
    print(f"{what:12s} {want.shape[0]} × {want.shape[1]}: largest difference {diff:.3e}, "
          f"relative to {scale:.3e}: {diff / scale:.3e}  {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    checkpoint, features_file, projections_file, images_file = sys.argv[1:5]
    tensors, meta = read_safetensors(checkpoint)
    config = json.loads(meta["config"])
    model_cfg = config["model"] if "model" in config else {"encoder": config["encoder"]}  # formats 2 and 1
    kind = model_cfg["encoder"]
    model = Encoder(kind, {k: v.shape for k, v in tensors.items()})
    n = load(model, kind, tensors)
    model.eval()
    print(f"{checkpoint}: {kind}, {n} tensors of the query encoder loaded into torch {torch.__version__}")
    images = torch.from_numpy(read_idx_images(images_file))
    with torch.no_grad():
        features = model.features(images).numpy()
        projections = nn.functional.normalize(model(images), dim=1).numpy()
    want_f, _ = read_safetensors(features_file)
    want_p, _ = read_safetensors(projections_file)
    ok = compare("features", features, want_f["features"])
    ok &= compare("projections", projections, want_p["features"])
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
