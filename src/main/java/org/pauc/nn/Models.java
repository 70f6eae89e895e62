package org.pauc.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pauc.backend.Backend;
import org.pauc.config.TrainConfig;
import org.pauc.hostmath.Seeds;

/** The encoders pauc trains. */
public final class Models {
    private Models() {}

    /**
     * The small CNN for 28×28 inputs (the bench model): conv3×3(c→32, s1) + BN + ReLU → conv3×3(32→64, s2) + BN
     * + ReLU → conv3×3(64→128, s2) + BN + ReLU → global average pool (the 128-d representation) → projection
     * head Linear(128→128) + ReLU → Linear(128→dim). 117 888 parameters for c = 1, dim = 64.
     */
    public static Network smallCnn(Backend be, long seed, Dims input, int dim) {
        SplittableRandom rng = Seeds.weights(seed);
        List<Layer> l = new ArrayList<>();
        int[] widths = {32, 64, 128};
        int c = input.c();
        for (int i = 0; i < widths.length; i++) {
            l.add(new Conv2d(be, rng, "backbone.conv" + (i + 1), c, widths[i], 3, i == 0 ? 1 : 2, 1, true));
            l.add(new BatchNorm(be, "backbone.bn" + (i + 1), widths[i], true));
            c = widths[i];
        }
        return withHead(be, rng, input, l, c, 128, dim);
    }

    /**
     * ResNet-18 with the CIFAR-style stem (conv3×3(c→64, stride 1) + BN + ReLU, no max pool), four stages of two
     * basic blocks (64, 128, 256, 512 channels; stride 2 from the second stage), global average pool (the 512-d
     * representation), projection head Linear(512→512) + ReLU → Linear(512→dim).
     */
    public static Network resnet18(Backend be, long seed, Dims input, int dim) {
        SplittableRandom rng = Seeds.weights(seed);
        List<Layer> l = new ArrayList<>();
        l.add(new Conv2d(be, rng, "backbone.conv1", input.c(), 64, 3, 1, 1, false));
        l.add(new BatchNorm(be, "backbone.bn1", 64, true));
        int c = stages(be, rng, l, new int[] {2, 2, 2, 2}, false);
        return withHead(be, rng, input, l, c, c, dim);
    }

    /**
     * ResNet's four stages after a 64-channel stem: {@code blocks[s]} blocks of width 64·2^s, the first of each stage
     * after the first with stride 2; basic blocks or bottlenecks (outputs ×4). Returns the output channels.
     */
    private static int stages(Backend be, SplittableRandom rng, List<Layer> l, int[] blocks, boolean bottleneck) {
        int c = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < widths.length; stage++) {
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                String name = "backbone.layer" + (stage + 1) + "." + b;
                l.add(bottleneck ? ResidualBlock.bottleneck(be, rng, name, c, widths[stage], stride)
                        : ResidualBlock.basic(be, rng, name, c, widths[stage], stride));
                c = bottleneck ? 4 * widths[stage] : widths[stage];
            }
        }
        return c;
    }

    /**
     * A ResNet with torchvision's ImageNet stem, conv7×7(c→64, stride 2, pad 3) + BN + ReLU → max pool 3×3 (stride
     * 2, pad 1), then {@link #stages} and a head as wide as the representation.
     */
    private static Network imagenetResnet(Backend be, long seed, Dims input, int dim, int[] blocks, boolean bottleneck) {
        SplittableRandom rng = Seeds.weights(seed);
        List<Layer> l = new ArrayList<>();
        l.add(new Conv2d(be, rng, "backbone.conv1", input.c(), 64, 7, 2, 3, false));
        l.add(new BatchNorm(be, "backbone.bn1", 64, true));
        l.add(new MaxPool(3, 2, 1));
        int c = stages(be, rng, l, blocks, bottleneck);
        return withHead(be, rng, input, l, c, c, dim);
    }

    /**
     * ResNet-18 with torchvision's ImageNet stem ({@link #imagenetResnet}), then the stages of {@link #resnet18} and
     * the same head: for images of 64 px and more.
     */
    public static Network resnet18Imagenet(Backend be, long seed, Dims input, int dim) {
        return imagenetResnet(be, seed, input, dim, new int[] {2, 2, 2, 2}, false);
    }

    /**
     * ResNet-50 as torchvision's (v1.5: the stride on the bottleneck's 3×3 convolution): the ImageNet stem, stages of
     * 3, 4, 6 and 3 bottlenecks of width 64, 128, 256 and 512 (outputs ×4), global average pool (the 2048-d
     * representation; 23 508 032 parameters for RGB input, torchvision's count without its fc layer), and MoCo v2's
     * head Linear(2048→2048) + ReLU → Linear(2048→dim).
     */
    public static Network resnet50(Backend be, long seed, Dims input, int dim) {
        return imagenetResnet(be, seed, input, dim, new int[] {3, 4, 6, 3}, true);
    }

    /** Global average pool (the end of the backbone), then the head Linear(c→hidden) + ReLU → Linear(hidden→dim). */
    private static Network withHead(Backend be, SplittableRandom rng, Dims input, List<Layer> l, int c, int hidden,
                                    int dim) {
        l.add(new GlobalAvgPool());
        int backbone = l.size();
        l.add(new Linear(be, rng, "head.fc1", c, hidden));
        l.add(new Relu());
        l.add(new Linear(be, rng, "head.fc2", hidden, dim));
        return new Network(input, l, backbone);
    }

    /** The encoder {@code encoder} (--encoder): small-cnn, resnet18, resnet18-imagenet or resnet50. */
    public static Network create(TrainConfig.Encoder encoder, Backend be, long seed, Dims input, int dim) {
        return switch (encoder) {
            case SMALL_CNN -> smallCnn(be, seed, input, dim);
            case RESNET18 -> resnet18(be, seed, input, dim);
            case RESNET18_IMAGENET -> resnet18Imagenet(be, seed, input, dim);
            case RESNET50 -> resnet50(be, seed, input, dim);
        };
    }
}
