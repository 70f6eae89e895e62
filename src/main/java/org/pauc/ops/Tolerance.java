package org.pauc.ops;

/** An element passes when |got − want| ≤ atol + rtol·|want|. */
public record Tolerance(double rtol, double atol) {

    public boolean accepts(double got, double want) {
        return Math.abs(got - want) <= atol + rtol * Math.abs(want);
    }

    /** The looser of the two, element by element. */
    public Tolerance atLeast(Tolerance other) {
        return new Tolerance(Math.max(rtol, other.rtol), Math.max(atol, other.atol));
    }

    @Override
    public String toString() {
        return "rtol=" + rtol + " atol=" + atol;
    }
}
