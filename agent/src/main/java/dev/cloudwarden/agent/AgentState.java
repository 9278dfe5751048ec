package dev.cloudwarden.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an agent keeps, in one file of its state directory ({@code agent.state}, mode 600, in a directory
 * only its owner enters), always written whole (a temporary file, fsync, an atomic rename), so a crash
 * leaves the old state or the new one, never a mix:
 * <ul>
 *   <li>{@code config}: server, key id, agent id, the server certificate's pinned SHA-256, the CA it
 *       trusts, its public key, the platform's command-signing key, the heartbeat interval;</li>
 *   <li>{@code signature}: the private key's signature over the configuration's canonical bytes;</li>
 *   <li>{@code privateKey}: PKCS#8, made on the host and never sent anywhere;</li>
 *   <li>{@code pendingPrivateKey}/{@code pendingPublicKey}: during a key rotation only, the new key pair,
 *       saved before the server is told, so an answer lost on the way cannot lock the agent out.</li>
 * </ul>
 * At start the signature must verify and the key must be the one the configuration names: a changed
 * server, pin, key id, command key or interval means enrolling again. Only the agent rewrites the file
 * (a new interval or key, by command).
 */
record AgentState(String server, String keyId, String agentId, String serverPin, String caPem, byte[] publicKey, PrivateKey privateKey,
                  byte[] commandKey, int heartbeatSeconds, KeyPair pending) {

    static final String STATE_FILE = "agent.state";
    static final int DEFAULT_HEARTBEAT_SECONDS = 60;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] KEY_CHECK = "cloudwarden-agent-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** A refusal with one line for the operator of the host. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static KeyPair newKeys() throws GeneralSecurityException {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** The raw 32-byte Ed25519 public key. */
    static byte[] raw(PublicKey key) {
        byte[] encoded = key.getEncoded();
        return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    AgentState withHeartbeat(int seconds) {
        return new AgentState(server, keyId, agentId, serverPin, caPem, publicKey, privateKey, commandKey, seconds, pending);
    }

    /** This state with a rotation under way to {@code next}. */
    AgentState withPending(KeyPair next) {
        return new AgentState(server, keyId, agentId, serverPin, caPem, publicKey, privateKey, commandKey, heartbeatSeconds, next);
    }

    /** The state as it is once the server took the pending key: that key, nothing pending. */
    AgentState promoted() {
        return new AgentState(server, keyId, agentId, serverPin, caPem, raw(pending.getPublic()), pending.getPrivate(), commandKey, heartbeatSeconds,
                null);
    }

    /** The state as it is when the server kept the old key: nothing pending. */
    AgentState withoutPending() {
        return withPending(null);
    }

    byte[] sign(byte[] data) throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(privateKey);
        signer.update(data);
        return signer.sign();
    }

    /** The configuration as signed: its fields in a fixed order, compact JSON. */
    private byte[] configBytes() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("server", server);
        config.put("keyId", keyId);
        config.put("agentId", agentId);
        config.put("serverCertificateSha256", serverPin);
        config.put("ca", caPem);
        config.put("publicKey", Base64.getEncoder().encodeToString(publicKey));
        config.put("commandKey", Base64.getEncoder().encodeToString(commandKey));
        config.put("heartbeatSeconds", heartbeatSeconds);
        return JSON.writeValueAsBytes(config);
    }

    /** Writes the whole state into {@code dir}, readable by its owner only. */
    void save(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        byte[] config = configBytes();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("config", JSON.readTree(config));
        state.put("signature", Base64.getEncoder().encodeToString(sign(config)));
        state.put("privateKey", Base64.getEncoder().encodeToString(privateKey.getEncoded()));
        if (pending != null) {
            state.put("pendingPrivateKey", Base64.getEncoder().encodeToString(pending.getPrivate().getEncoded()));
            state.put("pendingPublicKey", Base64.getEncoder().encodeToString(raw(pending.getPublic())));
        }
        writeOwnerOnly(dir.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    }

    static AgentState load(Path dir) throws Invalid {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new Invalid("no enrolled agent in " + dir + " (" + e.getClass().getSimpleName() + "); run enroll first");
        }
        try {
            JsonNode state = JSON.readTree(bytes);
            JsonNode config = state.required("config");
            AgentState loaded = new AgentState(text(config, "server"), text(config, "keyId"), text(config, "agentId"),
                    text(config, "serverCertificateSha256"), text(config, "ca"), bytes(config, "publicKey"), privateKey(state.required("privateKey")),
                    bytes(config, "commandKey"), config.required("heartbeatSeconds").asInt(), pending(state));
            if (!AgentProtocol.verifies(loaded.publicKey(), Base64.getDecoder().decode(state.required("signature").asString()), loaded.configBytes())) {
                throw new Invalid("the configuration in " + dir + " was changed after enrolment; enrol this host again");
            }
            if (loaded.heartbeatSeconds() < AgentCommand.MIN_INTERVAL_SECONDS || loaded.heartbeatSeconds() > AgentCommand.MAX_INTERVAL_SECONDS) {
                throw new Invalid("the heartbeat interval in " + dir + " is out of range; enrol this host again");
            }
            // the private key must be the one the configuration names: a swapped key is refused too
            if (!AgentProtocol.verifies(loaded.publicKey(), loaded.sign(KEY_CHECK), KEY_CHECK)) {
                throw new Invalid("the key in " + dir + " is not the enrolled one; enrol this host again");
            }
            return loaded;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Invalid("the agent state in " + dir + " is damaged or was changed; enrol this host again");
        }
    }

    private static String text(JsonNode config, String name) {
        JsonNode value = config.required(name);
        return value.isNull() ? null : value.asString();
    }

    private static byte[] bytes(JsonNode config, String name) {
        return Base64.getDecoder().decode(config.required(name).asString());
    }

    private static PrivateKey privateKey(JsonNode value) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(value.asString())));
    }

    private static KeyPair pending(JsonNode state) throws GeneralSecurityException {
        if (!state.has("pendingPrivateKey")) {
            return null;
        }
        return new KeyPair(AgentProtocol.publicKey(Base64.getDecoder().decode(state.required("pendingPublicKey").asString())),
                privateKey(state.required("pendingPrivateKey")));
    }

    /** Replaces {@code file} whole: a new file (owner-only), synced, renamed over the old one; the directory synced too. */
    static void writeOwnerOnly(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel channel = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    @Override
    public String toString() {
        return "AgentState[keyId=" + keyId + ", server=" + server + ", key=REDACTED]";
    }
}
