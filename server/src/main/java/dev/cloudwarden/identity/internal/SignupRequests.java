package dev.cloudwarden.identity.internal;

import dev.cloudwarden.crypto.TenantKeyring;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Sign-ups waiting for their email to be verified (table signup_requests), one per future tenant, under row-level security. */
@Repository
class SignupRequests {

    record Row(UUID tenantId, byte[] tokenHash, TenantKeyring.Wrapped keys, byte[] nameCiphertext, byte[] emailCiphertext,
               String passwordHash) {
    }

    private final JdbcClient jdbc;

    SignupRequests(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Row row, Instant expiresAt) {
        jdbc.sql("""
                        insert into signup_requests (tenant_id, token_hash, aead_keyset, prf_keyset, kek_id, name_ciphertext,
                                                     email_ciphertext, password_hash, expires_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(row.tenantId(), row.tokenHash(), row.keys().aead(), row.keys().prf(), row.keys().kekId(), row.nameCiphertext(),
                        row.emailCiphertext(), row.passwordHash(), Timestamp.from(expiresAt))
                .update();
    }

    /**
     * Takes the unexpired request of the tenant in scope out of the table, so a link is used once:
     * a concurrent use waits for this transaction and then finds nothing; a rollback (a wrong token)
     * puts it back.
     */
    Optional<Row> takeLive() {
        return jdbc.sql("""
                        delete from signup_requests where expires_at > now()
                        returning tenant_id, token_hash, aead_keyset, prf_keyset, kek_id, name_ciphertext, email_ciphertext, password_hash""")
                .query((rs, n) -> new Row(rs.getObject("tenant_id", UUID.class), rs.getBytes("token_hash"),
                        new TenantKeyring.Wrapped(rs.getBytes("aead_keyset"), rs.getBytes("prf_keyset"), rs.getString("kek_id")),
                        rs.getBytes("name_ciphertext"), rs.getBytes("email_ciphertext"), rs.getString("password_hash")))
                .optional();
    }

    /** Deletes every expired request of every tenant (a narrow SECURITY DEFINER function); how many went. */
    int deleteExpired() {
        return jdbc.sql("select delete_expired_signup_requests()").query(Integer.class).single();
    }
}
