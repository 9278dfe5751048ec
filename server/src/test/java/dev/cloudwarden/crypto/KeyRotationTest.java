package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.agent.AgentProtocol;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * KEK and tenant-key rotation with data present: everything keeps decrypting, old keys can be retired.
 * The wait before re-encryption and retirement is half a second here ({@link IntegrationTest#EPOCH_CHECK}).
 */
class KeyRotationTest extends IntegrationTest {

    /** epoch-check + grace of the test server */
    static final Duration SETTLE = Duration.ofMillis(500);

    private static final FieldCrypto.Field NAME = new FieldCrypto.Field("tenants", "name_ciphertext");

    @Autowired
    KeyMaintenance maintenance;
    @Autowired
    TenantKeyring keyring;
    @Autowired
    FieldCrypto crypto;
    @Autowired
    KeyEncryptionKey kek;
    @Autowired
    CommandKeys commandKeys;
    @Autowired
    CloudwardenProperties platform;

    @Test
    void kekRotationRewrapsEveryTenantKeysetWithoutTouchingData() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("KEK A");
        Api.Tenant b = api.signUpAndSignIn("KEK B");
        byte[] nameBefore = nameCiphertext(a.tenantId());
        String oldKek = kek.id();

        ((LocalKek) kek).rotate();
        int rewrapped = maintenance.rewrapAllTenantKeysets();

        assertThat(rewrapped).isGreaterThanOrEqualTo(2);
        assertThat(kek.id()).isNotEqualTo(oldKek);
        for (Api.Tenant t : List.of(a, b)) {
            assertThat(kekIdOf(t.tenantId())).isEqualTo(kek.id());
            keyring.forget(t.tenantId()); // force an unwrap under the new KEK
            assertThat(api.get("/api/v1/me", t.token()).status()).isEqualTo(200);
            assertThat(api.signIn(t.email(), Api.PASSWORD)).isNotBlank();
        }
        assertThat(nameCiphertext(a.tenantId())).as("data untouched").isEqualTo(nameBefore);
    }

    @Test
    void kekRotationRewrapsTheAgentCommandKeyWhichKeepsItsPublicHalf() throws Exception {
        CommandKeys.PublicKey pinned = commandKeys.publicKey();
        ((LocalKek) kek).rotate();
        KeyMaintenance.Rewrapped done = maintenance.rewrapUnderCurrentKek();
        assertThat(done.signingKeys()).isGreaterThanOrEqualTo(1);
        byte[] wrapped;
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select kek_id, private_keyset, public_key from agent_command_keys")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(kek.id());
            assertThat(rs.getBytes(3)).isEqualTo(pinned.raw());
            wrapped = rs.getBytes(2);
        }
        // unwrapped under the new KEK, it signs for the key agents pinned; bound to its purpose, it is no audit key
        byte[] message = AgentProtocol.commandBase("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] signature = new SigningKeysets(kek, "cloudwarden:agent-command-key:v1", platform.environment().name()).signer(pinned.keyId(), wrapped).sign(message);
        assertThat(AgentProtocol.verifies(pinned.raw(), signature, message)).isTrue();
        assertThatThrownBy(() -> new SigningKeysets(kek, "cloudwarden:audit-signing-key:v1", platform.environment().name()).signer(pinned.keyId(), wrapped))
                .isInstanceOf(CryptoException.class);
        assertThat(AgentProtocol.verifies(pinned.raw(), commandKeys.sign(message).value(), message)).isTrue();
    }

    @Test
    void tenantKeyRotationReencryptsInTheBackgroundAndOldKeysRetireAfterwards() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Rotation Org");
        UUID tenant = a.tenantId();
        byte[] old = nameCiphertext(tenant);
        int oldKey = FieldCrypto.keyId(old);

        KeyMaintenance.Progress done = maintenance.rotateDataKey(tenant).get(30, TimeUnit.SECONDS);
        assertThat(done.done()).isTrue();
        assertThat(done.failure()).isNull();
        assertThat(done.reencrypted()).isEqualTo(done.total()).isGreaterThanOrEqualTo(1);
        assertThat(maintenance.progress(tenant)).contains(done);

        byte[] current = nameCiphertext(tenant);
        assertThat(FieldCrypto.keyId(current)).isNotEqualTo(oldKey);
        assertThat(crypto.decryptString(tenant, NAME, tenant, current)).isEqualTo("Rotation Org");
        assertThat(crypto.decryptString(tenant, NAME, tenant, old)).as("old versions still decrypt").isEqualTo("Rotation Org");

        maintenance.retireOldDataKeys(tenant);
        assertThatThrownBy(() -> crypto.decryptString(tenant, NAME, tenant, old)).isInstanceOf(CryptoException.class);
        assertThat(crypto.decryptString(tenant, NAME, tenant, nameCiphertext(tenant))).isEqualTo("Rotation Org");
        assertThat(api.get("/api/v1/me", a.token()).status()).isEqualTo(200);
    }

    @Test
    void reencryptionWaitsUntilEveryNodeMustUseTheNewKey() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Patient Org");
        long started = System.nanoTime();
        maintenance.rotateDataKey(a.tenantId()).get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(SETTLE);
    }

    @Test
    void oldKeysCannotBeRetiredWhileDataStillUsesThem() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Not yet");
        keyring.rotateDataKey(a.tenantId()); // no re-encryption run
        // too early: another node may still be encrypting under the previous key
        assertThatThrownBy(() -> maintenance.retireOldDataKeys(a.tenantId()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("once every node uses the new key");
        Thread.sleep(SETTLE.toMillis() + 50);
        assertThatThrownBy(() -> maintenance.retireOldDataKeys(a.tenantId()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("re-encrypt first");
        assertThat(crypto.decryptString(a.tenantId(), NAME, a.tenantId(), nameCiphertext(a.tenantId()))).isEqualTo("Not yet");
    }

    @Test
    void theDatabaseBumpsTheEpochOnEveryChangeOfAKeyset() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Epochs");
        long first = epochOf(a.tenantId());
        keyring.rotateDataKey(a.tenantId());
        long rotated = epochOf(a.tenantId());
        keyring.rewrap(a.tenantId());
        long rewrapped = epochOf(a.tenantId());
        assertThat(rotated).isGreaterThan(first);
        assertThat(rewrapped).isGreaterThan(rotated);
        // the runtime role can neither set nor lower it
        try (Connection c = TestDatabase.asApp(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("select set_config('cloudwarden.tenant_id', '" + a.tenantId() + "', true)");
            assertThatThrownBy(() -> st.executeUpdate("update tenant_keysets set epoch = 1 where tenant_id = '" + a.tenantId() + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            c.rollback();
            st.execute("select set_config('cloudwarden.tenant_id', '" + a.tenantId() + "', true)");
            assertThat(st.executeUpdate("update tenant_keysets set kek_id = kek_id where tenant_id = '" + a.tenantId() + "'")).isEqualTo(1);
            c.rollback();
        }
    }

    private static long epochOf(UUID tenant) throws Exception {
        return single("select epoch from tenant_keysets where tenant_id = ?", tenant, ResultSet::getLong);
    }

    private static byte[] nameCiphertext(UUID tenant) throws Exception {
        return single("select name_ciphertext from tenants where id = ?", tenant, ResultSet::getBytes);
    }

    private static String kekIdOf(UUID tenant) throws Exception {
        return single("select kek_id from tenant_keysets where tenant_id = ?", tenant, ResultSet::getString);
    }

    private interface Column<T> {
        T get(ResultSet rs, int index) throws java.sql.SQLException;
    }

    private static <T> T single(String sql, UUID id, Column<T> column) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return column.get(rs, 1);
            }
        }
    }
}
