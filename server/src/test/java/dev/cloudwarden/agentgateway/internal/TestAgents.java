package dev.cloudwarden.agentgateway.internal;

import com.google.crypto.tink.subtle.Ed25519Sign;
import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.support.Api;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;

/** Host agents for tests: enrolled through the real API, their requests signed as an agent signs them (AgentProtocol). */
public final class TestAgents {

    private TestAgents() {
    }

    /** An agent as its host holds it: its id, the key id it signs with, its key pair. */
    public record Enrolled(UUID id, String keyId, Ed25519Sign.KeyPair keys) {
    }

    public static Enrolled enrol(Api api, String adminToken, String hostname) throws GeneralSecurityException {
        String token = api.post("/api/v1/agents/enrollment-tokens", "", adminToken).json().get("token").asString();
        Ed25519Sign.KeyPair keys = Ed25519Sign.KeyPair.newKeyPair();
        Api.Response enrolled = api.post("/agent/v1/enroll", Map.of("token", token, "publicKey",
                Base64.getEncoder().encodeToString(keys.getPublicKey()), "hostname", hostname, "facts", Map.of("os", "Debian 12", "cpus", 2)), null);
        if (enrolled.status() != 201) {
            throw new AssertionError("agent enrolment failed: " + enrolled.status() + " " + enrolled.body());
        }
        return new Enrolled(UUID.fromString(enrolled.json().get("agentId").asString()), enrolled.json().get("keyId").asString(), keys);
    }

    public static String nonce() {
        byte[] b = new byte[18];
        ThreadLocalRandom.current().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A request signed with {@code keys} under {@code keyId}; a test may sign one body and send another. */
    public static HttpRequest request(Api api, Ed25519Sign.KeyPair keys, String keyId, String method, String path, long timestamp, String nonce,
                                      byte[] signedBody, byte[] sentBody) throws GeneralSecurityException {
        byte[] base = AgentProtocol.base(method, path, timestamp, nonce, signedBody, keyId);
        String signature = Base64.getEncoder().encodeToString(new Ed25519Sign(keys.getPrivateKey()).sign(base));
        return api.request(path, null).header("Content-Type", "application/json").header(AgentProtocol.KEY_ID, keyId)
                .header(AgentProtocol.TIMESTAMP, Long.toString(timestamp)).header(AgentProtocol.NONCE, nonce)
                .header(AgentProtocol.SIGNATURE, signature).method(method, HttpRequest.BodyPublishers.ofByteArray(sentBody)).build();
    }

    /** A request the agent signs at {@code now}, as its own. */
    public static Api.Response send(Api api, Enrolled agent, String method, String path, String body, Instant now) throws GeneralSecurityException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return api.send(request(api, agent.keys(), agent.keyId(), method, path, now.getEpochSecond(), nonce(), bytes, bytes));
    }

    /** An enrolled agent's id after one signed heartbeat (every agent table then holds a row of the tenant). */
    public static UUID enrolAndBeat(Api api, String adminToken, Instant now) throws GeneralSecurityException {
        Enrolled agent = enrol(api, adminToken, "test-host");
        Api.Response beat = send(api, agent, "POST", "/agent/v1/heartbeat", "{\"facts\":{\"os\":\"test\"}}", now);
        if (beat.status() != 204) {
            throw new AssertionError("heartbeat refused: " + beat.status() + " " + beat.body());
        }
        return agent.id();
    }

    /**
     * An administrator's key rotation, carried out as the agent does it: it polls the command, makes a new key
     * and reports with the new key's proof. Returns the agent holding its new key.
     */
    public static Enrolled rotateKey(Api api, String adminToken, Enrolled agent, Instant now) throws GeneralSecurityException {
        Api.Response issued = api.post("/api/v1/agents/" + agent.id() + "/commands", Map.of("type", "rotate_key"), adminToken);
        if (issued.status() != 201) {
            throw new AssertionError("command refused: " + issued.status() + " " + issued.body());
        }
        UUID command = UUID.fromString(issued.json().get("id").asString());
        JsonNode waiting = send(api, agent, "GET", "/agent/v1/commands", "", now).json().get("commands");
        if (waiting.size() != 1) {
            throw new AssertionError("the agent did not receive its command: " + waiting);
        }
        Ed25519Sign.KeyPair next = Ed25519Sign.KeyPair.newKeyPair();
        String proof = Base64.getEncoder().encodeToString(new Ed25519Sign(next.getPrivateKey()).sign(AgentProtocol.rotationBase(command, next.getPublicKey())));
        Api.Response reported = send(api, agent, "POST", "/agent/v1/commands/" + command + "/result", "{\"outcome\":\"succeeded\",\"publicKey\":\""
                + Base64.getEncoder().encodeToString(next.getPublicKey()) + "\",\"proof\":\"" + proof + "\"}", now);
        if (reported.status() != 204) {
            throw new AssertionError("rotation refused: " + reported.status() + " " + reported.body());
        }
        return new Enrolled(agent.id(), agent.keyId(), next);
    }
}
