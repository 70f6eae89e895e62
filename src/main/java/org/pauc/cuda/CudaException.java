package org.pauc.cuda;

/** A failed CUDA, cuBLAS or NVRTC call: names the call and carries the library's own error string. */
public class CudaException extends RuntimeException {
    public CudaException(String message) {
        super(message);
    }
}
