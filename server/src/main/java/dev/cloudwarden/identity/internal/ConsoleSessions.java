package dev.cloudwarden.identity.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The console sessions Spring Session keeps in {@code spring_session}, as seen by their owner.
 * That table has no tenant_id (a session is found by its cookie before a tenant is known), so row
 * -level security cannot scope it: every statement here is scoped by the principal name, which is
 * the signed-in user's id and unique across tenants. Callers pass the id of the authenticated user
 * and never one taken from input. Run inside a transaction like every other repository.
 *
 * <p>The absolute lifetime (12 h by default) is kept here: Spring Session itself knows only the
 * idle timeout.
 */
@Component
public class ConsoleSessions {

    private static final Duration MAX_ABSOLUTE_TIMEOUT = Duration.ofHours(12);

    /** A live console session. {@code id} is the row's primary id, never the cookie nor its hash. */
    record Row(UUID id, String sessionId, Instant createdAt, Instant lastUsedAt, Instant expiresAt) {
    }

    private final JdbcClient jdbc;
    private final Duration absoluteTimeout;

    ConsoleSessions(JdbcClient jdbc, @Value("${cloudwarden.sessions.console-absolute-timeout:PT12H}") Duration absoluteTimeout) {
        if (absoluteTimeout.isNegative() || absoluteTimeout.isZero() || absoluteTimeout.compareTo(MAX_ABSOLUTE_TIMEOUT) > 0) {
            throw new IllegalArgumentException("cloudwarden.sessions.console-absolute-timeout must be positive and at most 12 hours");
        }
        this.jdbc = jdbc;
        this.absoluteTimeout = absoluteTimeout;
    }

    public Duration absoluteTimeout() {
        return absoluteTimeout;
    }

    /** Whether a session created at {@code creationTime} has outlived the absolute limit. */
    public boolean pastAbsoluteLifetime(Instant creationTime) {
        return !Instant.now().isBefore(creationTime.plus(absoluteTimeout));
    }

    /** Spring Session's clean-up statement, extended to the absolute lifetime. */
    String cleanupQuery() {
        return "delete from %TABLE_NAME% where expiry_time < ? or creation_time <= "
                + "(extract(epoch from clock_timestamp()) * 1000)::bigint - " + absoluteTimeout.toMillis();
    }

    List<Row> listOf(UUID userId) {
        long now = System.currentTimeMillis();
        return jdbc.sql("""
                        select primary_id, session_id, creation_time, last_access_time, expiry_time
                        from spring_session
                        where principal_name = ? and expiry_time > ? and creation_time > ?
                        order by creation_time, primary_id""")
                .params(userId.toString(), now, now - absoluteTimeout.toMillis())
                .query((rs, n) -> {
                    Instant created = Instant.ofEpochMilli(rs.getLong("creation_time"));
                    Instant idleExpiry = Instant.ofEpochMilli(rs.getLong("expiry_time"));
                    Instant absoluteExpiry = created.plus(absoluteTimeout);
                    return new Row(UUID.fromString(rs.getString("primary_id").strip()), rs.getString("session_id"), created,
                            Instant.ofEpochMilli(rs.getLong("last_access_time")),
                            idleExpiry.isBefore(absoluteExpiry) ? idleExpiry : absoluteExpiry);
                })
                .list();
    }

    /** Ends one session of the user; false when the user has no such session. */
    boolean delete(UUID userId, UUID id) {
        return jdbc.sql("delete from spring_session where primary_id = ? and principal_name = ?")
                .params(id.toString(), userId.toString()).update() > 0;
    }

    /**
     * Ends the user's session whose (stored, hashed) id is {@code sessionId}, as signing out does;
     * returns its row id, empty when there is no such session.
     */
    Optional<UUID> deleteBySessionId(UUID userId, String sessionId) {
        return jdbc.sql("delete from spring_session where session_id = ? and principal_name = ? returning primary_id")
                .params(sessionId, userId.toString())
                .query((rs, n) -> UUID.fromString(rs.getString("primary_id").strip()))
                .optional();
    }

    /**
     * Ends every console session of the user, at once (the next request with their cookie is
     * anonymous); returns the row ids of those that were still live (as {@link #listOf} counts them).
     */
    List<UUID> deleteAllOf(UUID userId) {
        return deleteAllOfExcept(userId, null);
    }

    /**
     * As {@link #deleteAllOf}, but keeps the session whose (stored, hashed) id is {@code keepSessionId}:
     * "sign out everywhere else". Null keeps none.
     */
    List<UUID> deleteAllOfExcept(UUID userId, String keepSessionId) {
        long now = System.currentTimeMillis();
        return jdbc.sql("""
                        with ended as (
                            delete from spring_session where principal_name = ? and session_id is distinct from ?
                            returning primary_id, expiry_time, creation_time)
                        select primary_id from ended where expiry_time > ? and creation_time > ?""")
                .params(userId.toString(), keepSessionId, now, now - absoluteTimeout.toMillis())
                .query((rs, n) -> UUID.fromString(rs.getString("primary_id").strip()))
                .list();
    }
}
