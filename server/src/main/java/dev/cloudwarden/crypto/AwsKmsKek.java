package dev.cloudwarden.crypto;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * A KEK in AWS KMS, used through the AWS SDK v2 (Encrypt / Decrypt on a symmetric key). The
 * associated data travels as the KMS encryption context, so KMS itself refuses to decrypt a keyset
 * for another tenant or environment, and CloudTrail records which one was unwrapped.
 *
 * <p>Every Decrypt names its key (AWS's recommended practice): first the configured key, then, when
 * KMS answers {@code IncorrectKeyException} (the ciphertext is under another key), each of the
 * configured previous keys in turn. A keyset wrapped under any other key is refused, even though a
 * symmetric ciphertext names its key and KMS would decrypt it for anyone allowed to use that key.
 */
final class AwsKmsKek implements KeyEncryptionKey, AutoCloseable {

    private static final String CONTEXT_KEY = "cloudwarden-aad";

    private final KmsClient kms;
    private final String keyId;
    /** The configured key, then the previous ones: the only keys a Decrypt may name. */
    private final List<String> decryptKeyIds;

    AwsKmsKek(KmsClient kms, String keyId, List<String> previousKeyIds) {
        this.kms = kms;
        this.keyId = keyId;
        List<String> allowed = new ArrayList<>();
        allowed.add(keyId);
        allowed.addAll(previousKeyIds);
        this.decryptKeyIds = List.copyOf(allowed);
    }

    static AwsKmsKek create(KekSettings.AwsKms settings) {
        if (settings.keyId() == null || settings.keyId().isBlank()) {
            throw new IllegalStateException("cloudwarden.kek.aws-kms.key-id is required when cloudwarden.kek.provider=aws-kms");
        }
        Set<String> seen = new HashSet<>(Set.of(settings.keyId()));
        for (String previous : settings.previousKeyIds()) {
            if (previous == null || previous.isBlank() || !seen.add(previous)) {
                throw new IllegalStateException("cloudwarden.kek.aws-kms.previous-key-ids must list distinct keys other than key-id, none blank");
            }
        }
        KmsClientBuilder builder = KmsClient.builder()
                .region(Region.of(settings.region()))
                .overrideConfiguration(c -> c.apiCallTimeout(settings.timeout()).apiCallAttemptTimeout(settings.timeout().dividedBy(3)));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        if (settings.accessKeyId() != null && settings.secretAccessKey() != null) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey().reveal())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return new AwsKmsKek(builder.build(), settings.keyId(), settings.previousKeyIds());
    }

    @Override
    public String id() {
        return "aws-kms:" + keyId;
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        try {
            return kms.encrypt(r -> r.keyId(keyId).plaintext(SdkBytes.fromByteArray(plaintext)).encryptionContext(context(associatedData)))
                    .ciphertextBlob().asByteArray();
        } catch (SdkException e) {
            throw failure("Encrypt", e);
        }
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
        SdkBytes blob = SdkBytes.fromByteArray(ciphertext);
        Map<String, String> context = context(associatedData);
        for (String candidate : decryptKeyIds) {
            try {
                return kms.decrypt(r -> r.keyId(candidate).ciphertextBlob(blob).encryptionContext(context)).plaintext().asByteArray();
            } catch (IncorrectKeyException e) {
                // wrapped under another key: try the next allowed one (after `keys rotate-kek` this loop ends at once)
            } catch (SdkException e) {
                throw failure("Decrypt", e);
            }
        }
        // Says which settings to look at, never which key the ciphertext names nor anything of the ciphertext.
        throw new GeneralSecurityException("AWS KMS Decrypt refused: the keyset is wrapped under a KMS key that is neither "
                + "cloudwarden.kek.aws-kms.key-id nor listed in cloudwarden.kek.aws-kms.previous-key-ids");
    }

    private static Map<String, String> context(byte[] associatedData) {
        return Map.of(CONTEXT_KEY, Base64.getEncoder().encodeToString(associatedData));
    }

    private static GeneralSecurityException failure(String operation, SdkException e) {
        String reason = e instanceof KmsException kms && kms.awsErrorDetails() != null
                ? kms.awsErrorDetails().errorCode() + " (HTTP " + kms.statusCode() + ")"
                : e.getClass().getSimpleName();
        return new GeneralSecurityException("AWS KMS " + operation + " failed: " + reason);
    }

    @Override
    public void close() {
        kms.close();
    }
}
