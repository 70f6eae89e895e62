package org.pauc.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/** A scalar loss: {@link #scalar} is its forward; {@link #compute} adds the gradient of each differentiated input. */
abstract class LossOp extends FixedOp {
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
