package dev.cloudwarden.identity;

import dev.cloudwarden.common.Secret;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.tenancy.TenantContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
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
    private static final int RANDOM_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final SecureRandom random = new SecureRandom();
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TenantContext tenants;
    private final Duration ttl;
    private final TenantKeyring keyring;

    SessionTokens(JdbcClient jdbc, TransactionTemplate tx, TenantContext tenants, TenantKeyring keyring,
                  @Value("${cloudwarden.sessions.ttl:PT12H}") Duration ttl) {
        this.keyring = keyring;
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

    /** Issues a token for a user of the tenant in scope. */
    Issued issue(UUID userId) {
        UUID tenant = tenants.require();
        byte[] secretPart = new byte[RANDOM_BYTES];
        random.nextBytes(secretPart);
        ByteBuffer raw = ByteBuffer.allocate(16 + RANDOM_BYTES)
                .putLong(tenant.getMostSignificantBits()).putLong(tenant.getLeastSignificantBits()).put(secretPart);
        Secret token = Secret.of(PREFIX + ENCODER.encodeToString(raw.array()));
        Instant now = Instant.now();
        Instant expiresAt = now.plus(ttl);
        tx.executeWithoutResult(s -> jdbc.sql("""
                        insert into api_sessions (id, tenant_id, user_id, token_hash, created_at, expires_at)
                        values (?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID(), tenant, userId, hash(tenant, token), java.sql.Timestamp.from(now),
                        java.sql.Timestamp.from(expiresAt))
                .update());
        return new Issued(token, expiresAt);
    }

    /** The principal a live token belongs to; empty for a malformed, unknown, expired or revoked token. */
    Optional<CloudwardenPrincipal> resolve(Secret token) {
        Optional<UUID> tenant = tenantOf(token);
        if (tenant.isEmpty() || keyring.find(tenant.get()).isEmpty()) {
            return Optional.empty();
        }
        return tenants.callAs(tenant.get(), () -> tx.execute(s -> jdbc.sql("""
                        select s.id as session_id, u.id, u.tenant_id, u.email, u.role, u.mfa_enabled,
                               t.mfa_required and not u.mfa_enabled as mfa_enrollment_required
                        from api_sessions s
                        join users u on u.id = s.user_id
                        join tenants t on t.id = s.tenant_id
                        where s.token_hash = ? and s.revoked_at is null and s.expires_at > now()
                          and u.status = 'ACTIVE' and t.status = 'ACTIVE'""")
                .param(hash(tenant.get(), token))
                .query((rs, n) -> new CloudwardenPrincipal(rs.getObject("id", UUID.class),
                        rs.getObject("tenant_id", UUID.class), rs.getString("email"),
                        Role.valueOf(rs.getString("role")), rs.getBoolean("mfa_enabled"),
                        rs.getObject("session_id", UUID.class), rs.getBoolean("mfa_enrollment_required")))
                .optional()));
    }

    /** Revokes one session of the tenant in scope. */
    void revoke(UUID sessionId) {
        jdbc.sql("update api_sessions set revoked_at = now() where id = ? and revoked_at is null").param(sessionId).update();
    }

    /** Revokes every session of a user of the tenant in scope. */
    void revokeAllOf(UUID userId) {
        jdbc.sql("update api_sessions set revoked_at = now() where user_id = ? and revoked_at is null").param(userId).update();
    }

    private static Optional<UUID> tenantOf(Secret token) {
        String value = token.reveal();
        if (!value.startsWith(PREFIX) || value.length() > 100) {
            return Optional.empty();
        }
        try {
            byte[] raw = Base64.getUrlDecoder().decode(value.substring(PREFIX.length()));
            if (raw.length != 16 + RANDOM_BYTES) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.wrap(raw);
            return Optional.of(new UUID(buffer.getLong(), buffer.getLong()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] hash(UUID tenant, Secret token) {
        return keyring.keys(tenant).keyedHash("api-session-token", token.reveal().getBytes(StandardCharsets.UTF_8));
    }
}
