package org.pauc.oracle;

/**
 * Row-wise softmax cross-entropy, the shared core of {@link InfoNce} and {@link ProtoNce}:
 * L = mean_i ( logsumexp_j(l_ij) − l_i,target_i ), with dL/dl_ij = (softmax_ij − [j = target_i]) / N.
 * The log-sum-exp subtracts the row maximum, so logits of any size (τ = 0.02, 16 384 columns) stay finite.
 */
final class CrossEntropy {
    private CrossEntropy() {}

    static double logSumExp(Mat m, int row) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m.cols; j++) {
            max = Math.max(max, m.get(row, j));
        }
        double sum = 0;
        for (int j = 0; j < m.cols; j++) {
            sum += Math.exp(m.get(row, j) - max);
        }
        return max + Math.log(sum);
    }

    static double loss(Mat logits, int[] target) {
        double total = 0;
        for (int i = 0; i < logits.rows; i++) {
            total += logSumExp(logits, i) - logits.get(i, target[i]);
        }
        return total / logits.rows;
    }

    /** dL/dlogits, scaled by the upstream gradient dL. */
    static Mat grad(Mat logits, int[] target, double dL) {
        Mat g = new Mat(logits.rows, logits.cols);
        double scale = dL / logits.rows;
        for (int i = 0; i < logits.rows; i++) {
            double lse = logSumExp(logits, i);
            for (int j = 0; j < logits.cols; j++) {
                g.set(i, j, Math.exp(logits.get(i, j) - lse) * scale);
            }
            g.add(i, target[i], -scale);
        }
        return g;
    }

    /** Index of the largest logit in each row (first on ties): the top-1 prediction. */
    static int argmax(Mat logits, int row) {
        int best = 0;
        for (int j = 1; j < logits.cols; j++) {
            if (logits.get(row, j) > logits.get(row, best)) {
                best = j;
            }
        }
        return best;
    }
}
