package dev.cloudwarden.audit;

/**
 * A signed statement that a tenant's chain ran from {@code firstSeq} to {@code lastSeq} ending in
 * {@code lastHash}, linked to the digest before it by that digest's signature (base64; empty for
 * the first). The signature is Ed25519 over {@link Canonical#digest}, by the published key
 * {@code keyId}.
 */
public record Digest(String tenantId, long firstSeq, long lastSeq, String lastHash, String signedAt, String previousSignature,
                     String keyId, String signature) {
}
