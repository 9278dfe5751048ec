package dev.cloudwarden.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's state: one file only its owner reads, written whole, and a configuration that must be what the agent signed. */
class AgentStateTest {

    @TempDir
    Path dir;

    private static final byte[] COMMAND_KEY = new byte[32];

    private AgentState enrolled() throws Exception {
        return enrolled(new UUID(1, 1), new UUID(2, 2), COMMAND_KEY);
    }

    /** A state as enrolment leaves it, for the agent of {@code tenant} and {@code agent}, taking commands signed by {@code commandKey}. */
    static AgentState enrolled(UUID tenant, UUID agent, byte[] commandKey) throws Exception {
        KeyPair keys = AgentState.newKeys();
        return new AgentState("https://cloudwarden.example.com", tenant + "/" + agent, agent.toString(), "ab".repeat(32), null,
                AgentState.raw(keys.getPublic()), keys.getPrivate(), commandKey, AgentState.DEFAULT_HEARTBEAT_SECONDS, null);
    }

    private Path file() {
        return dir.resolve(AgentState.STATE_FILE);
    }

    @Test
    void aSavedStateLoadsAgainReadableByItsOwnerOnlyWithNothingLeftBehind() throws Exception {
        AgentState state = enrolled();
        state.save(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly(AgentState.STATE_FILE);
        }
        AgentState loaded = AgentState.load(dir);
        assertThat(loaded.server()).isEqualTo(state.server());
        assertThat(loaded.serverPin()).isEqualTo(state.serverPin());
        assertThat(loaded.publicKey()).isEqualTo(state.publicKey());
        assertThat(loaded.pending()).isNull();
        assertThat(loaded.toString()).doesNotContain("PrivateKey", Files.readString(file()).split("\"privateKey\" : \"")[1].substring(0, 20));
        // a new interval is kept, signed again
        state.withHeartbeat(120).save(dir);
        assertThat(AgentState.load(dir).heartbeatSeconds()).isEqualTo(120);
    }

    @Test
    void aRotationUnderWayIsKeptUntilSettledEitherWay() throws Exception {
        AgentState state = enrolled();
        KeyPair next = AgentState.newKeys();
        state.withPending(next).save(dir);
        AgentState loaded = AgentState.load(dir);
        assertThat(loaded.pending()).isNotNull();
        assertThat(loaded.publicKey()).as("still the old key until the server took the new").isEqualTo(state.publicKey());
        loaded.promoted().save(dir);
        AgentState promoted = AgentState.load(dir);
        assertThat(promoted.publicKey()).isEqualTo(AgentState.raw(next.getPublic()));
        assertThat(promoted.pending()).isNull();
        assertThat(Files.readString(file())).doesNotContain("pending");
    }

    @Test
    void aChangedServerPinKeyIdCommandKeyOrIntervalOrASwappedKeyIsRefused() throws Exception {
        enrolled().save(dir);
        String original = Files.readString(file());
        assertThat(original).contains("\"heartbeatSeconds\" : 60", "\"commandKey\" : \"" + "A".repeat(43) + "=\"");
        for (String changed : List.of(original.replace("cloudwarden.example.com", "evil.example.com"),
                original.replace("ab".repeat(32), "cd".repeat(32)), original.replace("00000000-0000-0002", "00000000-0000-0003"),
                original.replace("A".repeat(43), "B".repeat(43)), original.replace(": 60", ": 30"))) {
            assertThat(changed).isNotEqualTo(original);
            Files.writeString(file(), changed);
            assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class).hasMessageContaining("enrol this host again");
        }
        Files.writeString(file(), original);
        AgentState.load(dir);
        // another agent's private key in this file, the configuration untouched
        Path other = Files.createTempDirectory("other-agent");
        enrolled().save(other);
        String otherKey = Files.readString(other.resolve(AgentState.STATE_FILE)).split("\"privateKey\" : \"")[1].split("\"")[0];
        String ownKey = original.split("\"privateKey\" : \"")[1].split("\"")[0];
        Files.writeString(file(), original.replace(ownKey, otherKey));
        assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class).hasMessageContaining("not the enrolled one");
        Files.writeString(file(), "not json at all", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class).hasMessageContaining("damaged");
    }

    @Test
    void badCommandLinesGetOneLineAndExitOne() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errors = new java.io.PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(AgentMain.run(new String[] {"fly"}, System.out, errors)).isEqualTo(1);
        assertThat(AgentMain.run(new String[] {"enroll", "--server", "http://plain.example.com", "--token", "x", "--dir", dir.toString()},
                System.out, errors)).isEqualTo(1);
        assertThat(AgentMain.run(new String[] {"run", "--dir", dir.resolve("none").toString(), "--once"}, System.out, errors)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(3).allMatch(l -> l.startsWith("cloudwarden-agent: "));
    }
}
