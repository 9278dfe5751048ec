package dev.cloudwarden.lifecycle.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.CryptoException;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestUsers;
import dev.cloudwarden.tenancy.TenantContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Promise P17 through the real parts: termination (sign-in, sessions, tokens, schedules), renewal
 * that restores the earlier state precisely, and the purge: refused before the window by the
 * application and by the database, complete after it (every catalog table, keysets, tombstone),
 * resumable after a crash, and blind to other tenants.
 */
class SubscriptionLifecycleTest extends IntegrationTest {

    private static final FieldCrypto.Field ROLE_ARN = new FieldCrypto.Field("cloud_accounts", "role_arn_ciphertext");

    @Autowired
    Subscriptions subscriptions;

    @Autowired
    TenantPurge purge;

    @Autowired
    LifecycleSweep sweep;

    @Autowired
    LifecycleCommands commands;

    @Autowired
    FieldCrypto crypto;

    @Autowired
    TenantContext tenants;

    /** A tenant with a second owner-like admin, a disabled viewer, a personal access token, a cloud account and two scheduled jobs. */
    record Org(Api.Tenant owner, TestUsers.User admin, String disabledEmail, String pat, String accountId, String activeJob, String pausedJob) {
        UUID id() {
            return owner.tenantId();
        }
    }

    private Org org(String name) throws Exception {
        Api.Tenant owner = api.signUpAndSignIn(name);
        TestUsers.User admin = TestUsers.add(owner, "ADMIN");
        TestUsers.User viewer = TestUsers.add(owner, "VIEWER");
        assertThat(api.delete("/api/v1/users/" + viewer.id(), owner.token()).status()).as("disable the viewer").isIn(200, 204);
        String pat = api.post("/api/v1/tokens", Map.of("name", "ci", "scopes", List.of("read"),
                "expiresAt", Instant.now().plusSeconds(86_400).toString()), owner.token()).json().get("token").asString();
        String account = TestCloud.addSandboxAccount(api, owner.token(), List.of("us-east-1")).get("id").asString();
        String active = TestCloud.createJob(api, owner.token(), account, Map.of("name", "Frequent sync", "type", "inventory_sync",
                "schedule", "*/5 * * * *", "timezone", "UTC")).get("id").asString();
        String paused = TestCloud.createJob(api, owner.token(), account, Map.of("name", "Paused sync", "type", "inventory_sync",
                "schedule", "30 * * * *", "timezone", "UTC")).get("id").asString();
        assertThat(api.patch("/api/v1/jobs/" + paused, Map.of("paused", true), owner.token()).status()).isEqualTo(200);
        return new Org(owner, admin, viewer.email(), pat, account, active, paused);
    }

