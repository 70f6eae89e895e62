package org.pauc.backend.oracle;

import org.pauc.backend.Backend;
import org.pauc.backend.BackendProvider;

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
    public Backend create(int threads) {
        return new OracleBackend();
    }
}
