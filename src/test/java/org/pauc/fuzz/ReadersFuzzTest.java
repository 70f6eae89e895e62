package org.pauc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.data.Codec;
import org.pauc.data.DataException;
import org.pauc.data.Datasets;
import org.pauc.data.Idx;
import org.pauc.data.ImageSource;
import org.pauc.experiment.Spec;
import org.pauc.io.InputException;
import org.pauc.io.SafeTensors;
import org.pauc.reference.MalformedVectorException;
import org.pauc.reference.ReferenceVector;

/**
 * Every reader of outside files, fed arbitrary bytes: each must give a valid result or its clean one-line error
 * ({@link InputException} and its kinds, {@link MalformedVectorException}), never another exception, never an
 * OutOfMemoryError or a hang, and never more memory than {@link #MAX_BYTES_PER_INPUT_BYTE} times the input plus
 * {@link #MAX_FIXED_BYTES} (allocations of the reading thread on a second read of the same input, measured). In {@code ./pauc test} each target runs its seed corpus
 * ({@code src/test/resources/org/pauc/fuzz/ReadersFuzzTestInputs/TARGET/}, written by
 * {@code src/test/fuzz/make_seeds.py}: a valid example of each format and the bad inputs found by hand);
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=ReadersFuzzTest} fuzzes each target for its {@code maxDuration}.
 */
class ReadersFuzzTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * The most a reader may allocate per byte of input: a gzip stream inflates at most about 1032 times, and a
     * decoded value takes 4 bytes (a float) per byte read.
     */
    static final long MAX_BYTES_PER_INPUT_BYTE = 8 * 1032;

    /** What a reader may allocate whatever its input: parser buffers, image reader tables, temporary files. */
    static final long MAX_FIXED_BYTES = 64L << 20;

    static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Runs {@code body} on {@code input} written to a fresh temporary folder as {@code name}. */
    interface Body {
        void run(Path file) throws IOException, MalformedVectorException;
    }

    static void withFile(String name, byte[] input, Body body) throws IOException, MalformedVectorException {
        Path dir = Files.createTempDirectory("pauc-fuzz");
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, input);
            body.run(file); // once unmeasured: class loading and first-call set-up are not the reader's cost
            long before = THREADS.getCurrentThreadAllocatedBytes();
            body.run(file);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            long bound = MAX_BYTES_PER_INPUT_BYTE * input.length + MAX_FIXED_BYTES;
            if (allocated > bound) {
                throw new AssertionError(name + ": reading " + input.length + " bytes allocated " + allocated
                        + " bytes, more than " + bound);
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * The header rules, checked independently of the reader: a file it accepted has one JSON object with unique keys,
     * followed by spaces only, as its header.
     */
    static void assertWellFormedHeader(byte[] input) throws IOException {
        long n = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(input, 8, (int) n, StandardCharsets.UTF_8);
        int end = header.lastIndexOf('}');
        if (end < 0 || !header.substring(end + 1).chars().allMatch(ch -> ch == ' ')) {
            throw new AssertionError("accepted a header with text after its object: " + header);
        }
        ObjectMapper strict = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        strict.getFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try {
            strict.readTree(header.substring(0, end + 1));
        } catch (JsonProcessingException e) {
            throw new AssertionError("accepted a header that is not one JSON object with unique keys: " + header, e);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void safetensors(byte[] input) throws Exception {
        withFile("checkpoint.safetensors", input, f -> {
            try {
                SafeTensors.Contents c = SafeTensors.read(f);
                c.tensors().values().forEach(t -> t.data().clone());
                assertWellFormedHeader(input);
                Checkpoint.read(f);
            } catch (InputException expected) {
                // one line naming the file
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void idx(byte[] input) throws Exception {
        withFile("train-images-idx3-ubyte", input, f -> {
            try {
                Idx.readImages(f, 0);
            } catch (DataException expected) {
                // one line naming the file
            }
            try {
                Idx.readLabels(f, 1);
            } catch (DataException expected) {
                // one line naming the file
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void referenceVector(byte[] input) throws Exception {
        withFile("vector.json", input, f -> {
            try {
                ReferenceVector.read(f);
            } catch (MalformedVectorException expected) {
                // one line
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void spec(byte[] input) throws Exception {
        withFile("spec.json", input, f -> {
            try {
                Spec.read(f);
            } catch (InputException expected) {
                // one line naming the file
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void image(byte[] input) throws Exception {
        withFile("images/class-a/x.png", input, f -> {
            try {
                Datasets.load(Datasets.Request.of(f.getParent().getParent().toString(), Path.of("."), 8));
            } catch (DataException expected) {
                // one line naming the file
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void shard(byte[] input) throws Exception {
        withFile("shards/train-000000.tar", input, f -> {
            try {
                ImageSource src = Datasets.open(Datasets.Request.of("shards:" + f, Path.of("."), 8), QUIET).train();
                for (int i = 0; i < Math.min(16, src.n()); i++) {
                    try {
                        src.open(i).decode(0.25);
                    } catch (DataException expected) {
                        // a sample that does not decode: skipped in training, one line naming shard and key
                    }
                }
            } catch (DataException expected) {
                // one line naming the shard
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void fileList(byte[] input) throws Exception {
        withFile("list.txt", input, f -> {
            try {
                Datasets.open(Datasets.Request.of("list:" + f, Path.of("."), 8), QUIET);
            } catch (DataException expected) {
                // one line naming the list
            }
        });
    }

    @FuzzTest(maxDuration = "2m")
    void jpeg(byte[] input) throws Exception {
        withFile("x.jpg", input, f -> {
            for (double scale : new double[] {1, 0.3}) {
                try {
                    Codec.open(Files.readAllBytes(f), f.toString()).decode(scale);
                } catch (DataException expected) {
                    // one line naming the file
                }
            }
        });
    }
}
