package dev.cloudwarden.cloudsim;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * KMS over JSON 1.1 ({@code X-Amz-Target: TrentService.<Op>}): symmetric keys per account and
 * region; Encrypt, Decrypt, GenerateDataKey and DescribeKey. Ciphertext is AES-256-GCM under the
 * key's material, with the encryption context bound as associated data, so a wrong or missing
 * context fails with {@code InvalidCiphertextException} as on KMS. The ciphertext blob carries the
 * key's id, so Decrypt needs no KeyId.
 */
final class KmsApi {

    record Key(String id, String accountId, String region, byte[] material, Instant created) {
        String arn() {
            return "arn:aws:kms:" + region + ":" + accountId + ":key/" + id;
        }
    }

    /** Blob layout (the sandbox's own): version byte, key UUID (16 bytes), GCM IV (12), ciphertext and tag. */
    private static final byte BLOB_VERSION = 1;
    private static final int IV_BYTES = 12;
    private static final Pattern KEY_ARN = Pattern.compile("arn:aws:kms:([a-z0-9-]+):(\\d{12}):key/([0-9a-f-]{36})");
    private static final Pattern KEY_UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Clock clock;
    private final Map<String, Key> keys = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    KmsApi(Clock clock) {
        this.clock = clock;
    }

    /** A new symmetric key in an account and region; its ARN. */
    String createKey(String accountId, String region) {
        byte[] material = new byte[32];
        random.nextBytes(material);
        Key key = new Key(UUID.randomUUID().toString(), accountId, region, material, clock.instant());
        keys.put(key.id(), key);
        return key.arn();
    }

    Reply handle(Principal caller, String region, String operation, byte[] body) {
        Map<String, Object> request;
        try {
            request = Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new AwsException(400, "SerializationException", e.getMessage());
        }
        Map<String, Object> answer = switch (operation) {
            case "Encrypt" -> encrypt(caller, region, request);
            case "Decrypt" -> decrypt(caller, region, request);
            case "GenerateDataKey" -> generateDataKey(caller, region, request);
            case "DescribeKey" -> describeKey(caller, region, request);
            default -> throw new AwsException(400, "UnknownOperationException", null);
        };
        return Reply.json(Json.write(answer));
    }

    /** KMS's error shape: {@code {"__type": code, "message": ...}} (the type also in a header, which {@link CloudSim} sets). */
    static Reply error(AwsException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("__type", e.code);
        if (e.getMessage() != null) {
            body.put("message", e.getMessage());
        }
        return new Reply(e.status, "application/x-amz-json-1.1", Json.write(body), e.code);
    }

    /** A SigV4 or credentials refusal as JSON-protocol services word it (all HTTP 400). */
    static AwsException refusal(SigV4.Refused r) {
        return switch (r.code) {
            case "InvalidClientTokenId" -> new AwsException(400, "UnrecognizedClientException", r.getMessage());
            case "SignatureDoesNotMatch" -> new AwsException(400, "InvalidSignatureException", r.getMessage());
            case "RequestExpired" -> new AwsException(400, "InvalidSignatureException", "Signature expired.");
            case "ExpiredToken" -> new AwsException(400, "ExpiredTokenException", r.getMessage());
            case "IncompleteSignature" -> new AwsException(400, "IncompleteSignatureException", r.getMessage());
            case "MissingAuthenticationToken" -> new AwsException(400, "MissingAuthenticationTokenException", r.getMessage());
            default -> new AwsException(400, r.code, r.getMessage());
        };
    }

