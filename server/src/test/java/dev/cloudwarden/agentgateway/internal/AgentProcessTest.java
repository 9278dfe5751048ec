package dev.cloudwarden.agentgateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The host agent as a customer runs it: the built {@code agent/target/cloudwarden-agent.jar} in a process of
 * its own, against this server over real HTTPS. It enrols, sends heartbeats the console sees, listens on
 * no socket, refuses a changed configuration, and stops working once revoked.
 */
class AgentProcessTest extends IntegrationTest {

    private static final Path JAR = Path.of("..", "agent", "target", "cloudwarden-agent.jar").toAbsolutePath().normalize();

    record Result(int exit, String out, String err) {
    }

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
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent.key")))).isEqualTo("rw-------");
        String config = Files.readString(dir.resolve("agent.json"));
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
        Path file = dir.resolve("agent.json");
        Files.writeString(file, config.replace("localhost", "127.0.0.1"), StandardCharsets.UTF_8);
        Result tampered = agent("run", "--dir", dir.toString(), "--once");
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.err()).contains("changed after enrolment");
        Files.writeString(file, config, StandardCharsets.UTF_8);

        // revoked in the API: the next request is refused
        assertThat(api.delete("/api/v1/agents/" + agent.get("id").asString(), t.token()).status()).isEqualTo(204);
        Result revoked = agent("run", "--dir", dir.toString(), "--once");
        assertThat(revoked.exit()).isEqualTo(1);
        assertThat(revoked.err()).contains("refused this agent");
    }
}
