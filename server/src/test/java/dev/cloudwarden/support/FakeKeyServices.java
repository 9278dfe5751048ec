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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Test doubles of AWS KMS (JSON protocol, {@code X-Amz-Target: TrentService.*}) and Vault Transit
 * for WireMock. They really encrypt, with AES-GCM under keys of their own, and bind the KMS
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

    /**
     * AWS KMS Encrypt/Decrypt with keys and aliases as KMS has them. Stub {@code POST /} with
     * {@code .withTransformers("fake-kms")} and create keys with {@link #createKey(String)}. A request
     * may name a key by id, key ARN, alias name or alias ARN (account {@value #ACCOUNT}, the region
     * of the request's signature). Each key has its own material, and a ciphertext names the key that
     * made it: Decrypt without KeyId uses that key; with a KeyId that resolves to another key it answers
     * {@code IncorrectKeyException}, as KMS does; an unknown key is {@code NotFoundException}.
     */
    public static final class Kms implements ResponseDefinitionTransformerV2 {
        public static final String ACCOUNT = "111122223333";
        private static final Pattern REGION = Pattern.compile("Credential=[^/]+/\\d{8}/([a-z0-9-]+)/kms/aws4_request");

        private final Map<String, Sealer> keys = new ConcurrentHashMap<>();      // key id -> its material
        private final Map<String, String> aliases = new ConcurrentHashMap<>();   // "alias/name" -> key id

        /** Creates a key and points {@code alias} at it (moving the alias if it exists, as UpdateAlias does); returns the key id. */
        public String createKey(String alias) {
            String keyId = UUID.randomUUID().toString();
            keys.put(keyId, new Sealer());
            if (alias != null) {
                aliases.put(alias, keyId);
            }
            return keyId;
        }

        public static String keyArn(String region, String keyId) {
            return "arn:aws:kms:" + region + ":" + ACCOUNT + ":key/" + keyId;
        }

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
            Matcher scope = auth == null ? null : REGION.matcher(auth);
            if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 Credential=") || !scope.find()) {
                return error(400, "MissingAuthenticationTokenException");
            }
            String region = scope.group(1);
            try {
                JsonNode body = JSON.readTree(request.getBodyAsString());
                byte[] context = canonical(body.path("EncryptionContext"));
                if ("TrentService.Encrypt".equals(target)) {
                    String keyId = resolve(body.path("KeyId").asString(""), region);
                    if (keyId == null) {
                        return error(400, "NotFoundException");
                    }
                    byte[] plaintext = Base64.getDecoder().decode(body.path("Plaintext").asString());
                    byte[] name = keyId.getBytes(StandardCharsets.UTF_8);
                    byte[] sealed = keys.get(keyId).seal(plaintext, context);
                    byte[] blob = ByteBuffer.allocate(2 + name.length + sealed.length).putShort((short) name.length).put(name).put(sealed).array();
                    return ok(Map.of("CiphertextBlob", Base64.getEncoder().encodeToString(blob), "KeyId", keyArn(region, keyId),
                            "EncryptionAlgorithm", "SYMMETRIC_DEFAULT"));
                }
                if ("TrentService.Decrypt".equals(target)) {
                    ByteBuffer blob = ByteBuffer.wrap(Base64.getDecoder().decode(body.path("CiphertextBlob").asString()));
                    byte[] name = new byte[blob.getShort()];
                    blob.get(name);
                    byte[] sealed = new byte[blob.remaining()];
                    blob.get(sealed);
                    String blobKey = new String(name, StandardCharsets.UTF_8);
                    if (body.has("KeyId")) {
                        String named = resolve(body.path("KeyId").asString(""), region);
                        if (named == null) {
                            return error(400, "NotFoundException");
                        }
                        if (!named.equals(blobKey)) {
                            return error(400, "IncorrectKeyException"); // the named key did not encrypt it
                        }
                    }
                    Sealer key = keys.get(blobKey);
                    byte[] plaintext;
                    try {
                        plaintext = key.open(sealed, context);
                    } catch (Exception e) {
                        return error(400, "InvalidCiphertextException");
                    }
                    return ok(Map.of("Plaintext", Base64.getEncoder().encodeToString(plaintext),
                            "KeyId", keyArn(region, blobKey), "EncryptionAlgorithm", "SYMMETRIC_DEFAULT"));
                }
                return error(400, "UnknownOperationException");
            } catch (Exception e) {
                return error(400, "ValidationException");
            }
        }

        /** The key id a KeyId parameter names (key id, key ARN, alias name, alias ARN), or null when there is no such key. */
        private String resolve(String name, String region) {
            String prefix = "arn:aws:kms:" + region + ":" + ACCOUNT + ":";
            String local = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
            if (local.startsWith("arn:")) {
                return null; // another region or account
            }
            if (local.startsWith("alias/")) {
                return aliases.get(local);
            }
            if (name.startsWith(prefix) && !local.startsWith("key/")) {
                return null;
            }
            String id = local.startsWith("key/") ? local.substring("key/".length()) : local;
            return keys.containsKey(id) ? id : null;
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
