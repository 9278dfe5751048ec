package dev.cloudwarden.operator.internal;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What operators see of tenants without a grant, through the one function that answers it
 * ({@code operator_tenants()}): id, status, dates and counts. Never a user, an email, an account, a
 * job's content or an event, nor the organisation's name (encrypted with the tenant's keys).
 */
@Component
class TenantMetadata {

    record Tenant(UUID id, String status, Instant createdAt, Instant terminatedAt, Instant purgeAfter,
                  boolean customerApprovalRequired, long users, long cloudAccounts, long jobs) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    TenantMetadata(JdbcClient jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    List<Tenant> list(int limit) {
        return tx.execute(s -> jdbc.sql("select * from operator_tenants(null, ?)").param(limit).query(TenantMetadata::row).list());
    }

    /**
     * How many tenants the operators' console lists: those whose id contains {@code idPart} (empty: any) and whose
     * status is {@code status} (empty: any). Bounded by nothing, so it counts and pages in SQL ({@link #page}).
     */
    long count(String idPart, String status) {
        return tx.execute(s -> jdbc.sql("select operator_tenant_count(?, ?)").params(idPart, status).query(Long.class).single());
    }

    /** One page of those tenants, newest first. */
    List<Tenant> page(String idPart, String status, int limit, int offset) {
        return tx.execute(s -> jdbc.sql("select * from operator_tenant_page(?, ?, ?, ?)").params(idPart, status, limit, offset)
                .query(TenantMetadata::row).list());
    }

    Optional<Tenant> find(UUID tenant) {
        return tx.execute(s -> jdbc.sql("select * from operator_tenants(?, 1)").param(tenant).query(TenantMetadata::row).optional());
    }

    private static Tenant row(ResultSet rs, int n) throws SQLException {
        return new Tenant(rs.getObject("id", UUID.class), rs.getString("status"), instant(rs, "created_at"),
                instant(rs, "terminated_at"), instant(rs, "purge_after"), rs.getBoolean("lockbox_required"), rs.getLong("users"),
                rs.getLong("cloud_accounts"), rs.getLong("jobs"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
