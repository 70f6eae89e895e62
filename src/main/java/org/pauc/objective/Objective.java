package org.pauc.objective;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.PaucObjective;

/**
 * The PAUC objective (oracle: {@link PaucObjective}) composed from a backend's ops:
 * v = l2_normalize(u); L = info_nce + λ_proto·mean_m proto_nce + λ_align·mean_m align + λ_unif·uniformity
 * + λ_corr·correlation; du = l2_normalize backward of the accumulated dL/dv. A term whose weight is 0 is skipped.
 */
public final class Objective {

    /** One granularity's buffers: C (k×d), φ (k), pos (n ids), neg (s ids). */
    public record ClusterBuffers(int k, int s, Buffer c, Buffer phi, Buffer pos, Buffer neg) {}

    /**
     * Which feature-decorrelation term the objective uses: the contract's (docs/losses.md) {@code correlation} of the normalised
     * queries ("offdiag", the contract's pauc_objective), or {@code cross_correlation} between the normalised
     * queries and the keys ("cross_view"), the keys being a constant target as everywhere in MoCo (the momentum
     * encoder gets no gradient), with the off-diagonal weight lambdaOff.
     */
    public record Decorrelation(boolean crossView, double lambdaOff) {
        public static final Decorrelation OFFDIAG = new Decorrelation(false, 5e-3);
    }

    /** Unweighted terms (proto and align averaged over granularities), the total, and the accuracies. */
    public record Terms(double infoNce, double protoNce, double align, double uniformity, double correlation,
                        double total, double accInst, double accProto) {}

    private Objective() {}

    /**
     * Evaluates the objective at u (n×d); writes v into {@code v}, dL/du into {@code du} when non-null, using
     * {@code dv} as scratch. Buffers v, dv and du have n·d elements.
     */
    public static Terms evaluate(Backend be, int n, int d, Buffer u, Buffer k, int r, Buffer queue,
                                 List<ClusterBuffers> clusterings, PaucObjective.Params p, Buffer v, Buffer dv,
                                 Buffer du) {
        return evaluate(be, n, d, u, k, r, queue, clusterings, p, Decorrelation.OFFDIAG, v, dv, du);
    }

    /** As above, with the decorrelation variant chosen. */
    public static Terms evaluate(Backend be, int n, int d, Buffer u, Buffer k, int r, Buffer queue,
                                 List<ClusterBuffers> clusterings, PaucObjective.Params p, Decorrelation decorrelation,
                                 Buffer v, Buffer dv, Buffer du) {
        be.l2Normalize(n, d, u, v, 1e-12f);
        Buffer g = du != null ? dv : null;
        if (g != null) {
            be.fill(g, 0f);
        }
        Backend.Scored info = be.infoNce(n, d, r, v, k, queue, (float) p.tau(), g, 1f);
        double proto = 0;
        double align = 0;
        double accProto = 0;
        int m = clusterings.size();
        for (ClusterBuffers cl : clusterings) {
            if (p.lambdaProto() != 0) {
                Backend.Scored s = be.protoNce(n, d, cl.k(), cl.s(), v, cl.c(), cl.phi(), cl.pos(), cl.neg(), g,
                        (float) (p.lambdaProto() / m));
                proto += s.loss() / m;
                accProto += s.accuracy() / m;
            }
            if (p.lambdaAlign() != 0) {
                align += be.align(n, d, cl.k(), v, cl.c(), cl.pos(), (float) p.alpha(), g,
                        (float) (p.lambdaAlign() / m)) / m;
            }
        }
        double unif = p.lambdaUnif() != 0 ? be.uniformity(n, d, v, (float) p.t(), g, (float) p.lambdaUnif()) : 0;
        double corr = 0;
        if (p.lambdaCorr() != 0) {
            corr = decorrelation.crossView()
                    ? be.crossCorrelation(n, d, v, k, (float) decorrelation.lambdaOff(), (float) p.eps(), g, null,
                            (float) p.lambdaCorr())
                    : be.correlation(n, d, v, (float) p.eps(), g, (float) p.lambdaCorr());
        }
        if (du != null) {
            be.l2NormalizeBackward(n, d, u, g, du, 1e-12f);
        }
        double total = info.loss() + p.lambdaProto() * proto + p.lambdaAlign() * align + p.lambdaUnif() * unif
                + p.lambdaCorr() * corr;
        return new Terms(info.loss(), proto, align, unif, corr, total, info.accuracy(), accProto);
    }
}
