package org.pauc.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Backends;
import org.pauc.backend.Buffer;
import org.pauc.objective.Objective;
import org.pauc.ops.NamedOp;
import org.pauc.ops.OpEvaluator;
import org.pauc.ops.OracleOps;
import org.pauc.ops.Tolerance;
import org.pauc.oracle.Align;
import org.pauc.oracle.Clustering;
import org.pauc.oracle.Concentration;
import org.pauc.oracle.Mat;
import org.pauc.oracle.PaucObjective;
import org.pauc.oracle.ProtoNce;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * Evaluates the loss contract's ops on a {@link Backend}: tensors are uploaded as floats, the backend's loss
 * ops run, results are downloaded. {@code concentration} is a host-side estimator shared by every backend
 * (the E-step runs on the host), so it is the oracle's code whatever the backend.
 */
public final class BackendEvaluator implements OpEvaluator {
    /** What a float32 backend is held to on the reference vectors, besides the file's own tolerance. */
    public static final Tolerance FLOAT = new Tolerance(2e-3, 2e-4);

    private final Backend be;

    /** The evaluator {@code --backend NAME} selects: the oracle's own ops for "oracle", else the backend's. */
    public static OpEvaluator forBackend(String name, int threads) {
        return name.equals("oracle") ? OpEvaluator.ORACLE : new BackendEvaluator(Backends.create(name, threads));
    }

    public BackendEvaluator(Backend backend) {
        this.be = backend;
    }

    @Override
    public String name() {
        return be.name();
    }

    @Override
    public Tolerance tolerance(Tolerance stated) {
        return stated.atLeast(FLOAT);
    }

    private final List<Buffer> live = new ArrayList<>();

