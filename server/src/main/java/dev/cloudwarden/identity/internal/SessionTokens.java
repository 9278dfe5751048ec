package dev.cloudwarden.identity.internal;

import dev.cloudwarden.common.TenantTokenFormat;
import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.identity.CloudwardenPrincipal;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * API session tokens: {@code cws_} + base64url(tenant id ‖ 32 random bytes). The tenant part lets
 * the server open the right tenant scope before looking the token up, so even the lookup runs
 * under row-level security; a forged tenant part simply finds nothing. Only a SHA-256 of the
 * token is stored.
 */
@Component
public class SessionTokens {

    private static final String PREFIX = "cws_";
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final Duration ttl;
    private final TenantKeyring keyring;
    private final SignInOrigins origins;

    SessionTokens(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, TenantKeyring keyring, SignInOrigins origins,
                  @Value("${cloudwarden.sessions.ttl:PT12H}") Duration ttl) {
        this.keyring = keyring;
        this.origins = origins;
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofHours(12)) > 0) {
            throw new IllegalArgumentException("cloudwarden.sessions.ttl must be positive and at most 12 hours");
        }
        this.jdbc = jdbc;
        this.tx = tx;
        this.tenants = tenants;
        this.ttl = ttl;
    }

    public record Issued(Secret token, Instant expiresAt) {
    }

    /**
     * Issues a token for a user of the tenant in scope, in the caller's transaction (which records
     * the sign-in with it), keeping where the sign-in came from (the address encrypted).
     */
    Issued issue(UUID userId, SignInOrigins.Origin origin) {
        UUID tenant = tenants.require();
        Secret token = TenantTokenFormat.mint(PREFIX, tenant);
        Instant now = Instant.now();
        Instant expiresAt = now.plus(ttl);
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        insert into api_sessions (id, tenant_id, user_id, token_hash, created_at, expires_at, device, address_ciphertext)
                        values (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, tenant, userId, hash(tenant, token), java.sql.Timestamp.from(now),
                        java.sql.Timestamp.from(expiresAt), origin.device(),
                        origins.encryptAddress(tenant, SignInOrigins.API_SESSION_ADDRESS, id, origin))
                .update();
        return new Issued(token, expiresAt);
    }

    /** The principal a live token belongs to; empty for a malformed, unknown, expired or revoked token. */
    Optional<CloudwardenPrincipal> resolve(Secret token) {
        Optional<UUID> tenant = TenantTokenFormat.tenantOf(PREFIX, token);
        if (tenant.isEmpty() || keyring.find(tenant.get()).isEmpty()) {
            return Optional.empty();
        }
        return tenants.callAs(tenant.get(), () -> tx.execute(s -> {
            Optional<CloudwardenPrincipal> principal = jdbc.sql("select s.id as session_id, " + UserRepository.ACTIVE_COLUMNS + """
                             from api_sessions s
                            join active_users u on u.id = s.user_id
                            where s.token_hash = ? and s.revoked_at is null and s.expires_at > now()""")
                    .param(hash(tenant.get(), token))
                    .query((rs, n) -> UserRepository.activePrincipal(rs, rs.getObject("session_id", UUID.class)))
                    .optional();
            // last use, to the minute: at most one write per session and minute
            principal.ifPresent(p -> jdbc.sql("""
                            update api_sessions set last_used_at = now()
                            where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')""")
                    .param(p.sessionId()).update());
            return principal;
        }));
    }

    /**
     * A live API session of a user, for its owner's eyes: never the token or its hash. {@code device}
     * is {@link DeviceLabels#UNKNOWN} for sessions issued before origins were kept.
     */
    record Row(UUID id, String device, String address, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {
    }

    /** The live sessions of a user of the tenant in scope. */
    List<Row> listOf(UUID userId) {
        UUID tenant = tenants.require();
        return jdbc.sql("""
                        select id, device, address_ciphertext, created_at, last_used_at, expires_at from api_sessions
                        where user_id = ? and revoked_at is null and expires_at > now()
                        order by created_at, id""")
                .param(userId)
                .query((rs, n) -> {
                    UUID id = rs.getObject("id", UUID.class);
                    return new Row(id, rs.getString("device") == null ? DeviceLabels.UNKNOWN : rs.getString("device"),
                            origins.decryptAddress(tenant, SignInOrigins.API_SESSION_ADDRESS, id, rs.getBytes("address_ciphertext")),
                            rs.getTimestamp("created_at").toInstant(),
                            rs.getTimestamp("last_used_at") == null ? null : rs.getTimestamp("last_used_at").toInstant(),
                            rs.getTimestamp("expires_at").toInstant());
                })
                .list();
    }

    /** Revokes one live session of a user of the tenant in scope; false when they have no such session. */
    boolean revoke(UUID userId, UUID sessionId) {
        return jdbc.sql("""
                        update api_sessions set revoked_at = now()
                        where id = ? and user_id = ? and revoked_at is null and expires_at > now()""")
                .params(sessionId, userId).update() > 0;
    }

    /** Revokes one session of the tenant in scope; false when it was revoked already. */
    boolean revoke(UUID sessionId) {
        return jdbc.sql("update api_sessions set revoked_at = now() where id = ? and revoked_at is null").param(sessionId).update() > 0;
    }

    /** Revokes every session of a user of the tenant in scope; returns the ones that were live (not expired), which this ended. */
    List<UUID> revokeAllOf(UUID userId) {
        return jdbc.sql("""
                        with ended as (
                            update api_sessions set revoked_at = now() where user_id = ? and revoked_at is null
                            returning id, expires_at)
                        select id from ended where expires_at > now()""")
                .param(userId).query(UUID.class).list();
    }

    /**
     * Revokes every session of a user of the tenant in scope but {@code keep} (null: keeps none);
     * returns the ones that were live, which this ended.
     */
    List<UUID> revokeAllOfExcept(UUID userId, UUID keep) {
        return jdbc.sql("""
                        with ended as (
                            update api_sessions set revoked_at = now()
                            where user_id = ? and revoked_at is null and id is distinct from ?
                            returning id, expires_at)
                        select id from ended where expires_at > now()""")
                .params(userId, keep).query(UUID.class).list();
    }

    private byte[] hash(UUID tenant, Secret token) {
        return keyring.keys(tenant).keyedHash("api-session-token", token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
