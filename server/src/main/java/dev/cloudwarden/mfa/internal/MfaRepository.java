package dev.cloudwarden.mfa.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * MFA rows of the tenant in scope (row-level security limits every statement to it). Inserts name
 * the tenant, and the policy's WITH CHECK refuses any other.
 */
@Repository
class MfaRepository {

    /** One user's authenticator; {@code confirmed} is false while the enrolment waits for its first code. */
    record Authenticator(UUID userId, UUID tenantId, byte[] secretCiphertext, boolean confirmed, Long lastUsedStep,
                         int failedAttempts, Instant lockedUntil) {
    }

    private final JdbcClient jdbc;

    MfaRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The user's authenticator, row-locked until the transaction ends: checks of one user's codes never overlap. */
    Optional<Authenticator> lock(UUID userId) {
        return jdbc.sql("""
                        select user_id, tenant_id, secret_ciphertext, confirmed_at is not null as confirmed, last_used_step,
                               failed_attempts, locked_until
                        from user_mfa where user_id = ? for update""")
                .param(userId)
                .query((rs, n) -> new Authenticator(rs.getObject("user_id", UUID.class), rs.getObject("tenant_id", UUID.class),
                        rs.getBytes("secret_ciphertext"), rs.getBoolean("confirmed"), (Long) rs.getObject("last_used_step"),
                        rs.getInt("failed_attempts"),
                        rs.getTimestamp("locked_until") == null ? null : rs.getTimestamp("locked_until").toInstant()))
                .optional();
    }

    /**
     * Locks the user's row and says whether MFA is on. Every change of a user's MFA state takes this
     * lock first, then the authenticator's: concurrent requests of one user queue instead of racing
     * (two enrolments) or deadlocking (an enrolment and a confirmation).
     */
    boolean lockUser(UUID userId) {
        return jdbc.sql("select mfa_enabled from users where id = ? for update").param(userId).query(Boolean.class)
                .optional().orElse(false);
    }

    boolean isEnabled(UUID userId) {
        return jdbc.sql("select mfa_enabled from users where id = ?").param(userId).query(Boolean.class).optional().orElse(false);
    }

    void insertPending(UUID userId, UUID tenantId, byte[] secretCiphertext) {
        jdbc.sql("insert into user_mfa (user_id, tenant_id, secret_ciphertext) values (?, ?, ?)")
                .params(userId, tenantId, secretCiphertext).update();
    }

    /** Removes the user's authenticator and recovery codes. */
    void delete(UUID userId) {
        deleteRecoveryCodes(userId);
        jdbc.sql("delete from user_mfa where user_id = ?").param(userId).update();
    }

    /** Removes the user's recovery codes, used or not (a new set replaces them). */
    void deleteRecoveryCodes(UUID userId) {
        jdbc.sql("delete from mfa_recovery_codes where user_id = ?").param(userId).update();
    }

    void confirm(UUID userId) {
        jdbc.sql("update user_mfa set confirmed_at = now() where user_id = ?").param(userId).update();
    }

    void setEnabled(UUID userId, boolean enabled) {
        jdbc.sql("update users set mfa_enabled = ? where id = ?").params(enabled, userId).update();
    }

    /** A code was accepted: its step is used up (when it was a TOTP code) and the failure count starts over. */
    void accepted(UUID userId, Long step) {
        jdbc.sql("""
                        update user_mfa set last_used_step = coalesce(?, last_used_step), failed_attempts = 0, locked_until = null
                        where user_id = ?""")
                .params(step, userId).update();
    }

    void failed(UUID userId, int failedAttempts, Instant lockedUntil) {
        jdbc.sql("update user_mfa set failed_attempts = ?, locked_until = ? where user_id = ?")
                .params(failedAttempts, lockedUntil == null ? null : Timestamp.from(lockedUntil), userId).update();
    }

    void insertRecoveryCodes(UUID userId, UUID tenantId, List<byte[]> hashes) {
        for (byte[] hash : hashes) {
            jdbc.sql("insert into mfa_recovery_codes (id, tenant_id, user_id, code_hash) values (?, ?, ?, ?)")
                    .params(UUID.randomUUID(), tenantId, userId, hash).update();
        }
    }

    /** Marks an unused recovery code used; false when there is none with this hash (wrong, or used before). */
    boolean useRecoveryCode(UUID userId, byte[] hash) {
        return jdbc.sql("update mfa_recovery_codes set used_at = now() where user_id = ? and code_hash = ? and used_at is null")
                .params(userId, hash).update() == 1;
    }

    long unusedRecoveryCodes(UUID userId) {
        return jdbc.sql("select count(*) from mfa_recovery_codes where user_id = ? and used_at is null")
                .param(userId).query(Long.class).single();
    }

    boolean tenantRequiresMfa() {
        return jdbc.sql("select mfa_required from tenants").query(Boolean.class).optional().orElse(false);
    }

    /**
     * Sets the policy; false when it was so already. The tenant is named as well as scoped, so even a
     * broken policy could not touch another tenant.
     */
    boolean setTenantRequiresMfa(UUID tenantId, boolean required) {
        return jdbc.sql("update tenants set mfa_required = ? where id = ? and mfa_required <> ?")
                .params(required, tenantId, required).update() == 1;
    }
}
