package org.pauc.train;

import java.io.PrintStream;
import org.pauc.backend.Backend;
import org.pauc.data.Dataset;
import org.pauc.eval.Evaluator;
import org.pauc.eval.Metrics;
import org.pauc.nn.Network;

/**
 * Every {@code every} epochs, the weighted kNN top-1 of the query backbone's features on a labelled split
 * (InstDisc's monitor: k = 200, T = 0.07), printed and written into the epoch's log line.
 */
public final class KnnMonitor implements TrainListener {
    private final Dataset train;
    private final Dataset test;
    private final int every;
    private final int epochs;
    private final PrintStream console;

    public KnnMonitor(Dataset train, Dataset test, int every, int epochs, PrintStream console) {
        if (!train.labeled() || !test.labeled()) {
            throw new IllegalArgumentException("the kNN monitor needs labelled train and test images");
        }
        this.train = train;
        this.test = test;
        this.every = every;
        this.epochs = epochs;
        this.console = console;
    }

    @Override
    public EpochLog epochEnd(EpochLog log, Backend be, Network query) {
        if (every <= 0 || log.epoch() % every != 0) {
            return log;
        }
        Evaluator.Representation r = Evaluator.encoder("query", be, query);
        int d = r.featureDim();
        float[] ftr = Metrics.normalizeRows(r.features(train.pixels(), train.n()), train.n(), d);
        float[] fte = Metrics.normalizeRows(r.features(test.pixels(), test.n()), test.n(), d);
        double knn = Metrics.knn(ftr, train.labels(), train.n(), fte, test.labels(), test.n(), d, 200, 0.07,
                train.classes().length);
        console.printf("epoch %d/%d  kNN top-1 on %s: %.4f%n", log.epoch(), epochs, test.name(), knn);
        return log.withKnn(knn);
    }
}
