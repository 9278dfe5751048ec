package dev.cloudwarden.crypto;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.FakeKeyServices;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/** The whole platform with its KEK in (a wire-level double of) AWS KMS, reached through the AWS SDK v2. */
@TestPropertySource(properties = {
        "cloudwarden.kek.provider=aws-kms",
        "cloudwarden.kek.aws-kms.key-id=alias/cloudwarden-platform",
        "cloudwarden.kek.aws-kms.region=eu-central-1",
        "cloudwarden.kek.aws-kms.access-key-id=AKIAFAKEPLATFORM0001",
        "cloudwarden.kek.aws-kms.secret-access-key=fake-platform-secret-for-tests-000000000",
        "cloudwarden.kek.aws-kms.timeout=PT1.5S"})
class KmsBackedPlatformTest extends IntegrationTest {

    static final FakeKeyServices.Kms FAKE_KMS = new FakeKeyServices.Kms();
    static final WireMockServer KMS = new WireMockServer(options().dynamicPort().extensions(FAKE_KMS));

    static {
        FAKE_KMS.createKey("alias/cloudwarden-platform");
        KMS.start();
        Runtime.getRuntime().addShutdownHook(new Thread(KMS::stop));
    }

    @DynamicPropertySource
    static void kms(DynamicPropertyRegistry registry) {
        registry.add("cloudwarden.kek.aws-kms.endpoint", KMS::baseUrl);
    }

    @Autowired
    TenantKeyring keyring;

    @BeforeEach
    void healthyKms() {
        KMS.resetAll();
        KMS.stubFor(post("/").willReturn(aResponse().withTransformers("fake-kms")));
    }

    @Test
    void tenantKeysetsAreWrappedAndUnwrappedByKms() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("KMS Org");
        // wrapped once when the sign-up is requested, unwrapped once when its email is verified
        KMS.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Encrypt")));
        KMS.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt")));
        assertThat(kekIdOf(t)).isEqualTo("aws-kms:alias/cloudwarden-platform");

        KMS.resetRequests();
        keyring.forget(t.tenantId());
        assertThat(api.signIn(t.email(), Api.PASSWORD)).isNotBlank();
        KMS.verify(2, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("TrentService.Decrypt"))
                .withRequestBody(matchingJsonPath("$.KeyId", equalTo("alias/cloudwarden-platform"))));
    }

    @Test
    void whenKmsFailsOrHangsSignUpFailsCleanlyAndWritesNothing() throws Exception {
        long tenantsBefore = count("select count(*) from tenants");
        long requestsBefore = count("select count(*) from signup_requests");
        String email = Api.uniqueEmail("kms-down");
        Map<String, String> body = Map.of("organization", "Never Created", "email", email, "password", Api.PASSWORD);

        // the request answers before any key is made; its keys cannot be wrapped, so nothing is kept and nothing mailed
        KMS.resetAll();
        KMS.stubFor(post("/").willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"KMSInternalException\"}")));
        assertThat(api.post("/api/v1/signup", body, null).status()).isEqualTo(202);
        long deadline = System.currentTimeMillis() + 20_000;
        while (KMS.getAllServeEvents().isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(500); // the background work gives up right after KMS answers
        assertThat(KMS.getAllServeEvents()).isNotEmpty();
        assertThat(count("select count(*) from signup_requests")).isEqualTo(requestsBefore);
        assertThat(TestMail.countTo(email)).isZero();

        // with KMS back the request goes through; KMS failing or hanging at verification creates nothing
        healthyKms();
        assertThat(api.post("/api/v1/signup", body, null).status()).isEqualTo(202);
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwv_");
        KMS.resetAll();
        KMS.stubFor(post("/").willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"KMSInternalException\"}")));
        Api.Response failed = api.verifyEmail(token);
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"Something went wrong on our side.\"}");

        KMS.resetAll();
        KMS.stubFor(post("/").willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(5_000)));
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
