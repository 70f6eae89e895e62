package org.pauc.nn;

/** A square sliding window: its side, stride and padding on each border. */
public record Window(int k, int stride, int pad) {}
