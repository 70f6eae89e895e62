package org.pauc.nn;

/** Per-sample shape of an activation, channels last: h×w×c (a vector is 1×1×c). */
public record Dims(int h, int w, int c) {
    public int size() {
        return h * w * c;
    }

    @Override
    public String toString() {
        return h == 1 && w == 1 ? Integer.toString(c) : h + "×" + w + "×" + c;
    }
}
