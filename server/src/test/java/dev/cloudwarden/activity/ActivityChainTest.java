package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.audit.Canonical;
import dev.cloudwarden.audit.Event;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.tenancy.TenantContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The chain as the database holds it: an event commits with its change or not at all, appends for
 * one tenant serialise into one gap-free, fork-free chain while other tenants append alongside, and
 * no role can update, delete or truncate what was written.
 */
class ActivityChainTest extends IntegrationTest {

    @Autowired
    ActivityLog activity;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    TenantContext tenants;
    @Autowired
    JdbcClient jdbc;

    @Test
    void anEventCommitsWithItsChangeAndRollsBackWithIt() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity rollback");
        long before = events(t.tenantId());
        // the change and its event, then a failure: neither remains
        assertThatThrownBy(() -> tenants.runAs(t.tenantId(), () -> tx.executeWithoutResult(s -> {
            jdbc.sql("update tenants set mfa_required = true where id = ?").param(t.tenantId()).update();
            activity.record(Action.USER_ENABLED, Target.user(t.userId()));
            throw new IllegalStateException("forced rollback");
        }))).hasMessage("forced rollback");
        assertThat(events(t.tenantId())).isEqualTo(before);
        assertThat(TestDatabase.count("select count(*) from tenants where id = ? and mfa_required", t.tenantId())).isZero();

        // an event that cannot be written takes its change with it
        assertThatThrownBy(() -> tenants.runAs(t.tenantId(), () -> tx.executeWithoutResult(s -> {
            jdbc.sql("update tenants set mfa_required = true where id = ?").param(t.tenantId()).update();
            activity.record(Action.USER_ENABLED, Target.user(t.userId()), Map.of("Not A Key", "x"));
        }))).isInstanceOf(IllegalArgumentException.class);
        assertThat(TestDatabase.count("select count(*) from tenants where id = ? and mfa_required", t.tenantId())).isZero();

        // and outside a transaction there is no event at all
        assertThatThrownBy(() -> tenants.runAs(t.tenantId(), () -> activity.record(Action.USER_ENABLED, Target.user(t.userId()))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("in the transaction of the change");
        assertThat(events(t.tenantId())).isEqualTo(before);

        // the seq a rolled-back append held is used by the next one: no gap
        tenants.runAs(t.tenantId(), () -> tx.executeWithoutResult(s -> activity.record(Action.USER_ENABLED, Target.user(t.userId()))));
        assertChain(t.tenantId(), before + 1);
    }

    @Test
    void concurrentAppendsMakeOneGapFreeChainPerTenantAndRollbacksLeaveNoGap() throws Exception {
        List<Api.Tenant> tenantsUnderTest = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tenantsUnderTest.add(api.signUpAndSignIn("Activity concurrency " + i));
        }
        Map<UUID, Long> before = new java.util.HashMap<>();
        for (Api.Tenant t : tenantsUnderTest) {
            before.put(t.tenantId(), events(t.tenantId()));
        }
        int threads = 16;
        int perThread = 40;
        AtomicInteger committed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int n = 0; n < threads; n++) {
            int thread = n;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    // half the threads all on the first tenant, the others spread over all eight
                    Api.Tenant t = thread % 2 == 0 ? tenantsUnderTest.get(0) : tenantsUnderTest.get((thread + i) % 8);
                    boolean rollBack = i % 5 == 4;
                    int index = i;
                    try {
                        tenants.runAs(t.tenantId(), () -> tx.executeWithoutResult(s -> {
                            activity.record(Action.USER_ENABLED, Target.user(t.userId()), Map.of("thread", thread, "i", index));
                            if (rollBack) {
                                s.setRollbackOnly(); // a crash after the append: its seq must not be lost
                            }
                        }));
                        if (!rollBack) {
                            committed.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        throw new AssertionError("append failed", e);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        long added = 0;
        for (Api.Tenant t : tenantsUnderTest) {
            long now = events(t.tenantId());
            added += now - before.get(t.tenantId());
            assertChain(t.tenantId(), now);
        }
        assertThat(added).as("every committed append, none of the rolled back").isEqualTo(committed.get())
                .isEqualTo(threads * perThread * 4L / 5);
    }

    @Test
    void noRoleMayChangeDeleteOrTruncateTheHistory() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity append-only");
        assertThat(api.get("/api/v1/activity/export", t.token()).status()).isEqualTo(200); // makes a digest
        for (String table : List.of("activity_events", "activity_digests")) {
            try (Connection app = TestDatabase.asApp()) {
                app.setAutoCommit(false);
                setTenant(app, t.tenantId());
                assertThat(refused(app, "update " + table + " set tenant_id = tenant_id")).as(table).contains("permission denied");
                assertThat(refused(app, "delete from " + table)).as(table).contains("permission denied");
                assertThat(refused(app, "truncate " + table)).as(table).contains("permission denied");
                app.rollback();
            }
            // the owner of the tables, and the superuser, are stopped by the trigger
            for (Connection c : List.of(TestDatabase.asAdmin(), owner())) {
                try (c) {
                    c.setAutoCommit(false);
                    assertThat(refused(c, "update " + table + " set tenant_id = tenant_id where tenant_id = '" + t.tenantId() + "'"))
                            .contains("append-only");
                    assertThat(refused(c, "delete from " + table + " where tenant_id = '" + t.tenantId() + "'")).contains("append-only");
                    assertThat(refused(c, "truncate " + table)).contains("append-only");
                    c.rollback();
                }
            }
        }
        assertThat(events(t.tenantId())).isPositive();
    }

    /**
     * The database keeps the order too: the runtime role cannot insert an event that does not extend
     * its chain's head (a stray row at head + 2 would block every later append), nor a digest that
     * skips events or does not link to the digest before it.
     */
    @Test
    void theDatabaseRefusesAnEventOrDigestThatDoesNotFollowTheChain() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity order");
        assertThat(api.get("/api/v1/activity/export", t.token()).status()).isEqualTo(200);
        long head = events(t.tenantId());
        try (Connection app = TestDatabase.asApp()) {
            app.setAutoCommit(false);
            setTenant(app, t.tenantId());
            String copyOfLast = "insert into activity_events select tenant_id, %s, occurred_at, action, actor_type, actor_id, target_type,"
                    + " target_id, source_ip, user_agent, details, %s, hash from activity_events where seq = " + head;
            assertThat(refused(app, copyOfLast.formatted(head + 2, "hash"))).contains("does not extend its chain");
            assertThat(refused(app, copyOfLast.formatted(head + 1, "prev_hash"))).as("linked to the wrong hash").contains("does not extend its chain");
            assertThat(refused(app, "insert into activity_digests select tenant_id, first_seq, last_seq, last_hash, signed_at, previous_signature,"
                    + " key_id, signature from activity_digests order by last_seq desc limit 1")).contains("does not follow its chain");
            app.rollback();
        }
        assertThat(events(t.tenantId())).isEqualTo(head);
        // and the next real append still works
        tenants.runAs(t.tenantId(), () -> tx.executeWithoutResult(s -> activity.record(Action.USER_ENABLED, Target.user(t.userId()))));
        assertChain(t.tenantId(), head + 1);
    }

