package dev.cloudwarden.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * What an agent keeps in its state directory: its Ed25519 private key ({@code agent.key}, mode 600, never
 * sent anywhere) and its configuration ({@code agent.json}: server, key id, the server certificate's
 * pinned SHA-256, the CA it trusts, its public key, the platform's command-signing key, the heartbeat
 * interval) with the signature of that file by the private key ({@code agent.json.sig}). At start the
 * signature must verify and the key must match the configuration: a changed server, pin, key id or
 * command key means enrolling again. Only the agent itself rewrites it (a new interval or key, by command).
 */
record AgentState(String server, String keyId, String agentId, String serverPin, String caPem, byte[] publicKey, PrivateKey privateKey,
                  byte[] commandKey, int heartbeatSeconds) {

    static final String KEY_FILE = "agent.key";
    static final String CONFIG_FILE = "agent.json";
    static final String SIGNATURE_FILE = "agent.json.sig";
    static final int DEFAULT_HEARTBEAT_SECONDS = 60;
    private static final JsonMapper JSON = JsonMapper.builder().build();

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
        return new AgentState(server, keyId, agentId, serverPin, caPem, publicKey, privateKey, commandKey, seconds);
    }

    AgentState withKeys(KeyPair keys) {
        return new AgentState(server, keyId, agentId, serverPin, caPem, raw(keys.getPublic()), keys.getPrivate(), commandKey, heartbeatSeconds);
    }

    byte[] sign(byte[] data) throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(privateKey);
        signer.update(data);
        return signer.sign();
    }

    /** Writes the key (owner-only) and the signed configuration into {@code dir}. */
    void save(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        writeOwnerOnly(dir.resolve(KEY_FILE), privateKey.getEncoded());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("server", server);
        config.put("keyId", keyId);
        config.put("agentId", agentId);
        config.put("serverCertificateSha256", serverPin);
        config.put("ca", caPem);
        config.put("publicKey", Base64.getEncoder().encodeToString(publicKey));
        config.put("commandKey", Base64.getEncoder().encodeToString(commandKey));
        config.put("heartbeatSeconds", heartbeatSeconds);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
        writeOwnerOnly(dir.resolve(CONFIG_FILE), bytes);
        writeOwnerOnly(dir.resolve(SIGNATURE_FILE), Base64.getEncoder().encode(sign(bytes)));
    }

    static AgentState load(Path dir) throws Invalid {
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(CONFIG_FILE));
            byte[] signature = Base64.getDecoder().decode(Files.readString(dir.resolve(SIGNATURE_FILE), StandardCharsets.US_ASCII).strip());
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(dir.resolve(KEY_FILE))));
            @SuppressWarnings("unchecked")
            Map<String, Object> config = JSON.readValue(bytes, Map.class);
            byte[] publicKey = Base64.getDecoder().decode((String) config.get("publicKey"));
            if (!AgentProtocol.verifies(publicKey, signature, bytes)) {
                throw new Invalid("the configuration in " + dir + " was changed after enrolment; enrol this host again");
            }
            AgentState state = new AgentState((String) config.get("server"), (String) config.get("keyId"), (String) config.get("agentId"),
                    (String) config.get("serverCertificateSha256"), (String) config.get("ca"), publicKey, key,
                    Base64.getDecoder().decode((String) config.get("commandKey")), (Integer) config.get("heartbeatSeconds"));
            if (state.heartbeatSeconds() < AgentCommand.MIN_INTERVAL_SECONDS || state.heartbeatSeconds() > AgentCommand.MAX_INTERVAL_SECONDS) {
                throw new Invalid("the heartbeat interval in " + dir + " is out of range; enrol this host again");
            }
            // the private key must be the one the configuration names: a swapped key file is refused too
            byte[] challenge = "cloudwarden-agent-key-check".getBytes(StandardCharsets.US_ASCII);
            if (!AgentProtocol.verifies(publicKey, state.sign(challenge), challenge)) {
                throw new Invalid("the key in " + dir + " is not the enrolled one; enrol this host again");
            }
            return state;
        } catch (IOException e) {
            throw new Invalid("no enrolled agent in " + dir + " (" + e.getClass().getSimpleName() + "); run enroll first");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Invalid("the agent state in " + dir + " is damaged or was changed; enrol this host again");
        }
    }

    static void writeOwnerOnly(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String toString() {
        return "AgentState[keyId=" + keyId + ", server=" + server + ", key=REDACTED]";
    }
}
