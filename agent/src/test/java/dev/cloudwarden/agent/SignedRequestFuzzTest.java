package dev.cloudwarden.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * Fuzzes the server's check of a signed agent request (header parsing, then the Ed25519 signature over the
 * request's base): nothing throws, a parsed key id is the canonical one, and the signature verifies only
 * for the exact request that was signed. Runs for a bounded time in every build (JAZZER_FUZZ, agent/pom.xml).
 */
class SignedRequestFuzzTest {

    private static final String KEY_ID = "0b9c2a3e-5d7f-4e21-9a0b-1c2d3e4f5a6b/4f3e2d1c-0b9a-4876-8a5b-6c7d8e9f0a1b";
    private static final KeyPair AGENT = keys();
    private static final byte[] BODY = "{\"facts\":{\"os\":\"Linux\"}}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BASE = AgentProtocol.base("POST", "/agent/v1/heartbeat", 1_800_000_000L, "AAAAAAAAAAAAAAAAAAAAAAAA", BODY, KEY_ID);
    private static final byte[] SIGNATURE = sign(BASE);

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({KEY_ID, "/agent/v1/heartbeat", "POST", "1800000000", "AAAAAAAAAAAAAAAAAAAAAAAA"})
    void onlyTheSignedRequestVerifies(FuzzedDataProvider data) {
        String keyId = data.consumeBoolean() ? KEY_ID : data.consumeString(80);
        String timestamp = data.consumeString(24);
        String nonce = data.consumeString(70);
        boolean genuineSignature = data.consumeBoolean();
        String signature = genuineSignature ? Base64.getEncoder().encodeToString(SIGNATURE) : data.consumeString(100);
        String method = data.consumeBoolean() ? "POST" : data.consumeString(8);
        String path = data.consumeBoolean() ? "/agent/v1/heartbeat" : data.consumeString(40);
        byte[] body = data.consumeBoolean() ? BODY : data.consumeRemainingAsBytes();

        Optional<AgentProtocol.SignedHeaders> parsed = AgentProtocol.parse(keyId, timestamp, nonce, signature);
        if (parsed.isEmpty()) {
            return;
        }
        AgentProtocol.SignedHeaders headers = parsed.get();
        assertThat(headers.keyId()).isEqualTo(headers.tenantId() + "/" + headers.agentId()).isEqualTo(keyId);
        assertThat(Long.toString(headers.timestamp())).isEqualTo(timestamp);
        byte[] base = AgentProtocol.base(method, path, headers.timestamp(), headers.nonce(), body, headers.keyId());
        boolean verifies = AgentProtocol.verifies(AgentState.raw(AGENT.getPublic()), headers.signature(), base);
        assertThat(verifies).isEqualTo(Arrays.equals(base, BASE) && Arrays.equals(headers.signature(), SIGNATURE));
    }

    private static KeyPair keys() {
        try {
            return AgentState.newKeys();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sign(byte[] base) {
        try {
            java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
            signer.initSign(AGENT.getPrivate());
            signer.update(base);
            return signer.sign();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