    @Test
    void aTenantReadsOnlyItsOwnEventsAndWithoutATenantNone() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Activity RLS A");
        Api.Tenant b = api.signUpAndSignIn("Activity RLS B");
        try (Connection app = TestDatabase.asApp()) {
            app.setAutoCommit(false);
            assertThat(count(app, "select count(*) from activity_events")).as("no tenant set").isZero();
            setTenant(app, a.tenantId());
            assertThat(count(app, "select count(*) from activity_events")).isEqualTo(events(a.tenantId())).isPositive();
            assertThat(count(app, "select count(*) from activity_events where tenant_id <> '" + a.tenantId() + "'")).isZero();
            assertThat(count(app, "select count(*) from activity_events where tenant_id = '" + b.tenantId() + "'")).isZero();
            app.rollback();
        }
    }

    /** Seq 1..n without a gap, each event linked to the one before and hashed as its content says. */
    private void assertChain(UUID tenant, long expected) throws SQLException {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                select tenant_id, seq, occurred_at, action, actor_type, actor_id, target_type, target_id, source_ip, user_agent,
                       details::text, prev_hash, hash
                from activity_events where tenant_id = ? order by seq""")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                long seq = 0;
                String previous = "0".repeat(64);
                while (rs.next()) {
                    seq++;
                    @SuppressWarnings("unchecked")
                    Map<String, String> details = Api.JSON.readValue(rs.getString(11), Map.class);
                    Event e = new Event(rs.getString(1), rs.getLong(2),
                            Canonical.time(rs.getObject(3, java.time.OffsetDateTime.class).toInstant()), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), details,
                            HexFormat.of().formatHex(rs.getBytes(12)), HexFormat.of().formatHex(rs.getBytes(13)));
                    assertThat(e.seq()).as("gap-free").isEqualTo(seq);
                    assertThat(e.prevHash()).as("event #" + seq + " links to #" + (seq - 1)).isEqualTo(previous);
                    assertThat(HexFormat.of().formatHex(Canonical.eventHash(e))).as("event #" + seq + " hash").isEqualTo(e.hash());
                    previous = e.hash();
                }
                assertThat(seq).isEqualTo(expected);
            }
        }
        assertThat(TestDatabase.count("select count(*) from activity_chain_heads where tenant_id = ? and seq = ?", tenant, expected))
                .as("the head is at the last event").isEqualTo(1);
    }

    private static long events(UUID tenant) throws SQLException {
        return TestDatabase.count("select count(*) from activity_events where tenant_id = ?", tenant);
    }

    private static Connection owner() throws SQLException {
        Connection c = TestDatabase.asAdmin();
        try (Statement st = c.createStatement()) {
            st.execute("set role " + TestDatabase.OWNER);
        }
        return c;
    }

    private static void setTenant(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('cloudwarden.tenant_id', ?, true)")) {
            ps.setString(1, tenant.toString());
            ps.execute();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String refused(Connection c, String sql) throws SQLException {
        try (Statement sp = c.createStatement()) {
            sp.execute("savepoint probe");
        }
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            try (Statement sp = c.createStatement()) {
                sp.execute("rollback to savepoint probe");
            }
            return e.getMessage();
        }
        throw new AssertionError("not refused: " + sql);
    }
}
