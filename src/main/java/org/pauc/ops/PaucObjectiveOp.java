package org.pauc.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.pauc.backend.Buffer;
import org.pauc.objective.Objective;
import org.pauc.oracle.Clustering;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;
import org.pauc.tensor.Tensor;

/**
 * pauc_objective(u, k, queue, clusterings; τ, λs, α, t, eps): the whole objective of one step, with M clusterings
 * given as C.m, phi.m, pos.m, neg.m; differentiated w.r.t. the raw embeddings u. On a backend it is the training
 * code's own composition ({@link Objective}).
 */
final class PaucObjectiveOp extends NamedOp {
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

    private Mat mat(Map<String, Tensor> in, String name) {
        return in.get(name).asMat(at(name));
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        PaucObjective.validate(mat(in, "u"), mat(in, "k"), mat(in, "queue"), clusterings(in), objectiveParams(p));
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat u = mat(in, "u");
        List<Objective.ClusterBuffers> cls = new ArrayList<>();
        for (Clustering c : clusterings(in)) {
            cls.add(new Objective.ClusterBuffers(c.prototypes().rows, c.neg().length, call.up(Tensor.of(c.prototypes())),
                    call.up(Tensor.vector(c.phi())), call.ids(c.pos()), call.ids(c.neg())));
        }
        int size = u.data.length;
        Buffer du = call.zeros(size);
        Objective.Terms t = Objective.evaluate(call.backend(), u.rows, u.cols, call.up(in.get("u")), call.up(in.get("k")),
                mat(in, "queue").rows, call.up(in.get("queue")), cls, objectiveParams(p), call.zeros(size),
                call.zeros(size), du);
        return BackendCall.loss(t.total(), "u", call.down(du, u.rows, u.cols));
    }

    @Override
    protected List<Cases.Case> cases(Cases r) {
        return List.of(
                r.of("moco-m0", inputs(r, 5, 6, 8, new int[0], 0)),
                r.of("pauc-m1", inputs(r, 5, 6, 8, new int[] {4}, 2)),
                r.of("pauc-m2", Cases.params("lambda_align", 0.3, "lambda_unif", 0.7, "lambda_corr", 0.05, "alpha", 1.5,
                        "t", 3), inputs(r, 6, 5, 7, new int[] {3, 5}, 2)),
                r.of("pcl-m2", Cases.params("lambda_align", 0, "lambda_unif", 0, "lambda_corr", 0),
                        inputs(r, 4, 5, 6, new int[] {3, 6}, 2)),
                r.of("small-tau", Cases.params("tau", 0.02), inputs(r, 4, 4, 5, new int[] {5}, 1)));
    }

    /** Raw (unnormalised) u, unit keys and queue, and M clusterings of sizes ks with S negatives each. */
    private static Map<String, Tensor> inputs(Cases r, int n, int d, int rows, int[] ks, int negatives) {
        Map<String, Tensor> in = Cases.inputs("u", r.gaussian(n, d, 3), "k", r.unitRows(n, d), "queue",
                r.unitRows(rows, d));
        for (int m = 0; m < ks.length; m++) {
            int[] pos = r.ids(n, ks[m]);
            in.put("C." + m, Tensor.of(r.unitRows(ks[m], d)));
            in.put("phi." + m, Tensor.vector(r.positives(ks[m], 0.05, 0.4)));
            in.put("pos." + m, Tensor.indices(pos));
            in.put("neg." + m, Tensor.indices(r.negatives(pos, ks[m], negatives)));
        }
        return in;
    }
}
