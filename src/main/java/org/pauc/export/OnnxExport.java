package org.pauc.export;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.export.onnx.Onnx;
import org.pauc.io.AtomicFile;
import org.pauc.nn.Dims;
import org.pauc.nn.Layer;
import org.pauc.nn.BatchNorm;
import org.pauc.nn.Conv2d;
import org.pauc.nn.GlobalAvgPool;
import org.pauc.nn.Linear;
import org.pauc.nn.MaxPool;
import org.pauc.nn.Relu;
import org.pauc.nn.Window;
import org.pauc.nn.Network;
import org.pauc.nn.Param;
import org.pauc.nn.ResidualBlock;

/**
 * Writes an encoder in eval mode as an ONNX model (opset {@value #OPSET}): input {@code images}, float
 * batch×channels×height×width (NCHW, as ONNX users expect; pauc computes in NHWC, so the convolution weights are
 * permuted from kh×kw×cin×cout to cout×cin×kh×kw), a symbolic batch dimension, and one output: {@code features}
 * (the backbone's representation) or {@code embedding} (the projection head's output, before normalisation).
 * Batch norm is a BatchNormalization node with the running statistics; every other layer maps to one standard
 * operator (Conv, Relu, Add, MaxPool, GlobalAveragePool, Flatten, Gemm). The bytes are written by the code protoc generates
 * from {@code src/main/protobuf/onnx_subset.proto}.
 */
public final class OnnxExport {
    public static final int OPSET = 17;
    static final long IR_VERSION = 8;

    /** What the model computes. */
    public enum Part {
        BACKBONE("features"), BACKBONE_HEAD("embedding");

        final String output;

        Part(String output) {
            this.output = output;
        }

        /** backbone or backbone+head. */
        public static Part parse(String s) {
            return switch (s) {
                case "backbone" -> BACKBONE;
                case "backbone+head" -> BACKBONE_HEAD;
                default -> throw new IllegalArgumentException("--part must be backbone or backbone+head, got '" + s + "'");
            };
        }

        public String outputName() {
            return output;
        }
    }

    private final Backend be;
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("pauc-encoder");
    private int counter;

    private OnnxExport(Backend be) {
        this.be = be;
    }

