package dev.cloudwarden.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

/**
 * Fuzzes the agent's check of the platform's commands: whatever arrives, {@link Commands#accept} either
 * refuses it or returns a command the platform signed, for this agent, valid now and new, which decodes
 * back to itself. The fuzzer's bytes are offered both unsigned and signed with the real platform key, so
 * the parser behind the signature check is fuzzed too, starting from the valid commands in
 * {@code CommandFuzzTestInputs}. Runs for a bounded time in every build.
 */
class CommandFuzzTest {

    private static final String TENANT = "0b9c2a3e-5d7f-4e21-9a0b-1c2d3e4f5a6b";
    private static final String AGENT = "4f3e2d1c-0b9a-4876-8a5b-6c7d8e9f0a1b";
    private static final KeyPair PLATFORM = keys();
    private static final Path DIR = dir();
    private static final AgentState STATE = state();

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({TENANT, AGENT, "{\"v\":1,", "\"id\":", "\"tenantId\":", "\"agentId\":", "\"type\":", "\"collect_facts\"",
            "\"update_interval\"", "\"rotate_key\"", "\"intervalSeconds\":", "\"issuedAt\":", "\"expiresAt\":", "1800000000"})
    void onlyASignedCurrentCommandForThisAgentIsAccepted(byte[] input) throws Exception {
        // first byte even: the rest is a payload the platform signs; odd: up to 64 bytes of signature, then the payload
        if (input.length == 0) {
            return;
        }
        boolean signedByPlatform = (input[0] & 1) == 0;
        int split = signedByPlatform ? 1 : Math.min(input.length, 65);
        byte[] payload = Arrays.copyOfRange(input, split, input.length);
        String signature = signedByPlatform ? CommandsTest.sign(PLATFORM.getPrivate(), payload)
                : Base64.getEncoder().encodeToString(Arrays.copyOfRange(input, 1, split));
        AgentCommand command;
        try {
            command = Commands.accept(STATE, DIR, Base64.getEncoder().encodeToString(payload), signature, CommandsTest.NOW);
        } catch (Commands.Refused refused) {
            return;
        }
        assertThat(signedByPlatform).isTrue();
        assertThat(command.tenantId()).isEqualTo(UUID.fromString(TENANT));
        assertThat(command.agentId()).isEqualTo(UUID.fromString(AGENT));
        assertThat(command.expiresAt()).isGreaterThan(CommandsTest.NOW);
        assertThat(command.issuedAt()).isLessThanOrEqualTo(CommandsTest.NOW + AgentProtocol.MAX_SKEW_SECONDS);
        assertThat(AgentCommand.TYPES).contains(command.type());
        assertThat(AgentCommand.decode(command.encode())).isEqualTo(command);
    }

    private static KeyPair keys() {
        try {
            return AgentState.newKeys();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path dir() {
        try {
            return Files.createTempDirectory("command-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AgentState state() {
        try {
            return AgentStateTest.enrolled(UUID.fromString(TENANT), UUID.fromString(AGENT), AgentState.raw(PLATFORM.getPublic()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
