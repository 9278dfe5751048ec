package dev.cloudwarden.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent carries out a command only when the platform signed it, for this agent, now, and for the first time. */
class CommandsTest {

    static final long NOW = 1_800_000_000L;
    private static final UUID TENANT = UUID.randomUUID();
    private static final UUID AGENT = UUID.randomUUID();

    @TempDir
    Path dir;
    private KeyPair platform;
    private AgentState state;

    @BeforeEach
    void enrol() throws Exception {
        platform = AgentState.newKeys();
        state = AgentStateTest.enrolled(TENANT, AGENT, AgentState.raw(platform.getPublic()));
    }

    static String sign(PrivateKey key, byte[] payload) throws Exception {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(key);
        signer.update(AgentProtocol.commandBase(payload));
        return Base64.getEncoder().encodeToString(signer.sign());
    }

    private static AgentCommand command(UUID tenant, UUID agent, long issued, long expires) {
        return new AgentCommand(UUID.randomUUID(), tenant, agent, AgentCommand.COLLECT_FACTS, null, issued, expires);
    }

    private AgentCommand accept(byte[] payload, String signature) throws Exception {
        return Commands.accept(state, dir, Base64.getEncoder().encodeToString(payload), signature, NOW);
    }

    @Test
    void aSignedCommandForThisAgentIsCarriedOutOnceOnly() throws Exception {
        AgentCommand sent = new AgentCommand(UUID.randomUUID(), TENANT, AGENT, AgentCommand.UPDATE_INTERVAL, 120, NOW - 5, NOW + 600);
        byte[] payload = sent.encode();
        assertThat(accept(payload, sign(platform.getPrivate(), payload))).isEqualTo(sent);
        assertThatThrownBy(() -> accept(payload, sign(platform.getPrivate(), payload))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("carried out already");
        // once expired it leaves the list: its expiry refuses it from then on
        assertThat(Files.readString(dir.resolve(Commands.SEEN_FILE))).contains(sent.id().toString());
        AgentCommand later = command(TENANT, AGENT, NOW + 700, NOW + 900);
        Commands.accept(state, dir, Base64.getEncoder().encodeToString(later.encode()), sign(platform.getPrivate(), later.encode()), NOW + 700);
        assertThat(Files.readString(dir.resolve(Commands.SEEN_FILE))).doesNotContain(sent.id().toString()).contains(later.id().toString());
    }

    @Test
    void aForgedOrAlteredCommandIsRefused() throws Exception {
        byte[] payload = command(TENANT, AGENT, NOW, NOW + 600).encode();
        KeyPair attacker = AgentState.newKeys();
        assertThatThrownBy(() -> accept(payload, sign(attacker.getPrivate(), payload))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("not signed by the platform");
        String genuine = sign(platform.getPrivate(), payload);
        byte[] altered = new String(payload, StandardCharsets.UTF_8).replace("collect_facts", "rotate_key").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> accept(altered, genuine)).isInstanceOf(Commands.Refused.class).hasMessageContaining("not signed by the platform");
        assertThatThrownBy(() -> accept(payload, null)).isInstanceOf(Commands.Refused.class);
        assertThatThrownBy(() -> Commands.accept(state, dir, "%%%", genuine, NOW)).isInstanceOf(Commands.Refused.class).hasMessageContaining("base64");
        // the platform's own signature over something that is no command of this version
        byte[] other = "{\"v\":2,\"type\":\"collect_facts\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> accept(other, sign(platform.getPrivate(), other))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("does not understand");
        assertThat(dir.resolve(Commands.SEEN_FILE)).doesNotExist();
    }

    @Test
    void aCommandForAnotherAgentOrTenantIsRefused() throws Exception {
        for (AgentCommand elsewhere : new AgentCommand[] {command(TENANT, UUID.randomUUID(), NOW, NOW + 600),
                command(UUID.randomUUID(), AGENT, NOW, NOW + 600)}) {
            byte[] payload = elsewhere.encode();
            assertThatThrownBy(() -> accept(payload, sign(platform.getPrivate(), payload))).isInstanceOf(Commands.Refused.class)
                    .hasMessageContaining("meant for another agent");
        }
    }

    @Test
    void anExpiredCommandOrOneFromTheFutureIsRefused() throws Exception {
        byte[] expired = command(TENANT, AGENT, NOW - 600, NOW).encode();
        assertThatThrownBy(() -> accept(expired, sign(platform.getPrivate(), expired))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("expired");
        byte[] future = command(TENANT, AGENT, NOW + AgentProtocol.MAX_SKEW_SECONDS + 1, NOW + 900).encode();
        assertThatThrownBy(() -> accept(future, sign(platform.getPrivate(), future))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("future");
    }

    @Test
    void aDamagedListOfCarriedOutCommandsStopsEveryCommand() throws Exception {
        Files.writeString(dir.resolve(Commands.SEEN_FILE), "not an id\n");
        byte[] payload = command(TENANT, AGENT, NOW, NOW + 600).encode();
        assertThatThrownBy(() -> accept(payload, sign(platform.getPrivate(), payload))).isInstanceOf(Commands.Refused.class)
                .hasMessageContaining("damaged");
    }

    @Test
    void aCommandOfUnknownShapeIsNotDecoded() {
        for (String bad : new String[] {"[]", "null", "{}", "{\"v\":1}", "{\"v\":\"1\"}",
                new String(command(TENANT, AGENT, NOW, NOW + 600).encode(), StandardCharsets.UTF_8).replace("}", ",\"extra\":1}"),
                new String(command(TENANT, AGENT, NOW, NOW + 600).encode(), StandardCharsets.UTF_8).replace("\"issuedAt\":", "\"issuedAt\":-"),
                new String(command(TENANT, AGENT, NOW, NOW + 600).encode(), StandardCharsets.UTF_8).replace("collect_facts", "update_interval")}) {
            assertThatThrownBy(() -> AgentCommand.decode(bad.getBytes(StandardCharsets.UTF_8))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new AgentCommand(UUID.randomUUID(), TENANT, AGENT, AgentCommand.UPDATE_INTERVAL, 5, NOW, NOW + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AgentCommand(UUID.randomUUID(), TENANT, AGENT, AgentCommand.COLLECT_FACTS, null, NOW, NOW + 3601))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
