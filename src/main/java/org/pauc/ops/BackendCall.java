package org.pauc.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.tensor.DType;
import org.pauc.tensor.Tensor;

/**
 * One evaluation of an op on a {@link Backend}: host tensors go up as floats, results come down as doubles, and
 * every buffer it allocated is freed when it closes.
 */
public final class BackendCall implements AutoCloseable {
    private final Backend be;
    private final List<Buffer> live = new ArrayList<>();

    BackendCall(Backend be) {
        this.be = be;
    }

    public Backend backend() {
        return be;
    }

    /** The tensor, rounded to float, in a new buffer. */
    public Buffer up(Tensor t) {
        float[] f = new float[t.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) t.data()[i];
        }
        Buffer b = be.allocate(f.length);
        be.upload(f, 0, b, 0, f.length);
        live.add(b);
        return b;
    }

    /** Prototype ids in a new index buffer. */
    public Buffer ids(int[] ids) {
        Buffer b = be.allocateIndices(ids.length);
        be.uploadIndices(ids, b);
        live.add(b);
        return b;
    }

    public Buffer zeros(int n) {
        Buffer b = be.allocate(n);
        live.add(b);
        return b;
    }

    /** A buffer's contents as a double tensor of this shape. */
    public Tensor down(Buffer b, int... shape) {
        float[] f = be.download(b);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return new Tensor(DType.F64, shape, d);
    }

    /** A loss's outputs: "loss", then grad.NAME for each (name, tensor) pair. */
    static Map<String, Tensor> loss(double value, Object... gradNameTensor) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("loss", Tensor.scalar(value));
        for (int i = 0; i < gradNameTensor.length; i += 2) {
            out.put("grad." + gradNameTensor[i], (Tensor) gradNameTensor[i + 1]);
        }
        return out;
    }

    @Override
    public void close() {
        live.forEach(Buffer::close);
        live.clear();
    }
}
