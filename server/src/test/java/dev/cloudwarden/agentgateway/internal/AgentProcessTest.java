package dev.cloudwarden.agentgateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.subtle.Ed25519Sign;
import dev.cloudwarden.agent.AgentCommand;
import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.crypto.CommandKeys;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The host agent as a customer runs it: the built {@code agent/target/cloudwarden-agent.jar} in a process of
 * its own, against this server over real HTTPS. It enrols, sends heartbeats the console sees, listens on
 * no socket, refuses a changed configuration, carries out the platform's signed commands (and refuses
 * forged, misdirected, expired and replayed ones), rotates its key on command, and stops working once revoked.
 */
class AgentProcessTest extends IntegrationTest {

    private static final Path JAR = Path.of("..", "agent", "target", "cloudwarden-agent.jar").toAbsolutePath().normalize();

    record Result(int exit, String out, String err) {
    }

    @Autowired
    CommandKeys commandKeys;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The agent process signs with the host's real clock: the server's must not run ahead of it (an earlier test may have moved it). */
    @org.junit.jupiter.api.BeforeEach
    void wallClock() {
        clock.reset();
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private Result agent(String... args) throws Exception {
        Path out = Files.createTempFile("agent-out", ".txt");
        Path err = Files.createTempFile("agent-err", ".txt");
        Process p = new ProcessBuilder(command(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the agent finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Inodes of the sockets in LISTEN state (0A) on this machine, IPv4 and IPv6. */
    private static Set<String> listeningInodes() throws IOException {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A")) {
                    inodes.add(f[9]);
                }
            }
        }
        return inodes;
    }

    /** Inodes of the sockets a process holds open. */
    private static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return inodes;
    }

    private UUID issue(Api.Tenant t, UUID agent, Map<String, Object> command) {
        Api.Response r = api.post("/api/v1/agents/" + agent + "/commands", command, t.token());
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return UUID.fromString(r.json().get("id").asString());
    }

    private String statusOf(Api.Tenant t, UUID agent, UUID command) {
        for (JsonNode c : api.get("/api/v1/agents/" + agent + "/commands", t.token()).json()) {
            if (c.get("id").asString().equals(command.toString())) {
                return c.get("status").asString();
            }
        }
        throw new AssertionError("no command " + command);
    }

