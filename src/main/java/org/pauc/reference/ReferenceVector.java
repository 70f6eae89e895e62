package org.pauc.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pauc.io.AtomicFile;
import org.pauc.io.InputException;
import org.pauc.io.Limits;
import org.pauc.ops.Tolerance;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * One reference vector (format {@value #FORMAT}, see docs/reference-vectors.md): an op's inputs, parameters and
 * expected outputs, with the tolerance the oracle must meet.
 */
public record ReferenceVector(String op, String name, Map<String, Double> params, Map<String, Tensor> inputs,
                              Map<String, Tensor> expected, Tolerance tolerance) {

    public static final String FORMAT = "pauc-reference-vector/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and validates one file; every problem becomes a one-line {@link MalformedVectorException}. */
    public static ReferenceVector read(Path file) throws MalformedVectorException {
        JsonNode root;
        try {
            root = JSON.readTree(Limits.readRegularFile(file, Limits.MAX_FILE_BYTES, "reference vector"));
        } catch (JsonProcessingException e) {
            throw new MalformedVectorException("bad JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (InputException e) {
            throw new MalformedVectorException(e.problem());
        } catch (IOException e) {
            throw new MalformedVectorException("cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new MalformedVectorException("the top level must be a JSON object");
        }
        String format = text(root, "format");
        if (!FORMAT.equals(format)) {
            throw new MalformedVectorException("format is '" + format + "', expected '" + FORMAT + "'");
        }
        String op = text(root, "op");
        String name = root.has("name") ? text(root, "name") : file.getFileName().toString();
        Map<String, Double> params = new LinkedHashMap<>();
        if (root.has("params")) {
            JsonNode p = root.get("params");
            if (!p.isObject()) {
                throw new MalformedVectorException("params must be an object of numbers");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isNumber()) {
                    throw new MalformedVectorException("params." + e.getKey() + " must be a number");
                }
                if (!Double.isFinite(e.getValue().doubleValue())) {
                    throw new MalformedVectorException("params." + e.getKey() + " = " + e.getValue()
                            + " is not a finite number");
                }
                params.put(e.getKey(), e.getValue().doubleValue());
            }
        }
        Map<String, Tensor> inputs = tensors(root, "inputs");
        Map<String, Tensor> expected = tensors(root, "expected");
        if (expected.isEmpty()) {
            throw new MalformedVectorException("expected holds no outputs");
        }
        JsonNode tol = field(root, "tolerance");
        Tolerance tolerance = new Tolerance(number(tol, "tolerance", "rtol"), number(tol, "tolerance", "atol"));
        if (tolerance.rtol() < 0 || tolerance.atol() < 0) {
            throw new MalformedVectorException("tolerance must not be negative: " + tolerance);
        }
        return new ReferenceVector(op, name, params, inputs, expected, tolerance);
    }

    private static JsonNode field(JsonNode parent, String key) throws MalformedVectorException {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            throw new MalformedVectorException("missing field '" + key + "'");
        }
        return n;
    }

    private static String text(JsonNode parent, String key) throws MalformedVectorException {
        JsonNode n = field(parent, key);
        if (!n.isTextual()) {
            throw new MalformedVectorException("field '" + key + "' must be a string");
        }
        return n.asText();
    }

    private static double number(JsonNode parent, String where, String key) throws MalformedVectorException {
        JsonNode n = parent.get(key);
        if (n == null || !n.isNumber()) {
            throw new MalformedVectorException(where + "." + key + " must be a number");
        }
        if (!Double.isFinite(n.doubleValue())) {
            throw new MalformedVectorException(n + " is not a finite number");
        }
        return n.doubleValue();
    }

    private static Map<String, Tensor> tensors(JsonNode root, String key) throws MalformedVectorException {
        JsonNode obj = field(root, key);
        if (!obj.isObject()) {
            throw new MalformedVectorException("'" + key + "' must be an object of tensors");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), tensor(key + "." + e.getKey(), e.getValue()));
        }
        return out;
    }

    private static Tensor tensor(String where, JsonNode n) throws MalformedVectorException {
        if (!n.isObject()) {
            throw new MalformedVectorException(where + " must be an object with dtype, shape and data");
        }
        JsonNode dt = n.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new MalformedVectorException(where + ".dtype is missing or not a string");
        }
        DType dtype;
        try {
            dtype = DType.parse(dt.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedVectorException(where + ": " + e.getMessage());
        }
        JsonNode sh = n.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new MalformedVectorException(where + ".shape is missing or not a list");
        }
        int[] shape = new int[sh.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = sh.get(i);
            if (!s.canConvertToInt() || !s.isIntegralNumber() || s.asInt() < 0) {
                throw new MalformedVectorException(where + ".shape[" + i + "] must be a non-negative integer");
            }
            shape[i] = s.asInt();
            count *= shape[i];
        }
        JsonNode d = n.get("data");
        if (d == null || !(d.isArray() || d.isNumber())) {
            throw new MalformedVectorException(where + ".data is missing or not a list of numbers");
        }
        int size = d.isArray() ? d.size() : 1;
        if (size != count) {
            throw new MalformedVectorException(where + ": shape " + Arrays.toString(shape) + " needs " + count
                    + " values, data has " + size);
        }
        double[] data = new double[size];
        for (int i = 0; i < size; i++) {
            JsonNode v = d.isArray() ? d.get(i) : d;
            if (!v.isNumber()) {
                throw new MalformedVectorException(where + ".data[" + i + "] is not a number");
            }
            data[i] = v.doubleValue();
            if (!Double.isFinite(data[i])) {
                throw new MalformedVectorException(where + ".data[" + i + "] = " + v + " is not a finite number");
            }
            if (dtype == DType.I32 && (data[i] != Math.rint(data[i]) || Math.abs(data[i]) > Integer.MAX_VALUE)) {
                throw new MalformedVectorException(where + ".data[" + i + "] = " + v + " is not an i32");
            }
            if (dtype == DType.F32) {
                data[i] = (float) data[i];
            }
        }
        return new Tensor(dtype, shape, data);
    }

    /** Writes this vector as JSON, one tensor per line, every double in its shortest exact form. */
    public void write(Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"format\": ").append(quote(FORMAT)).append(",\n");
        b.append("  \"op\": ").append(quote(op)).append(",\n");
        b.append("  \"name\": ").append(quote(name)).append(",\n");
        b.append("  \"params\": {");
        String sep = "";
        for (Map.Entry<String, Double> e : params.entrySet()) {
            b.append(sep).append(quote(e.getKey())).append(": ").append(number(e.getValue()));
            sep = ", ";
        }
        b.append("},\n");
        appendTensors(b, "inputs", inputs);
        b.append(",\n");
        appendTensors(b, "expected", expected);
        b.append(",\n  \"tolerance\": {\"rtol\": ").append(number(tolerance.rtol()))
                .append(", \"atol\": ").append(number(tolerance.atol())).append("}\n}\n");
        AtomicFile.writeString(file, b.toString());
    }

    private static void appendTensors(StringBuilder b, String key, Map<String, Tensor> tensors) {
        b.append("  ").append(quote(key)).append(": {");
        String sep = "\n";
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            b.append(sep).append("    ").append(quote(e.getKey())).append(": {\"dtype\": ").append(quote(t.dtype().id()))
                    .append(", \"shape\": ").append(Arrays.toString(t.shape())).append(", \"data\": [");
            for (int i = 0; i < t.data().length; i++) {
                if (i > 0) {
                    b.append(", ");
                }
                b.append(t.dtype() == DType.I32 ? Long.toString((long) t.data()[i]) : number(t.data()[i]));
            }
            b.append("]}");
            sep = ",\n";
        }
        b.append("\n  }");
    }

    private static String number(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("reference vectors hold finite numbers only, got " + v);
        }
        return Double.toString(v);
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