    private Buffer up(Tensor t) {
        float[] f = new float[t.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) t.data()[i];
        }
        Buffer b = be.allocate(f.length);
        be.upload(f, 0, b, 0, f.length);
        live.add(b);
        return b;
    }

    private Buffer ids(int[] ids) {
        Buffer b = be.allocateIndices(ids.length);
        be.uploadIndices(ids, b);
        live.add(b);
        return b;
    }

    private Buffer zeros(int n) {
        Buffer b = be.allocate(n);
        live.add(b);
        return b;
    }

    private Tensor down(Buffer b, int... shape) {
        float[] f = be.download(b);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return new Tensor(DType.F64, shape, d);
    }

    private static Map<String, Tensor> loss(double value, Object... gradNameTensor) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("loss", Tensor.scalar(value));
        for (int i = 0; i < gradNameTensor.length; i += 2) {
            out.put("grad." + gradNameTensor[i], (Tensor) gradNameTensor[i + 1]);
        }
        return out;
    }

    @Override
    public Map<String, Tensor> evaluate(String opName, Map<String, Tensor> in, Map<String, Double> params) {
        NamedOp op = OracleOps.get(opName);
        Map<String, Double> p = op.resolve(in, params);
        try {
            return run(opName, in, p);
        } finally {
            live.forEach(Buffer::close);
            live.clear();
        }
    }

    private Map<String, Tensor> run(String op, Map<String, Tensor> in, Map<String, Double> p) {
        switch (op) {
            case "l2_normalize" -> {
                Mat x = in.get("x").asMat(op + ": x");
                Buffer y = zeros(x.data.length);
                Buffer dx = zeros(x.data.length);
                Buffer xb = up(in.get("x"));
                float eps = p.get("eps").floatValue();
                be.l2Normalize(x.rows, x.cols, xb, y, eps);
                be.l2NormalizeBackward(x.rows, x.cols, xb, up(in.get("dy")), dx, eps);
                Map<String, Tensor> out = new LinkedHashMap<>();
                out.put("y", down(y, x.rows, x.cols));
                out.put("grad.x", down(dx, x.rows, x.cols));
                return out;
            }
            case "info_nce" -> {
                Mat q = in.get("q").asMat(op + ": q");
                Mat queue = in.get("queue").asMat(op + ": queue");
                checkSame(op, "k", in.get("k").asMat(op + ": k"), q);
                Buffer dq = zeros(q.data.length);
                double l = be.infoNce(q.rows, q.cols, queue.rows, up(in.get("q")), up(in.get("k")), up(in.get("queue")),
                        p.get("tau").floatValue(), dq, 1f).loss();
                return loss(l, "q", down(dq, q.rows, q.cols));
            }
            case "proto_nce" -> {
                Mat q = in.get("q").asMat(op + ": q");
                Mat c = in.get("C").asMat(op + ": C");
                int[] neg = in.get("neg").asIndices(op + ": neg");
                checkClustering(op, q, c, in.get("phi"), in.get("pos").asIndices(op + ": pos"), neg, "");
                Buffer dq = zeros(q.data.length);
                double l = be.protoNce(q.rows, q.cols, c.rows, neg.length, up(in.get("q")), up(in.get("C")),
                        up(in.get("phi")), ids(in.get("pos").asIndices(op + ": pos")), ids(neg), dq, 1f).loss();
                return loss(l, "q", down(dq, q.rows, q.cols));
            }
            case "align" -> {
                Mat v = in.get("v").asMat(op + ": v");
                Mat c = in.get("C").asMat(op + ": C");
                int[] pos = in.get("pos").asIndices(op + ": pos");
                Align.forward(v, c, pos, p.get("alpha")); // validates shapes and ids
                Buffer dv = zeros(v.data.length);
                double l = be.align(v.rows, v.cols, c.rows, up(in.get("v")), up(in.get("C")), ids(pos),
                        p.get("alpha").floatValue(), dv, 1f);
                return loss(l, "v", down(dv, v.rows, v.cols));
            }
            case "uniformity" -> {
                Mat v = in.get("v").asMat(op + ": v");
                if (v.rows < 2) {
                    throw new IllegalArgumentException("uniformity: v needs N ≥ 2 rows (pairs of samples), got " + v.shape());
                }
                Buffer dv = zeros(v.data.length);
                double l = be.uniformity(v.rows, v.cols, up(in.get("v")), p.get("t").floatValue(), dv, 1f);
                return loss(l, "v", down(dv, v.rows, v.cols));
            }
            case "correlation" -> {
                Mat z = in.get("z").asMat(op + ": z");
                Buffer dz = zeros(z.data.length);
                double l = be.correlation(z.rows, z.cols, up(in.get("z")), p.get("eps").floatValue(), dz, 1f);
                return loss(l, "z", down(dz, z.rows, z.cols));
            }
            case "cross_correlation" -> {
                Mat za = in.get("za").asMat(op + ": za");
                checkSame(op, "zb", in.get("zb").asMat(op + ": zb"), za);
                Buffer da = zeros(za.data.length);
                Buffer db = zeros(za.data.length);
                double l = be.crossCorrelation(za.rows, za.cols, up(in.get("za")), up(in.get("zb")),
                        p.get("lambda_off").floatValue(), p.get("eps").floatValue(), da, db, 1f);
                return loss(l, "za", down(da, za.rows, za.cols), "zb", down(db, za.rows, za.cols));
            }
            case "concentration" -> {
                double[] phi = Concentration.compute(in.get("F").asMat(op + ": F"), in.get("C_raw").asMat(op + ": C_raw"),
                        in.get("assign").asIndices(op + ": assign"), p.get("alpha"), p.get("tau"));
                return Map.of("loss", Tensor.vector(phi));
            }
            case "pauc_objective" -> {
                return objective(in, p);
            }
            default -> throw new IllegalArgumentException("op '" + op + "' has no backend form");
        }
    }

    private Map<String, Tensor> objective(Map<String, Tensor> in, Map<String, Double> p) {
        String op = "pauc_objective";
        Mat u = in.get("u").asMat(op + ": u");
        checkSame(op, "k", in.get("k").asMat(op + ": k"), u);
        Mat queue = in.get("queue").asMat(op + ": queue");
        if (queue.cols != u.cols) {
            throw new IllegalArgumentException(op + ": queue must have " + u.cols + " columns, got " + queue.shape());
        }
        List<Objective.ClusterBuffers> cls = new ArrayList<>();
        for (int m = 0; in.containsKey("C." + m); m++) {
            Mat c = in.get("C." + m).asMat(op + ": C." + m);
            int[] pos = in.get("pos." + m).asIndices(op + ": pos." + m);
            int[] neg = in.get("neg." + m).asIndices(op + ": neg." + m);
            checkClustering(op, u, c, in.get("phi." + m), pos, neg, "." + m);
            cls.add(new Objective.ClusterBuffers(c.rows, neg.length, up(in.get("C." + m)), up(in.get("phi." + m)),
                    ids(pos), ids(neg)));
        }
        PaucObjective.Params params = new PaucObjective.Params(p.get("tau"), p.get("lambda_proto"), p.get("lambda_align"),
                p.get("lambda_unif"), p.get("lambda_corr"), p.get("alpha"), p.get("t"), p.get("eps"));
        if (params.lambdaUnif() != 0 && u.rows < 2) {
            throw new IllegalArgumentException("uniformity: v needs N ≥ 2 rows (pairs of samples), got " + u.shape());
        }
        int size = u.data.length;
        Buffer du = zeros(size);
        Objective.Terms t = Objective.evaluate(be, u.rows, u.cols, up(in.get("u")), up(in.get("k")), queue.rows,
                up(in.get("queue")), cls, params, zeros(size), zeros(size), du);
        return loss(t.total(), "u", down(du, u.rows, u.cols));
    }

    private static void checkSame(String op, String name, Mat m, Mat like) {
        if (m.rows != like.rows || m.cols != like.cols) {
            throw new IllegalArgumentException(op + ": " + name + " must be " + like.shape() + ", got " + m.shape());
        }
    }

    /** The same validation as the oracle's proto_nce, so that bad ids fail cleanly before reaching a kernel. */
    private static void checkClustering(String op, Mat q, Mat c, Tensor phi, int[] pos, int[] neg, String suffix) {
        try {
            new Clustering(c, phi.asVector(op + ": phi" + suffix), pos, neg);
            ProtoNce.logits(q, new Clustering(c, phi.asVector(op + ": phi" + suffix),
                    pos, neg));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + suffix + ": " + e.getMessage(), e);
        }
    }
}
