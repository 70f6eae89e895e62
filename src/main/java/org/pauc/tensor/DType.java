package org.pauc.tensor;

import java.util.Locale;

/** Element types of the reference-vector format: f64, f32 and i32. */
public enum DType {
    F64, F32, I32;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DType parse(String s) {
        for (DType t : values()) {
            if (t.id().equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + s + "' (expected f64, f32 or i32)");
    }
}
