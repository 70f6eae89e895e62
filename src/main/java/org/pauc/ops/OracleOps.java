package org.pauc.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pauc.oracle.Align;
import org.pauc.oracle.Clustering;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Correlation;
import org.pauc.oracle.CrossCorrelation;
import org.pauc.oracle.InfoNce;
import org.pauc.oracle.L2Normalize;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;
import org.pauc.oracle.ProtoNce;
import org.pauc.oracle.Uniformity;
import org.pauc.tensor.Tensor;

/** The oracle's ops under their contract names: the double-precision reference every backend must match. */
public final class OracleOps {
    private static final Map<String, NamedOp> OPS = new LinkedHashMap<>();

    static {
        register(new L2NormalizeOp());
        register(new InfoNceOp());
        register(new ProtoNceOp());
        register(new AlignOp());
        register(new SingleInputOp(Uniformity.OP, "v", "t", Uniformity.DEFAULT_T,
                Uniformity::forward, Uniformity::backward));
        register(new SingleInputOp(Correlation.OP, "z", "eps", Correlation.DEFAULT_EPS,
                Correlation::forward, Correlation::backward));
        register(new CrossCorrelationOp());
        register(new ConcentrationOp());
        register(new PaucObjectiveOp());
    }

    private OracleOps() {}

    private static void register(NamedOp op) {
        OPS.put(op.name(), op);
    }

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

    /** A scalar loss: {@link #scalar} is its forward; {@link #compute} adds the gradient of each differentiated input. */
    private abstract static class LossOp extends FixedOp {
        LossOp(String name, Map<String, Double> defaults, List<String> inputs, List<String> grads) {
            super(name, defaults, inputs, grads);
        }

        /** dL/dinput for each differentiated input, in their order. */
        abstract List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p);

