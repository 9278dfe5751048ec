package dev.cloudwarden.agentgateway.internal;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * What an agent signs, in the spirit of RFC 9421 (HTTP Message Signatures): one line each for a fixed
 * label, the method, the path with its query, the timestamp, the nonce, the SHA-256 digest of the body
 * and the key id ({@code <tenant>/<agent>}). A body, a path or a method changed on the way, or a
 * signature of another agent, does not verify.
 */
final class AgentSignatures {

    static final String LABEL = "cloudwarden-agent-request-v1";

    private AgentSignatures() {
    }

    static byte[] base(String method, String pathAndQuery, long timestamp, String nonce, byte[] body, String keyId) {
        return String.join("\n", LABEL, method, pathAndQuery, Long.toString(timestamp), nonce, digest(body), keyId)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 of the body's SHA-256. */
    static String digest(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** Whether {@code signature} is the agent's Ed25519 signature of {@code base}; false for anything malformed. */
    static boolean verifies(byte[] publicKey, byte[] signature, byte[] base) {
        if (publicKey == null || publicKey.length != 32 || signature == null || signature.length != 64) {
            return false;
        }
        try {
            new Ed25519Verify(publicKey).verify(signature, base);
            return true;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
