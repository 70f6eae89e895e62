package org.pauc.backend;

/**
 * A batch norm's buffers and settings as {@link Backend#conv2dBatchNorm} takes them: γ and β, the running mean and
 * variance, the batch's mean and 1/sqrt(σ² + eps) saved for backward, the running statistics' momentum, eps, and
 * whether a ReLU follows.
 */
public record NormBuffers(Buffer gamma, Buffer beta, Buffer runMean, Buffer runVar, Buffer saveMean,
                          Buffer saveInvStd, float momentum, float eps, boolean relu) {}
