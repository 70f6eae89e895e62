package org.pauc.eval;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.data.Dataset;
import org.pauc.io.ProgressBar;
import org.pauc.io.AtomicFile;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.nn.Network;

/**
 * An encoder's embeddings of every image of a dataset, in the dataset's order: the backbone's features or the
 * l2-normalised projections, computed batch by batch in eval mode, and written as safetensors ({@code features}
 * N×d F32, {@code index} N I32, {@code label} N I32 when any image has one, −1 for those without), numpy {@code .npy} (the features) or CSV (index,
 * label, features), with a text file of the images' sources (paths of a folder, {@code NAME#i} otherwise) in the
 * same order.
 */
public final class Embeddings {
    /** What is embedded. */
    public enum Output { FEATURES, PROJECTIONS }

    /** The embeddings: n × d row-major. */
    public record Result(int n, int d, float[] values) {}

    private Embeddings() {}

    public static Result compute(Backend be, Network net, Dataset data, Output output, int batch, PrintStream console) {
        boolean features = output == Output.FEATURES;
        int d = features ? net.backboneOutput().size() : net.output().size();
        int n = data.n();
        ProgressBar progress = new ProgressBar(console, "embedding " + data.name(), Math.max(1, n));
        float[] out = net.outputs(be, data.pixels(), n, features, batch, done -> progress.step(done, done + " images"));
        if (!features) {
            out = Metrics.normalizeRows(out, n, d);
        }
        progress.done("embedded " + n + " images of " + data.name() + " into " + d + " dimensions");
        return new Result(n, d, out);
    }

    /** The file of image sources written beside {@code out}: {@code NAME.sources.txt}. */
    public static Path sourcesFile(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".sources.txt");
    }

    /**
     * Checks, before any work, that {@code out} can take embeddings: a file name ending in .safetensors, .npy or .csv
     * (the format), that can be written ({@link AtomicFile#checkTarget}), and likewise its sources file.
     */
    public static void checkOutput(Path out) throws InputException {
        AtomicFile.checkTarget(out, "--out");
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".safetensors") && !name.endsWith(".npy") && !name.endsWith(".csv")) {
            throw new InputException(out, "--out must end in .safetensors, .npy or .csv (the format of the file)");
        }
        AtomicFile.checkTarget(sourcesFile(out), "the sources file beside --out");
    }

    /** Writes {@code e} in the format of {@code out}'s extension, and the sources file beside it. */
    public static void write(Result e, Dataset data, Map<String, String> metadata, Path out) throws IOException {
        checkOutput(out);
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        int[] index = new int[e.n()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i;
        }
        boolean labels = data.labels() != null && Arrays.stream(data.labels()).anyMatch(l -> l >= 0);
        if (name.endsWith(".npy")) {
            writeNpy(e, out);
        } else if (name.endsWith(".csv")) {
            writeCsv(e, data, out);
        } else {
            Map<String, SafeTensors.IntTensor> ints = new LinkedHashMap<>();
            ints.put("index", new SafeTensors.IntTensor(new int[] {e.n()}, index));
            if (labels) {
                ints.put("label", new SafeTensors.IntTensor(new int[] {e.n()}, data.labels()));
            }
            SafeTensors.write(out, Map.of("features", new SafeTensors.Tensor(new int[] {e.n(), e.d()}, e.values())), ints,
                    metadata);
        }
        AtomicFile.write(sourcesFile(out), o -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8));
            for (int i = 0; i < e.n(); i++) {
                w.write(data.source(i));
                w.newLine();
            }
            w.flush();
        });
    }

    /** numpy's format 1.0: magic, header dict, little-endian float32 rows. */
    private static void writeNpy(Result e, Path out) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + e.n() + ", " + e.d() + "), }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        AtomicFile.write(out, o -> {
            ByteBuffer h = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            h.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                    .putShort((short) header.length());
            o.write(h.array());
            o.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = ByteBuffer.allocate(4 * e.values().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(e.values());
            o.write(b.array());
        });
    }

    private static void writeCsv(Result e, Dataset data, Path out) throws IOException {
        AtomicFile.write(out, o -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8));
            StringBuilder head = new StringBuilder("index,label");
            for (int j = 0; j < e.d(); j++) {
                head.append(",f").append(j);
            }
            w.write(head.toString());
            w.newLine();
            for (int i = 0; i < e.n(); i++) {
                StringBuilder row = new StringBuilder().append(i).append(',');
                if (data.labels() != null && data.labels()[i] >= 0) {
                    row.append(data.labels()[i]);
                }
                for (int j = 0; j < e.d(); j++) {
                    row.append(',').append(e.values()[i * e.d() + j]);
                }
                w.write(row.toString());
                w.newLine();
            }
            w.flush();
        });
    }
}
