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

    /**
     * One granularity's buffers: C (k×d), φ (k), pos (n ids: the rows here), neg (s ids), and the whole batch's
     * positives (the same as pos unless the batch is split over processes): proto_nce contrasts each sample with the
     * positive prototypes of the whole batch and the negatives.
     */
    public record ClusterBuffers(int k, int s, Buffer c, Buffer phi, Buffer pos, Buffer neg, Buffer batchPos) {
        public ClusterBuffers(int k, int s, Buffer c, Buffer phi, Buffer pos, Buffer neg) {
            this(k, s, c, phi, pos, neg, pos);
        }
    }

    /**
     * Which feature-decorrelation term the objective uses: the contract's (docs/losses.md) {@code correlation} of the normalised
     * queries ("offdiag", the contract's pauc_objective), or {@code cross_correlation} between the normalised
     * queries and the keys ("cross_view"), the keys being a constant target as everywhere in MoCo (the momentum
     * encoder gets no gradient), with the off-diagonal weight lambdaOff.
     */
    public record Decorrelation(boolean crossView, double lambdaOff) {
        public static final Decorrelation OFFDIAG = new Decorrelation(false, 5e-3);
    }

    /**
     * A batch split over processes: this process holds rows [first, first + n) of a batch of {@code rows()}. The
     * per-sample terms (info_nce, align) are means over this process's rows, which the processes' mean of gradients
     * turns into means over the batch. The batch-level terms (proto_nce, whose candidates are the positive prototypes
     * of the whole batch; uniformity over pairs; correlation's column statistics) are evaluated over the whole batch,
     * gathered, with the gradient of this process's rows taken and scaled by the process count, so that the mean of
     * gradients gives the whole batch's gradient: the objective is that of one process with the whole batch, whatever
     * the number of processes.
     */
    public interface Split {
        /** Rows of the whole batch. */
        int rows();

        /** This process's first row. */
        int first();

        /** The number of processes. */
        int processes();

        /**
         * The whole batch of a local n×d buffer (every process's rows in rank order), rows()×d; the split owns the
         * buffer (and may return it again for the same local buffer).
         */
        Buffer gather(Buffer local, int n, int d);

        /** The keys of the whole batch in sample order, rows()×d. */
        Buffer keys();
    }

    /** Unweighted terms (proto and align averaged over granularities), the total, and the accuracies. */
    public record Terms(double infoNce, double protoNce, double align, double uniformity, double correlation,
                        double total, double accInst, double accProto) {
        public static final Terms ZERO = new Terms(0, 0, 0, 0, 0, 0, 0, 0);

        /** Term by term sum (an epoch's running sums). */
        public Terms plus(Terms o) {
            return new Terms(infoNce + o.infoNce, protoNce + o.protoNce, align + o.align, uniformity + o.uniformity,
                    correlation + o.correlation, total + o.total, accInst + o.accInst, accProto + o.accProto);
        }

        /** Term by term quotient (sums into means). */
        public Terms dividedBy(double n) {
            return new Terms(infoNce / n, protoNce / n, align / n, uniformity / n, correlation / n, total / n,
                    accInst / n, accProto / n);
        }

        /** The components in declaration order, for a collective; {@link #of} reads them back. */
        public double[] values() {
            return new double[] {infoNce, protoNce, align, uniformity, correlation, total, accInst, accProto};
        }

        public static Terms of(double[] v) {
            return new Terms(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        }
    }

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
        return evaluate(be, n, d, u, k, r, queue, clusterings, p, decorrelation, v, dv, du, null);
    }

    /** As above, for this process's rows of a batch split over processes ({@code split} null: the whole batch is here). */
    public static Terms evaluate(Backend be, int n, int d, Buffer u, Buffer k, int r, Buffer queue,
                                 List<ClusterBuffers> clusterings, PaucObjective.Params p, Decorrelation decorrelation,
                                 Buffer v, Buffer dv, Buffer du, Split split) {
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
                Backend.Scored s = wholeBatch(be, split, n, d, v, k, g, p.lambdaProto() / m, (rows, vb, kb, gb, w) ->
                        be.protoNce(rows, d, cl.k(), cl.s(), vb, cl.c(), cl.phi(), cl.batchPos(), cl.neg(), gb, w));
                proto += s.loss() / m;
                accProto += s.accuracy() / m;
            }
            if (p.lambdaAlign() != 0) {
                align += be.align(n, d, cl.k(), v, cl.c(), cl.pos(), (float) p.alpha(), g,
                        (float) (p.lambdaAlign() / m)) / m;
            }
        }
        double unif = p.lambdaUnif() == 0 ? 0 : wholeBatch(be, split, n, d, v, k, g, p.lambdaUnif(),
                (rows, vb, kb, gb, w) -> new Backend.Scored(be.uniformity(rows, d, vb, (float) p.t(), gb, w), 0)).loss();
        double corr = 0;
        if (p.lambdaCorr() != 0) {
            corr = wholeBatch(be, split, n, d, v, k, g, p.lambdaCorr(), (rows, vb, kb, gb, w) -> new Backend.Scored(
                    decorrelation.crossView()
                            ? be.crossCorrelation(rows, d, vb, kb, (float) decorrelation.lambdaOff(), (float) p.eps(), gb,
                                    null, w)
                            : be.correlation(rows, d, vb, (float) p.eps(), gb, w), 0)).loss();
        }
        if (du != null) {
            be.l2NormalizeBackward(n, d, u, g, du, 1e-12f);
        }
        double total = info.loss() + p.lambdaProto() * proto + p.lambdaAlign() * align + p.lambdaUnif() * unif
                + p.lambdaCorr() * corr;
        return new Terms(info.loss(), proto, align, unif, corr, total, info.accuracy(), accProto);
    }

    /** A batch-level term of (rows, v, keys) that adds weight·gradient into g (null: no gradient). */
    private interface BatchTerm {
        Backend.Scored apply(int rows, Buffer v, Buffer keys, Buffer g, float weight);
    }

    /**
     * A batch-level term over the whole batch: here when it is not split; otherwise over the gathered rows, adding
     * the gradient of this process's rows, times the process count (see {@link Split}), into g.
     */
    private static Backend.Scored wholeBatch(Backend be, Split split, int n, int d, Buffer v, Buffer k, Buffer g,
                                             double weight, BatchTerm term) {
        if (split == null) {
            return term.apply(n, v, k, g, (float) weight);
        }
        int rows = split.rows();
        Buffer all = split.gather(v, n, d);
        try (Buffer gAll = g == null ? null : be.allocate(rows * d); Buffer mine = g == null ? null : be.allocate(n * d)) {
            if (g != null) {
                be.fill(gAll, 0f);
            }
            Backend.Scored value = term.apply(rows, all, split.keys(), gAll, (float) (weight * split.processes()));
            if (g != null) {
                be.copy(gAll, split.first() * d, mine, 0, n * d);
                be.add(n * d, g, mine, g);
            }
            return value;
        }
    }
}
