package org.pauc.oracle;

/**
 * One granularity m of the E-step, as the M-step sees it (all constants):
 * C[m] (K×d unit-row prototypes), φ[m] (K concentrations), pos[m] (each batch sample's prototype id)
 * and neg[m] (S sampled negative prototype ids).
 */
public record Clustering(Mat prototypes, double[] phi, int[] pos, int[] neg) {}