    /**
     * The model of {@code net} (its weights read from {@code be}), with {@code metadata} (normalisation, input
     * size, provenance) as the model's metadata properties.
     */
    public static Onnx.ModelProto model(Backend be, Network net, Part part, Map<String, String> metadata) {
        OnnxExport e = new OnnxExport(be);
        Dims in = net.input();
        e.graph.addInput(valueInfo("images", "batch", in.c(), in.h(), in.w()));
        String x = "images";
        int layers = part == Part.BACKBONE ? net.backboneLayerCount() : net.layers().size();
        for (int i = 0; i < layers; i++) {
            x = e.layer(net.layers().get(i), x);
        }
        int width = part == Part.BACKBONE ? net.backboneOutput().size() : net.output().size();
        e.rename(x, part.output);
        e.graph.addOutput(valueInfo(part.output, "batch", width));
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("pauc")
                .setGraph(e.graph)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        m.setProducerVersion(version == null ? "dev" : version);
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** Writes {@code model} to {@code file} atomically. */
    public static void write(Onnx.ModelProto model, Path file) throws IOException {
        AtomicFile.write(file, model::writeTo);
    }

    private String fresh(String hint) {
        return hint + "_" + counter++;
    }

    /** Renames the value {@code from} (the output of the last node) to {@code to}. */
    private void rename(String from, String to) {
        int last = graph.getNodeCount() - 1;
        Onnx.NodeProto.Builder n = graph.getNodeBuilder(last);
        for (int i = 0; i < n.getOutputCount(); i++) {
            if (n.getOutput(i).equals(from)) {
                n.setOutput(i, to);
            }
        }
    }

    private String layer(Layer l, String x) {
        return switch (l) {
            case Conv2d c -> conv(c, x);
            case BatchNorm b -> batchNorm(b, x);
            case Relu r -> node("Relu", x);
            case GlobalAvgPool g -> node("Flatten", node("GlobalAveragePool", x), intAttr("axis", 1));
            case Linear lin -> gemm(lin, x);
            case ResidualBlock b -> residual(b, x);
            case MaxPool p -> node("MaxPool", x, windowAttrs(p.window()));
            default -> throw new IllegalArgumentException("ONNX export: no mapping for layer " + l.describe());
        };
    }

    private String conv(Conv2d c, String x) {
        int[] s = c.weight().shape; // kh, kw, cin, cout
        float[] w = be.download(c.weight().value);
        float[] oihw = new float[w.length];
        int kh = s[0];
        int kw = s[1];
        int cin = s[2];
        int cout = s[3];
        for (int y = 0; y < kh; y++) {
            for (int z = 0; z < kw; z++) {
                for (int i = 0; i < cin; i++) {
                    for (int o = 0; o < cout; o++) {
                        oihw[((o * cin + i) * kh + y) * kw + z] = w[((y * kw + z) * cin + i) * cout + o];
                    }
                }
            }
        }
        List<String> inputs = new ArrayList<>(List.of(x, initializer(c.weight().name, oihw, cout, cin, kh, kw)));
        if (c.bias() != null) {
            inputs.add(initializer(c.bias(), c.bias().shape[0]));
        }
        return node("Conv", inputs, windowAttrs(c.window()));
    }

    private static Onnx.AttributeProto[] windowAttrs(Window w) {
        return new Onnx.AttributeProto[] {intsAttr("kernel_shape", w.k(), w.k()), intsAttr("strides", w.stride(), w.stride()),
            intsAttr("pads", w.pad(), w.pad(), w.pad(), w.pad())};
    }

    private String batchNorm(BatchNorm b, String x) {
        int ch = b.gamma().shape[0];
        String y = node("BatchNormalization", List.of(x, initializer(b.gamma(), ch), initializer(b.beta(), ch),
                initializer(b.runningMean(), ch), initializer(b.runningVar(), ch)),
                floatAttr("epsilon", BatchNorm.eps()));
        return b.fusedRelu() ? node("Relu", y) : y;
    }

    private String gemm(Linear l, String x) {
        int[] s = l.weight().shape; // out, in
        return node("Gemm", List.of(x, initializer(l.weight(), s[0], s[1]), initializer(l.bias(), s[0])),
                intAttr("transB", 1));
    }

    private String residual(ResidualBlock b, String x) {
        String main = x;
        for (int i = 0; i < b.convs().size(); i++) {
            main = batchNorm(b.batchNorms().get(i), conv(b.convs().get(i), main));
        }
        String shortcut = b.downsampleConv() == null ? x : batchNorm(b.downsampleBn(), conv(b.downsampleConv(), x));
        return node("Relu", node("Add", List.of(main, shortcut)));
    }

    private String initializer(Param p, int... dims) {
        return initializer(p.name, be.download(p.value), dims);
    }

    private String initializer(String name, float[] data, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (int d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private String node(String op, String x, Onnx.AttributeProto... attrs) {
        return node(op, List.of(x), attrs);
    }

    private String node(String op, List<String> inputs, Onnx.AttributeProto... attrs) {
        String out = fresh(op.toLowerCase(Locale.ROOT));
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs)
                .addOutput(out);
        for (Onnx.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    private static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v)
                .build();
    }

    private static Onnx.AttributeProto floatAttr(String name, float v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(v)
                .build();
    }

    private static Onnx.AttributeProto intsAttr(String name, long... v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** A float tensor value: the first dimension symbolic (the batch), the others fixed. */
    private static Onnx.ValueInfoProto valueInfo(String name, String batch, int... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (int d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape))).build();
    }

    /** The metadata every export carries: what the input must be, what the output is, where it came from. */
    public static Map<String, String> metadata(Network net, Part part, String encoder, String checkpoint) {
        return metadata(net, part, encoder, checkpoint, false);
    }

    /** As above, for a run whose views were normalised by ImageNet's statistics ({@code imagenet}) or not. */
    public static Map<String, String> metadata(Network net, Part part, String encoder, String checkpoint,
                                               boolean imagenet) {
        Map<String, String> m = new LinkedHashMap<>();
        Dims in = net.input();
        m.put("input", "images: float32 NCHW, batch × " + in.c() + " × " + in.h() + " × " + in.w());
        m.put("input_size", in.h() + "x" + in.w());
        m.put("channels", Integer.toString(in.c()));
        m.put("normalization", imagenet ? "pixel values / 255, then (v - mean) / std per channel with ImageNet's "
                + "mean 0.485, 0.456, 0.406 and std 0.229, 0.224, 0.225 (RGB)"
                : "pixel values / 255 in [0, 1]; no mean or std subtracted");
        m.put("output", part.output + ": float32, batch × "
                + (part == Part.BACKBONE ? net.backboneOutput().size() : net.output().size())
                + (part == Part.BACKBONE ? " (backbone features)" : " (projection head, before l2 normalisation)"));
        m.put("encoder", encoder);
        m.put("checkpoint", checkpoint);
        return m;
    }
}
