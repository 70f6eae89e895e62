package org.pauc.cuda;

import org.pauc.backend.Backend;
import org.pauc.backend.BackendProvider;
import org.pauc.backend.Compute;

/** The cuda backend; preferred by {@code --backend auto} when a device and the libraries are present. */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public String unavailableReason() {
        return CudaRuntime.unavailableReason();
    }

    @Override
    public Backend create(Compute compute) {
        return new CudaBackend(compute);
    }
}
