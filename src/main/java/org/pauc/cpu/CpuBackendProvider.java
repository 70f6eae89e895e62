package org.pauc.cpu;

import org.pauc.backend.Backend;
import org.pauc.backend.BackendProvider;
import org.pauc.backend.Compute;

public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create(Compute compute) {
        return new CpuBackend(compute);
    }
}
