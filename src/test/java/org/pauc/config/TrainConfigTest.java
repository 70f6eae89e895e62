package org.pauc.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainConfigTest {

    @Test
    void everySettingHasAUniqueKebabFlagAndADocumentedDefault() {
        assertEquals("weight-decay", Settings.kebab("weightDecay"));
        assertEquals("blur-sigma-min", Settings.kebab("blurSigmaMin"));
        List<Settings.Entry> all = Settings.all();
        assertEquals(53, all.size(), "settings: " + all.stream().map(Settings.Entry::flag).toList());
        assertEquals("0.0001", Settings.find("--weight-decay").text(TrainConfig.DEFAULTS));
        assertEquals("200,400,800", Settings.find("clusters").text(TrainConfig.DEFAULTS));
        assertEquals("kmeans++", Settings.find("kmeans-init").text(TrainConfig.DEFAULTS));
        assertTrue(Settings.find("lr").help().contains("(default: 0.06; in (0, 100])"), Settings.find("lr").help());
    }

    @Test
    void jsonRoundTripsAndVersion1IsRead() throws IOException {
        TrainConfig c = Settings.set(TrainConfig.DEFAULTS, Map.of("method", "pcl", "clusters", List.of(5, 9),
                "correlation", TrainConfig.Correlation.CROSS_VIEW, "data", "/tmp/x", "terms-start", "first-step"));
        assertEquals(c, TrainConfig.fromJson(c.toJson()));
        // a file written before --terms-start existed keeps the behaviour of that time
        String without = c.toJson().replace(",\"termsStart\":\"first-step\"", "");
        assertTrue(!without.contains("termsStart"), without);
        assertEquals(c, TrainConfig.fromJson(without));
        assertTrue(c.toJson().startsWith("{\"format\":\"" + TrainConfig.FORMAT + "\",\"data\":{"), c.toJson());
        // a file written while the one-variant --uniformity setting existed reads the same; another variant is refused
        String withUniformity = c.toJson().replace("\"correlation\":", "\"uniformity\":\"pairwise\",\"correlation\":");
        assertTrue(withUniformity.contains("uniformity"), withUniformity);
        assertEquals(c, TrainConfig.fromJson(withUniformity));
        var u = assertThrows(IOException.class, () -> TrainConfig.fromJson(withUniformity.replace("pairwise", "kernel")));
        assertTrue(u.getMessage().contains("uniformity 'kernel'"), u.getMessage());
        String v1 = "{\"method\":\"pcl\",\"dataset\":\"fashion-mnist-small\",\"data\":null,\"imageSize\":28,\"epochs\":20,"
                + "\"warmupEpochs\":2,\"batchSize\":64,\"seed\":0,\"threads\":2,\"backend\":\"auto\",\"encoder\":\"small-cnn\","
                + "\"dim\":64,\"lr\":0.06,\"momentum\":0.9,\"weightDecay\":1.0E-4,\"keyMomentum\":0.99,\"queue\":4096,"
                + "\"tau\":0.2,\"lambdaProto\":1.0,\"lambdaAlign\":2.0,\"lambdaUnif\":1.0,\"lambdaCorr\":0.005,\"alpha\":2.0,"
                + "\"t\":2.0,\"eps\":1.0E-5,\"uniformity\":\"pairwise\",\"correlation\":\"offdiag\",\"lambdaOff\":0.005,"
                + "\"clusters\":[200,400,800],\"kmeansIterations\":20,\"kmeansRestarts\":1,\"kmeansInit\":\"kmeans++\","
                + "\"negPrototypes\":1024,\"phiAlpha\":10.0,\"limit\":0,\"knnEvery\":0,\"augment\":{\"cropMin\":0.2,"
                + "\"cropMax\":1.0,\"flip\":0.5,\"jitter\":0.8,\"brightness\":0.4,\"contrast\":0.4,\"saturation\":0.4,"
                + "\"grayscale\":0.2,\"blur\":0.5,\"blurSigmaMin\":0.1,\"blurSigmaMax\":1.0}}";
        assertEquals(Settings.set(TrainConfig.DEFAULTS, Map.of("method", "pcl", "correlation", "offdiag", "terms-start",
                "first-step")), TrainConfig.fromJson(v1));
        var e = assertThrows(IOException.class, () -> TrainConfig.fromJson(v1.replace("\"limit\":0,", "")));
        assertTrue(e.getMessage().contains("no setting 'limit'"), e.getMessage());
        e = assertThrows(IOException.class, () -> TrainConfig.fromJson(v1.replace("\"tau\":0.2", "\"tau\":-1")));
        assertTrue(e.getMessage().contains("--tau must be in (0, 100], got -1"), e.getMessage());
    }

    static String error(String flag, String text) {
        Settings.Entry e = Settings.find(flag);
        var ex = assertThrows(IllegalArgumentException.class,
                () -> Settings.apply(TrainConfig.DEFAULTS, Map.of(e.flag(), Settings.parse(e, text))), flag + " " + text);
        assertTrue(ex.getMessage().contains("--" + e.flag()) && !ex.getMessage().contains("\n"), ex.getMessage());
        return ex.getMessage();
    }

    @Test
    void valuesOutsideTheirRangeNameTheFlagTheValueAndTheRange() {
        assertEquals("--lr must be in (0, 100], got 0", error("lr", "0"));
        assertEquals("--tau must be in (0, 100], got Infinity", error("tau", "Infinity"));
        assertEquals("--key-momentum must be in [0, 1], got 2", error("key-momentum", "2"));
        assertEquals("--phi-alpha must be in (0, 1000000], got NaN", error("phi-alpha", "NaN"));
        assertEquals("--jitter must be in [0, 1], got NaN", error("jitter", "NaN"));
        assertEquals("--limit must be ≥ 0, got -5", error("limit", "-5"));
        assertEquals("--dim must be in [1, 65536], got 1073741824", error("dim", "1073741824"));
        assertEquals("--queue is out of range: 99999999999", error("queue", "99999999999"));
        assertEquals("--t must be in (0, 1000], got -1", error("t", "-1"));
        assertEquals("--blur-sigma-min must be in (0, 64], got 1000000", error("blur-sigma-min", "1e6"));
        assertEquals("--clusters must be in [2, 1000000], got 1", error("clusters", "4,1"));
        assertEquals("--kmeans-restarts must be in [1, 1000], got 0", error("kmeans-restarts", "0"));
        assertEquals("--epochs expects an integer, got '2.5'", error("epochs", "2.5"));
        assertEquals("--method must be one of moco, pcl, pauc, got 'simclr'", error("method", "simclr"));
    }

    @Test
    void settingsCheckedTogetherChangeTogether() {
        TrainConfig c = Settings.set(TrainConfig.DEFAULTS, Map.of("crop-min", 0.05, "crop-max", 0.1));
        assertEquals(0.1, c.augmentation().cropMax());
        var e = assertThrows(IllegalArgumentException.class,
                () -> Settings.set(TrainConfig.DEFAULTS, Map.of("crop-min", 0.5, "crop-max", 0.3)));
        assertEquals("--crop-min 0.5 is above --crop-max 0.3", e.getMessage());
    }

    @Test
    void specValuesAreTypedStrictly() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        List<Map<String, JsonNode>> bads = List.of(Map.of("epochs", f.textNode("20")), Map.of("epochs", f.numberNode(2.5)),
                Map.of("clusters", f.numberNode(200)), Map.of("lr", f.textNode("0.1")), Map.of("method", f.numberNode(1)),
                Map.of("train", f.arrayNode().add(1).add(2)));
        for (var bad : bads) {
            assertThrows(IllegalArgumentException.class, () -> Settings.apply(TrainConfig.DEFAULTS, bad), bad.toString());
        }
        assertEquals(30, Settings.apply(TrainConfig.DEFAULTS, Map.of("epochs", f.numberNode(30))).optimizer().epochs());
    }

    @Test
    void sameRunIgnoresOnlyThreadsWorkersAndTheMonitor() {
        TrainConfig a = TrainConfig.DEFAULTS;
        assertTrue(a.sameRun(a.withThreads(7)));
        assertTrue(a.sameRun(Settings.set(a, Map.of("knn-every", 5))));
        assertTrue(a.sameRun(Settings.set(a, Map.of("workers", 5))));
        assertTrue(!a.sameRun(Settings.set(a, Map.of("bn-splits", 2))));
        assertTrue(!a.sameRun(Settings.set(a, Map.of("normalize", "imagenet"))));
        assertTrue(!a.sameRun(Settings.set(a, Map.of("seed", 1))));
        assertTrue(!a.sameRun(Settings.set(a, Map.of("lambda-corr", 0.02))));
    }
}
