package org.pauc.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loss contract's ops (docs/losses.md), in the contract's order: the double-precision reference every backend
 * must match. Each op is declared in its own class; this list is the one place that names them all.
 */
public final class OracleOps {
    private static final Map<String, NamedOp> OPS = new LinkedHashMap<>();

    static {
        for (NamedOp op : List.of(new L2NormalizeOp(), new InfoNceOp(), new ProtoNceOp(), new AlignOp(), new UniformityOp(),
                new CorrelationOp(), new CrossCorrelationOp(), new ConcentrationOp(), new PaucObjectiveOp())) {
            OPS.put(op.name(), op);
        }
    }

    private OracleOps() {}

    /** All ops in the contract's order. */
    public static List<NamedOp> all() {
        return List.copyOf(OPS.values());
    }

    public static List<String> names() {
        return List.copyOf(OPS.keySet());
    }

    /** The op called {@code name}; throws naming the known ops when there is none. */
    public static NamedOp get(String name) {
        NamedOp op = OPS.get(name);
        if (op == null) {
            throw new IllegalArgumentException("unknown op '" + name + "' (known: " + String.join(", ", OPS.keySet()) + ")");
        }
        return op;
    }

    /** Parameters from alternating names and numbers. */
    static Map<String, Double> params(Object... nameValue) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], ((Number) nameValue[i + 1]).doubleValue());
        }
        return m;
    }
}
