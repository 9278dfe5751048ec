package dev.cloudwarden.agentgateway.internal;

import dev.cloudwarden.agent.AgentCommand;
import dev.cloudwarden.agent.AgentProtocol;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.subtle.Ed25519Sign;
import dev.cloudwarden.lifecycle.TenantLifecycle;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Promise P16, the server's side, through the real parts: enrolment with a single-use, expiring token
 * that registers the agent's own Ed25519 key; heartbeats signed over method, path, timestamp, nonce and
 * body; and every kind of forged, replayed, skewed, altered or foreign request refused with one answer.
 */
class AgentGatewayTest extends IntegrationTest {

    @Autowired
    TenantLifecycle lifecycle;

    /** An agent as a host holds it: its key pair and the key id the server gave it. */
    record TestAgent(Ed25519Sign.KeyPair keys, String keyId, UUID id) {
        TestAgents.Enrolled enrolled() {
            return new TestAgents.Enrolled(id, keyId, keys);
        }
    }

    @AfterEach
    void wallClock() {
        clock.reset();
    }

    private String enrollmentToken(Api.Tenant t) {
        Api.Response r = api.post("/api/v1/agents/enrollment-tokens", "", t.token());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().get("expiresAt").asString()).isNotBlank();
        return r.json().get("token").asString();
    }

    private TestAgent enroll(String token, String hostname) throws Exception {
        Ed25519Sign.KeyPair keys = Ed25519Sign.KeyPair.newKeyPair();
        Api.Response r = api.post("/agent/v1/enroll", Map.of("token", token, "publicKey", Base64.getEncoder().encodeToString(keys.getPublicKey()),
                "hostname", hostname, "facts", Map.of("os", "Debian 12", "cpus", 2)), null);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        commandKey = Base64.getDecoder().decode(r.json().get("commandKey").asString());
        return new TestAgent(keys, r.json().get("keyId").asString(), UUID.fromString(r.json().get("agentId").asString()));
    }

    /** The platform's command key as the last enrolment gave it. */
    private byte[] commandKey;

    private static String nonce() {
        return TestAgents.nonce();
    }

    /** A signed request as the agent builds it; {@code signedBody} lets a test sign one body and send another. */
    private HttpRequest signed(TestAgent agent, String keyId, String path, long timestamp, String nonce, byte[] signedBody, byte[] sentBody)
            throws Exception {
        return signed(agent, keyId, "POST", path, timestamp, nonce, signedBody, sentBody);
    }

    private HttpRequest signed(TestAgent agent, String keyId, String method, String path, long timestamp, String nonce, byte[] signedBody,
                               byte[] sentBody) throws Exception {
        return TestAgents.request(api, agent.keys(), keyId, method, path, timestamp, nonce, signedBody, sentBody);
    }

    /** A request signed now by {@code agent}, as its own. */
    private Api.Response send(TestAgent agent, String method, String path, String body) throws Exception {
        return TestAgents.send(api, agent.enrolled(), method, path, body, clock.instant());
    }

    private HttpRequest heartbeat(TestAgent agent, String hostFacts) throws Exception {
        byte[] body = ("{\"facts\":" + hostFacts + "}").getBytes(StandardCharsets.UTF_8);
        return signed(agent, agent.keyId(), "/agent/v1/heartbeat", clock.instant().getEpochSecond(), nonce(), body, body);
    }

    private JsonNode agentOf(Api.Tenant t, UUID id) {
        for (JsonNode a : api.get("/api/v1/agents", t.token()).json()) {
            if (a.get("id").asString().equals(id.toString())) {
                return a;
            }
        }
        return null;
    }

    @Test
    void anAgentEnrolsOnceThenItsSignedHeartbeatsArriveAndRevocationEndsThem() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Org");
        String token = enrollmentToken(t);
        TestAgent agent = enroll(token, "web-1.example.internal");
        assertThat(agent.keyId()).isEqualTo(t.tenantId() + "/" + agent.id());
        // the token worked once
        Api.Response again = api.post("/agent/v1/enroll", Map.of("token", token, "publicKey",
                Base64.getEncoder().encodeToString(Ed25519Sign.KeyPair.newKeyPair().getPublicKey()), "hostname", "web-2"), null);
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().get("field").asString()).isEqualTo("token");
        assertThat(agentOf(t, agent.id()).get("status").asString()).as("never heard from").isEqualTo("stale");

        Api.Response beat = api.send(heartbeat(agent, "{\"os\":\"Debian 12\",\"kernel\":\"6.1.0\",\"uptimeSeconds\":3600}"));
        assertThat(beat.status()).as(beat.body()).isEqualTo(204);
        JsonNode seen = agentOf(t, agent.id());
        assertThat(seen.get("status").asString()).isEqualTo("online");
        assertThat(seen.get("hostname").asString()).isEqualTo("web-1.example.internal");
        assertThat(seen.get("facts").get("kernel").asString()).isEqualTo("6.1.0");
        clock.advance(Duration.ofMinutes(4));
        assertThat(agentOf(t, agent.id()).get("status").asString()).isEqualTo("stale");

        assertThat(api.delete("/api/v1/agents/" + agent.id(), t.token()).status()).isEqualTo(204);
        assertThat(agentOf(t, agent.id()).get("status").asString()).isEqualTo("revoked");
        Api.Response refused = api.send(heartbeat(agent, "{}"));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action in "
                + "('agent.enrollment_token_created', 'agent.enrolled', 'agent.revoked')", t.tenantId())).isEqualTo(3);
        // the token is kept as a keyed hash only, and the agent's private key never left it
        assertThat(TestDatabase.pgDump()).doesNotContain(token, Base64.getEncoder().encodeToString(agent.keys().getPrivateKey()));
    }

    @Test
    void replaysAlteredBodiesSkewedClocksReusedNoncesAndForeignIdsAreAllRefusedAlike() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Forgery Org");
        TestAgent agent = enroll(enrollmentToken(t), "db-1");
        TestAgent other = enroll(enrollmentToken(t), "db-2");
        Api.Tenant elsewhere = api.signUpAndSignIn("Agent Elsewhere Org");
        TestAgent foreign = enroll(enrollmentToken(elsewhere), "db-3");
        byte[] body = "{\"facts\":{\"os\":\"Debian 12\"}}".getBytes(StandardCharsets.UTF_8);
        long now = clock.instant().getEpochSecond();
        String path = "/agent/v1/heartbeat";

        HttpRequest captured = signed(agent, agent.keyId(), path, now, nonce(), body, body);
        assertThat(api.send(captured).status()).isEqualTo(204);
        Api.Response replay = api.send(captured);
        assertThat(replay.status()).as("the same request again").isEqualTo(401);
        String refusal = replay.body();

        List<HttpRequest> forged = List.of(
                // a changed body under the old signature
                signed(agent, agent.keyId(), path, now, nonce(), body, "{\"facts\":{\"os\":\"evil\"}}".getBytes(StandardCharsets.UTF_8)),
                // a clock six minutes off, either way
                signed(agent, agent.keyId(), path, now - 360, nonce(), body, body),
                signed(agent, agent.keyId(), path, now + 360, nonce(), body, body),
                // another agent's id, of this tenant and of another, signed with this agent's key
                signed(agent, other.keyId(), path, now, nonce(), body, body),
                signed(agent, foreign.keyId(), path, now, nonce(), body, body),
                // this agent's id in another tenant's scope
                signed(agent, elsewhere.tenantId() + "/" + agent.id(), path, now, nonce(), body, body),
                // signed for another path
                signed(agent, agent.keyId(), "/agent/v1/enroll", now, nonce(), body, body));
        for (HttpRequest request : forged) {
            Api.Response r = api.send(HttpRequest.newBuilder(request, (name, value) -> true)
                    .uri(api.uri(path)).build());
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.body()).isEqualTo(refusal);
        }
        // a nonce used once is refused with a fresh signature too
        String used = nonce();
        assertThat(api.send(signed(agent, agent.keyId(), path, now, used, body, body)).status()).isEqualTo(204);
        assertThat(api.send(signed(agent, agent.keyId(), path, now + 1, used, body, body)).status()).isEqualTo(401);
        // no signature at all, or garbage
        assertThat(api.post(path, Map.of("facts", Map.of()), null).status()).isEqualTo(401);
        assertThat(api.send(api.request(path, null).header(AgentProtocol.KEY_ID, "x").header(AgentProtocol.TIMESTAMP, "y")
                .header(AgentProtocol.NONCE, "z").header(AgentProtocol.SIGNATURE, "!!")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()).body()).isEqualTo(refusal);
        // the forged body changed nothing
        assertThat(agentOf(t, agent.id()).get("facts").get("os").asString()).isEqualTo("Debian 12");
    }

    @Test
    void tokensAreSingleUseExpireAndBelongToTheirTenantAndBadInputIsNamed() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Token Org");
        String key = Base64.getEncoder().encodeToString(Ed25519Sign.KeyPair.newKeyPair().getPublicKey());
        String token = enrollmentToken(t);
        record Bad(String field, Map<String, Object> body) {
        }
        for (Bad bad : List.of(
                new Bad("token", Map.of("token", "cwa_nonsense", "publicKey", key, "hostname", "h")),
                new Bad("token", Map.of("publicKey", key, "hostname", "h")),
                new Bad("publicKey", Map.of("token", token, "publicKey", "AAAA", "hostname", "h")),
                new Bad("hostname", Map.of("token", token, "publicKey", key, "hostname", "bad host;rm -rf")),
                new Bad("facts", Map.of("token", token, "publicKey", key, "hostname", "h", "facts", Map.of("nested", Map.of("a", 1)))))) {
            Api.Response r = api.post("/agent/v1/enroll", bad.body(), null);
            assertThat(r.status()).as(bad.toString()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(bad.toString()).isEqualTo(bad.field());
        }
        assertThat(TestDatabase.count("select count(*) from agents where tenant_id = ?", t.tenantId())).isZero();
        // a token past its 24 hours
        clock.advance(Duration.ofHours(25));
        Api.Response expired = api.post("/agent/v1/enroll", Map.of("token", token, "publicKey", key, "hostname", "late"), null);
        assertThat(expired.status()).isEqualTo(400);
        clock.reset();
        // a VIEWER makes no tokens; another tenant revokes nothing of this one
        TestAgent agent = enroll(enrollmentToken(t), "app-1");
        Api.Tenant stranger = api.signUpAndSignIn("Agent Stranger Org");
        assertThat(api.delete("/api/v1/agents/" + agent.id(), stranger.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/agents", stranger.token()).json().size()).isZero();
        assertThat(api.send(heartbeat(agent, "{}")).status()).isEqualTo(204);
    }

    @Test
    void theConsoleShowsTheTokenOnceListsAgentsAndRevokesThem() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Console Org");
        dev.cloudwarden.support.ConsoleClient console = new dev.cloudwarden.support.ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        assertThat(console.get("/console/agents").body()).contains("No agent has enrolled yet");
        Api.Response created = console.submit("/console/agents", "/console/agents/enrollment-tokens", Map.of());
        assertThat(created.status()).isEqualTo(200);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(cwa_[A-Za-z0-9_-]+)").matcher(created.body());
        assertThat(m.find()).as("the token is shown").isTrue();
        assertThat(created.body()).contains("java -jar cloudwarden-agent.jar enroll --server https://");
        assertThat(console.get("/console/agents").body()).as("shown once").doesNotContain(m.group(1));
        TestAgent agent = enroll(m.group(1), "console-host-1");
        assertThat(console.get("/console/agents").body()).contains("console-host-1", "<td>Stale</td>");
        // a command from the console, and a bad one named without being sent
        assertThat(console.submit("/console/agents", "/console/agents/" + agent.id() + "/commands", Map.of("type", "collect_facts"))
                .status()).isEqualTo(302);
        assertThat(console.get("/console/agents").body()).contains("Command sent");
        assertThat(console.submit("/console/agents", "/console/agents/" + agent.id() + "/commands",
                Map.of("type", "update_interval", "intervalSeconds", "5")).status()).isEqualTo(302);
        assertThat(console.get("/console/agents").body()).contains("Not sent: Interval seconds");
        assertThat(poll(agent)).singleElement().extracting(AgentCommand::type).isEqualTo("collect_facts");
        Api.Response revoked = console.submit("/console/agents", "/console/agents/" + agent.id() + "/revoke", Map.of());
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(console.get("/console/agents").body()).contains("revoked");
        assertThat(api.send(heartbeat(agent, "{}")).status()).isEqualTo(401);
    }

    /** The commands an agent receives at its poll, checked as the agent checks them: the platform's signature, then the bytes. */
    private List<AgentCommand> poll(TestAgent agent) throws Exception {
        Api.Response r = send(agent, "GET", "/agent/v1/commands", "");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<AgentCommand> commands = new java.util.ArrayList<>();
        for (JsonNode envelope : r.json().get("commands")) {
            byte[] payload = Base64.getDecoder().decode(envelope.get("payload").asString());
            assertThat(AgentProtocol.verifies(commandKey, Base64.getDecoder().decode(envelope.get("signature").asString()),
                    AgentProtocol.commandBase(payload))).as("signed by the platform's command key").isTrue();
            commands.add(AgentCommand.decode(payload));
        }
        return commands;
    }

    private JsonNode commandOf(Api.Tenant t, UUID agent, UUID command) {
        for (JsonNode c : api.get("/api/v1/agents/" + agent + "/commands", t.token()).json()) {
            if (c.get("id").asString().equals(command.toString())) {
                return c;
            }
        }
        return null;
    }

    @Test
    void aCommandIsSignedGoesOnlyToItsAgentAndOnlyThatAgentReportsOnIt() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Command Org");
        TestAgent agent = enroll(enrollmentToken(t), "cmd-1");
        TestAgent sibling = enroll(enrollmentToken(t), "cmd-2");
        Api.Tenant elsewhere = api.signUpAndSignIn("Agent Command Elsewhere Org");
        TestAgent foreign = enroll(enrollmentToken(elsewhere), "cmd-3");
        assertThat(commandKey).hasSize(32);

        Api.Response issued = api.post("/api/v1/agents/" + agent.id() + "/commands", Map.of("type", "collect_facts"), t.token());
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        UUID id = UUID.fromString(issued.json().get("id").asString());
        assertThat(issued.json().get("status").asString()).isEqualTo("pending");
        assertThat(poll(sibling)).isEmpty();
        assertThat(poll(foreign)).isEmpty();
        List<AgentCommand> received = poll(agent);
        assertThat(received).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo(id);
            assertThat(c.agentId()).isEqualTo(agent.id());
            assertThat(c.tenantId()).isEqualTo(t.tenantId());
            assertThat(c.type()).isEqualTo("collect_facts");
            assertThat(c.expiresAt() - c.issuedAt()).isEqualTo(AgentCommands.LIFETIME.toSeconds());
        });
        assertThat(commandOf(t, agent.id(), id).get("status").asString()).isEqualTo("delivered");
        assertThat(poll(agent)).as("delivered, not yet reported: offered again").hasSize(1);

        // only its agent reports on it, signed; the others get the same 404 as for a command that does not exist
        String done = "{\"outcome\":\"succeeded\"}";
        assertThat(send(sibling, "POST", "/agent/v1/commands/" + id + "/result", done).status()).isEqualTo(404);
        assertThat(send(foreign, "POST", "/agent/v1/commands/" + id + "/result", done).status()).isEqualTo(404);
        assertThat(send(agent, "POST", "/agent/v1/commands/" + UUID.randomUUID() + "/result", done).status()).isEqualTo(404);
        assertThat(api.post("/agent/v1/commands/" + id + "/result", Map.of("outcome", "succeeded"), null).status()).isEqualTo(401);
        assertThat(api.get("/agent/v1/commands", null).status()).isEqualTo(401);
        Api.Response bad = send(agent, "POST", "/agent/v1/commands/" + id + "/result", "{\"outcome\":\"maybe\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asString()).isEqualTo("outcome");
        assertThat(send(agent, "POST", "/agent/v1/commands/" + id + "/result", done).status()).isEqualTo(204);
        assertThat(commandOf(t, agent.id(), id).get("status").asString()).isEqualTo("succeeded");
        assertThat(send(agent, "POST", "/agent/v1/commands/" + id + "/result", done).status()).as("reported once").isEqualTo(404);
        assertThat(poll(agent)).isEmpty();
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'agent.command_issued' "
                + "and actor_type = 'user' and target_id = ?", t.tenantId(), id.toString())).isEqualTo(1);
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'agent.command_completed' "
                + "and actor_type = 'agent' and actor_id = ? and target_id = ?", t.tenantId(), agent.id(), id.toString())).isEqualTo(1);

        // bad commands are named and change nothing
        record Bad(String field, Map<String, Object> body) {
        }
        for (Bad b : List.of(new Bad("type", Map.of("type", "reboot")), new Bad("type", Map.of()),
                new Bad("intervalSeconds", Map.of("type", "update_interval")),
                new Bad("intervalSeconds", Map.of("type", "update_interval", "intervalSeconds", 5)),
                new Bad("intervalSeconds", Map.of("type", "collect_facts", "intervalSeconds", 60)))) {
            Api.Response r = api.post("/api/v1/agents/" + agent.id() + "/commands", b.body(), t.token());
            assertThat(r.status()).as(b.toString()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(b.toString()).isEqualTo(b.field());
        }
        assertThat(api.post("/api/v1/agents/" + foreign.id() + "/commands", Map.of("type", "collect_facts"), t.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/agents/" + foreign.id() + "/commands", t.token()).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/agents/not-an-id/commands", Map.of("type", "collect_facts"), t.token()).status()).isEqualTo(404);
        assertThat(TestDatabase.count("select count(*) from agent_commands where tenant_id = ?", t.tenantId())).isEqualTo(1);

        // a command not picked up in time expires: never delivered, shown as expired
        UUID late = UUID.fromString(api.post("/api/v1/agents/" + agent.id() + "/commands",
                Map.of("type", "update_interval", "intervalSeconds", 120), t.token()).json().get("id").asString());
        clock.advance(AgentCommands.LIFETIME.plusSeconds(1));
        assertThat(poll(agent)).isEmpty();
        assertThat(commandOf(t, agent.id(), late).get("status").asString()).isEqualTo("expired");
        assertThat(commandOf(t, agent.id(), late).get("intervalSeconds").asInt()).isEqualTo(120);
        // delivered, then reported too late: past its expiry (and the skew window) the report is refused like any unknown one
        UUID slow = UUID.fromString(api.post("/api/v1/agents/" + agent.id() + "/commands", Map.of("type", "collect_facts"), t.token())
                .json().get("id").asString());
        assertThat(poll(agent)).extracting(AgentCommand::id).containsExactly(slow);
        clock.advance(AgentCommands.LIFETIME.plus(Agents.SKEW).plusSeconds(1));
        assertThat(send(agent, "POST", "/agent/v1/commands/" + slow + "/result", done).status()).isEqualTo(404);
        assertThat(commandOf(t, agent.id(), slow).get("status").asString()).isEqualTo("expired");
        // a refusal by the agent is kept with its reason; a body that is no object is named
        UUID turnedDown = UUID.fromString(api.post("/api/v1/agents/" + agent.id() + "/commands", Map.of("type", "collect_facts"), t.token())
                .json().get("id").asString());
        assertThat(poll(agent)).hasSize(1);
        assertThat(send(agent, "POST", "/agent/v1/commands/" + turnedDown + "/result", "null").status()).isEqualTo(400);
        assertThat(send(agent, "POST", "/agent/v1/commands/" + turnedDown + "/result", "{\"outcome\":\"refused\",\"message\":\"has expired\"}")
                .status()).isEqualTo(204);
        JsonNode refused = commandOf(t, agent.id(), turnedDown);
        assertThat(refused.get("status").asString()).isEqualTo("refused");
        assertThat(refused.get("message").asString()).isEqualTo("has expired");
        // a revoked agent takes none, polls nothing and reports nothing
        UUID beforeRevocation = UUID.fromString(api.post("/api/v1/agents/" + sibling.id() + "/commands", Map.of("type", "collect_facts"),
                t.token()).json().get("id").asString());
        assertThat(poll(sibling)).hasSize(1);
        assertThat(api.delete("/api/v1/agents/" + sibling.id(), t.token()).status()).isEqualTo(204);
        Api.Response revoked = api.post("/api/v1/agents/" + sibling.id() + "/commands", Map.of("type", "collect_facts"), t.token());
        assertThat(revoked.status()).isEqualTo(409);
        assertThat(send(sibling, "GET", "/agent/v1/commands", "").status()).isEqualTo(401);
        assertThat(send(sibling, "POST", "/agent/v1/commands/" + beforeRevocation + "/result", done).status()).isEqualTo(401);
    }

    @Test
    void aKeyRotationNeedsTheNewKeysProofAndThenOnlyTheNewKeySigns() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Rotation Org");
        TestAgent agent = enroll(enrollmentToken(t), "rot-1");
        UUID id = UUID.fromString(api.post("/api/v1/agents/" + agent.id() + "/commands", Map.of("type", "rotate_key"), t.token())
                .json().get("id").asString());
        assertThat(poll(agent)).singleElement().extracting(AgentCommand::type).isEqualTo("rotate_key");
        Ed25519Sign.KeyPair next = Ed25519Sign.KeyPair.newKeyPair();
        String nextKey = Base64.getEncoder().encodeToString(next.getPublicKey());
        String proof = Base64.getEncoder().encodeToString(new Ed25519Sign(next.getPrivateKey()).sign(AgentProtocol.rotationBase(id, next.getPublicKey())));
        String strangerProof = Base64.getEncoder().encodeToString(new Ed25519Sign(Ed25519Sign.KeyPair.newKeyPair().getPrivateKey())
                .sign(AgentProtocol.rotationBase(id, next.getPublicKey())));
        String otherCommandProof = Base64.getEncoder().encodeToString(new Ed25519Sign(next.getPrivateKey())
                .sign(AgentProtocol.rotationBase(UUID.randomUUID(), next.getPublicKey())));
        String path = "/agent/v1/commands/" + id + "/result";
        for (String bad : List.of("{\"outcome\":\"succeeded\"}",
                "{\"outcome\":\"succeeded\",\"publicKey\":\"" + nextKey + "\",\"proof\":\"" + strangerProof + "\"}",
                "{\"outcome\":\"succeeded\",\"publicKey\":\"" + nextKey + "\",\"proof\":\"" + otherCommandProof + "\"}",
                "{\"outcome\":\"succeeded\",\"publicKey\":\"AAAA\",\"proof\":\"" + proof + "\"}")) {
            Api.Response r = send(agent, "POST", path, bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("field").asString()).isEqualTo("proof");
        }
        // the key it already has is no rotation
        String sameProof = Base64.getEncoder().encodeToString(new Ed25519Sign(agent.keys().getPrivateKey())
                .sign(AgentProtocol.rotationBase(id, agent.keys().getPublicKey())));
        Api.Response same = send(agent, "POST", path, "{\"outcome\":\"succeeded\",\"publicKey\":\""
                + Base64.getEncoder().encodeToString(agent.keys().getPublicKey()) + "\",\"proof\":\"" + sameProof + "\"}");
        assertThat(same.status()).isEqualTo(400);
        assertThat(same.json().get("field").asString()).isEqualTo("publicKey");
        assertThat(send(agent, "POST", "/agent/v1/heartbeat", "{}").status()).as("nothing changed").isEqualTo(204);
        Api.Response rotated = send(agent, "POST", path,
                "{\"outcome\":\"succeeded\",\"publicKey\":\"" + nextKey + "\",\"proof\":\"" + proof + "\"}");
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(204);
        assertThat(send(agent, "POST", "/agent/v1/heartbeat", "{}").status()).as("the old key is done").isEqualTo(401);
        TestAgent renewed = new TestAgent(next, agent.keyId(), agent.id());
        assertThat(send(renewed, "POST", "/agent/v1/heartbeat", "{}").status()).isEqualTo(204);
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'agent.key_rotated' "
                + "and actor_type = 'agent' and actor_id = ?", t.tenantId(), agent.id())).isEqualTo(1);
    }

    @Test
    void terminationRevokesTheTenantsAgentsAndRenewalDoesNotReviveThem() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Agent Ending Org");
        TestAgent agent = enroll(enrollmentToken(t), "ops-1");
        assertThat(api.send(heartbeat(agent, "{}")).status()).isEqualTo(204);
        lifecycle.terminate(t.tenantId(), Duration.ofMinutes(5));
        assertThat(api.send(heartbeat(agent, "{}")).status()).isEqualTo(401);
        lifecycle.renew(t.tenantId());
        assertThat(api.send(heartbeat(agent, "{}")).status()).as("re-enrolment is needed").isEqualTo(401);
        assertThat(TestDatabase.count("select count(*) from agents where tenant_id = ? and status = 'REVOKED' "
                + "and revoked_reason = 'subscription_ended'", t.tenantId())).isEqualTo(1);
    }
}
