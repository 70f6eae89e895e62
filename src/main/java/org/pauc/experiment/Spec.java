package org.pauc.experiment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * An experiment: configurations × seeds under one budget. Read from JSON:
 * <pre>
 * {"name": "…",
 *  "train": {"epochs": 20, "batch-size": 64, …},         flags of `pauc train` shared by every run
 *  "configs": [{"name": "moco", "method": "moco"}, …],   each: a name and the flags it changes
 *  "seeds": [0, 1, 2],
 *  "eval": {"dataset": "fashion-mnist", "data": null,    the evaluation images (their test split), or
 *           "validation": 0}}                            the last V training images when validation = V > 0
 * </pre>
 * Flags are written without their dashes' prefix ("batch-size": 64 is {@code --batch-size 64}); a list value is
 * joined with commas. Only the flags that {@code pauc train} knows are allowed, and the per-run flags --seed, --out,
 * --resume, --backend and --threads belong to the runner.
 */
public record Spec(String name, Map<String, Object> train, List<Config> configs, List<Long> seeds, Eval eval) {

    /** One configuration: a name (its folder) and the flags it sets on top of {@code train}. */
    public record Config(String name, Map<String, Object> flags) {}

    /** Where runs are evaluated. */
    public record Eval(String dataset, String data, int validation) {}

    static final List<String> RESERVED = List.of("seed", "out", "resume", "backend", "threads");

    public Spec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("experiment: the spec needs a \"name\"");
        }
        if (configs == null || configs.isEmpty() || seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException("experiment: the spec needs \"configs\" and \"seeds\"");
        }
        if (new LinkedHashSet<>(seeds).size() != seeds.size()) {
            throw new IllegalArgumentException("experiment: a seed is listed twice");
        }
        train = train == null ? Map.of() : train;
        eval = eval == null ? new Eval("fashion-mnist-small", null, 0) : eval;
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Config c : configs) {
            if (c.name() == null || !c.name().matches("[A-Za-z0-9._+-]+")) {
                throw new IllegalArgumentException("experiment: config name '" + c.name()
                        + "' must be letters, digits, '.', '_', '+' or '-'");
            }
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("experiment: config name '" + c.name() + "' is used twice");
            }
        }
        for (String key : allFlagKeys(train, configs)) {
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException("experiment: --" + key + " is set by the runner, not the spec");
            }
        }
    }

    private static List<String> allFlagKeys(Map<String, Object> train, List<Config> configs) {
        List<String> keys = new ArrayList<>(train.keySet());
        configs.forEach(c -> keys.addAll(c.flags().keySet()));
        return keys;
    }

    /** The `pauc train` arguments of one run (without the runner's own flags). */
    public List<String> trainArgs(Config c) {
        Map<String, Object> flags = new LinkedHashMap<>(train);
        flags.putAll(c.flags());
        List<String> args = new ArrayList<>();
        flags.forEach((k, v) -> {
            args.add("--" + k);
            args.add(v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(v));
        });
        return args;
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads a spec; configs are written as {"name": …, flag: value, …}. */
    public static Spec read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("experiment: no such spec file " + file);
        }
        Map<?, ?> raw;
        try {
            raw = JSON.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("experiment: " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        for (Object k : raw.keySet()) {
            if (!List.of("name", "train", "configs", "seeds", "eval", "description").contains(k)) {
                throw new IllegalArgumentException("experiment: unknown key \"" + k + "\" in " + file);
            }
        }
        List<Config> configs = new ArrayList<>();
        if (raw.get("configs") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException("experiment: each config must be an object");
                }
                Map<String, Object> flags = new LinkedHashMap<>();
                m.forEach((k, v) -> flags.put(String.valueOf(k), v));
                Object n = flags.remove("name");
                configs.add(new Config(n == null ? null : n.toString(), flags));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> train = raw.get("train") instanceof Map<?, ?> t ? (Map<String, Object>) t : null;
        List<Long> seeds = raw.get("seeds") instanceof List<?> l ? l.stream().map(x -> ((Number) x).longValue()).toList()
                : null;
        Eval eval = raw.get("eval") == null ? null : JSON.convertValue(raw.get("eval"), Eval.class);
        return new Spec(String.valueOf(raw.get("name")), train, configs, seeds, eval);
    }
}
