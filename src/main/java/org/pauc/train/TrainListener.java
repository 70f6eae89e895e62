package org.pauc.train;

import org.pauc.backend.Backend;
import org.pauc.nn.Network;
import org.pauc.objective.Objective;

/** Side concerns of training (monitors, loss recorders) that the epoch loop calls without knowing them. */
public interface TrainListener {

    /** Every training step's loss terms: epoch and step within the epoch, both 0-based. */
    default void step(int epoch, int step, Objective.Terms terms) {}

    /** After an epoch, before it is recorded: may return the log with more measurements. */
    default EpochLog epochEnd(EpochLog log, Backend be, Network query) {
        return log;
    }
}
