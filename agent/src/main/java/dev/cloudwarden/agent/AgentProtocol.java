package dev.cloudwarden.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The signed-request format, declared once for both sides (the agent signs, the server verifies), in the
 * spirit of RFC 9421 (HTTP Message Signatures): what is signed is one line each for a fixed label, the
 * method, the path with its query, the timestamp (Unix seconds), the nonce, the SHA-256 digest of the
 * body and the key id ({@code <tenant>/<agent>}); the signature is Ed25519 over it. The platform's
 * commands to an agent ({@link AgentCommand}) are signed the same way, by the platform's command key.
 */
public final class AgentProtocol {

    public static final String LABEL = "cloudwarden-agent-request-v1";
    public static final String KEY_ID = "X-Agent-Key";
    public static final String TIMESTAMP = "X-Agent-Timestamp";
    public static final String NONCE = "X-Agent-Nonce";
    public static final String SIGNATURE = "X-Agent-Signature";
    /** How far a request's timestamp may be from the server's clock. */
    public static final long MAX_SKEW_SECONDS = 300;
    /** What the platform's command-signing key signs: this label, a newline, the command's bytes. */
    public static final String COMMAND_LABEL = "cloudwarden-agent-command-v1";
    /** What an agent's new key signs when it replaces the old one: this label, the command id, the new key. */
    public static final String ROTATION_LABEL = "cloudwarden-agent-key-rotation-v1";
    private static final Pattern NONCE_FORMAT = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    /** An Ed25519 SubjectPublicKeyInfo (RFC 8410) is this fixed prefix followed by the 32-byte key. */
    private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    /** A signed request's headers, well formed; whether the signature is right is for {@link #verifies}. */
    public record SignedHeaders(UUID tenantId, UUID agentId, String keyId, long timestamp, String nonce, byte[] signature) {
    }

    private AgentProtocol() {
    }

    public static byte[] base(String method, String pathAndQuery, long timestamp, String nonce, byte[] body, String keyId) {
        return String.join("\n", LABEL, method, pathAndQuery, Long.toString(timestamp), nonce, digest(body), keyId)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The headers of a signed request, or empty when any is missing or malformed. */
    public static Optional<SignedHeaders> parse(String keyId, String timestamp, String nonce, String signature) {
        if (keyId == null || keyId.length() != 73 || keyId.charAt(36) != '/' || timestamp == null || timestamp.length() > 19
                || nonce == null || !NONCE_FORMAT.matcher(nonce).matches() || signature == null || signature.length() != 88) {
            return Optional.empty();
        }
        try {
            UUID tenant = UUID.fromString(keyId.substring(0, 36));
            UUID agent = UUID.fromString(keyId.substring(37));
            // only the canonical spelling: the key id is part of what is signed
            if (!keyId.equals(tenant + "/" + agent) || !timestamp.matches("0|[1-9][0-9]{0,18}")) {
                return Optional.empty();
            }
            return Optional.of(new SignedHeaders(tenant, agent, keyId, Long.parseLong(timestamp), nonce, Base64.getDecoder().decode(signature)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static byte[] commandBase(byte[] command) {
        return concat((COMMAND_LABEL + "\n").getBytes(StandardCharsets.UTF_8), command);
    }

    public static byte[] rotationBase(UUID commandId, byte[] newPublicKey) {
        return String.join("\n", ROTATION_LABEL, commandId.toString(), Base64.getEncoder().encodeToString(newPublicKey))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code signature} is the Ed25519 signature of {@code message} by the raw 32-byte {@code publicKey}; false for anything malformed. */
    public static boolean verifies(byte[] publicKey, byte[] signature, byte[] message) {
        if (publicKey == null || publicKey.length != 32 || signature == null || signature.length != 64 || message == null) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(publicKey(publicKey));
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The JDK's public key for a raw 32-byte Ed25519 key. */
    public static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, raw)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
