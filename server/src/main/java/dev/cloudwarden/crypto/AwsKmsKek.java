package dev.cloudwarden.crypto;

import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * A KEK in AWS KMS, used through the AWS SDK v2 (Encrypt / Decrypt on a symmetric key). The
 * associated data travels as the KMS encryption context, so KMS itself refuses to decrypt a keyset
 * for another tenant or environment, and CloudTrail records which one was unwrapped.
 */
final class AwsKmsKek implements KeyEncryptionKey, AutoCloseable {

    private static final String CONTEXT_KEY = "cloudwarden-aad";

    private final KmsClient kms;
    private final String keyId;

    AwsKmsKek(KmsClient kms, String keyId) {
        this.kms = kms;
        this.keyId = keyId;
    }

    static AwsKmsKek create(KekSettings.AwsKms settings) {
        if (settings.keyId() == null || settings.keyId().isBlank()) {
            throw new IllegalStateException("cloudwarden.kek.aws-kms.key-id is required when cloudwarden.kek.provider=aws-kms");
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
        return new AwsKmsKek(builder.build(), settings.keyId());
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
        try {
            // No KeyId: a symmetric ciphertext names its key, so keysets wrapped under a previous key
            // (before a key-id change) still unwrap; the encryption context still binds them.
            return kms.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(ciphertext)).encryptionContext(context(associatedData)))
                    .plaintext().asByteArray();
        } catch (SdkException e) {
            throw failure("Decrypt", e);
        }
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
