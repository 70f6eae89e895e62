package org.pauc.cli;

import java.util.List;
import org.pauc.ops.OpEvaluator;

/** The evaluators that {@code --backend NAME} can select. */
final class Backends {
    private Backends() {}

    static List<OpEvaluator> available() {
        return List.of(OpEvaluator.ORACLE);
    }

    static OpEvaluator byName(String name) {
        for (OpEvaluator e : available()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (available: "
                + String.join(", ", available().stream().map(OpEvaluator::name).toList()) + ")");
    }
}
