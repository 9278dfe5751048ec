package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.common.Secret;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The aws-kms KEK against the sandbox's KMS (JSON 1.1, SigV4 checked, the encryption context bound
 * to the ciphertext as KMS binds it): what a wire double that only echoes could not show.
 */
class AwsKmsKekSandboxTest {

    static final String KEY = "AKIAPLATFORMKMSTEST1";
    static final String SECRET = "platform-secret-for-the-kms-sandbox-00001";
    static final String PRINCIPAL = "arn:aws:iam::111111111111:role/cloudwarden-platform";

    static CloudSim sim;
    static String current;
    static String previous;

    @BeforeAll
    static void start() throws Exception {
        sim = CloudSim.start(KEY, SECRET, PRINCIPAL, Clock.systemUTC(), 0);
        previous = sim.createKey("111111111111", "eu-west-1");
        current = sim.createKey("111111111111", "eu-west-1");
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static AwsKmsKek kek(String keyId, List<String> previousKeyIds, String secret) {
        return AwsKmsKek.create(new KekSettings.AwsKms(keyId, previousKeyIds, "eu-west-1", URI.create(sim.endpoint()), KEY,
                Secret.of(secret), Duration.ofSeconds(10)));
    }

    @Test
    void aKeysetWrapsAndUnwrapsOnlyWithItsOwnAssociatedData() throws Exception {
        byte[] keyset = "a tenant keyset".getBytes(StandardCharsets.UTF_8);
        byte[] tenantA = "cloudwarden:keyset:v1|dev|tenant-a".getBytes(StandardCharsets.UTF_8);
        byte[] tenantB = "cloudwarden:keyset:v1|dev|tenant-b".getBytes(StandardCharsets.UTF_8);
        try (AwsKmsKek kek = kek(current, List.of(), SECRET)) {
            byte[] wrapped = kek.encrypt(keyset, tenantA);
            assertThat(new String(wrapped, StandardCharsets.ISO_8859_1)).doesNotContain("a tenant keyset");
            assertThat(kek.decrypt(wrapped, tenantA)).isEqualTo(keyset);
            assertThatThrownBy(() -> kek.decrypt(wrapped, tenantB)).isInstanceOf(GeneralSecurityException.class)
                    .hasMessageContaining("InvalidCiphertextException");
        }
        assertThat(sim.calls()).filteredOn(c -> c.service().equals("kms"))
                .allSatisfy(c -> assertThat(c.accessKeyId()).isEqualTo(KEY))
                .extracting(CloudSim.Call::action).contains("Encrypt", "Decrypt");
    }

    @Test
    void afterRotationTheOldKeyStillUnwrapsOnlyWhenListedAsPrevious() throws Exception {
        byte[] ad = "cloudwarden:keyset:v1|dev|tenant-r".getBytes(StandardCharsets.UTF_8);
        byte[] wrappedUnderOld;
        try (AwsKmsKek old = kek(previous, List.of(), SECRET)) {
            wrappedUnderOld = old.encrypt(new byte[] {1, 2, 3}, ad);
        }
        try (AwsKmsKek rotated = kek(current, List.of(previous), SECRET)) {
            assertThat(rotated.decrypt(wrappedUnderOld, ad)).containsExactly(1, 2, 3);
        }
        try (AwsKmsKek strict = kek(current, List.of(), SECRET)) {
            assertThatThrownBy(() -> strict.decrypt(wrappedUnderOld, ad)).isInstanceOf(GeneralSecurityException.class)
                    .hasMessageContaining("previous-key-ids");
        }
    }

    @Test
    void throttlingIsRetriedAndAWrongSecretIsRefused() throws Exception {
        byte[] ad = "ad".getBytes(StandardCharsets.UTF_8);
        sim.failNext("kms:Encrypt", CloudSim.FaultKind.THROTTLE, 2);
        try (AwsKmsKek kek = kek(current, List.of(), SECRET)) {
            assertThat(kek.decrypt(kek.encrypt(new byte[] {7}, ad), ad)).containsExactly(7);
        }
        try (AwsKmsKek forged = kek(current, List.of(), SECRET + "x")) {
            assertThatThrownBy(() -> forged.encrypt(new byte[] {7}, ad)).isInstanceOf(GeneralSecurityException.class)
                    .hasMessageContaining("InvalidSignatureException").hasMessageNotContaining(SECRET);
        }
    }
}
