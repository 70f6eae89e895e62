package org.pauc.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named sets of setting values that {@code pauc train --recipe NAME} starts from instead of the small-data
 * defaults; flags given on the command line still override them. The values are stored in the run's configuration,
 * the recipe's name is not.
 */
public final class Recipes {
    private Recipes() {}

    /** PCL's ImageNet settings with MoCo v2's 224-px augmentation and shuffle-BN emulated by split batch norm. */
    public static final Map<String, Object> IMAGENET = imagenet();

    private static Map<String, Object> imagenet() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("image-size", 224);
        m.put("encoder", "resnet50");
        m.put("dim", 128);
        m.put("bn-splits", 8);
        m.put("epochs", 200);
        m.put("batch-size", 256);
        m.put("lr", 0.03);
        m.put("key-momentum", 0.999);
        m.put("queue", 16384);
        m.put("clusters", List.of(25000, 50000, 100000));
        m.put("warmup-epochs", 20);
        m.put("kmeans-restarts", 5);
        m.put("neg-prototypes", 16384);
        m.put("hue", 0.1);
        m.put("blur-sigma-max", 2.0);
        m.put("normalize", "imagenet");
        return Map.copyOf(m);
    }

    /** small (the defaults) or imagenet. */
    public static TrainConfig base(String name) {
        return switch (name) {
            case "small" -> TrainConfig.DEFAULTS;
            case "imagenet" -> Settings.set(TrainConfig.DEFAULTS, IMAGENET);
            default -> throw new IllegalArgumentException("--recipe must be one of small, imagenet, got '" + name + "'");
        };
    }
}
