package org.pauc.ops;

import java.util.List;
import java.util.Map;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;
import org.pauc.oracle.Mat;
import org.pauc.tensor.Tensor;

/**
 * A loss of one matrix input x and one parameter p (uniformity, correlation): the oracle's validate, forward and
 * backward, and the backend method that adds scale·dL/dx into a gradient buffer.
 */
abstract class OneInputLoss extends LossOp {
    interface Validate {
        void apply(Mat x, double p);
    }

    interface Forward {
        double apply(Mat x, double p);
    }

    interface Backward {
        Mat apply(Mat x, double p, double dL);
    }

    interface OnBackend {
        double apply(Backend be, int n, int d, Buffer x, float p, Buffer dx, float scale);
    }

    private final String input;
    private final String param;
    private final Validate validate;
    private final Forward forward;
    private final Backward backward;
    private final OnBackend onBackend;

    OneInputLoss(String name, String input, String param, double defaultValue, Validate validate, Forward forward,
                 Backward backward, OnBackend onBackend) {
        super(name, OracleOps.params(param, defaultValue), List.of(input), List.of(input));
        this.input = input;
        this.param = param;
        this.validate = validate;
        this.forward = forward;
        this.backward = backward;
        this.onBackend = onBackend;
    }

    @Override
    protected void validate(Map<String, Tensor> in, Map<String, Double> p) {
        validate.apply(mat(in, input), p.get(param));
    }

    @Override
    protected double scalar(Map<String, Tensor> in, Map<String, Double> p) {
        return forward.apply(mat(in, input), p.get(param));
    }

    @Override
    List<Mat> gradients(Map<String, Tensor> in, Map<String, Double> p) {
        return List.of(backward.apply(mat(in, input), p.get(param), 1));
    }

    @Override
    protected Map<String, Tensor> compute(BackendCall call, Map<String, Tensor> in, Map<String, Double> p) {
        Mat x = mat(in, input);
        Buffer dx = call.zeros(x.data.length);
        double l = onBackend.apply(call.backend(), x.rows, x.cols, call.up(in.get(input)), p.get(param).floatValue(), dx,
                1f);
        return BackendCall.loss(l, input, call.down(dx, x.rows, x.cols));
    }
}
