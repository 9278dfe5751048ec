package dev.cloudwarden.identity.internal;

import dev.cloudwarden.tenancy.TenantContext;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Where console sessions were signed in from ({@code console_session_origins}, a tenant table under
 * row-level security; migration V19). A row points at its Spring Session row by primary id, which stays
 * when the session id rotates, and is deleted with it by the database. Run inside the caller's
 * transaction, tenant in scope.
 */
@Component
class ConsoleSessionOrigins {

    /** A console session's sign-in: when, from which device, from which address (null when unknown). */
    record Stored(String device, String address, Instant signedInAt) {
        @Override
        public String toString() {
            return "Stored[device=" + device + ", signedInAt=" + signedInAt + "]";
        }
    }

    private final JdbcClient jdbc;
    private final TenantContext tenants;
    private final SignInOrigins origins;

    ConsoleSessionOrigins(JdbcClient jdbc, TenantContext tenants, SignInOrigins origins) {
        this.jdbc = jdbc;
        this.tenants = tenants;
        this.origins = origins;
    }

    /**
     * Keeps where the user signed in from, with the session stored as {@code storedSessionId}: the id
     * the sign-in request came with (its session row exists: the sign-in form put its CSRF token there),
     * before sign-in rotated it. The session's earlier origin in this tenant (someone else signed in on
     * this browser before) goes. Nothing is kept when there is no such row.
     */
    void record(UUID userId, String storedSessionId, SignInOrigins.Origin origin) {
        if (storedSessionId == null) {
            return;
        }
        jdbc.sql("""
                        delete from console_session_origins
                        where session_primary_id = (select primary_id from spring_session where session_id = ?)""")
                .param(storedSessionId).update();
        UUID tenant = tenants.require();
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        insert into console_session_origins (id, tenant_id, user_id, session_primary_id, device, address_ciphertext, signed_in_at)
                        select ?, ?, ?, primary_id, ?, ?, now() from spring_session where session_id = ?""")
                .params(id, tenant, userId, origin.device(), origins.encryptAddress(tenant, SignInOrigins.CONSOLE_SESSION_ADDRESS, id, origin),
                        storedSessionId)
                .update();
    }

    /** The newest origin of each of the user's console sessions, by the session's primary id. */
    Map<UUID, Stored> of(UUID userId) {
        UUID tenant = tenants.require();
        Map<UUID, Stored> bySession = new HashMap<>();
        jdbc.sql("""
                        select distinct on (session_primary_id) id, session_primary_id, device, address_ciphertext, signed_in_at
                        from console_session_origins where user_id = ?
                        order by session_primary_id, signed_in_at desc, id""")
                .param(userId)
                .query(rs -> {
                    UUID id = rs.getObject("id", UUID.class);
                    bySession.put(UUID.fromString(rs.getString("session_primary_id").strip()), new Stored(rs.getString("device"),
                            origins.decryptAddress(tenant, SignInOrigins.CONSOLE_SESSION_ADDRESS, id, rs.getBytes("address_ciphertext")),
                            rs.getTimestamp("signed_in_at").toInstant()));
                });
        return bySession;
    }
}
