package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.agent.AgentProtocol;
import com.google.crypto.tink.subtle.Ed25519Sign;
import dev.cloudwarden.support.Api;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

/** Host agents for tests outside this package: enrolled through the real API, heartbeats signed as an agent signs them. */
public final class TestAgents {

    private TestAgents() {
    }

    /** An enrolled agent's id after one signed heartbeat (every agent table then holds a row of the tenant). */
    public static UUID enrolAndBeat(Api api, String adminToken, Instant now) throws Exception {
        String token = api.post("/api/v1/agents/enrollment-tokens", "", adminToken).json().get("token").asString();
        Ed25519Sign.KeyPair keys = Ed25519Sign.KeyPair.newKeyPair();
        Api.Response enrolled = api.post("/agent/v1/enroll", Map.of("token", token, "publicKey",
                Base64.getEncoder().encodeToString(keys.getPublicKey()), "hostname", "test-host"), null);
        if (enrolled.status() != 201) {
            throw new AssertionError("agent enrolment failed: " + enrolled.status() + " " + enrolled.body());
        }
        String keyId = enrolled.json().get("keyId").asString();
        byte[] body = "{\"facts\":{\"os\":\"test\"}}".getBytes(StandardCharsets.UTF_8);
        String nonce = UUID.randomUUID().toString().replace("-", "");
        byte[] base = AgentProtocol.base("POST", "/agent/v1/heartbeat", now.getEpochSecond(), nonce, body, keyId);
        Api.Response beat = api.send(api.request("/agent/v1/heartbeat", null).header("Content-Type", "application/json")
                .header(AgentProtocol.KEY_ID, keyId).header(AgentProtocol.TIMESTAMP, Long.toString(now.getEpochSecond()))
                .header(AgentProtocol.NONCE, nonce)
                .header(AgentProtocol.SIGNATURE, Base64.getEncoder().encodeToString(new Ed25519Sign(keys.getPrivateKey()).sign(base)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        if (beat.status() != 204) {
            throw new AssertionError("heartbeat refused: " + beat.status() + " " + beat.body());
        }
        return UUID.fromString(enrolled.json().get("agentId").asString());
    }
}
