package org.pauc.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.pauc.cluster.KMeans;
import org.pauc.config.TrainConfig.KMeansInit;
import org.pauc.data.Dataset;
import org.pauc.io.AtomicFile;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;

/** PNG figures of a run, rendered headlessly with XChart (needs fontconfig and a font on the machine). */
public final class Plots {
    private Plots() {}

    private static void save(Object chart, Path file) throws IOException {
        AtomicFile.write(file, out -> {
            if (chart instanceof XYChart c) {
                BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
            } else {
                BitmapEncoder.saveBitmap((CategoryChart) chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }

    /** Loss terms (and the kNN monitor, if logged) over epochs from a run's log.jsonl; false if there is no log. */
    public static boolean trainingCurves(Path log, Path file) throws IOException {
        if (!Files.isRegularFile(log)) {
            return false;
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        if (rows.isEmpty()) {
            return false;
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title("Training").xAxisTitle("epoch")
                .yAxisTitle("value").build();
        double[] epochs = rows.stream().mapToDouble(r -> r.get("epoch").asDouble()).toArray();
        for (String term : List.of("loss", "infoNce", "protoNce", "align", "uniformity")) {
            chart.addSeries(term, epochs, rows.stream().mapToDouble(r -> r.get(term).asDouble()).toArray());
        }
        List<Double> kx = new ArrayList<>();
        List<Double> ky = new ArrayList<>();
        for (JsonNode r : rows) {
            JsonNode k = r.get("knnTop1");
            if (k != null && k.isNumber()) {
                kx.add(r.get("epoch").asDouble());
                ky.add(k.asDouble());
            }
        }
        if (!kx.isEmpty()) {
            chart.addSeries("kNN top-1", kx, ky);
        }
        save(chart, file);
        return true;
    }

    /** The first two principal components of n×d features, one colour per class. */
    public static void pca(float[] x, int n, int d, int[] labels, String[] classes, String title, Path file)
            throws IOException {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                mean[a] += x[i * d + a] / n;
            }
        }
        DMatrixRMaj cov = new DMatrixRMaj(d, d);
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double va = x[i * d + a] - mean[a];
                for (int b = a; b < d; b++) {
                    cov.add(a, b, va * (x[i * d + b] - mean[b]) / n);
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                cov.set(a, b, cov.get(b, a));
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(cov)) {
            throw new IOException("PCA: the eigen decomposition did not converge");
        }
        int first = -1;
        int second = -1;
        for (int e = 0; e < eig.getNumberOfEigenvalues(); e++) {
            double v = eig.getEigenvalue(e).getReal();
            if (first < 0 || v > eig.getEigenvalue(first).getReal()) {
                second = first;
                first = e;
            } else if (second < 0 || v > eig.getEigenvalue(second).getReal()) {
                second = e;
            }
        }
        DMatrixRMaj v1 = eig.getEigenVector(first);
        DMatrixRMaj v2 = eig.getEigenVector(second);
        XYChart chart = new XYChartBuilder().width(800).height(700).title(title).xAxisTitle("PC 1").yAxisTitle("PC 2")
                .build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        for (int c = 0; c < classes.length; c++) {
            List<Double> px = new ArrayList<>();
            List<Double> py = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (labels[i] == c) {
                    double p1 = 0;
                    double p2 = 0;
                    for (int a = 0; a < d; a++) {
                        double va = x[i * d + a] - mean[a];
                        p1 += va * v1.get(a);
                        p2 += va * v2.get(a);
                    }
                    px.add(p1);
                    py.add(p2);
                }
            }
            if (!px.isEmpty()) {
                chart.addSeries(classes[c], px, py).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        save(chart, file);
    }

    /** Histograms of cluster sizes and of raw φ over the clusters. */
    public static void clusters(int[] sizes, double[] rawPhi, Path file) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title("Clusters: sizes and raw φ")
                .xAxisTitle("bin").yAxisTitle("clusters").build();
        double[] s = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            s[i] = sizes[i];
        }
        addHistogram(chart, "cluster size (bins of equal width)", s);
        addHistogram(chart, "raw φ (bins of equal width)", rawPhi);
        save(chart, file);
    }

    private static void addHistogram(CategoryChart chart, String name, double[] v) {
        int bins = 20;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        double width = hi > lo ? (hi - lo) / bins : 1;
        List<Integer> labels = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(b + 1);
            counts.add(0);
        }
        for (double x : v) {
            int b = Math.min(bins - 1, (int) ((x - lo) / width));
            counts.set(b, counts.get(b) + 1);
        }
        chart.addSeries(name, labels, counts);
    }

    /**
     * The plots of an evaluated encoder, into {@code dir}: training curves (from {@code log}, when it exists), the PCA
     * of its normalised test features coloured by class (when the test split has labels), and the sizes and raw φ of
     * K-means clusters of its training features.
     */
    public static List<Path> forEncoder(Evaluator.Representation r, Dataset train, Dataset test, int k, long seed,
                                        Path log, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        Path curves = dir.resolve("training.png");
        if (trainingCurves(log, curves)) {
            written.add(curves);
        }
        int d = r.featureDim();
        if (test.n() > 0 && test.labeled()) {
            float[] fte = Metrics.normalizeRows(r.features(test.pixels(), test.n()), test.n(), d);
            Path pcaFile = dir.resolve("pca.png");
            pca(fte, test.n(), d, test.labels(), test.classes(), "Test features (backbone), PCA", pcaFile);
            written.add(pcaFile);
        }
        float[] ftr = Metrics.normalizeRows(r.features(train.pixels(), train.n()), train.n(), d);
        KMeans.Result km = KMeans.fit(ftr, train.n(), d, Evaluator.coagulationClusters(k, train.n()), 20, 1,
                KMeansInit.KMEANS_PP,
                seed);
        double[] raw = Concentration.raw(Mat.of(train.n(), d, ftr), Mat.of(km.k(), d, km.centroids()), km.assign(), 10);
        Path clustersFile = dir.resolve("clusters.png");
        clusters(KMeans.sizes(km.assign(), km.k()), raw, clustersFile);
        written.add(clustersFile);
        return written;
    }
}
