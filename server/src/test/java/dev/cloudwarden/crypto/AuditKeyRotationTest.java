package dev.cloudwarden.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.audit.ExportVerifier;
import dev.cloudwarden.audit.PublishedKeys;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Rotating the digest-signing key: the old key stays published with the end of its validity, what
 * it signed still verifies, new digests are signed by the new key, and a key list without the old
 * key no longer verifies the old digests. The private keys exist only wrapped by the KEK.
 */
class AuditKeyRotationTest extends IntegrationTest {

    @Autowired
    AuditKeys auditKeys;

    @TempDir
    Path dir;

    @Test
    void oldDigestsStayVerifiableAfterARotation() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Audit key rotation");
        assertThat(api.get("/api/v1/activity/export", t.token()).status()).isEqualTo(200); // a digest by the current key
        String[] ids = auditKeys.rotate();
        assertThat(ids[0]).as("a key existed before").isNotNull();
        assertThat(ids[1]).isNotEqualTo(ids[0]);

        assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD + "-no"), null).status()).isEqualTo(401);
        Path export = Files.writeString(dir.resolve("export.ndjson"), api.get("/api/v1/activity/export", t.token()).body());
        List<String> digests = Files.readAllLines(export).stream().filter(l -> l.contains("\"type\":\"digest\"")).toList();
        assertThat(digests.get(0)).contains("\"keyId\":\"" + ids[0] + "\"");
        assertThat(digests.get(digests.size() - 1)).contains("\"keyId\":\"" + ids[1] + "\"");

        JsonNode published = api.get("/.well-known/cloudwarden-audit-keys.json", null).json();
        JsonNode old = null;
        JsonNode current = null;
        for (JsonNode k : published.get("keys")) {
            if (k.get("keyId").asString().equals(ids[0])) {
                old = k;
            }
            if (k.get("keyId").asString().equals(ids[1])) {
                current = k;
            }
        }
        assertThat(old).as("the retired key is still published").isNotNull();
        assertThat(old.get("validUntil").isNull()).as("with the end of its validity").isFalse();
        assertThat(current.get("validUntil").isNull()).isTrue();
        assertThat(current.get("validFrom").asString()).isGreaterThanOrEqualTo(old.get("validUntil").asString());

        Path keys = Files.writeString(dir.resolve("keys.json"), published.toString());
        PublishedKeys all = ExportVerifier.readKeys(keys);
        assertThat(new ExportVerifier(all, s -> { }).verify(export).ok()).isTrue();
        PublishedKeys onlyNew = new PublishedKeys(all.keys().stream().filter(k -> k.keyId().equals(ids[1])).toList());
        assertThat(new ExportVerifier(onlyNew, s -> { }).verify(export).failure())
                .contains("signed by key \"" + ids[0] + "\", which the key list does not publish");

        // the runtime role cannot rewrite the key list: no un-retiring, no backdated key, the retired private half is gone
        try (java.sql.Connection app = TestDatabase.asApp(); java.sql.Statement st = app.createStatement()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> st.executeUpdate(
                    "update audit_signing_keys set valid_until = null where key_id = '" + ids[0] + "'"))
                    .hasMessageContaining("are fixed");
            st.executeUpdate("insert into audit_signing_keys (key_id, public_key, private_keyset, kek_id, valid_from, valid_until) "
                    + "values ('ed25519-backdated', '\\x00', '\\x00', 'x', '2000-01-01', '2000-01-02') on conflict do nothing");
        }
        assertThat(TestDatabase.count("select count(*) from audit_signing_keys where key_id = 'ed25519-backdated'")).as("one current key only")
                .isZero();
        assertThat(TestDatabase.count("select count(*) from audit_signing_keys where key_id = ? and length(private_keyset) = 0", ids[0]))
                .isEqualTo(1);

        // the private keyset is stored only wrapped: in clear, a Tink Ed25519 private keyset holds the
        // 32 raw public key bytes (the X.509 form's last 32), so finding them would mean it is not encrypted
        assertThat(TestDatabase.count("select count(*) from audit_signing_keys")).isGreaterThanOrEqualTo(2);
        assertThat(TestDatabase.count("select count(*) from audit_signing_keys where position(substring(public_key from 13 for 32) in private_keyset) > 0"))
                .isZero();
    }
}
