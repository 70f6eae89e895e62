package org.pauc.dist;

import java.util.Locale;
import java.util.Map;

/**
 * Chooses and opens the collective of a run, and ends it after an error. {@code auto} takes MPI when an MPI
 * launcher started the process ({@link Mpi#launched}), one process otherwise.
 */
public final class Collectives {
    /** How a run finds its processes: {@code --dist auto|mpi|none}. */
    public enum Mode {
        AUTO, MPI, NONE;

        public static Mode parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--dist " + s + ": expected auto, mpi or none");
            }
        }
    }

    private static Collective active;

    private Collectives() {}

    /** Opens the collective {@code mode} asks for; it stays the active one until closed by {@link #close}. */
    public static synchronized Collective open(Mode mode, Map<String, String> env) {
        if (active != null) {
            return active;
        }
        boolean mpi = mode == Mode.MPI || mode == Mode.AUTO && Mpi.launched(env);
        active = mpi ? Mpi.open() : Local.INSTANCE;
        return active;
    }

    /** A normal end: leaves the group (MPI_Finalize). */
    public static synchronized void close() {
        if (active != null) {
            active.close();
            active = null;
        }
    }

    /**
     * After an error has been reported: a group of several processes is aborted with {@code code} (the others may be
     * waiting in a collective call and would never return, so MPI_Finalize could hang); one process leaves normally.
     */
    public static synchronized void endAfterError(int code) {
        if (active == null) {
            return;
        }
        if (active.size() > 1) {
            active.abort(code);
        }
        close();
    }

    /** The active collective's rank, 0 when none is open: for prefixing messages. */
    public static synchronized int rank() {
        return active == null ? 0 : active.rank();
    }

    /** The active collective's size, 1 when none is open. */
    public static synchronized int size() {
        return active == null ? 1 : active.size();
    }
}
