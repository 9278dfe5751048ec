package dev.cloudwarden.cloudsim;

import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ACCOUNT;
import static dev.cloudwarden.cloudsim.Sandbox.PLATFORM_ARN;
import static dev.cloudwarden.cloudsim.Sandbox.assertAwsError;
import static dev.cloudwarden.cloudsim.Sandbox.assume;
import static dev.cloudwarden.cloudsim.Sandbox.kms;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.KeyMetadata;

/** KMS through the real SDK (JSON 1.1): the encryption context binds ciphertexts, as on KMS. */
class KmsApiTest {

    static final Map<String, String> CONTEXT = Map.of("tenant", "acme", "purpose", "aws-credentials");

    static CloudSim sim;
    static String key;
    static KmsClient platform;

    @BeforeAll
    static void start() throws Exception {
        sim = Sandbox.start();
        key = sim.createKey(PLATFORM_ACCOUNT, "us-east-1");
        platform = kms(sim, PLATFORM, "us-east-1");
    }

    @AfterAll
    static void stop() {
        platform.close();
        sim.close();
    }

    @Test
    void encryptThenDecryptWithTheSameContextAndNoKeyId() {
        assertThat(key).matches("arn:aws:kms:us-east-1:" + PLATFORM_ACCOUNT + ":key/[0-9a-f-]{36}");
        var encrypted = platform.encrypt(b -> b.keyId(key).plaintext(SdkBytes.fromUtf8String("s3cr3t")).encryptionContext(CONTEXT));
        assertThat(encrypted.keyId()).isEqualTo(key);
        assertThat(encrypted.encryptionAlgorithmAsString()).isEqualTo("SYMMETRIC_DEFAULT");
        assertThat(new String(encrypted.ciphertextBlob().asByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("s3cr3t");

        var decrypted = platform.decrypt(b -> b.ciphertextBlob(encrypted.ciphertextBlob()).encryptionContext(CONTEXT));
        assertThat(decrypted.plaintext().asUtf8String()).isEqualTo("s3cr3t");
        assertThat(decrypted.keyId()).isEqualTo(key);
        // the key's bare id works as KeyId too
        String id = key.substring(key.lastIndexOf('/') + 1);
        assertThat(platform.decrypt(b -> b.keyId(id).ciphertextBlob(encrypted.ciphertextBlob()).encryptionContext(CONTEXT)).plaintext()
                .asUtf8String()).isEqualTo("s3cr3t");
    }

    @Test
    void aWrongOrMissingContextOrATamperedBlobIsInvalidCiphertext() {
        SdkBytes blob = platform.encrypt(b -> b.keyId(key).plaintext(SdkBytes.fromUtf8String("s3cr3t")).encryptionContext(CONTEXT))
                .ciphertextBlob();
        assertAwsError(() -> platform.decrypt(b -> b.ciphertextBlob(blob).encryptionContext(Map.of("tenant", "evil", "purpose",
                "aws-credentials"))), 400, "InvalidCiphertextException");
        assertAwsError(() -> platform.decrypt(b -> b.ciphertextBlob(blob)), 400, "InvalidCiphertextException");
        byte[] tampered = blob.asByteArray();
        tampered[tampered.length - 1] ^= 1;
        assertAwsError(() -> platform.decrypt(b -> b.ciphertextBlob(SdkBytes.fromByteArray(tampered)).encryptionContext(CONTEXT)), 400,
                "InvalidCiphertextException");
        String other = sim.createKey(PLATFORM_ACCOUNT, "us-east-1");
        assertAwsError(() -> platform.decrypt(b -> b.keyId(other).ciphertextBlob(blob).encryptionContext(CONTEXT)), 400,
                "IncorrectKeyException");
    }

    @Test
    void generateDataKeyGivesAPlaintextKeyAndItsCiphertext() {
        var dataKey = platform.generateDataKey(b -> b.keyId(key).keySpec(DataKeySpec.AES_256).encryptionContext(CONTEXT));
        assertThat(dataKey.plaintext().asByteArray()).hasSize(32);
        assertThat(dataKey.keyId()).isEqualTo(key);
        assertThat(platform.decrypt(b -> b.ciphertextBlob(dataKey.ciphertextBlob()).encryptionContext(CONTEXT)).plaintext())
                .isEqualTo(dataKey.plaintext());
        assertThat(platform.generateDataKey(b -> b.keyId(key).numberOfBytes(64)).plaintext().asByteArray()).hasSize(64);
        assertAwsError(() -> platform.generateDataKey(b -> b.keyId(key)), 400, "ValidationException");
        assertAwsError(() -> platform.generateDataKey(b -> b.keyId(key).numberOfBytes(16).keySpec(DataKeySpec.AES_128)), 400,
                "ValidationException");
        assertAwsError(() -> platform.generateDataKey(b -> b.keyId(key).numberOfBytes(2000)), 400, "ValidationException");
    }

    @Test
    void describeKeyByIdOrArn() {
        String id = key.substring(key.lastIndexOf('/') + 1);
        for (String keyId : new String[] {id, key}) {
            KeyMetadata meta = platform.describeKey(b -> b.keyId(keyId)).keyMetadata();
            assertThat(meta.arn()).isEqualTo(key);
            assertThat(meta.keyId()).isEqualTo(id);
            assertThat(meta.awsAccountId()).isEqualTo(PLATFORM_ACCOUNT);
            assertThat(meta.enabled()).isTrue();
            assertThat(meta.keyStateAsString()).isEqualTo("Enabled");
            assertThat(meta.keyUsageAsString()).isEqualTo("ENCRYPT_DECRYPT");
            assertThat(meta.keySpecAsString()).isEqualTo("SYMMETRIC_DEFAULT");
            assertThat(meta.creationDate()).isNotNull();
        }
        assertAwsError(() -> platform.describeKey(b -> b.keyId("00000000-0000-0000-0000-000000000000")), 400, "NotFoundException");
        assertAwsError(() -> platform.describeKey(b -> b.keyId("alias/nothing")), 400, "NotFoundException");
        try (KmsClient ireland = kms(sim, PLATFORM, "eu-west-1")) {
            assertAwsError(() -> ireland.describeKey(b -> b.keyId(id)), 400, "NotFoundException");
        }
    }

    @Test
    void onlyTheKeysAccountMayUseIt() {
        String customer = "555500000001";
        String customerKey = sim.createKey(customer, "us-east-1");
        CloudSim.AccessKey own = sim.addUser(customer, "ops", null);
        CloudSim.AccessKey stranger = sim.addUser("555500000002", "mallory", null);
        try (KmsClient ops = kms(sim, AwsBasicCredentials.create(own.accessKeyId(), own.secretAccessKey()), "us-east-1");
             KmsClient mallory = kms(sim, AwsBasicCredentials.create(stranger.accessKeyId(), stranger.secretAccessKey()), "us-east-1")) {
            SdkBytes blob = ops.encrypt(b -> b.keyId(customerKey).plaintext(SdkBytes.fromUtf8String("mine"))).ciphertextBlob();
            assertThat(ops.decrypt(b -> b.ciphertextBlob(blob)).plaintext().asUtf8String()).isEqualTo("mine");
            assertAwsError(() -> mallory.encrypt(b -> b.keyId(customerKey).plaintext(SdkBytes.fromUtf8String("x"))), 400, "AccessDeniedException");
            assertAwsError(() -> mallory.decrypt(b -> b.ciphertextBlob(blob)), 400, "AccessDeniedException");
            assertAwsError(() -> platform.decrypt(b -> b.ciphertextBlob(blob)), 400, "AccessDeniedException");
        }
        // the platform's read-only role grants nothing in KMS
        CloudSim.Role role = new CloudSim.Role(customer, "CloudwardenAccess", PLATFORM_ARN, "ext-k");
        sim.addRole(role);
        try (KmsClient session = kms(sim, assume(sim, role, "kms"), "us-east-1")) {
            assertAwsError(() -> session.describeKey(b -> b.keyId(customerKey)), 400, "AccessDeniedException");
        }
        try (KmsClient unknown = kms(sim, AwsBasicCredentials.create("AKIAUNKNOWNKEY000003", "x"), "us-east-1")) {
            assertAwsError(() -> unknown.describeKey(b -> b.keyId(customerKey)), 400, "UnrecognizedClientException");
        }
    }
}
