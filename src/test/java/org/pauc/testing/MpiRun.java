package org.pauc.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Launches a main class of the test classpath under {@code mpirun -np N} in fresh JVMs. Without mpirun the calling
 * test is skipped with a printed line, except under CI (CI=true), whose set-up installs Open MPI: there a missing
 * mpirun fails the test.
 */
public final class MpiRun {
    /** What a launch gave: the exit status, the output of every rank (stdout and stderr), and the seconds it took. */
    public record Result(int exit, String output, double seconds) {}

    private MpiRun() {}

    /** The mpirun on PATH, or a skipped (a failed, under CI) test. */
    public static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("mpirun not found: CI installs openmpi-bin (.ci/run)");
        }
        System.out.println("[mpi] mpirun not found (apt-get install openmpi-bin libopenmpi-dev): MPI tests skipped");
        Assumptions.abort("mpirun not found");
        return null;
    }

    /** The mpirun command for {@code np} ranks of {@code mainClass} with {@code args}. */
    public static List<String> command(int np, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "-np", Integer.toString(np), "--oversubscribe",
                // shared memory without the cross-process copy that containers forbid; TCP is not needed on one host
                "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /** The value a rank printed as {@code [rank] key=value}; fails when it printed none. */
    public static String value(String out, int rank, String key) {
        Matcher m = Pattern.compile("(?m)^\\[" + rank + "\\] " + Pattern.quote(key) + "=(.*)$").matcher(out);
        if (!m.find()) {
            throw new AssertionError("rank " + rank + " printed no " + key + ":\n" + out);
        }
        return m.group(1);
    }

    /** Runs {@link #command} and waits at most {@code timeoutSeconds}; a run still going then is killed and fails. */
    public static Result run(int np, String mainClass, List<String> args, Path log, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command(np, mainClass, args)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            throw new AssertionError("mpirun did not end within " + timeoutSeconds + " s:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log), (System.nanoTime() - t0) / 1e9);
    }
}
