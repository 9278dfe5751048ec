package dev.cloudwarden.agentgateway.internal;

import com.google.crypto.tink.subtle.Ed25519Verify;
import java.security.GeneralSecurityException;

/** The server's check of an agent's signature, over the format both sides share ({@code agent.AgentProtocol}). */
final class AgentSignatures {

    private AgentSignatures() {
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
