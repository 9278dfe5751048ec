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
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an agent keeps in its state directory: its Ed25519 private key ({@code agent.key}, mode 600, never
 * sent anywhere) and its configuration ({@code agent.json}: server, key id, the server certificate's
 * pinned SHA-256, the CA it trusts, its public key) with the signature of that file by the private key
 * ({@code agent.json.sig}). At start the signature must verify and the key must match the configuration:
 * a changed server, pin or key id means enrolling again.
 */
record AgentState(String server, String keyId, String agentId, String serverPin, String caPem, byte[] publicKey, PrivateKey privateKey) {

    static final String KEY_FILE = "agent.key";
    static final String CONFIG_FILE = "agent.json";
    static final String SIGNATURE_FILE = "agent.json.sig";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** An Ed25519 SubjectPublicKeyInfo is this fixed prefix followed by the 32-byte key. */
    private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

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
            PublicKey verifyKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, publicKey)));
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(verifyKey);
            verifier.update(bytes);
            if (!verifier.verify(signature)) {
                throw new Invalid("the configuration in " + dir + " was changed after enrolment; enrol this host again");
            }
            AgentState state = new AgentState((String) config.get("server"), (String) config.get("keyId"), (String) config.get("agentId"),
                    (String) config.get("serverCertificateSha256"), (String) config.get("ca"), publicKey, key);
            // the private key must be the one the configuration names: a swapped key file is refused too
            Signature probe = Signature.getInstance("Ed25519");
            probe.initVerify(verifyKey);
            byte[] challenge = "cloudwarden-agent-key-check".getBytes(StandardCharsets.US_ASCII);
            probe.update(challenge);
            if (!probe.verify(state.sign(challenge))) {
                throw new Invalid("the key in " + dir + " is not the enrolled one; enrol this host again");
            }
            return state;
        } catch (IOException e) {
            throw new Invalid("no enrolled agent in " + dir + " (" + e.getClass().getSimpleName() + "); run enroll first");
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Invalid("the agent state in " + dir + " is damaged or was changed; enrol this host again");
        }
    }

    private static void writeOwnerOnly(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return "AgentState[keyId=" + keyId + ", server=" + server + ", key=REDACTED]";
    }
}