    private static String publicKeyOf(UUID agent) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement st = c.prepareStatement("select encode(public_key, 'hex') from agents where id = ?")) {
            st.setObject(1, agent);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    /**
     * A command row put straight into the database, as whoever took it over might: the agent gets these bytes and
     * this signature at its next poll, and must judge them itself.
     */
    private static UUID plant(UUID tenant, UUID agent, byte[] payload, byte[] signature) throws Exception {
        UUID row = UUID.randomUUID();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement st = c.prepareStatement("""
                insert into agent_commands (id, tenant_id, agent_id, type, payload, signature, key_id, created_by, created_at, expires_at)
                values (?, ?, ?, 'collect_facts', ?, ?, (select key_id from agent_command_keys), ?, now(), now() + interval '10 minutes')""")) {
            st.setObject(1, row);
            st.setObject(2, tenant);
            st.setObject(3, agent);
            st.setBytes(4, payload);
            st.setBytes(5, signature);
            st.setObject(6, UUID.randomUUID());
            st.executeUpdate();
        }
        return row;
    }

    private void commandsAreCarriedOutAndForgeriesRefused(Api.Tenant t, UUID agent, Path dir) throws Exception {
        UUID collect = issue(t, agent, Map.of("type", "collect_facts"));
        UUID interval = issue(t, agent, Map.of("type", "update_interval", "intervalSeconds", 120));
        Result commanded = agent("run", "--dir", dir.toString(), "--once");
        assertThat(commanded.exit()).as(commanded.err()).isZero();
        assertThat(commanded.out()).contains("carried out collect_facts, update_interval");
        assertThat(statusOf(t, agent, collect)).isEqualTo("succeeded");
        assertThat(statusOf(t, agent, interval)).isEqualTo("succeeded");
        assertThat(Files.readString(dir.resolve("agent.state"))).contains("\"heartbeatSeconds\" : 120");

        // a new key made on the host, proven to the server with the old and the new; the next run signs with the new one
        String keyBefore = publicKeyOf(agent);
        String stateBefore = Files.readString(dir.resolve("agent.state"));
        UUID rotate = issue(t, agent, Map.of("type", "rotate_key"));
        Result rotated = agent("run", "--dir", dir.toString(), "--once");
        assertThat(rotated.exit()).as(rotated.err()).isZero();
        assertThat(statusOf(t, agent, rotate)).isEqualTo("succeeded");
        assertThat(publicKeyOf(agent)).isNotEqualTo(keyBefore);
        String stateAfter = Files.readString(dir.resolve("agent.state"));
        assertThat(privateKeyIn(stateAfter)).isNotEqualTo(privateKeyIn(stateBefore));
        assertThat(stateAfter).doesNotContain("pending");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent.state")))).isEqualTo("rw-------");
        Result afterRotation = agent("run", "--dir", dir.toString(), "--once");
        assertThat(afterRotation.exit()).as(afterRotation.err()).isZero();

        // a rotation whose answer was lost: the host still holds the old key, the new one pending, while the server took the
        // new one; the next start finds out which key the server has and keeps that one
        Files.writeString(dir.resolve("agent.state"), withPending(stateBefore, stateAfter));
        Result settled = agent("run", "--dir", dir.toString(), "--once");
        assertThat(settled.exit()).as(settled.err()).isZero();
        String settledState = Files.readString(dir.resolve("agent.state"));
        assertThat(privateKeyIn(settledState)).isEqualTo(privateKeyIn(stateAfter));
        assertThat(settledState).doesNotContain("pending");
        // and one that never reached the server: the key it has stays, the pending one is dropped
        Files.writeString(dir.resolve("agent.state"), withPending(stateAfter, stateBefore));
        Result kept = agent("run", "--dir", dir.toString(), "--once");
        assertThat(kept.exit()).as(kept.err()).isZero();
        assertThat(privateKeyIn(Files.readString(dir.resolve("agent.state")))).isEqualTo(privateKeyIn(stateAfter));

        // commands the platform did not sign, signed for another agent, expired, or carried out before: each refused, none
        // carried out, each reported as refused (so the history shows it)
        long now = clock.instant().getEpochSecond();
        String keyNow = publicKeyOf(agent);
        AgentCommand fresh = new AgentCommand(UUID.randomUUID(), t.tenantId(), agent, AgentCommand.COLLECT_FACTS, null, now, now + 600);
        Ed25519Sign attacker = new Ed25519Sign(Ed25519Sign.KeyPair.newKeyPair().getPrivateKey());
        UUID forged = plant(t.tenantId(), agent, fresh.encode(), attacker.sign(AgentProtocol.commandBase(fresh.encode())));
        AgentCommand elsewhere = new AgentCommand(UUID.randomUUID(), t.tenantId(), UUID.randomUUID(), AgentCommand.COLLECT_FACTS, null, now, now + 600);
        UUID misdirected = plant(t.tenantId(), agent, elsewhere.encode(), commandKeys.sign(AgentProtocol.commandBase(elsewhere.encode())).value());
        AgentCommand old = new AgentCommand(UUID.randomUUID(), t.tenantId(), agent, AgentCommand.COLLECT_FACTS, null, now - 900, now - 60);
        UUID expired = plant(t.tenantId(), agent, old.encode(), commandKeys.sign(AgentProtocol.commandBase(old.encode())).value());
        byte[][] first = originalOf(collect);
        UUID replayed = plant(t.tenantId(), agent, first[0], first[1]);
        Result refusing = agent("run", "--dir", dir.toString(), "--once");
        assertThat(refusing.exit()).as(refusing.err()).isZero();
        assertThat(refusing.out()).doesNotContain("carried out");
        assertThat(publicKeyOf(agent)).as("nothing was rotated").isEqualTo(keyNow);
        assertThat(refusing.err()).contains("not signed by the platform's command key", "is meant for another agent", "has expired",
                "was carried out already");
        for (UUID refused : List.of(forged, misdirected, expired, replayed)) {
            assertThat(statusOf(t, agent, refused)).isEqualTo("refused");
        }
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'agent.command_completed' "
                + "and actor_type = 'agent' and details->>'outcome' = 'refused'", t.tenantId())).isEqualTo(4);
    }

    private static String privateKeyIn(String state) {
        return JSON.readTree(state).get("privateKey").asString();
    }

    /** {@code state} with the key pair of {@code other} as its pending key: a rotation under way. */
    private static String withPending(String state, String other) {
        ObjectNode node = (ObjectNode) JSON.readTree(state);
        JsonNode from = JSON.readTree(other);
        node.put("pendingPrivateKey", from.get("privateKey").asString());
        node.put("pendingPublicKey", from.get("config").get("publicKey").asString());
        return JSON.writeValueAsString(node);
    }

    /** The signed bytes and signature of a command as it was issued. */
    private static byte[][] originalOf(UUID command) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement st = c.prepareStatement("select payload, signature from agent_commands where id = ?")) {
            st.setObject(1, command);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return new byte[][] {rs.getBytes(1), rs.getBytes(2)};
            }
        }
    }

    @Test
    void aRealAgentEnrolsSendsHeartbeatsListensNowhereRefusesTamperingAndStopsWhenRevoked() throws Exception {
        assertThat(JAR).as("the agent is built before the server's tests (mvn verify)").exists();
        Api.Tenant t = api.signUpAndSignIn("Agent Process Org");
        String token = api.post("/api/v1/agents/enrollment-tokens", "", t.token()).json().get("token").asString();
        Path dir = Files.createTempDirectory("agent-home").resolve("state");
        String server = "https://localhost:" + port;
        String ca = TestDatabase.DATA_DIR.resolve("tls/server.crt").toString();

        Result enrolled = agent("enroll", "--server", server, "--token", token, "--dir", dir.toString(), "--ca", ca);
        assertThat(enrolled.exit()).as(enrolled.err()).isZero();
        assertThat(enrolled.out()).contains("Enrolled as agent");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent.state")))).isEqualTo("rw-------");
        String config = Files.readString(dir.resolve("agent.state"));
        assertThat(config).containsPattern("\"serverCertificateSha256\" : \"[0-9a-f]{64}\"").doesNotContain(token);
        Result again = agent("enroll", "--server", server, "--token", token, "--dir", dir.resolveSibling("second").toString(), "--ca", ca);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().lines()).hasSize(1).first().asString().contains("enrolment refused (400)");

        Result once = agent("run", "--dir", dir.toString(), "--once");
        assertThat(once.exit()).as(once.err()).isZero();
        JsonNode agents = api.get("/api/v1/agents", t.token()).json();
        assertThat(agents.size()).isEqualTo(1);
        JsonNode agent = agents.get(0);
        assertThat(agent.get("status").asString()).isEqualTo("online");
        assertThat(agent.get("facts").get("os").asString()).isEqualTo(System.getProperty("os.name"));
        assertThat(agent.get("facts").get("agentVersion").asString()).isNotBlank();
        assertThat(agent.get("facts").get("cpus").asInt()).isPositive();

        // running for good: it holds sockets only to the server, none of them listening
        Process running = new ProcessBuilder(command("run", "--dir", dir.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(3000);
            assertThat(running.isAlive()).isTrue();
            Set<String> mine = socketInodes(running.pid());
            mine.retainAll(listeningInodes());
            assertThat(mine).as("listening sockets of the agent").isEmpty();
        } finally {
            running.destroy();
            running.waitFor(10, TimeUnit.SECONDS);
        }

        // a configuration changed after enrolment is refused at start
        Path file = dir.resolve("agent.state");
        Files.writeString(file, config.replace("localhost", "127.0.0.1"), StandardCharsets.UTF_8);
        Result tampered = agent("run", "--dir", dir.toString(), "--once");
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.err()).contains("changed after enrolment");
        Files.writeString(file, config, StandardCharsets.UTF_8);

        String agentId = agent.get("id").asString();
        commandsAreCarriedOutAndForgeriesRefused(t, UUID.fromString(agentId), dir);

        // revoked in the API: the next request is refused
        assertThat(api.delete("/api/v1/agents/" + agent.get("id").asString(), t.token()).status()).isEqualTo(204);
        Result revoked = agent("run", "--dir", dir.toString(), "--once");
        assertThat(revoked.exit()).isEqualTo(1);
        assertThat(revoked.err()).contains("refused this agent");
    }
}