    private Map<String, Object> encrypt(Principal caller, String region, Map<String, Object> request) {
        Key key = key(caller, region, "Encrypt", requiredString(request, "KeyId"));
        byte[] plaintext = blob(request, "Plaintext");
        if (plaintext.length < 1 || plaintext.length > 4096) {
            throw validation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                    + "Member must have length between 1 and 4096");
        }
        checkAlgorithm(request);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("CiphertextBlob", base64(seal(key, plaintext, context(request))));
        out.put("KeyId", key.arn());
        out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        return out;
    }

    private Map<String, Object> decrypt(Principal caller, String region, Map<String, Object> request) {
        byte[] blob = blob(request, "CiphertextBlob");
        checkAlgorithm(request);
        if (blob.length < 1 + 16 + IV_BYTES + 16 || blob[0] != BLOB_VERSION) {
            throw new AwsException(400, "InvalidCiphertextException", null);
        }
        ByteBuffer head = ByteBuffer.wrap(blob, 1, 16);
        String keyId = new UUID(head.getLong(), head.getLong()).toString();
        Key key = keys.get(keyId);
        if (key == null) {
            throw new AwsException(400, "InvalidCiphertextException", null);
        }
        Key named = request.containsKey("KeyId") ? key(caller, region, "Decrypt", requiredString(request, "KeyId")) : null;
        if (named != null && !named.id().equals(key.id())) {
            throw new AwsException(400, "IncorrectKeyException",
                    "The key ID in the request does not identify a CMK that can perform this operation.");
        }
        key = key(caller, region, "Decrypt", key.arn());
        byte[] plaintext = open(key, blob, context(request));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("KeyId", key.arn());
        out.put("Plaintext", base64(plaintext));
        out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        return out;
    }

    private Map<String, Object> generateDataKey(Principal caller, String region, Map<String, Object> request) {
        Key key = key(caller, region, "GenerateDataKey", requiredString(request, "KeyId"));
        Object spec = request.get("KeySpec");
        Object bytes = request.get("NumberOfBytes");
        if ((spec == null) == (bytes == null)) {
            throw validation("Please specify either number of bytes or key spec.");
        }
        int length;
        if (spec != null) {
            length = switch (String.valueOf(spec)) {
                case "AES_256" -> 32;
                case "AES_128" -> 16;
                default -> throw validation("1 validation error detected: Value '" + spec + "' at 'keySpec' failed to satisfy constraint: "
                        + "Member must satisfy enum value set: [AES_256, AES_128]");
            };
        } else {
            try {
                length = ((BigDecimal) bytes).intValueExact();
            } catch (ClassCastException | ArithmeticException e) {
                throw new AwsException(400, "SerializationException", "NumberOfBytes must be an integer");
            }
            if (length < 1 || length > 1024) {
                throw validation("1 validation error detected: Value '" + length + "' at 'numberOfBytes' failed to satisfy constraint: "
                        + "Member must have value between 1 and 1024");
            }
        }
        byte[] dataKey = new byte[length];
        random.nextBytes(dataKey);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("CiphertextBlob", base64(seal(key, dataKey, context(request))));
        out.put("Plaintext", base64(dataKey));
        out.put("KeyId", key.arn());
        return out;
    }

    private Map<String, Object> describeKey(Principal caller, String region, Map<String, Object> request) {
        Key key = key(caller, region, "DescribeKey", requiredString(request, "KeyId"));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("AWSAccountId", key.accountId());
        meta.put("KeyId", key.id());
        meta.put("Arn", key.arn());
        meta.put("CreationDate", BigDecimal.valueOf(key.created().toEpochMilli(), 3));
        meta.put("Enabled", true);
        meta.put("Description", "");
        meta.put("KeyUsage", "ENCRYPT_DECRYPT");
        meta.put("KeyState", "Enabled");
        meta.put("Origin", "AWS_KMS");
        meta.put("KeyManager", "CUSTOMER");
        meta.put("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT");
        meta.put("KeySpec", "SYMMETRIC_DEFAULT");
        meta.put("EncryptionAlgorithms", List.of("SYMMETRIC_DEFAULT"));
        meta.put("MultiRegion", false);
        return Map.of("KeyMetadata", meta);
    }

    /**
     * The key a KeyId (key id or key ARN) names, for a caller allowed {@code kms:<operation>} on it.
     * A key of another account is refused (no key policy here grants other accounts); a key of
     * another region, or none, is NotFound.
     */
    private Key key(Principal caller, String region, String operation, String keyId) {
        Key key;
        Matcher arn = KEY_ARN.matcher(keyId);
        if (arn.matches()) {
            key = keys.get(arn.group(3));
            if (key != null && !key.accountId().equals(arn.group(2))) {
                key = null;
            }
            if (key != null && !arn.group(1).equals(region)) {
                throw new AwsException(400, "NotFoundException", "Invalid arn " + keyId);
            }
        } else if (KEY_UUID.matcher(keyId).matches()) {
            key = keys.get(keyId);
            if (key != null && !key.accountId().equals(caller.accountId())) {
                key = null;
            }
        } else if (keyId.startsWith("alias/") || keyId.startsWith("arn:aws:kms:")) {
            throw new AwsException(400, "NotFoundException", "Alias " + keyId + " is not found.");
        } else {
            throw new AwsException(400, "NotFoundException", "Invalid keyId " + keyId);
        }
        if (key == null || !key.region().equals(region)) {
            throw new AwsException(400, "NotFoundException", "Key '" + keyId + "' does not exist");
        }
        String because = caller.deniedBecause("kms:" + operation, null);
        if (because == null && !key.accountId().equals(caller.accountId())) {
            because = "because no resource-based policy allows the kms:" + operation + " action";
        }
        if (because != null) {
            throw new AwsException(400, "AccessDeniedException", "User: " + caller.arn() + " is not authorized to perform: kms:" + operation
                    + " on resource: " + key.arn() + " " + because);
        }
        return key;
    }

    private byte[] seal(Key key, byte[] plaintext, Map<String, String> context) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.material(), "AES"), new GCMParameterSpec(128, iv));
            cipher.updateAAD(associatedData(key, context));
            byte[] sealed = cipher.doFinal(plaintext);
            UUID id = UUID.fromString(key.id());
            return ByteBuffer.allocate(1 + 16 + IV_BYTES + sealed.length).put(BLOB_VERSION).putLong(id.getMostSignificantBits())
                    .putLong(id.getLeastSignificantBits()).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] open(Key key, byte[] blob, Map<String, String> context) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.material(), "AES"), new GCMParameterSpec(128, blob, 17, IV_BYTES));
            cipher.updateAAD(associatedData(key, context));
            return cipher.doFinal(blob, 17 + IV_BYTES, blob.length - 17 - IV_BYTES);
        } catch (AEADBadTagException e) {
            throw new AwsException(400, "InvalidCiphertextException", null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key's ARN and the context, sorted and length-prefixed so no two contexts serialise alike. */
    private static byte[] associatedData(Key key, Map<String, String> context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> parts = new ArrayList<>();
        parts.add(key.arn());
        new TreeMap<>(context).forEach((k, v) -> {
            parts.add(k);
            parts.add(v);
        });
        for (String part : parts) {
            byte[] b = part.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    private static Map<String, String> context(Map<String, Object> request) {
        Object raw = request.get("EncryptionContext");
        if (raw == null) {
            return Map.of();
        }
        if (!(raw instanceof Map<?, ?> map)) {
            throw new AwsException(400, "SerializationException", "EncryptionContext must be an object");
        }
        Map<String, String> context = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new AwsException(400, "SerializationException", "EncryptionContext values must be strings");
            }
            context.put(String.valueOf(e.getKey()), v);
        }
        return context;
    }

    private static void checkAlgorithm(Map<String, Object> request) {
        Object algorithm = request.get("EncryptionAlgorithm");
        if (algorithm != null && !"SYMMETRIC_DEFAULT".equals(algorithm)) {
            throw new AwsException(400, "InvalidKeyUsageException", "The sandbox's keys are symmetric: use SYMMETRIC_DEFAULT.");
        }
    }

    private static String requiredString(Map<String, Object> request, String member) {
        Object value = request.get(member);
        if (value == null) {
            throw validation("1 validation error detected: Value null at '" + Character.toLowerCase(member.charAt(0)) + member.substring(1)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (!(value instanceof String s)) {
            throw new AwsException(400, "SerializationException", member + " must be a string");
        }
        return s;
    }

    private static byte[] blob(Map<String, Object> request, String member) {
        try {
            return Base64.getDecoder().decode(requiredString(request, member));
        } catch (IllegalArgumentException e) {
            throw new AwsException(400, "SerializationException", member + " is not valid base64");
        }
    }

    private static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static AwsException validation(String message) {
        return new AwsException(400, "ValidationException", message);
    }
}