        @Override
        protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("loss", Tensor.scalar(scalar(in, p)));
            List<String> names = gradInputs(in.keySet());
            List<Mat> grads = gradients(in, p);
            for (int i = 0; i < names.size(); i++) {
                out.put("grad." + names.get(i), Tensor.of(grads.get(i)));
            }
            return out;
        }
    }

    private static final class L2NormalizeOp extends FixedOp {
        L2NormalizeOp() {
            super(L2Normalize.OP, params("eps", L2Normalize.DEFAULT_EPS), List.of("x", "dy"), List.of("x"));
        }

        @Override
        public List<String> valueOutputs() {
            return List.of("y");
        }

        private Mat dy(Map<String, Tensor> in, Mat x) {
            Mat dy = mat(in, "dy");
            if (dy.rows != x.rows || dy.cols != x.cols) {
                throw new IllegalArgumentException(at("dy") + " must have the shape of x " + x.shape() + ", got " + dy.shape());
            }
            return dy;
        }

        @Override
        protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
            Mat x = mat(in, "x");
            Mat dy = dy(in, x);
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("y", Tensor.of(L2Normalize.forward(x, p.get("eps"))));
            out.put("grad.x", Tensor.of(L2Normalize.backward(x, dy, p.get("eps"))));
            return out;
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            Mat x = mat(in, "x");
            Mat y = L2Normalize.forward(x, p.get("eps"));
            Mat dy = dy(in, x);
            double s = 0;
            for (int i = 0; i < y.data.length; i++) {
                s += dy.data[i] * y.data[i];
            }
            return s;
        }
    }

    private static final class InfoNceOp extends LossOp {
        InfoNceOp() {
            super(InfoNce.OP, params("tau", InfoNce.DEFAULT_TAU), List.of("q", "k", "queue"), List.of("q"));
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return InfoNce.forward(mat(in, "q"), mat(in, "k"), mat(in, "queue"), p.get("tau"));
        }

        @Override
        List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
            return List.of(InfoNce.backward(mat(in, "q"), mat(in, "k"), mat(in, "queue"), p.get("tau"), 1));
        }
    }

    private static final class ProtoNceOp extends LossOp {
        ProtoNceOp() {
            super(ProtoNce.OP, params(), List.of("q", "C", "phi", "pos", "neg"), List.of("q"));
        }

        private Clustering clustering(Map<String, Tensor> in) {
            return new Clustering(mat(in, "C"), vec(in, "phi"), ids(in, "pos"), ids(in, "neg"));
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return ProtoNce.forward(mat(in, "q"), clustering(in));
        }

        @Override
        List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
            return List.of(ProtoNce.backward(mat(in, "q"), clustering(in), 1));
        }
    }

    private static final class AlignOp extends LossOp {
        AlignOp() {
            super(Align.OP, params("alpha", Align.DEFAULT_ALPHA), List.of("v", "C", "pos"), List.of("v"));
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return Align.forward(mat(in, "v"), mat(in, "C"), ids(in, "pos"), p.get("alpha"));
        }

        @Override
        List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
            return List.of(Align.backward(mat(in, "v"), mat(in, "C"), ids(in, "pos"), p.get("alpha"), 1));
        }
    }

    /** A loss of one matrix input and one parameter: L = forward(x; p), dL/dx = backward(x; p, 1). */
    private static final class SingleInputOp extends LossOp {
        interface Forward {
            double apply(Mat x, double param);
        }

        interface Backward {
            Mat apply(Mat x, double param, double dL);
        }

        private final String input;
        private final String param;
        private final Forward forward;
        private final Backward backward;

        SingleInputOp(String name, String input, String param, double defaultValue, Forward forward, Backward backward) {
            super(name, params(param, defaultValue), List.of(input), List.of(input));
            this.input = input;
            this.param = param;
            this.forward = forward;
            this.backward = backward;
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return forward.apply(mat(in, input), p.get(param));
        }

        @Override
        List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
            return List.of(backward.apply(mat(in, input), p.get(param), 1));
        }
    }

    private static final class CrossCorrelationOp extends LossOp {
        CrossCorrelationOp() {
            super(CrossCorrelation.OP,
                    params("lambda_off", CrossCorrelation.DEFAULT_LAMBDA_OFF, "eps", CrossCorrelation.DEFAULT_EPS),
                    List.of("za", "zb"), List.of("za", "zb"));
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return CrossCorrelation.forward(mat(in, "za"), mat(in, "zb"), p.get("lambda_off"), p.get("eps"));
        }

        @Override
        List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
            CrossCorrelation.Grads g = CrossCorrelation.backward(mat(in, "za"), mat(in, "zb"), p.get("lambda_off"),
                    p.get("eps"), 1);
            return List.of(g.za(), g.zb());
        }
    }

    private static final class ConcentrationOp extends FixedOp {
        ConcentrationOp() {
            super(Concentration.OP, params("alpha", Concentration.DEFAULT_ALPHA, "tau", Concentration.DEFAULT_TAU),
                    List.of("F", "C_raw", "assign"), List.of());
        }

        @Override
        protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
            double[] phi = Concentration.compute(mat(in, "F"), mat(in, "C_raw"), ids(in, "assign"),
                    p.get("alpha"), p.get("tau"));
            return Map.of("loss", Tensor.vector(phi));
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            throw new UnsupportedOperationException("concentration is an estimator without gradient");
        }
    }

    private static final class PaucObjectiveOp extends NamedOp {
        private static final List<String> PER_CLUSTERING = List.of("C", "phi", "pos", "neg");

        PaucObjectiveOp() {
            super(PaucObjective.OP, OracleOps.params(
                    "tau", PaucObjective.Params.DEFAULTS.tau(),
                    "lambda_proto", PaucObjective.Params.DEFAULTS.lambdaProto(),
                    "lambda_align", PaucObjective.Params.DEFAULTS.lambdaAlign(),
                    "lambda_unif", PaucObjective.Params.DEFAULTS.lambdaUnif(),
                    "lambda_corr", PaucObjective.Params.DEFAULTS.lambdaCorr(),
                    "alpha", PaucObjective.Params.DEFAULTS.alpha(),
                    "t", PaucObjective.Params.DEFAULTS.t(),
                    "eps", PaucObjective.Params.DEFAULTS.eps()));
        }

        /** M = the number of C.m inputs; they must be C.0 … C.{M−1}. */
        private static int clusteringCount(Set<String> present) {
            Set<Integer> ms = new TreeSet<>();
            for (String n : present) {
                if (n.startsWith("C.")) {
                    try {
                        ms.add(Integer.parseInt(n.substring(2)));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(PaucObjective.OP + ": input " + n
                                + " is not of the form C.m with m = 0, 1, …");
                    }
                }
            }
            int m = ms.size();
            for (int i = 0; i < m; i++) {
                if (!ms.contains(i)) {
                    throw new IllegalArgumentException(PaucObjective.OP + ": clusterings must be numbered C.0 … C."
                            + (m - 1) + ", got " + ms);
                }
            }
            return m;
        }

        @Override
        public List<String> inputNames(Set<String> present) {
            List<String> names = new ArrayList<>(List.of("u", "k", "queue"));
            int m = clusteringCount(present);
            for (int i = 0; i < m; i++) {
                for (String n : PER_CLUSTERING) {
                    names.add(n + "." + i);
                }
            }
            return names;
        }

        @Override
        public List<String> gradInputs(Set<String> present) {
            return List.of("u");
        }

        private List<Clustering> clusterings(Map<String, Tensor> in) {
            int m = clusteringCount(in.keySet());
            List<Clustering> list = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                list.add(new Clustering(in.get("C." + i).asMat(at("C." + i)), in.get("phi." + i).asVector(at("phi." + i)),
                        in.get("pos." + i).asIndices(at("pos." + i)), in.get("neg." + i).asIndices(at("neg." + i))));
            }
            return list;
        }

        private static PaucObjective.Params objectiveParams(Map<String, Double> p) {
            return new PaucObjective.Params(p.get("tau"), p.get("lambda_proto"), p.get("lambda_align"),
                    p.get("lambda_unif"), p.get("lambda_corr"), p.get("alpha"), p.get("t"), p.get("eps"));
        }

        @Override
        protected Map<String, Tensor> compute(Map<String, Tensor> in, Map<String, Double> p) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("loss", Tensor.scalar(scalar(in, p)));
            out.put("grad.u", Tensor.of(PaucObjective.backward(in.get("u").asMat(at("u")), in.get("k").asMat(at("k")),
                    in.get("queue").asMat(at("queue")), clusterings(in), objectiveParams(p), 1)));
            return out;
        }

        @Override
        protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
            return PaucObjective.forward(in.get("u").asMat(at("u")), in.get("k").asMat(at("k")),
                    in.get("queue").asMat(at("queue")), clusterings(in), objectiveParams(p)).total();
        }
    }
}
