package dev.cloudwarden.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's state: a key only its owner reads, and a configuration that must be exactly what enrolment wrote. */
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
                AgentState.raw(keys.getPublic()), keys.getPrivate(), commandKey, AgentState.DEFAULT_HEARTBEAT_SECONDS);
    }

    @Test
    void aSavedStateLoadsAgainWithItsKeyReadableByItsOwnerOnly() throws Exception {
        AgentState state = enrolled();
        state.save(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(AgentState.KEY_FILE)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        AgentState loaded = AgentState.load(dir);
        assertThat(loaded.server()).isEqualTo(state.server());
        assertThat(loaded.serverPin()).isEqualTo(state.serverPin());
        assertThat(loaded.toString()).doesNotContain("PrivateKey");
    }

    @Test
    void aChangedServerPinKeyIdCommandKeyOrIntervalOrASwappedKeyIsRefused() throws Exception {
        enrolled().save(dir);
        Path config = dir.resolve(AgentState.CONFIG_FILE);
        String original = Files.readString(config);
        assertThat(original).contains("\"heartbeatSeconds\" : 60", "\"commandKey\" : \"" + "A".repeat(43) + "=\"");
        for (String changed : new String[] {original.replace("cloudwarden.example.com", "evil.example.com"),
                original.replace("ab".repeat(32), "cd".repeat(32)), original.replace("00000000-0000-0002", "00000000-0000-0003"),
                original.replace("A".repeat(43), "B".repeat(43)), original.replace(": 60", ": 30")}) {
            assertThat(changed).isNotEqualTo(original);
            Files.writeString(config, changed);
            assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class).hasMessageContaining("enrol this host again");
        }
        Files.writeString(config, original);
        AgentState.load(dir);
        // another key in the key file, the configuration untouched
        Path other = Files.createTempDirectory("other-agent");
        enrolled().save(other);
        Files.copy(other.resolve(AgentState.KEY_FILE), dir.resolve(AgentState.KEY_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class).hasMessageContaining("not the enrolled one");
        Files.writeString(dir.resolve(AgentState.SIGNATURE_FILE), "not base64 at all!", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> AgentState.load(dir)).isInstanceOf(AgentState.Invalid.class);
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
