package dev.cloudwarden.lifecycle.internal;

import dev.cloudwarden.activity.Action;
import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.activity.Target;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.TenantKeyring;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The permanent purge of a terminated tenant past its retention window: the database's
 * {@code purge_tenant_step} called in its own short transactions until it is done (each deletes at
 * most {@code cloudwarden.lifecycle.purge-batch} rows of one table), so other tenants' queries never
 * wait long behind it, and a crash between steps loses nothing: the next purge resumes. The database
 * refuses a tenant that is not past its window whatever this class does; this class says why first.
 */
@Component
class TenantPurge {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What is left of a purged tenant (no customer data); {@code purgedAt} is null while its purge is under way. */
    record Tombstone(UUID tenant, Instant createdAt, Instant terminatedAt, Instant purgeAfter, Instant purgeStartedAt, Instant purgedAt,
                     Map<String, Long> rowCounts, long activitySeq, String activityHeadHash) {
        long rows() {
            return rowCounts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final JdbcClient jdbc;
    private final TenantContext tenants;
    private final TransactionTemplate tx;
    private final TenantKeyring keyring;
    private final ActivityLog activity;
    private final LifecycleSettings settings;

    TenantPurge(JdbcClient jdbc, TenantContext tenants, TransactionTemplate tx, TenantKeyring keyring,
                ActivityLog activity, LifecycleSettings settings) {
        this.jdbc = jdbc;
        this.tenants = tenants;
        this.tx = tx;
        this.keyring = keyring;
        this.activity = activity;
        this.settings = settings;
    }

    /**
     * Purges the tenant, or finishes a purge a crash interrupted; answers the tombstone. Idempotent: a
     * tenant already purged answers its tombstone. Refused (409) for an active tenant and for one whose
     * window has not ended, 404 for an unknown id.
     */
    Tombstone purge(UUID tenant) {
        return purge(tenant, () -> { });
    }

    /** {@link #purge(UUID)}, telling {@code afterStep} of each step done (the benchmark counts them). */
    Tombstone purge(UUID tenant, Runnable afterStep) {
        if (tombstone(tenant).map(Tombstone::purgedAt).isEmpty()) {
            refuseUnlessDue(tenant);
            while (true) {
                long begun = System.nanoTime();
                if (step(tenant) == null) {
                    break;
                }
                afterStep.run();
                pace(System.nanoTime() - begun);
            }
        }
        keyring.forget(tenant);
        announce(tenant);
        return tombstone(tenant).orElseThrow();
    }

    /** Purges a crash left unrecorded (the tenant's row is gone, so only its tombstone shows them): each recorded now. */
    int announcePending() {
        List<UUID> pending = tx.execute(s -> jdbc.sql("select id from tenant_tombstones where purged_at is not null and announced_at is null")
                .query(UUID.class).list());
        pending.forEach(this::announce);
        return pending.size();
    }

    /**
     * Records the purge in the platform's history, once: whichever purge marks the tombstone first, in
     * the transaction of the event, so a crash after the last step is made good by the next run.
     */
    private void announce(UUID tenant) {
        tenants.callAs(ActivityLog.PLATFORM, () -> tx.execute(s -> {
            Tombstone t = tombstone(tenant).orElseThrow();
            if (jdbc.sql("update tenant_tombstones set announced_at = now() where id = ? and purged_at is not null and announced_at is null")
                    .param(tenant).update() == 1) {
                activity.record(Action.PLATFORM_TENANT_PURGED, Target.tenant(tenant), Map.of("rows", t.rows(),
                        "activity_seq", t.activitySeq(), "activity_head_hash", t.activityHeadHash()));
            }
            return null;
        }));
    }

    /**
     * Rests after a step so the purge is busy at most {@code cloudwarden.lifecycle.purge-pace} of the
     * time: the database's CPU and disk stay mostly with the other tenants' requests.
     */
    private void pace(long stepNanos) {
        long rest = (long) (stepNanos * (1 - settings.purgePace()) / settings.purgePace());
        if (rest <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(rest));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the purge was interrupted; run it again to finish it", e);
        }
    }

    /** One step in its own transaction: the table it deleted from, or null once the purge is complete. */
    String step(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("select purge_tenant_step(?, ?)").params(tenant, settings.purgeBatch())
                .query((rs, n) -> rs.getString(1)).list().getFirst()));
    }

    private void refuseUnlessDue(UUID tenant) {
        record State(String status, Instant purgeAfter, boolean due) {
        }
        State state = tenants.callAs(tenant, () -> tx.execute(s -> jdbc.sql("""
                        select status, purge_after, coalesce(purge_after <= now(), false) from tenants""")
                .query((rs, n) -> new State(rs.getString(1), instant(rs.getTimestamp(2)), rs.getBoolean(3))).optional()))
                .orElse(null);
        if (state == null) {
            if (tombstone(tenant).map(Tombstone::purgedAt).isPresent()) {
                return; // another purge (the daily pass, an operator) finished it a moment ago
            }
            throw ApiProblem.notFound();
        }
        if (state.status().equals("ACTIVE")) {
            throw ApiProblem.conflict("tenant_active", "Tenant " + tenant + " is active: only a terminated tenant past its retention "
                    + "window can be purged.");
        }
        if (!state.due()) {
            throw ApiProblem.conflict("retention_not_over", "Tenant " + tenant + " is terminated, but its retention window lasts until "
                    + Subscriptions.DATE.format(state.purgeAfter()) + ": it cannot be purged before then.");
        }
    }

    /** What the check after a purge found: how many tenant tables it counted in, and the rows left in each that has any. */
    record Check(int tables, Map<String, Long> left) {
    }

    /**
     * The proof after a purge: the tenant's rows left in every table of the catalog with a tenant_id
     * column, counted as the runtime role in the tenant's scope (row-level security shows exactly its
     * rows).
     */
    Check check(UUID tenant) {
        return tenants.callAs(tenant, () -> tx.execute(s -> {
            List<String> tables = jdbc.sql("select table_name from purge_order()").query(String.class).list();
            Map<String, Long> left = new TreeMap<>();
            for (String table : tables) {
                long rows = jdbc.sql("select count(*) from \"" + table.replace("\"", "\"\"") + "\"").query(Long.class).single();
                if (rows > 0) {
                    left.put(table, rows);
                }
            }
            return new Check(tables.size(), left);
        }));
    }

    private static final String TOMBSTONE_COLUMNS = """
            id, created_at, terminated_at, purge_after, purge_started_at, purged_at, row_counts::text, activity_seq, activity_head_hash""";

    /** The tombstone of a purged tenant (or of a purge under way). */
    Optional<Tombstone> tombstone(UUID tenant) {
        return tx.execute(s -> jdbc.sql("select " + TOMBSTONE_COLUMNS + " from tenant_tombstones where id = ?").param(tenant)
                .query(TenantPurge::tombstone).optional());
    }

    /** The newest tombstones first (the operators' API). */
    List<Tombstone> tombstones(int limit) {
        return tx.execute(s -> jdbc.sql("select " + TOMBSTONE_COLUMNS + " from tenant_tombstones order by purge_started_at desc, id limit ?")
                .param(Math.max(1, Math.min(limit, 1000))).query(TenantPurge::tombstone).list());
    }

    /** How many tombstones there are of tenants whose id contains {@code idPart} (empty: all). */
    long countTombstones(String idPart) {
        return tx.execute(s -> jdbc.sql("select count(*) from tenant_tombstones where ? = '' or strpos(id::text, lower(?)) > 0")
                .params(idPart, idPart).query(Long.class).single());
    }

    /** One page of them, newest first (strpos: '%' and '_' in the part are letters like any other). */
    List<Tombstone> tombstones(String idPart, int limit, int offset) {
        return tx.execute(s -> jdbc.sql("select " + TOMBSTONE_COLUMNS + """
                         from tenant_tombstones where ? = '' or strpos(id::text, lower(?)) > 0
                        order by purge_started_at desc, id limit ? offset ?""")
                .params(idPart, idPart, Math.max(1, Math.min(limit, 1000)), Math.max(0, offset)).query(TenantPurge::tombstone).list());
    }

    private static Tombstone tombstone(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Tombstone(rs.getObject(1, UUID.class), instant(rs.getTimestamp(2)), instant(rs.getTimestamp(3)),
                instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)),
                new TreeMap<>(JSON.readValue(rs.getString(7), new TypeReference<Map<String, Long>>() { })), rs.getLong(8),
                HexFormat.of().formatHex(rs.getBytes(9)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
