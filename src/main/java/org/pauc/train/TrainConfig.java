package org.pauc.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.pauc.cluster.KMeans;
import org.pauc.data.Augment;
import org.pauc.oracle.PaucObjective;

/**
 * Everything that determines a training run; saved as JSON in every checkpoint and at the start of the run
 * directory. Defaults follow PCL's settings scaled to small data (see the README's "pauc train").
 */
public record TrainConfig(
        String method, String dataset, String data, int imageSize, int epochs, int warmupEpochs, int batchSize,
        long seed, int threads, String backend, String encoder, int dim,
        double lr, double momentum, double weightDecay, double keyMomentum, int queue,
        double tau, double lambdaProto, double lambdaAlign, double lambdaUnif, double lambdaCorr, double alpha,
        double t, double eps, String uniformity, String correlation, double lambdaOff,
        List<Integer> clusters, int kmeansIterations, int kmeansRestarts, String kmeansInit, int negPrototypes,
        double phiAlpha, int limit, int knnEvery, Augment.Config augment) {

    static final ObjectMapper JSON = new ObjectMapper();

    public TrainConfig {
        if (!List.of("moco", "pcl", "pauc").contains(method)) {
            throw new IllegalArgumentException("--method must be moco, pcl or pauc, got '" + method + "'");
        }
        if (epochs < 1 || batchSize < 2 || warmupEpochs < 0) {
            throw new IllegalArgumentException("need --epochs ≥ 1, --batch-size ≥ 2, --warmup-epochs ≥ 0");
        }
        if (queue < 1 || dim < 1 || threads < 1) {
            throw new IllegalArgumentException("need --queue ≥ 1, --dim ≥ 1, --threads ≥ 1");
        }
        if (!(tau > 0) || !(lr > 0)) {
            throw new IllegalArgumentException("need --tau > 0 and --lr > 0");
        }
        if (!method.equals("moco") && (clusters == null || clusters.isEmpty() || clusters.stream().anyMatch(k -> k < 2))) {
            throw new IllegalArgumentException("--clusters needs one or more K ≥ 2 for " + method);
        }
        if (!List.of("pairwise").contains(uniformity)) {
            throw new IllegalArgumentException("--uniformity must be pairwise, got '" + uniformity + "'");
        }
        if (!List.of("offdiag", "cross_view", "none").contains(correlation)) {
            throw new IllegalArgumentException("--correlation must be offdiag, cross_view or none, got '" + correlation
                    + "'");
        }
        KMeans.Init.valueOf(kmeansInit.toUpperCase(java.util.Locale.ROOT).replace("++", "_PLUS_PLUS").replace("-", "_"));
    }

    public KMeans.Init kmeansInitKind() {
        return KMeans.Init.valueOf(kmeansInit.toUpperCase(java.util.Locale.ROOT).replace("++", "_PLUS_PLUS")
                .replace("-", "_"));
    }

    /** The objective's weights for this method: MoCo has no prototype terms, PCL no PAUC terms. */
    public PaucObjective.Params objective() {
        return switch (method) {
            case "moco" -> new PaucObjective.Params(tau, 0, 0, 0, 0, alpha, t, eps);
            case "pcl" -> new PaucObjective.Params(tau, lambdaProto, 0, 0, 0, alpha, t, eps);
            default -> new PaucObjective.Params(tau, lambdaProto, lambdaAlign, lambdaUnif,
                    correlation.equals("none") ? 0 : lambdaCorr, alpha, t, eps);
        };
    }

    /** The same run with another thread count (the results do not depend on it). */
    public TrainConfig withThreads(int n) {
        return with("threads", n);
    }

    /** The same run on another backend. */
    public TrainConfig withBackend(String name) {
        return with("backend", name);
    }

    /** A copy with one field (by its JSON name) replaced; the constructor validates it again. */
    @SuppressWarnings("unchecked")
    public TrainConfig with(String field, Object value) {
        java.util.Map<String, Object> m = JSON.convertValue(this, java.util.Map.class);
        if (!m.containsKey(field)) {
            throw new IllegalArgumentException("no setting named " + field);
        }
        m.put(field, value);
        try {
            return JSON.convertValue(m, TrainConfig.class);
        } catch (IllegalArgumentException e) {
            throw e.getCause() instanceof IllegalArgumentException c ? c : e;
        }
    }

    /** The decorrelation term's variant (LOSSES.md: correlation "offdiag" or cross_correlation "cross_view"). */
    public org.pauc.backend.Objective.Decorrelation decorrelation() {
        return new org.pauc.backend.Objective.Decorrelation(correlation.equals("cross_view"), lambdaOff);
    }

    public boolean usesPrototypes() {
        return !method.equals("moco");
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainConfig fromJson(String json) throws java.io.IOException {
        return JSON.readValue(json, TrainConfig.class);
    }
}
