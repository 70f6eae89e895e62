package org.pauc.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, F32 tensors only: an 8-byte little-endian header length N, N bytes of JSON
 * ({"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {string: string}}),
 * padded with spaces to a multiple of 8, then the little-endian data with no gaps. Readable by
 * {@code safetensors.torch.load_file}. Writes are atomic: a temporary file in the same folder, fsync, rename.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A float tensor (F32): shape and row-major data. */
    public record Tensor(int[] shape, float[] data) {}

    /** A 32-bit integer tensor (I32): shape and row-major data. */
    public record IntTensor(int[] shape, int[] data) {}

    /** The float tensors and the integer tensors, each in file order, and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, Map<String, IntTensor> ints) {}

    private SafeTensors() {}

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, Map.of(), metadata);
    }

    /** Writes the float tensors, then the integer tensors, atomically (temporary file, fsync, rename). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, IntTensor> ints,
                             Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            offset = describe(header, e.getKey(), "F32", e.getValue().shape(), e.getValue().data().length, offset);
        }
        for (Map.Entry<String, IntTensor> e : ints.entrySet()) {
            offset = describe(header, e.getKey(), "I32", e.getValue().shape(), e.getValue().data().length, offset);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFile.write(file, out -> {
            out.write(head.array(), 0, head.limit());
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                out.write(b.array());
            }
            for (IntTensor t : ints.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asIntBuffer().put(t.data());
                out.write(b.array());
            }
        });
    }

    /** Adds a tensor's header entry (4-byte elements at {@code offset}); returns the offset after it. */
    private static long describe(ObjectNode header, String name, String dtype, int[] dims, int values, long offset) {
        ObjectNode t = header.putObject(name);
        t.put("dtype", dtype);
        var shape = t.putArray("shape");
        long count = 1;
        for (int s : dims) {
            shape.add(s);
            count *= s;
        }
        if (count != values) {
            throw new IllegalArgumentException("safetensors: " + name + " has " + values + " values for its shape");
        }
        var offs = t.putArray("data_offsets");
        offs.add(offset);
        offs.add(offset + 4 * count);
        return offset + 4 * count;
    }

    /**
     * The header: one JSON object with unique keys, padded after its closing brace with spaces only (the format's
     * rule; anything else there is corruption or a crafted file).
     */
    private static JsonNode header(Path file, byte[] bytes) throws InputException {
        JsonNode header;
        long end;
        try (JsonParser p = JSON.getFactory().createParser(bytes)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            header = JSON.readTree(p);
            end = p.currentLocation().getByteOffset();
        } catch (IOException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.startsWith("Duplicate field")) {
                int q = m.indexOf('\'');
                String name = q >= 0 ? m.substring(q + 1, Math.max(q + 1, m.indexOf('\'', q + 1))) : "?";
                throw new InputException(file, "not a safetensors file (its header names '" + name + "' twice)");
            }
            throw new InputException(file, "not a safetensors file (its header is not JSON)");
        }
        if (header == null || !header.isObject()) {
            throw new InputException(file, "not a safetensors file (its header is not a JSON object)");
        }
        for (long i = end; i < bytes.length; i++) {
            if (bytes[(int) i] != ' ') {
                throw new InputException(file, "not a safetensors file (its header has bytes other than spaces after "
                        + "its JSON object, at header byte " + i + ")");
            }
        }
        return header;
    }

    /** A header's shape: sizes that are integers ≥ 0. */
    private static int[] shape(Path file, String tensor, JsonNode sh) throws InputException {
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = sh.get(i);
            if (!dim.isIntegralNumber() || !dim.canConvertToInt() || dim.intValue() < 0) {
                throw new InputException(file, "tensor " + tensor + " has shape " + sh + ": sizes must be integers ≥ 0");
            }
            shape[i] = dim.intValue();
        }
        return shape;
    }

    /** The number of elements of a shape; Long.MAX_VALUE when it overflows (no file has that many). */
    private static long elements(int[] shape) {
        long count = 1;
        for (int size : shape) {
            try {
                count = Math.multiplyExact(count, size);
            } catch (ArithmeticException overflow) {
                return Long.MAX_VALUE;
            }
        }
        return count;
    }

    /** The tensors' byte ranges tile the data exactly: no hole, no overlap, nothing after the last. */
    private static void checkTiling(Path file, List<long[]> ranges, long dataLength) throws InputException {
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long pos = 0;
        for (long[] r : ranges) {
            if (r[0] != pos) {
                throw new InputException(file, "tensor data has " + (r[0] < pos ? "overlaps" : "holes"));
            }
            pos = r[1];
        }
        if (pos != dataLength) {
            throw new InputException(file, "" + (dataLength - pos) + " bytes after the last tensor (truncated or corrupt)");
        }
    }

    /** Reads and validates a file; every problem is an IOException naming the file and what is wrong. */
    public static Contents read(Path file) throws IOException {
        byte[] all = Limits.readRegularFile(file, Limits.MAX_FILE_BYTES, "safetensors file");
        if (all.length < 8) {
            throw new InputException(file, "not a safetensors file (shorter than its 8-byte header length)");
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong();
        if (n < 2 || n > all.length - 8) {
            throw new InputException(file, "not a safetensors file (header length " + n + " for a file of " + all.length
                    + " bytes)");
        }
        JsonNode header = header(file, Arrays.copyOfRange(all, 8, 8 + (int) n));
        long dataStart = 8 + n;
        long dataLength = all.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, IntTensor> ints = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText();
            if (!dtype.equals("F32") && !dtype.equals("I32")) {
                throw new InputException(file, "tensor " + e.getKey() + " has dtype " + dtype
                        + ", pauc reads F32 and I32 only");
            }
            JsonNode off = t.path("data_offsets");
            if (!t.path("shape").isArray() || !off.isArray() || off.size() != 2) {
                throw new InputException(file, "tensor " + e.getKey() + " lacks a shape or data_offsets");
            }
            int[] shape = shape(file, e.getKey(), t.path("shape"));
            long count = elements(shape);
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin || end > dataLength || (end - begin) % 4 != 0 || (end - begin) / 4 != count) {
                throw new InputException(file, "tensor " + e.getKey() + " has data_offsets [" + begin + ", " + end
                        + "] outside the data or not matching its shape");
            }
            ranges.add(new long[] {begin, end});
            ByteBuffer slice = ByteBuffer.wrap(all, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (dtype.equals("F32")) {
                float[] data = new float[(int) count];
                slice.asFloatBuffer().get(data);
                tensors.put(e.getKey(), new Tensor(shape, data));
            } else {
                int[] data = new int[(int) count];
                slice.asIntBuffer().get(data);
                ints.put(e.getKey(), new IntTensor(shape, data));
            }
        }
        checkTiling(file, ranges, dataLength);
        return new Contents(tensors, metadata, ints);
    }
}
