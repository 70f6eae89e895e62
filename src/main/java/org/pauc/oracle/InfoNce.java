package org.pauc.oracle;

/**
 * info_nce (MoCo v2): l_i = [ q_i·k_i , q_i·queue_0 , … , q_i·queue_{R−1} ] / τ,
 * L = mean_i ( logsumexp(l_i) − l_i[0] ).  Gradient w.r.t. q only; k and the queue are constants.
 */
public final class InfoNce {
    public static final String OP = "info_nce";
    public static final double DEFAULT_TAU = 0.2;

    private InfoNce() {}

    public static void validate(Mat q, Mat k, Mat queue, double tau) {
        Check.minRows(OP, "q", q, 1);
        Check.shape(OP, "k", k, q.rows, q.cols, "the shape of q");
        Check.cols(OP, "queue", queue, q.cols, "the width d of q");
        Check.positive(OP, "tau", tau);
    }

    /** The N×(R+1) logit matrix, positive in column 0. */
    public static Mat logits(Mat q, Mat k, Mat queue, double tau) {
        validate(q, k, queue, tau);
        Mat l = new Mat(q.rows, queue.rows + 1);
        for (int i = 0; i < q.rows; i++) {
            l.set(i, 0, q.dotRows(i, k, i) / tau);
            for (int r = 0; r < queue.rows; r++) {
                l.set(i, r + 1, q.dotRows(i, queue, r) / tau);
            }
        }
        return l;
    }

    public static double forward(Mat q, Mat k, Mat queue, double tau) {
        return CrossEntropy.loss(logits(q, k, queue, tau), new int[q.rows]);
    }

    /** dL/dq · dL: dq_i = Σ_j dl_ij · x_j / τ with x_0 = k_i and x_j = queue_{j−1}. */
    public static Mat backward(Mat q, Mat k, Mat queue, double tau, double dL) {
        Mat dl = CrossEntropy.grad(logits(q, k, queue, tau), new int[q.rows], dL);
        Mat dq = new Mat(q.rows, q.cols);
        for (int i = 0; i < q.rows; i++) {
            dq.addRow(i, dl.get(i, 0) / tau, k, i);
            for (int r = 0; r < queue.rows; r++) {
                dq.addRow(i, dl.get(i, r + 1) / tau, queue, r);
            }
        }
        return dq;
    }

    /** Acc@Inst: the fraction of rows whose largest logit is the positive (column 0). */
    public static double accuracy(Mat q, Mat k, Mat queue, double tau) {
        Mat l = logits(q, k, queue, tau);
        int hits = 0;
        for (int i = 0; i < l.rows; i++) {
            if (CrossEntropy.argmax(l, i) == 0) {
                hits++;
            }
        }
        return (double) hits / l.rows;
    }
}
