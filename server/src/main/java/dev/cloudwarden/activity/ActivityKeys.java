package dev.cloudwarden.activity;

import dev.cloudwarden.audit.PublishedKeys;
import java.util.UUID;

/** The keys the activity history uses, kept by the crypto module. */
public interface ActivityKeys {

    /** The tenant's keyed hash (HMAC-SHA256) of a detail value, for the "hmac:" form. */
    byte[] detailHash(UUID tenant, byte[] value);

    /**
     * The current digest-signing key, held (against a concurrent rotation) until the calling
     * transaction ends; call inside one.
     */
    Signer currentSigner();

    /** Every digest-signing public key, current and retired, with its validity. */
    PublishedKeys publishedKeys();

    interface Signer {
        String keyId();

        /** Ed25519 over {@code message}: the raw 64-byte signature. */
        byte[] sign(byte[] message);
    }
}
