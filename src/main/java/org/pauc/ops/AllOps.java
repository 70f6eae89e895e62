package org.pauc.ops;

import java.util.ArrayList;
import java.util.List;

/** Every named op of the oracle: the loss contract's ({@link OracleOps}) then the layers' ({@link LayerOps}). */
public final class AllOps {
    private AllOps() {}

    public static List<String> names() {
        List<String> names = new ArrayList<>(OracleOps.names());
        names.addAll(LayerOps.names());
        return names;
    }

    public static NamedOp get(String name) {
        if (LayerOps.contains(name)) {
            return LayerOps.get(name);
        }
        if (OracleOps.names().contains(name)) {
            return OracleOps.get(name);
        }
        throw new IllegalArgumentException("unknown op '" + name + "' (known: " + String.join(", ", names()) + ")");
    }
}
