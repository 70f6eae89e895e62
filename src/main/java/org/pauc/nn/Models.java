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
}
