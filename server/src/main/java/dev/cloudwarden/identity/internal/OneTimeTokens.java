package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Single-use, expiring tokens sent by email. Only their tenant-keyed hash is stored, with who issued
 * it (an invitation's sender). Expiry is judged by the platform's {@link Clock}.
 */
@Component
class OneTimeTokens {

    enum Purpose {
        INVITATION("cwi_"), PASSWORD_RESET("cwr_");

        final String prefix;

        Purpose(String prefix) {
            this.prefix = prefix;
        }
    }

    private final JdbcClient jdbc;
    private final TenantContext tenants;
    private final TenantKeyring keyring;
    private final TransactionTemplate tx;
    private final Clock clock;

    OneTimeTokens(JdbcClient jdbc, TenantContext tenants, TenantKeyring keyring, TransactionTemplate tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
        this.jdbc = jdbc;
        this.tenants = tenants;
        this.keyring = keyring;
    }

    /** Issues a token for a user of the tenant in scope, inside the caller's transaction. */
    Secret issue(Purpose purpose, UUID userId, Duration ttl) {
        return issue(purpose, userId, ttl, null);
    }

    /** Issues a token that {@code issuedBy} (a user of the same tenant, or null) sent, inside the caller's transaction. */
    Secret issue(Purpose purpose, UUID userId, Duration ttl, UUID issuedBy) {
        UUID tenant = tenants.require();
        Secret token = TenantTokenFormat.mint(purpose.prefix, tenant);
        Instant now = clock.instant();
        jdbc.sql("""
                        insert into one_time_tokens (id, tenant_id, user_id, purpose, token_hash, created_at, expires_at, issued_by)
                        values (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID(), tenant, userId, purpose.name(), hash(tenant, purpose, token),
                        Timestamp.from(now), Timestamp.from(now.plus(ttl)), issuedBy)
                .update();
        return token;
    }

    /** A live token as issued: for whom, by whom (or null), when, until when. */
    record Issued(UUID userId, UUID issuedBy, Instant createdAt, Instant expiresAt) {
    }

    /**
     * What a live token (known, unused, unexpired) of this purpose was issued for, without using it
     * up; inside the caller's transaction with its tenant in scope. Empty for any bad token.
     */
    Optional<Issued> peek(Purpose purpose, Secret token) {
        UUID tenant = tenants.require();
        return jdbc.sql("""
                        select user_id, issued_by, created_at, expires_at from one_time_tokens
                        where token_hash = ? and purpose = ? and used_at is null and expires_at > ?""")
                .params(hash(tenant, purpose, token), purpose.name(), Timestamp.from(clock.instant()))
                .query((rs, n) -> new Issued(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant()))
                .optional();
    }

    /** The tenant a token of this purpose claims, if it is well formed and that tenant has keys. */
    Optional<UUID> tenantOf(Purpose purpose, Secret token) {
        return TenantTokenFormat.tenantOf(purpose.prefix, token).filter(t -> keyring.find(t).isPresent());
    }

    /**
     * The tenant of a live token (known, unused, unexpired), without using it up; 400 {@code token}
     * otherwise. Checked before any expensive work (hashing a new password), so a forged token costs
     * a keyed hash and one lookup. Runs in a transaction of its own, outside any tenant scope.
     */
    UUID requireLive(Purpose purpose, Secret token) {
        UUID tenant = tenantOf(purpose, token).orElseThrow(OneTimeTokens::invalid);
        boolean live = tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("""
                        select 1 from one_time_tokens where token_hash = ? and purpose = ? and used_at is null and expires_at > ?""")
                .params(hash(tenant, purpose, token), purpose.name(), Timestamp.from(clock.instant()))
                .query(Integer.class).optional().isPresent()));
        if (!live) {
            throw invalid();
        }
        return tenant;
    }

    /**
     * Uses a token up, inside the caller's transaction with its tenant in scope: the user it was
     * issued for, or empty when it is unknown, expired or already used.
     */
    Optional<UUID> consume(Purpose purpose, Secret token) {
        UUID tenant = tenants.require();
        return jdbc.sql("""
                        update one_time_tokens set used_at = ?
                        where token_hash = ? and purpose = ? and used_at is null and expires_at > ?
                        returning user_id""")
                .params(Timestamp.from(clock.instant()), hash(tenant, purpose, token), purpose.name(), Timestamp.from(clock.instant()))
                .query(UUID.class).optional();
    }

    /** Voids a user's unused tokens of one purpose (a newer one replaces them, or the invitation was cancelled). */
    void voidUnused(Purpose purpose, UUID userId) {
        jdbc.sql("update one_time_tokens set used_at = ? where user_id = ? and purpose = ? and used_at is null")
                .params(Timestamp.from(clock.instant()), userId, purpose.name()).update();
    }

    /** The one answer for every bad token: unknown, expired, used, malformed or of another purpose. */
    static dev.cloudwarden.common.ApiProblem invalid() {
        return dev.cloudwarden.common.ApiProblem.invalid("token", "is invalid, expired or already used")
                .saying("This code does not work: it is mistyped, has expired or has been used already.");
    }

    static Secret orEmpty(Secret token) {
        return token == null ? Secret.of("") : token;
    }

    private byte[] hash(UUID tenant, Purpose purpose, Secret token) {
        return keyring.keys(tenant).keyedHash("one-time-token:" + purpose.name(), token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
