package dev.cloudwarden.identity.internal;

/**
 * The raw Argon2id function (RFC 9106): the same inputs give the same bytes whichever implementation
 * computes them, so hashes move freely between the native and the pure-Java one.
 */
interface Argon2Function {

    /** {@code hashLength} bytes of Argon2id over {@code password} with the parameters and salt of {@code params}. */
    byte[] compute(byte[] password, Argon2Hash params, int hashLength);

    /** {@code native} or {@code java}: the metric tag and the start-up log name it. */
    String implementation();
}
