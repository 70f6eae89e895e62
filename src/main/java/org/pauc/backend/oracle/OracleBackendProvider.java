package org.pauc.backend.oracle;

import org.pauc.backend.Backend;
import org.pauc.backend.BackendProvider;
import org.pauc.backend.Compute;

public final class OracleBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public Backend create(Compute compute) {
        return new OracleBackend(compute.precision());
    }
}
