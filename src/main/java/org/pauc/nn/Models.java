package org.pauc.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;

/** The encoders pauc trains. */
public final class Models {
    private Models() {}

    /**
     * The small CNN for 28×28 inputs (the bench model): conv3×3(c→32, s1) + BN + ReLU → conv3×3(32→64, s2) + BN
     * + ReLU → conv3×3(64→128, s2) + BN + ReLU → global average pool (the 128-d representation) → projection
     * head Linear(128→128) + ReLU → Linear(128→dim). 117 888 parameters for c = 1, dim = 64.
     */
    public static Network smallCnn(Backend be, long seed, Dims input, int dim) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Layer> l = new ArrayList<>();
        int[] widths = {32, 64, 128};
        int c = input.c();
        for (int i = 0; i < widths.length; i++) {
            l.add(new Modules.Conv2d(be, rng, "backbone.conv" + (i + 1), c, widths[i], 3, i == 0 ? 1 : 2, 1, true));
            l.add(new Modules.BatchNorm(be, "backbone.bn" + (i + 1), widths[i], true));
            c = widths[i];
        }
        l.add(new Modules.GlobalAvgPool());
        int backbone = l.size();
        l.add(new Modules.Linear(be, rng, "head.fc1", c, 128));
        l.add(new Modules.Relu());
        l.add(new Modules.Linear(be, rng, "head.fc2", 128, dim));
        return new Network(input, l, backbone);
    }

    /**
     * ResNet-18 with the CIFAR-style stem (conv3×3(c→64, stride 1) + BN + ReLU, no max pool), four stages of two
     * basic blocks (64, 128, 256, 512 channels; stride 2 from the second stage), global average pool (the 512-d
     * representation), projection head Linear(512→512) + ReLU → Linear(512→dim).
     */
    public static Network resnet18(Backend be, long seed, Dims input, int dim) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Layer> l = new ArrayList<>();
        l.add(new Modules.Conv2d(be, rng, "backbone.conv1", input.c(), 64, 3, 1, 1, false));
        l.add(new Modules.BatchNorm(be, "backbone.bn1", 64, true));
        int c = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < widths.length; stage++) {
            for (int b = 0; b < 2; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                l.add(new BasicBlock(be, rng, "backbone.layer" + (stage + 1) + "." + b, c, widths[stage], stride));
                c = widths[stage];
            }
        }
        l.add(new Modules.GlobalAvgPool());
        int backbone = l.size();
        l.add(new Modules.Linear(be, rng, "head.fc1", c, c));
        l.add(new Modules.Relu());
        l.add(new Modules.Linear(be, rng, "head.fc2", c, dim));
        return new Network(input, l, backbone);
    }

    /** The encoder called {@code name}: small-cnn or resnet18. */
    public static Network create(String name, Backend be, long seed, Dims input, int dim) {
        return switch (name) {
            case "small-cnn" -> smallCnn(be, seed, input, dim);
            case "resnet18" -> resnet18(be, seed, input, dim);
            default -> throw new IllegalArgumentException("unknown --encoder '" + name + "' (small-cnn or resnet18)");
        };
    }
}
