package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two real server instances on one database, each with its own keyset cache: node A (this test's
 * server) rotates a tenant's data key, re-encrypts and retires the old key while node B holds the
 * old keyset in its cache; node B then writes under the new key and reads what A re-encrypted.
 */
class KeyCachesAcrossNodesTest extends IntegrationTest {

    private static final FieldCrypto.Field NAME = new FieldCrypto.Field("tenants", "name_ciphertext");
    private static final FieldCrypto.Field MFA_SECRET = new FieldCrypto.Field("user_mfa", "secret_ciphertext");

    private static ConfigurableApplicationContext nodeB;

    @Autowired
    KeyMaintenance maintenance;
    @Autowired
    FieldCrypto crypto;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    TenantContext tenants;
    @Autowired
    KeyEncryptionKey kek;
    @Autowired
    CloudwardenProperties platform;

    private Api apiB;
    private int portB;

    @BeforeEach
    void startNodeB() {
        if (nodeB == null) {
            // The same configuration as this server (IntegrationTest's properties), on ports of its own.
            nodeB = new SpringApplicationBuilder(CloudwardenApplication.class).run(
                    "--server.port=0",
                    "--management.server.port=0",
                    "--cloudwarden.database.host=" + TestDatabase.HOST,
                    "--cloudwarden.database.port=" + TestDatabase.PORT,
                    "--cloudwarden.database.name=" + TestDatabase.NAME,
                    "--spring.mail.host=127.0.0.1",
                    "--spring.mail.port=" + TestMail.port(),
                    "--cloudwarden.rate-limits.sign-in.requests=1000000",
                    "--cloudwarden.rate-limits.sign-up.requests=1000000",
                    "--cloudwarden.rate-limits.password-reset.requests=1000000",
                    "--cloudwarden.rate-limits.mfa.requests=1000000",
                    "--" + EPOCH_CHECK,
                    "--" + ROTATION_GRACE);
        }
        portB = nodeB.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        assertThat(portB).isNotEqualTo(port);
        apiB = new Api(portB);
    }

    @AfterAll
    static void stopNodeB() {
        if (nodeB != null) {
            nodeB.close();
            nodeB = null;
        }
    }

    @Test
    void afterNodeARotatesAndRetiresNodeBWritesUnderTheNewKeyAndReadsTheReencryptedData() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Two Nodes Org");
        UUID tenant = t.tenantId();
        int oldKey = FieldCrypto.keyId(nameCiphertext(tenant));

        // Node B uses the tenant's keys (sign-in, and the console page that decrypts the organisation name): cached there now.
        String tokenB = apiB.signIn(t.email(), Api.PASSWORD);
        String cookie = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD).sessionCookie();
        assertThat(ConsoleClient.getWithCookie(apiB, "/console", cookie).body()).contains("Two Nodes Org");

        // Node A rotates the data key, re-encrypts every value under it and retires the old key.
        KeyMaintenance.Progress done = maintenance.rotateDataKey(tenant).get(30, TimeUnit.SECONDS);
        assertThat(done.failure()).isNull();
        assertThat(done.reencrypted()).isGreaterThanOrEqualTo(1);
        maintenance.retireOldDataKeys(tenant);
        int newKey = FieldCrypto.keyId(nameCiphertext(tenant));
        assertThat(newKey).isNotEqualTo(oldKey);

        // Node B writes first: the TOTP secret it stores is under the new primary, not the retired key.
        Api.Response enrolment = apiB.post("/api/v1/mfa/totp", "", tokenB);
        assertThat(enrolment.status()).isEqualTo(201);
        String secret = enrolment.json().get("secret").asString();
        byte[] stored = mfaSecretCiphertext(t.userId());
        assertThat(FieldCrypto.keyId(stored)).as("node B encrypts under the new primary").isEqualTo(newKey);

        // Node B reads what node A re-encrypted, and what it wrote itself.
        Api.Response page = ConsoleClient.getWithCookie(apiB, "/console", cookie);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Two Nodes Org");
        Api.Response confirmed = apiB.post("/api/v1/mfa/totp/confirm",
                Map.of("code", TestTotp.code(secret, TestTotp.step(java.time.Instant.now()))), tokenB); // node B reads the system clock; one step of skew is allowed
        assertThat(confirmed.status()).isEqualTo(200);

        // Node A reads what node B wrote.
        assertThat(crypto.decrypt(tenant, MFA_SECRET, t.userId(), stored)).isEqualTo(TestTotp.base32(secret));
    }

    /**
     * Between two epoch checks, a value under a key the cached keyset does not know is not refused
     * at once: the keyring re-reads the epoch and reloads. Two keyrings with an hour between checks,
     * so nothing but that reload can help.
     */
    @Test
    void aCiphertextUnderAKeyTheCacheDoesNotKnowMakesTheNodeReloadBeforeFailing() {
        Api.Tenant t = api.signUpAndSignIn("Reload Org");
        UUID tenant = t.tenantId();
        TenantKeyring keyringA = keyring(Duration.ofHours(1));
        TenantKeyring keyringB = keyring(Duration.ofHours(1));
        FieldCrypto cryptoA = new FieldCrypto(keyringA, platform);
        FieldCrypto cryptoB = new FieldCrypto(keyringB, platform);
        UUID row = UUID.randomUUID();
        byte[] beforeRotation = cryptoB.encryptString(tenant, NAME, row, "before"); // B caches the keyset now

        keyringA.rotateDataKey(tenant);
        byte[] underNewKey = cryptoA.encryptString(tenant, NAME, row, "after");
        assertThat(FieldCrypto.keyId(underNewKey)).isNotEqualTo(FieldCrypto.keyId(beforeRotation));

        assertThat(cryptoB.decryptString(tenant, NAME, row, underNewKey)).isEqualTo("after");
        assertThat(FieldCrypto.keyId(cryptoB.encryptString(tenant, NAME, row, "again"))).as("and B encrypts under it from now on")
                .isEqualTo(FieldCrypto.keyId(underNewKey));
        assertThat(cryptoB.decryptString(tenant, NAME, row, beforeRotation)).isEqualTo("before");

        // a value altered under a known key id still fails, and so does one under an id no keyset has
        byte[] altered = underNewKey.clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> cryptoB.decryptString(tenant, NAME, row, altered)).isInstanceOf(CryptoException.class);
        byte[] unknownId = underNewKey.clone();
        unknownId[1] ^= 0x55;
        assertThatThrownBy(() -> cryptoB.decryptString(tenant, NAME, row, unknownId)).isInstanceOf(CryptoException.class);
    }

    private TenantKeyring keyring(Duration epochCheck) {
        return new TenantKeyring(jdbc, tx, tenants, kek, platform, 100, Duration.ofHours(1), epochCheck);
    }

    private static byte[] nameCiphertext(UUID tenant) throws Exception {
        return bytes("select name_ciphertext from tenants where id = ?", tenant);
    }

    private static byte[] mfaSecretCiphertext(UUID user) throws Exception {
        return bytes("select secret_ciphertext from user_mfa where user_id = ?", user);
    }

    private static byte[] bytes(String sql, UUID id) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(sql).isTrue();
                return rs.getBytes(1);
            }
        }
    }
}
