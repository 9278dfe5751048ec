package dev.cloudwarden.support;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test doubles of AWS KMS (JSON protocol, {@code X-Amz-Target: TrentService.*}) and Vault Transit
 * for WireMock. They really encrypt, with AES-GCM under a key of their own, and bind the KMS
 * encryption context as associated data, so a context mismatch fails inside the "service" exactly
 * as it would in KMS.
 */
public final class FakeKeyServices {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private FakeKeyServices() {
    }

    private static final class Sealer {
        private final SecretKey key;
        private final SecureRandom random = new SecureRandom();

        Sealer() {
            try {
                KeyGenerator generator = KeyGenerator.getInstance("AES");
                generator.init(256);
                key = generator.generateKey();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] seal(byte[] plaintext, byte[] aad) throws Exception {
            byte[] iv = new byte[12];
            random.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            c.updateAAD(aad);
            return ByteBuffer.allocate(12 + plaintext.length + 16).put(iv).put(c.doFinal(plaintext)).array();
        }

        byte[] open(byte[] sealed, byte[] aad) throws Exception {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, 12));
            c.updateAAD(aad);
            return c.doFinal(sealed, 12, sealed.length - 12);
        }
    }

    /** AWS KMS Encrypt/Decrypt. Stub {@code POST /} with {@code .withTransformers("fake-kms")}. */
    public static final class Kms implements ResponseDefinitionTransformerV2 {
        private final Sealer sealer = new Sealer();

        @Override
        public String getName() {
            return "fake-kms";
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request request = event.getRequest();
            String target = request.getHeader("X-Amz-Target");
            String auth = request.getHeader("Authorization");
            if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 Credential=")) {
                return error(400, "MissingAuthenticationTokenException");
            }
            try {
                JsonNode body = JSON.readTree(request.getBodyAsString());
                byte[] context = canonical(body.path("EncryptionContext"));
                if ("TrentService.Encrypt".equals(target)) {
                    byte[] plaintext = Base64.getDecoder().decode(body.path("Plaintext").asString());
                    byte[] keyId = body.path("KeyId").asString().getBytes(StandardCharsets.UTF_8);
                    byte[] sealed = sealer.seal(plaintext, context);
                    byte[] blob = ByteBuffer.allocate(2 + keyId.length + sealed.length).putShort((short) keyId.length).put(keyId).put(sealed).array();
                    return ok(Map.of("CiphertextBlob", Base64.getEncoder().encodeToString(blob), "KeyId", body.path("KeyId").asString(),
                            "EncryptionAlgorithm", "SYMMETRIC_DEFAULT"));
                }
                if ("TrentService.Decrypt".equals(target)) {
                    ByteBuffer blob = ByteBuffer.wrap(Base64.getDecoder().decode(body.path("CiphertextBlob").asString()));
                    byte[] keyId = new byte[blob.getShort()];
                    blob.get(keyId);
                    byte[] sealed = new byte[blob.remaining()];
                    blob.get(sealed);
                    if (body.has("KeyId") && !body.path("KeyId").asString().equals(new String(keyId, StandardCharsets.UTF_8))) {
                        return error(400, "IncorrectKeyException"); // as KMS does when the named key did not encrypt it
                    }
                    byte[] plaintext;
                    try {
                        plaintext = sealer.open(sealed, context);
                    } catch (Exception e) {
                        return error(400, "InvalidCiphertextException");
                    }
                    return ok(Map.of("Plaintext", Base64.getEncoder().encodeToString(plaintext),
                            "KeyId", new String(keyId, StandardCharsets.UTF_8), "EncryptionAlgorithm", "SYMMETRIC_DEFAULT"));
                }
                return error(400, "UnknownOperationException");
            } catch (Exception e) {
                return error(400, "ValidationException");
            }
        }

        private static byte[] canonical(JsonNode context) {
            Map<String, String> sorted = new TreeMap<>();
            context.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asString()));
            return sorted.toString().getBytes(StandardCharsets.UTF_8);
        }

        private static ResponseDefinition ok(Map<String, String> body) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(200)
                    .withHeader("Content-Type", "application/x-amz-json-1.1").withBody(JSON.writeValueAsString(body)).build();
        }

        public static ResponseDefinition error(int status, String type) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(status)
                    .withHeader("Content-Type", "application/x-amz-json-1.1")
                    .withBody("{\"__type\":\"" + type + "\",\"message\":\"fake kms says no\"}").build();
        }
    }

    /** Vault Transit encrypt/decrypt for one key. Stub {@code POST /v1/transit/.*} with {@code .withTransformers("fake-vault")}. */
    public static final class Vault implements ResponseDefinitionTransformerV2 {
        private final Sealer sealer = new Sealer();
        private final String token;

        public Vault(String token) {
            this.token = token;
        }

        @Override
        public String getName() {
            return "fake-vault";
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request request = event.getRequest();
            if (!token.equals(request.getHeader("X-Vault-Token"))) {
                return vault(403, "{\"errors\":[\"permission denied\"]}");
            }
            try {
                JsonNode body = JSON.readTree(request.getBodyAsString());
                byte[] none = new byte[0];
                if (request.getUrl().endsWith("/encrypt/cloudwarden")) {
                    byte[] sealed = sealer.seal(Base64.getDecoder().decode(body.path("plaintext").asString()), none);
                    return vault(200, JSON.writeValueAsString(Map.of("data", Map.of("ciphertext",
                            "vault:v1:" + Base64.getEncoder().encodeToString(sealed), "key_version", 1))));
                }
                if (request.getUrl().endsWith("/decrypt/cloudwarden")) {
                    String ciphertext = body.path("ciphertext").asString();
                    byte[] plaintext = sealer.open(Base64.getDecoder().decode(ciphertext.substring("vault:v1:".length())), none);
                    return vault(200, JSON.writeValueAsString(Map.of("data", Map.of("plaintext", Base64.getEncoder().encodeToString(plaintext)))));
                }
                return vault(404, "{\"errors\":[]}");
            } catch (Exception e) {
                return vault(400, "{\"errors\":[\"invalid ciphertext\"]}");
            }
        }

        private static ResponseDefinition vault(int status, String body) {
            return ResponseDefinitionBuilder.responseDefinition().withStatus(status).withHeader("Content-Type", "application/json")
                    .withBody(body).build();
        }
    }
}
