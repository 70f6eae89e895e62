package org.pauc.oracle;

import java.util.List;

/**
 * pauc_objective: v = l2_normalize(u),
 * L = info_nce(v, k, queue; τ)
 *   + λ_proto · (1/M) Σ_m proto_nce(v, C[m], φ[m], pos[m], neg[m])
 *   + λ_align · (1/M) Σ_m align(v, C[m], pos[m]; α)
 *   + λ_unif  · uniformity(v; t)
 *   + λ_corr  · correlation(v; eps).
 * λ_align = λ_unif = λ_corr = 0, λ_proto = 1 is PCL; M = 0 is MoCo v2. Gradient w.r.t. u.
 * A term whose weight is exactly 0 is not evaluated (so N = 1 works without uniformity).
 */
public final class PaucObjective {
    public static final String OP = "pauc_objective";

    /** The weights and temperatures of the objective, with the contract's defaults. */
    public record Params(double tau, double lambdaProto, double lambdaAlign, double lambdaUnif,
                         double lambdaCorr, double alpha, double t, double eps) {
        public static final Params DEFAULTS = new Params(0.2, 1, 0.5, 1, 5e-3, 2, 2, 1e-5);
    }

    /** Each term's unweighted value (mean over clusterings where it applies) and the weighted total. */
    public record Terms(double infoNce, double protoNce, double align, double uniformity, double correlation,
                        double total) {}

    private PaucObjective() {}

    /** Every input and parameter checked as the terms the weights switch on would check them, before any work. */
    public static void validate(Mat u, Mat k, Mat queue, List<Clustering> clusterings, Params p) {
        Check.minRows(OP, "u", u, 1);
        Mat probe = new Mat(u.rows, u.cols);
        InfoNce.validate(probe, k, queue, p.tau());
        for (int m = 0; m < clusterings.size(); m++) {
            try {
                ProtoNce.validate(probe, clusterings.get(m));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OP + ": clustering " + m + ": " + e.getMessage(), e);
            }
        }
        Check.finite(OP, "lambda_proto", p.lambdaProto());
        Check.finite(OP, "lambda_align", p.lambdaAlign());
        Check.finite(OP, "lambda_unif", p.lambdaUnif());
        Check.finite(OP, "lambda_corr", p.lambdaCorr());
        if (p.lambdaUnif() != 0) {
            Uniformity.validate(probe, p.t());
        }
        if (p.lambdaCorr() != 0) {
            Correlation.validate(probe, p.eps());
        }
    }

    public static Terms forward(Mat u, Mat k, Mat queue, List<Clustering> clusterings, Params p) {
        validate(u, k, queue, clusterings, p);
        Mat v = L2Normalize.forward(u, L2Normalize.DEFAULT_EPS);
        double info = InfoNce.forward(v, k, queue, p.tau());
        double proto = 0;
        double align = 0;
        int m = clusterings.size();
        for (Clustering cl : clusterings) {
            if (p.lambdaProto() != 0) {
                proto += ProtoNce.forward(v, cl) / m;
            }
            if (p.lambdaAlign() != 0) {
                align += Align.forward(v, cl.prototypes(), cl.pos(), p.alpha()) / m;
            }
        }
        double unif = p.lambdaUnif() != 0 ? Uniformity.forward(v, p.t()) : 0;
        double corr = p.lambdaCorr() != 0 ? Correlation.forward(v, p.eps()) : 0;
        double total = info + p.lambdaProto() * proto + p.lambdaAlign() * align
                + p.lambdaUnif() * unif + p.lambdaCorr() * corr;
        return new Terms(info, proto, align, unif, corr, total);
    }

    /** dL/du · dL: the terms' gradients w.r.t. v, summed, then through l2_normalize. */
    public static Mat backward(Mat u, Mat k, Mat queue, List<Clustering> clusterings, Params p, double dL) {
        validate(u, k, queue, clusterings, p);
        Mat v = L2Normalize.forward(u, L2Normalize.DEFAULT_EPS);
        Mat dv = InfoNce.backward(v, k, queue, p.tau(), dL);
        int m = clusterings.size();
        for (Clustering cl : clusterings) {
            if (p.lambdaProto() != 0) {
                dv.addScaled(1, ProtoNce.backward(v, cl, dL * p.lambdaProto() / m));
            }
            if (p.lambdaAlign() != 0) {
                dv.addScaled(1, Align.backward(v, cl.prototypes(), cl.pos(), p.alpha(), dL * p.lambdaAlign() / m));
            }
        }
        if (p.lambdaUnif() != 0) {
            dv.addScaled(1, Uniformity.backward(v, p.t(), dL * p.lambdaUnif()));
        }
        if (p.lambdaCorr() != 0) {
            dv.addScaled(1, Correlation.backward(v, p.eps(), dL * p.lambdaCorr()));
        }
        return L2Normalize.backward(u, dv, L2Normalize.DEFAULT_EPS);
    }
}