    @Test
    void terminationEndsSignInSessionsTokensAndSchedulesInOneStepAndTellsTheAdministrators() throws Exception {
        Org org = org("Ending Org");
        ConsoleClient console = new ConsoleClient(port).signIn(org.owner().email(), Api.PASSWORD);
        assertThat(console.get("/console").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/subscription", org.owner().token()).json().get("status").asString()).isEqualTo("active");
        assertThat(ticks(org.activeJob())).isEqualTo(1);
        long mailsBefore = TestMail.countTo(org.owner().email());

        Subscriptions.Subscription ended = subscriptions.terminate(org.id(), null);
        assertThat(Duration.between(ended.terminatedAt(), ended.purgeAfter())).isEqualTo(Duration.ofDays(60));

        // every way in is closed: API session, personal access token, console session
        assertThat(api.get("/api/v1/me", org.owner().token()).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/me", org.pat()).status()).isEqualTo(401);
        assertThat(console.get("/console").status()).isEqualTo(302);
        assertThat(TestDatabase.count("select count(*) from api_sessions where tenant_id = ? and revoked_at is null", org.id())).isZero();
        assertThat(TestDatabase.count("select count(*) from personal_access_tokens where tenant_id = ? and revoked_at is null", org.id())).isZero();
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", org.owner().userId().toString())).isZero();

        // the right password gets a clear reason and nothing else; a wrong one the usual answer
        Api.Response refused = api.post("/api/v1/sessions", Map.of("email", org.owner().email(), "password", Api.PASSWORD), null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("error").asString()).isEqualTo("subscription_ended");
        assertThat(refused.body()).doesNotContain(org.owner().email(), org.id().toString(), "Ending Org", String.valueOf(ended.purgeAfter().atZone(java.time.ZoneOffset.UTC).getYear()));
        Api.Response wrong = api.post("/api/v1/sessions", Map.of("email", org.owner().email(), "password", "not-the-password-at-all"), null);
        assertThat(wrong.status()).isEqualTo(401);
        Api.Response form = new ConsoleClient(port).submit("/login", "/login", Map.of("email", org.owner().email(), "password", Api.PASSWORD));
        assertThat(form.header("Location")).endsWith("/login?ended");
        assertThat(new ConsoleClient(port).get("/login?ended").body()).contains("subscription has ended");

        // nor does a password reset open a way back in (the same answer, and no mail)
        long mails = TestMail.countTo(org.owner().email());
        assertThat(api.post("/api/v1/password-resets", Map.of("email", org.owner().email()), null).status()).isEqualTo(202);
        Thread.sleep(1000);
        assertThat(TestMail.countTo(org.owner().email())).isEqualTo(mails);

        // nothing runs: the schedules are off the queue, and a slot passing makes no run
        assertThat(ticks(org.activeJob())).isZero();
        clock.advance(Duration.ofMinutes(6)); // past the active job's next slot (a sign-up link would not survive more than an hour)
        Thread.sleep(1500);
        clock.release();
        assertThat(TestDatabase.count("select count(*) from job_runs where tenant_id = ?", org.id())).isZero();
        assertThat(api.post("/api/v1/jobs/" + org.activeJob() + "/runs", Map.of("dryRun", false), org.owner().token()).status())
                .isEqualTo(401);

        // recorded in the tenant's own history, in the transaction of the change
        assertThat(actions(org.id())).contains("tenant.terminated", "session.ended", "token.revoked");
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'session.ended' "
                + "and details ->> 'reason' = 'subscription_ended'", org.id())).isGreaterThanOrEqualTo(2);

        // the administrators are told; the data is still there, encrypted
        String notice = TestMail.awaitNthMessageTo(org.owner().email(), (int) mailsBefore + 1);
        assertThat(notice).contains("ended", Subscriptions.DATE.format(ended.purgeAfter()));
        assertThat(TestMail.awaitMessageTo(org.admin().email())).contains("ended");
        assertThat(TestMail.countTo(org.disabledEmail())).as("a disabled user is not an administrator to tell").isZero();
        assertThat(TestDatabase.count("select count(*) from cloud_accounts where tenant_id = ?", org.id())).isEqualTo(1);

        // once is enough
        assertThatThrownBy(() -> subscriptions.terminate(org.id(), null)).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.code()).isEqualTo("already_terminated"));
    }

    @Test
    void renewalInsideTheWindowRestoresTheEarlierStatePrecisely() throws Exception {
        Org org = org("Returning Org");
        subscriptions.terminate(org.id(), null);
        assertThat(ticks(org.activeJob()) + ticks(org.pausedJob())).isZero();

        subscriptions.renew(org.id());
        String token = api.signIn(org.owner().email(), Api.PASSWORD);
        assertThat(api.get("/api/v1/subscription", token).json().get("status").asString()).isEqualTo("active");
        assertThat(api.get("/api/v1/subscription", token).json().get("purgeAfter").isNull()).isTrue();
        assertThat(api.signIn(org.admin().email(), Api.PASSWORD)).isNotBlank();
        // what was disabled or paused before stays so; what was revoked stays revoked
        assertThat(api.post("/api/v1/sessions", Map.of("email", org.disabledEmail(), "password", Api.PASSWORD), null).status()).isEqualTo(401);
        assertThat(TestDatabase.count("select count(*) from users where tenant_id = ? and status = 'DISABLED'", org.id())).isEqualTo(1);
        assertThat(ticks(org.activeJob())).as("the active job is planned again").isEqualTo(1);
        assertThat(ticks(org.pausedJob())).as("the paused job stays paused").isZero();
        assertThat(api.get("/api/v1/jobs/" + org.pausedJob(), token).json().get("paused").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/me", org.pat()).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/me", org.owner().token()).status()).isEqualTo(401);
        assertThat(actions(org.id())).contains("tenant.terminated", "tenant.renewed");

        // renewing an active subscription, or one past its window, is refused
        assertThatThrownBy(() -> subscriptions.renew(org.id())).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.code()).isEqualTo("not_terminated"));
        subscriptions.terminate(org.id(), null);
        pastTheWindow(org.id());
        assertThatThrownBy(() -> subscriptions.renew(org.id())).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.code()).isEqualTo("retention_over"));
    }

    @Test
    void theRetentionIsTheDeploymentsOrLongerAndOnlyInDevShorter() {
        Api.Tenant t = api.signUpAndSignIn("Retention Org");
        assertThatThrownBy(() -> subscriptions.terminate(t.tenantId(), Duration.ZERO)).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.field()).isEqualTo("retention"));
        Subscriptions.Subscription longer = subscriptions.terminate(t.tenantId(), Duration.ofDays(90));
        assertThat(Duration.between(longer.terminatedAt(), longer.purgeAfter())).isEqualTo(Duration.ofDays(90));

        // the command line: a bad id, a bad duration and an unknown tenant each get one clear line
        assertThat(run("tenant-terminate", "not-a-uuid", null).status()).isEqualTo(2);
        Result badDuration = run("tenant-terminate", t.tenantId().toString(), "ten minutes");
        assertThat(badDuration.status()).isEqualTo(2);
        assertThat(badDuration.err()).contains("ISO-8601");
        Result unknown = run("tenant-renew", UUID.randomUUID().toString(), null);
        assertThat(unknown.status()).isEqualTo(1);
        assertThat(unknown.err()).contains("no tenant");
        // dev lets an operator try the whole cycle with a short retention
        Api.Tenant quick = api.signUpAndSignIn("Quick Org");
        Result terminated = run("tenant-terminate", quick.tenantId().toString(), "PT10M");
        assertThat(terminated.status()).as(terminated.err()).isZero();
        assertThat(terminated.out()).contains("terminated", "kept until");
    }

    @Test
    void theDatabaseRefusesToPurgeATenantThatIsNotPastItsWindowWhateverTheApplicationAsks() throws Exception {
        Api.Tenant active = api.signUpAndSignIn("Active Org");
        Result refused = run("tenant-purge", active.tenantId().toString(), null);
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.err()).contains("is active");
        assertThat(directPurgeStep(active.tenantId())).contains("not terminated and past its retention window");

        Api.Tenant inWindow = api.signUpAndSignIn("Waiting Org");
        subscriptions.terminate(inWindow.tenantId(), null);
        Result early = run("tenant-purge", inWindow.tenantId().toString(), null);
        assertThat(early.status()).isEqualTo(2);
        assertThat(early.err()).contains("retention window lasts until");
        assertThat(directPurgeStep(inWindow.tenantId())).contains("not terminated and past its retention window");
        // nor may the runtime role move the window, shorten it below the database's floor, lower the floor,
        // or purge another tenant than the one in scope
        assertThat(sqlAsApp(inWindow.tenantId(), "update tenants set purge_after = now() - interval '1 day'")).contains("permission denied");
        assertThat(sqlAsApp(active.tenantId(), "select * from tenant_terminate('" + active.tenantId() + "', interval '30 seconds')"))
                .contains("the retention must be at least 00:01:00");
        assertThat(sqlAsApp(active.tenantId(), "update lifecycle_policy set minimum_retention = interval '1 second'")).contains("permission denied");
        // with the production floor (60 days): an interval mixing signs ('-200 mons +6088 days 00:01') compares as
        // longer than 60 days, yet ends a minute from now; it is judged by the date it gives
        String tricky = "interval '-200 months' + (now() - (now() - interval '200 months')) + interval '1 minute'";
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
            st.execute("update lifecycle_policy set minimum_retention = interval '60 days'");
            try (ResultSet rs = st.executeQuery("select (" + tricky + ") >= interval '60 days', now() + (" + tricky + ") < now() + interval '1 day'")) {
                rs.next();
                assertThat(rs.getBoolean(1) && rs.getBoolean(2)).as("the interval is the trick it is meant to be").isTrue();
            }
            assertThat(sqlAsApp(active.tenantId(), "select * from tenant_terminate('" + active.tenantId() + "', " + tricky + ")"))
                    .contains("the retention must be at least 60 days");
        } finally {
            try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
                st.execute("update lifecycle_policy set minimum_retention = interval '1 minute'");
            }
        }
        pastTheWindow(inWindow.tenantId());
        assertThat(sqlAsApp(active.tenantId(), "select purge_tenant_step('" + inWindow.tenantId() + "', 10)")).contains("only the tenant in scope");
        assertThat(TestDatabase.count("select count(*) from users where tenant_id in (?, ?)", active.tenantId(), inWindow.tenantId())).isEqualTo(2);
        assertThat(TestDatabase.count("select count(*) from tenant_tombstones where id in (?, ?)", active.tenantId(), inWindow.tenantId())).isZero();
    }

    @Test
    void thePurgeLeavesNoRowInAnyTenantTableDestroysTheKeysAndTouchesNoOtherTenant() throws Exception {
        Org org = org("Purged Org");
        Org other = org("Neighbour Org");
        TestCloud.syncAndWait(api, org.owner().token(), org.accountId());
        TestCloud.syncAndWait(api, other.owner().token(), other.accountId());
        // a "backup" of the purged tenant's ciphertexts, taken before the purge
        byte[] backup = bytes("select role_arn_ciphertext from cloud_accounts where id = ?::uuid", org.accountId());
        UUID accountRow = UUID.fromString(org.accountId());
        assertThat(decrypt(org.id(), accountRow, backup)).startsWith("arn:aws:iam::");
        subscriptions.terminate(org.id(), null);
        pastTheWindow(org.id());
        Map<String, Long> before = rowsPerTable(org.id());
        Map<String, String> neighbour = digestsPerTable(other.id());
        String head = hex(bytes("select hash from activity_chain_heads where tenant_id = ?", org.id()));

        Result purged = run("tenant-purge", org.id().toString(), null);
        assertThat(purged.status()).as(purged.err()).isZero();
        assertThat(purged.out()).contains("PURGED", head);

        Map<String, Long> after = rowsPerTable(org.id());
        assertThat(after).as("rows of the purged tenant, per tenant table of the catalog").allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        assertThat(TestDatabase.count("select count(*) from tenants where id = ?", org.id())).isZero();
        assertThat(TestDatabase.count("select count(*) from scheduled_tasks where position(convert_to(?, 'UTF8') in task_data) > 0",
                org.id().toString())).isZero();
        assertThat(digestsPerTable(other.id())).as("the neighbour's rows are untouched, every column of every one").isEqualTo(neighbour);
        assertThat(api.get("/api/v1/jobs/" + other.activeJob(), other.owner().token()).status()).isEqualTo(200);

        // the tombstone counts exactly what there was and holds the chain's final head
        TenantPurge.Tombstone tombstone = purge.tombstone(org.id()).orElseThrow();
        Map<String, Long> expected = new TreeMap<>(before);
        expected.values().removeIf(n -> n == 0);
        expected.put("tenants", 1L);
        assertThat(tombstone.rowCounts()).isEqualTo(expected);
        assertThat(tombstone.purgedAt()).isNotNull();
        assertThat(tombstone.activityHeadHash()).isEqualTo(head);
        Result report = run("tenant-purge-report", org.id().toString(), null);
        assertThat(report.status()).isZero();
        assertThat(report.out()).contains("PURGED", head, "activity_events", "tenant_keysets",
                "no row of the tenant in any of the " + before.size() + " tenant tables of the catalog");
        // the check counts for real: a row of the tenant's left behind (put back by the superuser) is found and fails the report
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "insert into activity_chain_heads (tenant_id) values (?)")) {
            ps.setObject(1, org.id());
            ps.executeUpdate();
        }
        Result stale = run("tenant-purge-report", org.id().toString(), null);
        assertThat(stale.status()).isEqualTo(3);
        assertThat(stale.err()).contains("activity_chain_heads");
        TestDatabase.count("with d as (delete from activity_chain_heads where tenant_id = ? returning 1) select count(*) from d", org.id());
        assertThat(purged(org.id())).as("recorded in the platform's history").isEqualTo(1);

        // crypto-shredding: with the keyset gone, the backup's ciphertext no longer decrypts
        assertThatThrownBy(() -> decrypt(org.id(), accountRow, backup)).isInstanceOf(CryptoException.class).hasMessageContaining("No keys");
        // and the account's owner no longer exists for sign-in
        assertThat(api.post("/api/v1/sessions", Map.of("email", org.owner().email(), "password", Api.PASSWORD), null).status()).isEqualTo(401);

        // idempotent: purging again answers the same tombstone and changes nothing
        Result again = run("tenant-purge", org.id().toString(), null);
        assertThat(again.status()).isZero();
        assertThat(purge.tombstone(org.id()).orElseThrow()).isEqualTo(tombstone);
    }

    @Test
    void theHistoryGivesWayToThePurgeAloneNotToWhoeverClaimsToBePurging() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Claimed Org");
        subscriptions.terminate(t.tenantId(), null);
        pastTheWindow(t.tenantId());
        long events = TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId());
        String claim = "select set_config('cloudwarden.purging', '" + t.tenantId() + "', true)";
        // the runtime role, claiming to purge: it may not delete at all
        assertThat(sqlAsApp(t.tenantId(), claim + "; delete from activity_events")).contains("permission denied");
        // the owner role outside the purge function (a migration, a psql session), claiming the same: no purge under way, no delete
        try (Connection c = java.sql.DriverManager.getConnection(TestDatabase.url(TestDatabase.NAME), TestDatabase.OWNER, null)) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("select set_config('cloudwarden.tenant_id', '" + t.tenantId() + "', true)");
                st.execute(claim);
                assertThatThrownBy(() -> st.execute("delete from activity_events")).hasMessageContaining("append-only");
            } finally {
                c.rollback();
            }
        }
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId())).isEqualTo(events).isPositive();
    }

    @Test
    void aPurgeKilledMidwayCompletesWhenRunAgainWithTheSameFinalState() throws Exception {
        Org org = org("Crashing Org");
        TestCloud.syncAndWait(api, org.owner().token(), org.accountId());
        subscriptions.terminate(org.id(), null);
        pastTheWindow(org.id());
        Map<String, Long> before = rowsPerTable(org.id());

        // a few batches commit, then one is under way when the process dies: its transaction never commits
        for (int i = 0; i < 4; i++) {
            assertThat(purge.step(org.id())).isNotNull();
        }
        try (Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("select set_config('cloudwarden.tenant_id', '" + org.id() + "', true)");
                st.execute("select purge_tenant_step('" + org.id() + "', 1000)");
            }
            // killed: the connection drops without a commit
        }
        TenantPurge.Tombstone midway = purge.tombstone(org.id()).orElseThrow();
        assertThat(midway.purgedAt()).as("under way").isNull();
        assertThat(TestDatabase.count("select count(*) from tenant_keysets where tenant_id = ?", org.id())).as("keys still there").isEqualTo(1);

        // the process dies again, after the last step and before it recorded the purge in the platform's history
        while (purge.step(org.id()) != null) {
            // the rest of the batches
        }
        assertThat(purged(org.id())).isZero();
        sweep.sweep();
        assertThat(purged(org.id())).as("the next daily pass records it").isEqualTo(1);
        TenantPurge.Tombstone done = purge.purge(org.id());
        assertThat(done.purgedAt()).isNotNull();
        assertThat(purged(org.id())).as("once").isEqualTo(1);
        purge.purge(org.id());
        assertThat(purged(org.id())).isEqualTo(1);
        assertThat(rowsPerTable(org.id())).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        Map<String, Long> expected = new TreeMap<>(before);
        expected.values().removeIf(n -> n == 0);
        expected.put("tenants", 1L);
        assertThat(done.rowCounts()).as("every row counted once, across the crash").isEqualTo(expected);
    }

    @Test
    void twoPurgesOfOneTenantAtOnceTakeTurnsAndCountEveryRowOnce() throws Exception {
        Org org = org("Twice Purged Org");
        TestCloud.syncAndWait(api, org.owner().token(), org.accountId());
        subscriptions.terminate(org.id(), null);
        pastTheWindow(org.id());
        Map<String, Long> expected = new TreeMap<>(rowsPerTable(org.id()));
        expected.values().removeIf(n -> n == 0);
        expected.put("tenants", 1L);

        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = two.submit(() -> purge.purge(org.id()));
            var second = two.submit(() -> purge.purge(org.id()));
            assertThat(first.get(60, java.util.concurrent.TimeUnit.SECONDS).rowCounts()).isEqualTo(expected);
            assertThat(second.get(60, java.util.concurrent.TimeUnit.SECONDS).rowCounts()).isEqualTo(expected);
        } finally {
            two.shutdownNow();
        }
        assertThat(rowsPerTable(org.id())).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        assertThat(purged(org.id())).isEqualTo(1);
    }

    @Test
    void theDailyPassSendsThePurgeNoticeOnceAndPurgesWhatIsDue() throws Exception {
        Api.Tenant soon = api.signUpAndSignIn("Notice Org");
        subscriptions.terminate(soon.tenantId(), Duration.ofDays(3));
        Api.Tenant due = api.signUpAndSignIn("Due Org");
        subscriptions.terminate(due.tenantId(), null);
        pastTheWindow(due.tenantId());
        long mails = TestMail.countTo(soon.email());

        sweep.sweep();
        String notice = TestMail.awaitNthMessageTo(soon.email(), (int) mails + 1);
        assertThat(notice).contains("deleted for good", "renew");
        assertThat(purge.tombstone(due.tenantId()).orElseThrow().purgedAt()).isNotNull();
        assertThat(actions(soon.tenantId())).contains("tenant.purge_notice_sent");

        sweep.sweep();
        Thread.sleep(500);
        assertThat(TestMail.countTo(soon.email())).as("the notice goes once").isEqualTo(mails + 1);
        assertThat(TestDatabase.count("select count(*) from tenants where id = ?", soon.tenantId())).as("not due yet").isEqualTo(1);
    }

    // --- helpers ---

    record Result(int status, String out, String err) {
    }

    private Result run(String command, String tenant, String retention) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = commands.execute(command, tenant, retention, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Moves the tenant's window into the past, as 61 days would (as the superuser: the runtime role cannot). */
    static void pastTheWindow(UUID tenant) throws SQLException {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                update tenants set terminated_at = now() - interval '61 days', purge_after = now() - interval '1 day'
                where id = ? and status = 'TERMINATED'""")) {
            ps.setObject(1, tenant);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    /** The purge function called directly as the runtime role in the tenant's scope: the database's error, or "ok". */
    private static String directPurgeStep(UUID tenant) {
        return sqlAsApp(tenant, "select purge_tenant_step('" + tenant + "', 1000)");
    }

    private static String sqlAsApp(UUID tenant, String sql) {
        try (Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("select set_config('cloudwarden.tenant_id', '" + tenant + "', true)");
                st.execute(sql);
                c.commit();
                return "ok";
            }
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    /** Rows of the tenant in every table of the catalog with a tenant_id column (read as the superuser, behind row-level security). */
    private static Map<String, Long> rowsPerTable(UUID tenant) throws SQLException {
        Map<String, Long> rows = new TreeMap<>();
        try (Connection c = TestDatabase.asAdmin()) {
            List<String> tables = new java.util.ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
                    where n.nspname = 'public' and c.relkind in ('r', 'p')""")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (PreparedStatement ps = c.prepareStatement("select count(*) from " + table + " where tenant_id = ?")) {
                    ps.setObject(1, tenant);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        rows.put(table, rs.getLong(1));
                    }
                }
            }
        }
        assertThat(rows).containsKeys("users", "activity_events", "tenant_keysets", "cloud_resources");
        return rows;
    }

    /** A digest of the tenant's rows in every table of the catalog with a tenant_id column (every column, in a fixed order). */
    private static Map<String, String> digestsPerTable(UUID tenant) throws SQLException {
        Map<String, String> digests = new TreeMap<>();
        for (String table : rowsPerTable(tenant).keySet()) {
            try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                    "select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from " + table + " t where tenant_id = ?")) {
                ps.setObject(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    digests.put(table, rs.getString(1));
                }
            }
        }
        return digests;
    }

    /** How many times the platform's history recorded the tenant's purge. */
    private static long purged(UUID tenant) throws SQLException {
        return TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'platform.tenant_purged' and target_id = ?",
                dev.cloudwarden.activity.ActivityLog.PLATFORM, tenant.toString());
    }

    private static long ticks(String job) throws SQLException {
        return TestDatabase.count("select count(*) from scheduled_tasks where task_instance = ?", job);
    }

    private static List<String> actions(UUID tenant) throws SQLException {
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("select action from activity_events where tenant_id = ? order by seq")) {
            ps.setObject(1, tenant);
            List<String> actions = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actions.add(rs.getString(1));
                }
            }
            return actions;
        }
    }

    private static byte[] bytes(String sql, Object param) throws SQLException {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getBytes(1);
            }
        }
    }

    private String decrypt(UUID tenant, UUID row, byte[] ciphertext) {
        return tenants.callAs(tenant, () -> crypto.decryptString(tenant, ROLE_ARN, row, ciphertext));
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
