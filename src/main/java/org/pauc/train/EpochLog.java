package org.pauc.train;

import org.pauc.objective.Objective;

/**
 * One epoch's line of {@code log.jsonl}: the epoch (1-based), the learning rate, the mean loss and each unweighted
 * term, the accuracies, the speed, the E-step's seconds, the epoch's seconds, how many drawn images could not be
 * read and were replaced ({@code skipped}), and the kNN monitor (null when off).
 */
public record EpochLog(int epoch, double lr, double loss, double infoNce, double protoNce, double align,
                       double uniformity, double correlation, double accInst, double accProto,
                       double samplesPerSecond, double kmeansSeconds, double seconds, int skipped, Double knnTop1) {

    /** An epoch's line from the mean of its steps' terms; no kNN yet. */
    public static EpochLog of(int epoch, double lr, Objective.Terms mean, double samplesPerSecond, double kmeansSeconds,
                              double seconds, int skipped) {
        return new EpochLog(epoch, lr, mean.total(), mean.infoNce(), mean.protoNce(), mean.align(), mean.uniformity(),
                mean.correlation(), mean.accInst(), mean.accProto(), samplesPerSecond, kmeansSeconds, seconds, skipped,
                null);
    }

    /** The console's line for the end of the epoch, of {@code epochs}. */
    public String summary(int epochs) {
        return String.format("epoch %d/%d  loss %.4f (info_nce %.4f proto %.4f align %.4f unif %.4f corr %.4f)"
                        + "  acc@inst %.3f acc@proto %.3f  lr %.4f  %.0f samples/s  k-means %.1fs%s",
                epoch, epochs, loss, infoNce, protoNce, align, uniformity, correlation, accInst, accProto, lr,
                samplesPerSecond, kmeansSeconds, skipped > 0 ? "  " + skipped + " unreadable images replaced" : "");
    }

    public EpochLog withKnn(double knn) {
        return new EpochLog(epoch, lr, loss, infoNce, protoNce, align, uniformity, correlation, accInst, accProto,
                samplesPerSecond, kmeansSeconds, seconds, skipped, knn);
    }
}
