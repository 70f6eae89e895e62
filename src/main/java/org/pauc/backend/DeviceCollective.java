package org.pauc.backend;

/**
 * Collectives over the processes of a data-parallel run on a backend's own buffers, queued in the backend's order
 * of work (NCCL on CUDA), so gradients never leave the device. A backend without one returns null from
 * {@link Backend#deviceCollective}, and the host collective carries the data.
 */
public interface DeviceCollective extends AutoCloseable {
    /** The mean over the processes of {@code n} floats of {@code b} from {@code offset}, in place on every process. */
    void allReduceMean(Buffer b, int offset, int n);

    @Override
    void close();
}
