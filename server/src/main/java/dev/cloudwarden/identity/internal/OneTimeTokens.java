package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** Single-use, expiring tokens sent by email. Only their tenant-keyed hash is stored. */
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

    OneTimeTokens(JdbcClient jdbc, TenantContext tenants, TenantKeyring keyring, TransactionTemplate tx) {
        this.tx = tx;
        this.jdbc = jdbc;
        this.tenants = tenants;
        this.keyring = keyring;
    }

    /** Issues a token for a user of the tenant in scope, inside the caller's transaction. */
    Secret issue(Purpose purpose, UUID userId, Duration ttl) {
        UUID tenant = tenants.require();
        Secret token = TenantTokenFormat.mint(purpose.prefix, tenant);
        Instant now = Instant.now();
        jdbc.sql("""
                        insert into one_time_tokens (id, tenant_id, user_id, purpose, token_hash, created_at, expires_at)
                        values (?, ?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID(), tenant, userId, purpose.name(), hash(tenant, purpose, token),
                        Timestamp.from(now), Timestamp.from(now.plus(ttl)))
                .update();
        return token;
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
                        select 1 from one_time_tokens where token_hash = ? and purpose = ? and used_at is null and expires_at > now()""")
                .params(hash(tenant, purpose, token), purpose.name())
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
                        update one_time_tokens set used_at = now()
                        where token_hash = ? and purpose = ? and used_at is null and expires_at > now()
                        returning user_id""")
                .params(hash(tenant, purpose, token), purpose.name())
                .query(UUID.class).optional();
    }

    /** Voids a user's unused tokens of one purpose (a newer one replaces them). */
    void voidUnused(Purpose purpose, UUID userId) {
        jdbc.sql("update one_time_tokens set used_at = now() where user_id = ? and purpose = ? and used_at is null")
                .params(userId, purpose.name()).update();
    }

    /** The one answer for every bad token: unknown, expired, used, malformed or of another purpose. */
    static dev.cloudwarden.common.ApiProblem invalid() {
        return dev.cloudwarden.common.ApiProblem.invalid("token", "is invalid, expired or already used");
    }

    static Secret orEmpty(Secret token) {
        return token == null ? Secret.of("") : token;
    }

    private byte[] hash(UUID tenant, Purpose purpose, Secret token) {
        return keyring.keys(tenant).keyedHash("one-time-token:" + purpose.name(), token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
