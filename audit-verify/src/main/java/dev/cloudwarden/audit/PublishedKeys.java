package dev.cloudwarden.audit;

import java.util.List;

/**
 * The digest-signing public keys a server publishes at {@code /.well-known/cloudwarden-audit-keys.json},
 * current and retired: a digest verifies only with the key it names, and only if it was signed while
 * that key was valid ({@code validFrom} ≤ signedAt, and before {@code validUntil} when set).
 */
public record PublishedKeys(List<Key> keys) {

    public PublishedKeys {
        keys = List.copyOf(keys);
    }

    /** @param publicKey base64 of the X.509 SubjectPublicKeyInfo (what the JDK and openssl read) */
    public record Key(String keyId, String algorithm, String publicKey, String validFrom, String validUntil) {
    }
}
