package org.pauc.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pauc.config.Settings;
import org.pauc.config.TrainConfig;
import org.pauc.io.InputException;
import org.pauc.io.Limits;

/**
 * An experiment: configurations × seeds under one budget. Read from JSON:
 * <pre>
 * {"name": "…",
 *  "train": {"epochs": 20, "batch-size": 64, …},         settings shared by every run
 *  "configs": [{"name": "moco", "method": "moco"}, …],   each: a name and the settings it changes
 *  "seeds": [0, 1, 2],
 *  "eval": {"dataset": "fashion-mnist", "data": null,    the evaluation images (their test split), or
 *           "validation": 0}}                            the last V training images when validation = V &gt; 0
 * </pre>
 * Settings are named by their {@code pauc train} flag without the dashes ("batch-size": 64 is
 * {@code --batch-size 64}) and typed as JSON: numbers as numbers, lists as lists, choices as text. The per-run
 * settings seed, backend and threads belong to the runner. Every run's configuration is built, and so checked, when
 * the spec is read.
 */
public record Spec(String name, Map<String, JsonNode> train, List<Config> configs, List<Long> seeds, Eval eval) {

    /** One configuration: a name (its folder) and the settings it changes on top of {@code train}. */
    public record Config(String name, Map<String, JsonNode> settings) {}

    /** Where runs are evaluated. */
    public record Eval(String dataset, String data, int validation) {}

    static final Set<String> RESERVED = Set.of("seed", "backend", "threads");

    public Spec {
        if (name == null || !safeName(name)) {
            throw new IllegalArgumentException("experiment: \"name\" must be letters, digits, '.', '_', '+' or '-', got "
                    + name);
        }
        if (configs.isEmpty() || seeds.isEmpty()) {
            throw new IllegalArgumentException("experiment: the spec needs \"configs\" and \"seeds\"");
        }
        if (new LinkedHashSet<>(seeds).size() != seeds.size()) {
            throw new IllegalArgumentException("experiment: a seed is listed twice");
        }
        if (eval.validation() < 0) {
            throw new IllegalArgumentException("experiment: \"validation\" must be ≥ 0, got " + eval.validation());
        }
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Config c : configs) {
            if (!safeName(c.name())) {
                throw new IllegalArgumentException("experiment: config name '" + c.name()
                        + "' must be letters, digits, '.', '_', '+' or '-' (it names a folder)");
            }
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("experiment: config name '" + c.name() + "' is used twice");
            }
        }
        List<String> keys = new ArrayList<>(train.keySet());
        configs.forEach(c -> keys.addAll(c.settings().keySet()));
        for (String key : keys) {
            if (RESERVED.contains(key)) {
                throw new IllegalArgumentException("experiment: --" + key + " is set by the runner, not the spec");
            }
        }
        for (Config c : configs) {
            build(train, c, 0, "auto", 1);
        }
    }

    /** A name that is one safe path component: no separators, not "." or "..". */
    private static boolean safeName(String s) {
        return s != null && s.matches("[A-Za-z0-9._+-]+") && !s.equals(".") && !s.equals("..");
    }

    /** The configuration of one run: the defaults, the shared settings, the config's own, then the runner's. */
    public TrainConfig config(Config c, long seed, String backend, int threads) {
        return build(train, c, seed, backend, threads);
    }

    private static TrainConfig build(Map<String, JsonNode> train, Config c, long seed, String backend, int threads) {
        Map<String, JsonNode> all = new LinkedHashMap<>(train);
        all.putAll(c.settings());
        try {
            TrainConfig cfg = Settings.apply(TrainConfig.DEFAULTS, all);
            return cfg.with(new TrainConfig.Run(seed, threads, backend, cfg.run().knnEvery(), cfg.run().workers(),
                    cfg.run().precision(), cfg.run().conv()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("experiment: config '" + c.name() + "': " + e.getMessage());
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a spec strictly: unknown keys, wrong types and invalid settings are one-line errors naming the file. */
    public static Spec read(Path file) throws IOException {
        byte[] bytes = Limits.readRegularFile(file, 16 << 20, "experiment spec");
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new InputException(file, "not valid JSON: " + e.getOriginalMessage());
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new InputException(file, e.getMessage().replaceFirst("^experiment: ", ""));
        }
    }

    static Spec parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the spec must be a JSON object");
        }
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("name", "train", "configs", "seeds", "eval", "description").contains(k)) {
                throw new IllegalArgumentException("unknown key \"" + k + "\"");
            }
        }
        String name = text(root.get("name"), "\"name\"");
        Map<String, JsonNode> train = root.has("train") ? settings(root.get("train"), "\"train\"") : Map.of();
        JsonNode cs = root.get("configs");
        if (cs == null || !cs.isArray()) {
            throw new IllegalArgumentException("\"configs\" must be a list of objects");
        }
        List<Config> configs = new ArrayList<>();
        for (JsonNode c : cs) {
            Map<String, JsonNode> s = settings(c, "each config");
            JsonNode n = s.remove("name");
            configs.add(new Config(text(n, "a config's \"name\""), s));
        }
        JsonNode ss = root.get("seeds");
        if (ss == null || !ss.isArray()) {
            throw new IllegalArgumentException("\"seeds\" must be a list of integers");
        }
        List<Long> seeds = new ArrayList<>();
        for (JsonNode s : ss) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw new IllegalArgumentException("\"seeds\" must be a list of integers, found " + s);
            }
            seeds.add(s.longValue());
        }
        Eval eval = new Eval("fashion-mnist-small", null, 0);
        JsonNode e = root.get("eval");
        if (e != null && !e.isNull()) {
            if (!e.isObject()) {
                throw new IllegalArgumentException("\"eval\" must be an object");
            }
            for (var it = e.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!List.of("dataset", "data", "validation").contains(k)) {
                    throw new IllegalArgumentException("unknown key \"" + k + "\" in \"eval\"");
                }
            }
            JsonNode v = e.get("validation");
            if (v != null && !(v.isIntegralNumber() && v.canConvertToInt())) {
                throw new IllegalArgumentException("\"validation\" must be an integer, found " + v);
            }
            JsonNode data = e.get("data");
            eval = new Eval(e.has("dataset") ? text(e.get("dataset"), "\"eval\".\"dataset\"") : eval.dataset(),
                    data == null || data.isNull() ? null : text(data, "\"eval\".\"data\""), v == null ? 0 : v.intValue());
        }
        return new Spec(name, train, configs, seeds, eval);
    }

    private static Map<String, JsonNode> settings(JsonNode node, String what) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(what + " must be an object of settings, found " + node);
        }
        Map<String, JsonNode> m = new LinkedHashMap<>();
        node.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static String text(JsonNode n, String what) {
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(what + " must be text, found " + n);
        }
        return n.textValue();
    }
}
