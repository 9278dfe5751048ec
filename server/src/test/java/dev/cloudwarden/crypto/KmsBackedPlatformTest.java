package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.cloudsim.CloudSim;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole platform with its KEK in the sandbox's AWS KMS (JSON 1.1, SigV4 checked, the encryption
 * context bound to every ciphertext), reached through the AWS SDK v2.
 */
@TestPropertySource(properties = {
        "cloudwarden.kek.provider=aws-kms",
        "cloudwarden.kek.aws-kms.region=eu-central-1",
        "cloudwarden.kek.aws-kms.access-key-id=" + KmsBackedPlatformTest.PLATFORM_KEY,
        "cloudwarden.kek.aws-kms.secret-access-key=" + KmsBackedPlatformTest.PLATFORM_SECRET,
        "cloudwarden.kek.aws-kms.timeout=PT1.5S"})
class KmsBackedPlatformTest extends IntegrationTest {

    static final String PLATFORM_KEY = "AKIAPLATFORMKMS00001";
    static final String PLATFORM_SECRET = "platform-secret-for-the-kms-sandbox-00002";
    static final CloudSim KMS;
    static final String KEY_ARN;

    static {
        try {
            KMS = CloudSim.start(PLATFORM_KEY, PLATFORM_SECRET, "arn:aws:iam::111111111111:role/cloudwarden-platform", Clock.systemUTC(), 0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        KEY_ARN = KMS.createKey("111111111111", "eu-central-1");
        Runtime.getRuntime().addShutdownHook(new Thread(KMS::close));
    }

    @DynamicPropertySource
    static void kms(DynamicPropertyRegistry registry) {
        registry.add("cloudwarden.kek.aws-kms.endpoint", KMS::endpoint);
        registry.add("cloudwarden.kek.aws-kms.key-id", () -> KEY_ARN);
    }

    @Autowired
    TenantKeyring keyring;

    @BeforeEach
    void healthyKms() {
        KMS.clearFaults();
        KMS.latency(Duration.ZERO);
        KMS.clearCalls();
    }

    /** The KMS calls of this action answered so far, by the platform's own key. */
    static long calls(String action) {
        return KMS.calls().stream().filter(c -> c.service().equals("kms") && c.action().equals(action) && c.errorCode() == null)
                .peek(c -> assertThat(c.accessKeyId()).isEqualTo(PLATFORM_KEY)).count();
    }

    @Test
    void tenantKeysetsAreWrappedAndUnwrappedByKms() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("KMS Org");
        // wrapped once when the sign-up is requested, unwrapped once when its email is verified
        assertThat(calls("Encrypt")).isEqualTo(2);
        assertThat(calls("Decrypt")).isEqualTo(2);
        assertThat(kekIdOf(t)).isEqualTo("aws-kms:" + KEY_ARN);

        KMS.clearCalls();
        keyring.forget(t.tenantId());
        assertThat(api.signIn(t.email(), Api.PASSWORD)).isNotBlank();
        assertThat(calls("Decrypt")).isEqualTo(2);
        assertThat(calls("Encrypt")).isZero();
    }

    @Test
    void whenKmsFailsOrHangsSignUpFailsCleanlyAndWritesNothing() throws Exception {
        long tenantsBefore = count("select count(*) from tenants");
        long requestsBefore = count("select count(*) from signup_requests");
        String email = Api.uniqueEmail("kms-down");
        Map<String, String> body = Map.of("organization", "Never Created", "email", email, "password", Api.PASSWORD);

        // the request answers before any key is made; its keys cannot be wrapped, so nothing is kept and nothing mailed
        KMS.failNext("kms:*", CloudSim.FaultKind.SERVER_ERROR, 1_000);
        assertThat(api.post("/api/v1/signup", body, null).status()).isEqualTo(202);
        long deadline = System.currentTimeMillis() + 20_000;
        while (KMS.calls().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(1_000); // the background work gives up right after KMS's last (retried) answer
        assertThat(KMS.calls()).isNotEmpty().allSatisfy(c -> assertThat(c.errorCode()).isEqualTo("InternalFailure"));
        assertThat(count("select count(*) from signup_requests")).isEqualTo(requestsBefore);
        assertThat(TestMail.countTo(email)).isZero();

        // with KMS back the request goes through; KMS failing or hanging at verification creates nothing
        healthyKms();
        assertThat(api.post("/api/v1/signup", body, null).status()).isEqualTo(202);
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwv_");
        KMS.failNext("kms:*", CloudSim.FaultKind.SERVER_ERROR, 1_000);
        Api.Response failed = api.verifyEmail(token);
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"Something went wrong on our side.\"}");

        KMS.clearFaults();
        KMS.latency(Duration.ofSeconds(5));
        Api.Response hung = api.verifyEmail(token);
        assertThat(hung.status()).isEqualTo(500);

        assertThat(count("select count(*) from tenants")).isEqualTo(tenantsBefore);
        assertThat(count("select count(*) from tenant_keysets where tenant_id not in (select id from tenants)")).isZero();
        assertThat(count("select count(*) from login_directory where email = '" + email + "'")).isZero();

        healthyKms();
        assertThat(api.verifyEmail(token).status()).as("nothing was left behind: the same link still works").isEqualTo(201);
        assertThat(count("select count(*) from tenants")).isEqualTo(tenantsBefore + 1);
    }

    private static String kekIdOf(Api.Tenant t) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("select kek_id from tenant_keysets where tenant_id = ?")) {
            ps.setObject(1, t.tenantId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
