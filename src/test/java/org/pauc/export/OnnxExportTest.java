package org.pauc.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.checkpoint.Checkpoint;
import org.pauc.cli.Main;
import org.pauc.config.TrainConfig;
import org.pauc.data.Dataset;
import org.pauc.data.Datasets;
import org.pauc.eval.Evaluator;
import org.pauc.nn.Dims;
import org.pauc.nn.Layer;
import org.pauc.nn.Models;
import org.pauc.nn.BatchNorm;
import org.pauc.nn.Network;
import org.pauc.nn.Param;
import org.pauc.nn.ResidualBlock;

/** ONNX Runtime as the judge: the exported model must reproduce pauc's own eval-mode forward on real images. */
class OnnxExportTest {
    static final double RTOL = 1e-4;

    /** Runs the model on {@code n} NHWC images through ONNX Runtime (converting them to NCHW). */
    static float[][] onnxRuntime(Path model, float[] nhwc, int n, Dims in) throws Exception {
        float[] nchw = new float[nhwc.length];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < in.h(); y++) {
                for (int x = 0; x < in.w(); x++) {
                    for (int c = 0; c < in.c(); c++) {
                        nchw[((i * in.c() + c) * in.h() + y) * in.w() + x] = nhwc[((i * in.h() + y) * in.w() + x) * in.c() + c];
                    }
                }
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw), new long[] {n, in.c(), in.h(), in.w()});
             OrtSession.Result r = s.run(Map.of("images", t))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    /** pauc's forward in eval mode: the backbone's features or the head's output. */
    static float[] pauc(Backend be, Network net, float[] images, int n, boolean head) {
        try (Buffer x = be.allocate(images.length)) {
            be.upload(images, 0, x, 0, images.length);
            Buffer y = head ? net.forward(be, x, n, false) : net.backbone(be, x, n);
            return be.download(y);
        }
    }

    static void assertClose(float[] want, float[][] got, int n, String what) {
        int d = want.length / n;
        double scale = 0;
        double worst = 0;
        for (float v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(n, got.length);
        for (int i = 0; i < n; i++) {
            assertEquals(d, got[i].length);
            for (int j = 0; j < d; j++) {
                double diff = Math.abs(got[i][j] - want[i * d + j]);
                worst = Math.max(worst, diff);
                assertTrue(diff <= RTOL * (Math.abs(want[i * d + j]) + 1e-2 * scale),
                        what + ": row " + i + " col " + j + ": onnx " + got[i][j] + ", pauc " + want[i * d + j]);
            }
        }
        assertTrue(worst / scale <= RTOL, what + ": largest difference " + worst + " relative to " + scale);
    }

    static Dataset testImages(int n) throws IOException {
        return Datasets.load(Datasets.Request.of(Datasets.SMALL, Path.of("."), 28)).test().head(n);
    }

    @Test
    void aTrainedSmallCnnCheckpointExportsThroughTheCommandLine(@TempDir Path dir) throws Exception {
        Path ckpt = Path.of("src/test/resources/checkpoint-v1/checkpoint.safetensors");
        Dataset test = testImages(32);
        Dims in = new Dims(28, 28, 1);
        for (String part : new String[] {"backbone", "backbone+head"}) {
            Path model = dir.resolve(part.replace('+', '-') + ".onnx");
            int code = Main.execute(new String[] {"export", "--checkpoint", ckpt.toString(), "--out", model.toString(),
                "--part", part}, new PrintWriter(OutputStream.nullOutputStream()),
                    new PrintWriter(System.err, true));
            assertEquals(0, code);
            try (Backend be = Backends.create("cpu", 1);
                 Network net = Evaluator.load(Checkpoint.read(ckpt), be, in)) {
                float[] want = pauc(be, net, test.pixels(), test.n(), part.contains("head"));
                assertClose(want, onnxRuntime(model, test.pixels(), test.n(), in), test.n(), "small-cnn " + part);
            }
        }
    }

    /** Running statistics and affine parameters away from their initial values, so that batch norm matters. */
    static void perturbBatchNorms(Backend be, Network net, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Param p : net.params()) {
            if (p.name.contains("bn") || p.name.contains("downsample.1")) {
                float[] v = be.download(p.value);
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.name.endsWith("running_var") ? (float) (0.5 + r.nextDouble())
                            : (float) (v[i] + 0.2 * r.nextGaussian());
                }
                be.upload(v, 0, p.value, 0, v.length);
            }
        }
    }

    @Test
    void resnet18MatchesOnnxRuntime(@TempDir Path dir) throws Exception {
        Dataset test = testImages(4);
        Dims in = new Dims(28, 28, 1);
        try (Backend be = Backends.create("cpu", 2); Network net = Models.resnet18(be, 5, in, 16)) {
            perturbBatchNorms(be, net, 6);
            boolean blocks = false;
            for (Layer l : net.layers()) {
                blocks |= l instanceof ResidualBlock b && b.downsampleConv() != null;
            }
            assertTrue(blocks, "the network has projection shortcuts");
            for (OnnxExport.Part part : OnnxExport.Part.values()) {
                Path model = dir.resolve(part + ".onnx");
                OnnxExport.write(OnnxExport.model(be, net, part, Map.of()), model);
                float[] want = pauc(be, net, test.pixels(), test.n(), part == OnnxExport.Part.BACKBONE_HEAD);
                assertClose(want, onnxRuntime(model, test.pixels(), test.n(), in), test.n(), "resnet18 " + part);
            }
        }
    }

    @Test
    void resnet50WithTheImagenetStemMatchesOnnxRuntime(@TempDir Path dir) throws Exception {
        Dims in = new Dims(40, 40, 3);
        SplittableRandom r = new SplittableRandom(8);
        float[] images = new float[2 * in.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble();
        }
        for (String encoder : new String[] {"resnet50", "resnet18-imagenet"}) {
            try (Backend be = Backends.create("cpu", 2); Network net = Models.create(TrainConfig.Encoder.valueOf(encoder.toUpperCase(Locale.ROOT).replace('-', '_')), be,
                    5, in, 16)) {
                perturbBatchNorms(be, net, 6);
                Path model = dir.resolve(encoder + ".onnx");
                OnnxExport.write(OnnxExport.model(be, net, OnnxExport.Part.BACKBONE_HEAD, Map.of()), model);
                float[] want = pauc(be, net, images, 2, true);
                assertClose(want, onnxRuntime(model, images, 2, in), 2, encoder);
            }
        }
    }

    @Test
    void theModelStatesItsInputAndNormalisation(@TempDir Path dir) throws Exception {
        Dims in = new Dims(28, 28, 1);
        try (Backend be = Backends.create("cpu", 1); Network net = Models.smallCnn(be, 1, in, 8)) {
            Path model = dir.resolve("m.onnx");
            OnnxExport.write(OnnxExport.model(be, net, OnnxExport.Part.BACKBONE,
                    OnnxExport.metadata(net, OnnxExport.Part.BACKBONE, "small-cnn", "x")), model);
            try (OrtSession s = OrtEnvironment.getEnvironment().createSession(model.toString(),
                    new OrtSession.SessionOptions())) {
                Map<String, String> meta = s.getMetadata().getCustomMetadata();
                assertEquals("28x28", meta.get("input_size"));
                assertTrue(meta.get("normalization").contains("/ 255"));
                assertEquals("images", s.getInputNames().iterator().next());
                assertEquals("features", s.getOutputNames().iterator().next());
            }
            assertTrue(net.layers().stream().anyMatch(l -> l instanceof BatchNorm));
        }
    }
}
