package org.pauc.cli;

import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import picocli.CommandLine.Option;

/** Where a command computes: the backend and the CPU threads. */
final class ComputeOptions {
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--backend", defaultValue = "auto", description = "cpu, cuda, oracle or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    /** Checks the values (an unknown or unavailable backend fails here); call before any work. */
    void check() {
        Flags.range("--threads", threads, 1, 1024);
        Backends.provider(backend);
    }

    Backend create() {
        return Backends.create(backend, threads);
    }
}
