package org.pauc.nn;

import java.util.List;
import org.pauc.backend.Backend;
import org.pauc.backend.Buffer;

public final class GlobalAvgPool implements Layer {
    @Override
    public Dims output(Dims in) {
        return new Dims(1, 1, in.c());
    }

    @Override
    public void forward(Backend be, int n, Dims in, Buffer x, Buffer y, boolean train) {
        be.globalAvgPool(n, in.h() * in.w(), in.c(), x, y);
    }

    @Override
    public void backward(Backend be, int n, Dims in, Buffer x, Buffer y, Buffer dy, Buffer dx) {
        if (dx != null) {
            be.globalAvgPoolBackward(n, in.h() * in.w(), in.c(), dy, dx);
        }
    }

    @Override
    public List<Param> params() {
        return List.of();
    }

    @Override
    public String describe() {
        return "global-avg-pool";
    }
}
