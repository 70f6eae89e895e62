package org.pauc.oracle;

/**
 * proto_nce (PCL, one clustering, the form of PCL's code): the selected prototypes are
 * P = [ C[pos_0], …, C[pos_{N−1}], C[neg_0], …, C[neg_{S−1}] ] with temperatures
 * T = [ φ[pos_0], …, φ[neg_{S−1}] ]; l_ij = q_i·P_j / T_j and L = mean_i ( logsumexp_j(l_ij) − l_ii ).
 * The other samples' positives are negatives for row i; duplicate columns stay duplicates.
 * Gradient w.r.t. q only.
 */
public final class ProtoNce {
    public static final String OP = "proto_nce";

    private ProtoNce() {}

    public static void validate(Mat q, Clustering cl) {
        Check.minRows(OP, "q", q, 1);
        Check.minRows(OP, "C", cl.prototypes(), 1);
        Check.cols(OP, "C", cl.prototypes(), q.cols, "the width d of q");
        int k = cl.prototypes().rows;
        Check.length(OP, "phi", cl.phi(), k, "one concentration per prototype of C");
        Check.positiveEntries(OP, "phi", cl.phi());
        Check.length(OP, "pos", cl.pos(), q.rows, "one prototype id per row of q");
        Check.indices(OP, "pos", cl.pos(), k);
        Check.indices(OP, "neg", cl.neg(), k);
    }

    /** Prototype id of logit column j: pos for the first N columns, then neg. */
    private static int column(Clustering cl, int j) {
        int n = cl.pos().length;
        return j < n ? cl.pos()[j] : cl.neg()[j - n];
    }

    /** The N×(N+S) logit matrix; row i's positive is column i. */
    public static Mat logits(Mat q, Clustering cl) {
        validate(q, cl);
        int width = q.rows + cl.neg().length;
        Mat l = new Mat(q.rows, width);
        for (int i = 0; i < q.rows; i++) {
            for (int j = 0; j < width; j++) {
                int c = column(cl, j);
                l.set(i, j, q.dotRows(i, cl.prototypes(), c) / cl.phi()[c]);
            }
        }
        return l;
    }

    private static int[] diagonal(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
        }
        return t;
    }

    public static double forward(Mat q, Clustering cl) {
        return CrossEntropy.loss(logits(q, cl), diagonal(q.rows));
    }

    /** dL/dq · dL: dq_i = Σ_j dl_ij · P_j / T_j. */
    public static Mat backward(Mat q, Clustering cl, double dL) {
        Mat dl = CrossEntropy.grad(logits(q, cl), diagonal(q.rows), dL);
        Mat dq = new Mat(q.rows, q.cols);
        for (int i = 0; i < q.rows; i++) {
            for (int j = 0; j < dl.cols; j++) {
                int c = column(cl, j);
                dq.addRow(i, dl.get(i, j) / cl.phi()[c], cl.prototypes(), c);
            }
        }
        return dq;
    }

    /** Acc@Proto: the fraction of rows whose largest logit is their own prototype (column i). */
    public static double accuracy(Mat q, Clustering cl) {
        Mat l = logits(q, cl);
        int hits = 0;
        for (int i = 0; i < l.rows; i++) {
            if (CrossEntropy.argmax(l, i) == i) {
                hits++;
            }
        }
        return (double) hits / l.rows;
    }
}
