package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Field encryption through the real keyring: tenant keysets in PostgreSQL, wrapped by the local KEK. */
class FieldCryptoTest extends IntegrationTest {

    private static final FieldCrypto.Field ARN = new FieldCrypto.Field("cloud_accounts", "role_arn");
    private static final FieldCrypto.Field EXTERNAL_ID = new FieldCrypto.Field("cloud_accounts", "external_id");
    private static final String CANARY = "arn:aws:iam::123456789012:role/canary-7d1e";

    @Autowired
    FieldCrypto crypto;
    @Autowired
    TenantKeyring keyring;

    private Api.Tenant a;
    private Api.Tenant b;

    @BeforeEach
    void tenants() {
        a = api.signUpAndSignIn("Crypto A");
        b = api.signUpAndSignIn("Crypto B");
    }

    @Test
    void aCiphertextOnlyDecryptsInItsOwnEnvironmentTenantTableColumnAndRow() {
        UUID row = UUID.randomUUID();
        byte[] sealed = crypto.encryptString(a.tenantId(), ARN, row, CANARY);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("canary");
        assertThat(crypto.decryptString(a.tenantId(), ARN, row, sealed)).isEqualTo(CANARY);

        assertRefused(() -> crypto.decryptString(a.tenantId(), ARN, UUID.randomUUID(), sealed));                       // another row
        assertRefused(() -> crypto.decryptString(a.tenantId(), EXTERNAL_ID, row, sealed));                              // another column
        assertRefused(() -> crypto.decryptString(a.tenantId(), new FieldCrypto.Field("jobs", "role_arn"), row, sealed)); // another table
        assertRefused(() -> crypto.decryptString(b.tenantId(), ARN, row, sealed));                                      // another tenant
        for (CloudwardenProperties.Environment env : new CloudwardenProperties.Environment[] {
                CloudwardenProperties.Environment.staging, CloudwardenProperties.Environment.prod}) {
            FieldCrypto elsewhere = new FieldCrypto(keyring, new CloudwardenProperties(env, Path.of("x"), null, null));
            assertRefused(() -> elsewhere.decryptString(a.tenantId(), ARN, row, sealed));                               // another environment
        }
    }

    @Test
    void corruptedOrTruncatedCiphertextsFailClearly() {
        UUID row = UUID.randomUUID();
        byte[] sealed = crypto.encryptString(a.tenantId(), ARN, row, CANARY);
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        assertRefused(() -> crypto.decryptString(a.tenantId(), ARN, row, flipped));
        assertRefused(() -> crypto.decryptString(a.tenantId(), ARN, row, Arrays.copyOf(sealed, 12)));
        assertRefused(() -> crypto.decryptString(a.tenantId(), ARN, row, new byte[0]));
        assertThatThrownBy(() -> FieldCrypto.keyId(new byte[] {7, 1, 2})).isInstanceOf(CryptoException.class);
    }

    @Test
    void theSameSecretInTwoTenantsGetsDifferentCiphertextsAndDifferentKeyedHashes() {
        UUID row = UUID.randomUUID();
        byte[] inA = crypto.encryptString(a.tenantId(), ARN, row, CANARY);
        byte[] inB = crypto.encryptString(b.tenantId(), ARN, row, CANARY);
        assertThat(inA).isNotEqualTo(inB);
        assertThat(crypto.encryptString(a.tenantId(), ARN, row, CANARY)).as("random nonce").isNotEqualTo(inA);

        byte[] value = CANARY.getBytes(StandardCharsets.UTF_8);
        byte[] hashA = crypto.keyedHash(a.tenantId(), "blind-index:role-arn", value);
        assertThat(hashA).hasSize(32).isEqualTo(crypto.keyedHash(a.tenantId(), "blind-index:role-arn", value));
        assertThat(crypto.keyedHash(b.tenantId(), "blind-index:role-arn", value)).isNotEqualTo(hashA);
        assertThat(crypto.keyedHash(a.tenantId(), "blind-index:external-id", value)).as("purposes are separated").isNotEqualTo(hashA);
    }

    @Test
    void tenantKeysetsAreStoredOnlyWrappedAndBoundToTheirTenant() throws Exception {
        byte[] wrappedA = keysetRow(a.tenantId());
        assertThatThrownBy(() -> TinkProtoKeysetFormat.parseKeyset(wrappedA, InsecureSecretKeyAccess.get()))
                .as("not a cleartext keyset").isInstanceOf(Exception.class);
        // A's wrapped keyset copied onto B's row does not unwrap: B fails closed, A is untouched.
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update tenant_keysets set aead_keyset = ? where tenant_id = ?")) {
            ps.setBytes(1, wrappedA);
            ps.setObject(2, b.tenantId());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        keyring.forget(b.tenantId());
        assertThatThrownBy(() -> keyring.keys(b.tenantId())).isInstanceOf(CryptoException.class)
                .hasMessageContaining("Could not unwrap");
        Api.Response signIn = api.post("/api/v1/sessions", java.util.Map.of("email", b.email(), "password", Api.PASSWORD), null);
        assertThat(signIn.status()).isEqualTo(500);
        assertThat(signIn.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"Something went wrong on our side.\"}");
        assertThat(api.get("/api/v1/me", a.token()).status()).isEqualTo(200);
    }

    @Test
    void aTruncatedKeysetFailsClosed() throws Exception {
        byte[] wrapped = keysetRow(b.tenantId());
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update tenant_keysets set prf_keyset = ? where tenant_id = ?")) {
            ps.setBytes(1, Arrays.copyOf(wrapped, wrapped.length / 2));
            ps.setObject(2, b.tenantId());
            ps.executeUpdate();
        }
        keyring.forget(b.tenantId());
        assertThatThrownBy(() -> keyring.keys(b.tenantId())).isInstanceOf(CryptoException.class).hasMessageContaining("prf keyset");
        assertThat(api.get("/api/v1/me", b.token()).status()).as("its sessions cannot be checked: refused").isIn(401, 500);
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable decrypt) {
        assertThatThrownBy(decrypt).isInstanceOf(CryptoException.class)
                .hasMessageContaining("Could not decrypt")
                .message().doesNotContain("canary").doesNotContain("123456789012");
    }

    private static byte[] keysetRow(UUID tenant) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select aead_keyset from tenant_keysets where tenant_id = ?")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }
}
