package org.pauc.cpu;

import org.pauc.backend.Backend;
import org.pauc.backend.BackendProvider;

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
    public Backend create(int threads) {
        return new CpuBackend(threads);
    }
}
