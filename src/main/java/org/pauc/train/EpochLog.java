package org.pauc.train;

/**
 * One epoch's line of {@code log.jsonl}: the epoch (1-based), the learning rate, the mean loss and each unweighted
 * term, the accuracies, the speed, the E-step's seconds, the epoch's seconds, how many drawn images could not be
 * read and were replaced ({@code skipped}), and the kNN monitor (null when off).
 */
public record EpochLog(int epoch, double lr, double loss, double infoNce, double protoNce, double align,
                       double uniformity, double correlation, double accInst, double accProto,
                       double samplesPerSecond, double kmeansSeconds, double seconds, int skipped, Double knnTop1) {

    public EpochLog withKnn(double knn) {
        return new EpochLog(epoch, lr, loss, infoNce, protoNce, align, uniformity, correlation, accInst, accProto,
                samplesPerSecond, kmeansSeconds, seconds, skipped, knn);
    }
}
