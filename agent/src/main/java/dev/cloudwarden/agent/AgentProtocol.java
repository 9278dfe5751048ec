package dev.cloudwarden.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The signed-request format, declared once for both sides (the agent signs, the server verifies), in the
 * spirit of RFC 9421 (HTTP Message Signatures): what is signed is one line each for a fixed label, the
 * method, the path with its query, the timestamp (Unix seconds), the nonce, the SHA-256 digest of the
 * body and the key id ({@code <tenant>/<agent>}); the signature is Ed25519 over it.
 */
public final class AgentProtocol {

    public static final String LABEL = "cloudwarden-agent-request-v1";
    public static final String KEY_ID = "X-Agent-Key";
    public static final String TIMESTAMP = "X-Agent-Timestamp";
    public static final String NONCE = "X-Agent-Nonce";
    public static final String SIGNATURE = "X-Agent-Signature";
    /** How far a request's timestamp may be from the server's clock. */
    public static final long MAX_SKEW_SECONDS = 300;

    private AgentProtocol() {
    }

    public static byte[] base(String method, String pathAndQuery, long timestamp, String nonce, byte[] body, String keyId) {
        return String.join("\n", LABEL, method, pathAndQuery, Long.toString(timestamp), nonce, digest(body), keyId)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 of the body's SHA-256. */
    public static String digest(byte[] body) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }
}
