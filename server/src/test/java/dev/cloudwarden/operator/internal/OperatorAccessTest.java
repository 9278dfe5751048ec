package dev.cloudwarden.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.tenancy.TenantContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Promises P6 and P7 through the real parts: operators have no standing access (metadata only, 404 on
 * every tenant-data route, nothing visible to the runtime role without a tenant); a grant needs another
 * platform administrator's approval (and the tenant's with customer approval on), is read-only, scoped
 * and time-boxed by the server's clock; every step is in the tenant's own history.
 */
class OperatorAccessTest extends IntegrationTest {

    private static final List<String> GRANT_ROUTES = List.of("users", "cloud-accounts", "jobs", "activity");

    @Autowired
    ApplicationContext context;

    @Autowired
    AccessRequests requests;

    @Autowired
    TenantContext tenants;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    OperatorCommands commands;

    @Autowired
    Scheduler scheduler;

    @Autowired
    List<Task<?>> tasks;

    /** These tests move the clock past grants and idle limits: the next tests start from the wall clock again. */
    @AfterEach
    void wallClock() {
        clock.reset();
    }

    private Api.Tenant tenantWithData(String name) {
        Api.Tenant owner = api.signUpAndSignIn(name);
        String account = TestCloud.addSandboxAccount(api, owner.token(), List.of("us-east-1")).get("id").asString();
        TestCloud.createJob(api, owner.token(), account, Map.of("name", "Nightly sync", "type", "inventory_sync",
                "schedule", "0 3 * * *", "timezone", "UTC"));
        return owner;
    }

    private Api.Response request(String token, UUID tenant, List<String> scopes, int minutes) {
        return api.post("/ops/api/v1/access-requests", Map.of("tenantId", tenant.toString(), "scopes", scopes,
                "reason", "Customer reports that the nightly sync job fails", "ticket", "SUP-1042", "durationMinutes", minutes), token);
    }

    private List<String> actions(UUID tenant) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select action, actor_type from activity_events where tenant_id = '" + tenant + "' order by seq")) {
            while (rs.next()) {
                out.add(rs.getString(1) + (rs.getString(2).equals("operator") ? "@operator" : ""));
            }
        }
        return out;
    }

    @Test
    void withoutAGrantAnOperatorSeesMetadataOnlyAndEveryTenantDataRouteIsNotFound() throws Exception {
        Api.Tenant owner = tenantWithData("Metadata Org");
        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        String token = TestOperators.signIn(api, clock, support);

        Api.Response list = api.get("/ops/api/v1/tenants", token);
        assertThat(list.status()).isEqualTo(200);
        JsonNode row = null;
        for (JsonNode t : list.json()) {
            if (t.get("id").asString().equals(owner.tenantId().toString())) {
                row = t;
            }
        }
        assertThat(row).as("the tenant is listed").isNotNull();
        assertThat(row.get("status").asString()).isEqualTo("ACTIVE");
        assertThat(row.get("users").asLong()).isEqualTo(1);
        assertThat(row.get("cloudAccounts").asLong()).isEqualTo(1);
        assertThat(row.get("jobs").asLong()).isEqualTo(1);
        assertThat(list.body()).doesNotContain(owner.email(), "Metadata Org", "Nightly sync", "arn:aws");

        Api.Response unknown = api.get("/ops/api/v1/tenants/" + UUID.randomUUID() + "/users", token);
        assertThat(unknown.status()).isEqualTo(404);
        for (String route : GRANT_ROUTES) {
            Api.Response r = api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/" + route, token);
            assertThat(r.status()).as(route).isEqualTo(404);
            assertThat(r.body()).as("the same answer as for no tenant at all").isEqualTo(unknown.body());
            assertThat(new dev.cloudwarden.support.ConsoleClient(port).get("/ops/tenants/" + owner.tenantId() + "/" + route).status())
                    .as("console, not signed in").isEqualTo(302);
        }
        // an operator's token opens nothing of the tenants' API, and a tenant's token nothing of the operators'
        assertThat(api.get("/api/v1/users", token).status()).isEqualTo(401);
        assertThat(api.get("/ops/api/v1/tenants", owner.token()).status()).isEqualTo(401);
        assertThat(api.get("/ops/api/v1/tenants", null).status()).isEqualTo(401);

        // the storage layer: the runtime role without a tenant in scope sees no row of any tenant table
        try (Connection c = TestDatabase.asApp(); Statement st = c.createStatement()) {
            for (String table : List.of("users", "cloud_accounts", "jobs", "activity_events", "access_requests", "tenants")) {
                try (ResultSet rs = st.executeQuery("select count(*) from " + table)) {
                    rs.next();
                    assertThat(rs.getLong(1)).as(table).isZero();
                }
            }
        }
    }

    @Test
    void aGrantNeedsAnotherAdministratorIsScopedReadOnlyAndEndsOnTimeAndTheTenantSeesEveryStep() throws Exception {
        Api.Tenant owner = tenantWithData("Grant Org");
        TestOperators.Operator alice = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        TestOperators.Operator bob = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        TestOperators.Operator carol = TestOperators.create(context, api, clock, "SUPPORT");
        String aliceToken = TestOperators.signIn(api, clock, alice);
        String bobToken = TestOperators.signIn(api, clock, bob);
        String carolToken = TestOperators.signIn(api, clock, carol);

        Api.Response created = request(aliceToken, owner.tenantId(), List.of("users:read", "activity:read"), 60);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("id").asString();
        assertThat(created.json().get("status").asString()).isEqualTo("PENDING");

        // the two-person rule: nobody approves their own request; SUPPORT approves nothing
        Api.Response self = api.post("/ops/api/v1/access-requests/" + id + "/approve", Map.of(), aliceToken);
        assertThat(self.status()).isEqualTo(403);
        assertThat(self.json().get("error").asString()).isEqualTo("two_person_rule");
        assertThat(api.post("/ops/api/v1/access-requests/" + id + "/approve", Map.of(), carolToken).status()).isEqualTo(403);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", aliceToken).status()).as("not yet approved").isEqualTo(404);
        // and the database refuses it too, whatever the code asks
        assertThatThrownBy(() -> tenants.runAs(owner.tenantId(), () -> tx.executeWithoutResult(s -> jdbc
                .sql("update access_requests set admin_id = operator_id, admin_at = now() where id = ?::uuid").param(id).update())))
                .hasMessageContaining("access_requests_check");

        clock.freeze();
        Api.Response approved = api.post("/ops/api/v1/access-requests/" + id + "/approve", Map.of(), bobToken);
        assertThat(approved.status()).isEqualTo(200);
        assertThat(approved.json().get("status").asString()).isEqualTo("ACTIVE");

        // a scoped read works, and shows the tenant's users, the owner's email among them
        Api.Response users = api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", aliceToken);
        assertThat(users.status()).isEqualTo(200);
        assertThat(users.body()).contains(owner.email());
        assertThat(users.json().get("grantId").asString()).isEqualTo(id);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/activity", aliceToken).status()).isEqualTo(200);
        // out of scope, another operator, another verb: refused; nothing changed
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/cloud-accounts", aliceToken).status()).isEqualTo(404);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/jobs", aliceToken).status()).isEqualTo(404);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", bobToken).status()).as("the grant is alice's").isEqualTo(404);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", carolToken).status()).isEqualTo(404);
        assertThat(api.post("/ops/api/v1/tenants/" + owner.tenantId() + "/users", Map.of("email", "x@example.com"), aliceToken).status())
                .isIn(403, 404, 405);
        // reading under a grant is read-only at the storage layer: PostgreSQL refuses a write in that scope
        try (TenantContext.Scope ignored = tenants.openReadOnly(owner.tenantId())) {
            Long visible = tx.execute(s -> jdbc.sql("select count(*) from users").query(Long.class).single());
            assertThat(visible).isEqualTo(1L);
            assertThatThrownBy(() -> tx.executeWithoutResult(s -> jdbc.sql("update users set role = 'VIEWER'").update()))
                    .hasMessageContaining("read-only transaction");
        }
        assertThat(api.get("/api/v1/me", owner.token()).json().get("role").asString()).isEqualTo("OWNER");

        // expiry ends access at its time, by the server's clock
        clock.advance(Duration.ofMinutes(59));
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", TestOperators.signIn(api, clock, alice)).status())
                .isEqualTo(200);
        clock.advance(Duration.ofSeconds(31));
        String fresh = TestOperators.signIn(api, clock, alice); // one more TOTP step: past the hour
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", fresh).status()).isEqualTo(404);
        requests.expireDue(); // or the minutely task did, on the moved clock: either way once
        assertThat(api.get("/ops/api/v1/access-requests/" + id, fresh).json().get("status").asString()).isEqualTo("EXPIRED");

        // every step is in the tenant's own history, the operators as actors, and the tenant reads it as platform access
        List<String> history = actions(owner.tenantId());
        assertThat(history).containsSubsequence("access.requested@operator", "access.approved@operator", "access.read@operator",
                "access.read@operator", "access.read@operator", "access.expired");
        assertThat(history.stream().filter(a -> a.startsWith("access.read")).count()).isEqualTo(3);
        Api.Response seen = api.get("/api/v1/access-requests", owner.token());
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.body()).contains("SUP-1042", "Customer reports that the nightly sync job fails", "EXPIRED");
        assertThat(api.get("/api/v1/activity?limit=100", owner.token()).body()).contains("access.read", "access.approved");
        // and the operators' own log has their actions
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = '00000000-0000-0000-0000-000000000000' "
                + "and action = 'platform.access_request_changed' and details ->> 'request' = ?", id)).isEqualTo(3);
    }

    @Test
    void withCustomerApprovalOnTheAdministratorsApprovalIsNotEnoughTheTenantsCompletesIt() throws Exception {
        Api.Tenant owner = tenantWithData("Lockbox Org");
        assertThat(api.patch("/api/v1/settings/platform-access", Map.of("customerApprovalRequired", true), owner.token()).status()).isEqualTo(200);
        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        String supportToken = TestOperators.signIn(api, clock, support);
        String adminToken = TestOperators.signIn(api, clock, admin);

        String id = request(supportToken, owner.tenantId(), List.of("jobs:read"), 30).json().get("id").asString();
        Api.Response approved = api.post("/ops/api/v1/access-requests/" + id + "/approve", Map.of(), adminToken);
        assertThat(approved.json().get("status").asString()).isEqualTo("PENDING");
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/jobs", supportToken).status()).as("admin alone").isEqualTo(404);

        // another tenant cannot approve it (not found), a viewer may not; the owner does
        Api.Tenant stranger = api.signUpAndSignIn("Stranger Org");
        assertThat(api.post("/api/v1/access-requests/" + id + "/approve", Map.of(), stranger.token()).status()).isEqualTo(404);
        Api.Response customer = api.post("/api/v1/access-requests/" + id + "/approve", Map.of(), owner.token());
        assertThat(customer.status()).isEqualTo(200);
        assertThat(customer.json().get("status").asString()).isEqualTo("ACTIVE");
        Api.Response jobs = api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/jobs", supportToken);
        assertThat(jobs.status()).isEqualTo(200);
        assertThat(jobs.body()).contains("Nightly sync");

        // the tenant revokes; the next read is refused at once
        assertThat(api.post("/api/v1/access-requests/" + id + "/revoke", Map.of(), owner.token()).json().get("status").asString())
                .isEqualTo("REVOKED");
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/jobs", supportToken).status()).isEqualTo(404);
        assertThat(actions(owner.tenantId())).containsSubsequence("tenant.customer_approval_changed", "access.requested@operator",
                "access.approved@operator", "access.approved", "access.read@operator", "access.revoked");
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'access.revoked' "
                + "and details ->> 'by' = 'customer'", owner.tenantId())).isEqualTo(1);
        // the tenant's console names the operator's steps as platform access
        String page = new dev.cloudwarden.support.ConsoleClient(port).signIn(owner.email(), Api.PASSWORD).get("/console/activity").body();
        assertThat(page).contains("Cloudwarden operator " + support.id() + " (platform access)", "access.read");
    }

    @Test
    void badRequestsAreRefusedWithTheFieldNamedAndStoreNothing() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Bad Input Org");
        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        String token = TestOperators.signIn(api, clock, support);
        long before = TestDatabase.count("select count(*) from access_requests");
        record Bad(String field, Map<String, Object> body) {
        }
        String tenant = owner.tenantId().toString();
        String reason = "Investigating a failed synchronisation";
        List<Bad> bad = List.of(
                new Bad("durationMinutes", Map.of("tenantId", tenant, "scopes", List.of("users:read"), "reason", reason, "ticket", "T-1", "durationMinutes", 481)),
                new Bad("durationMinutes", Map.of("tenantId", tenant, "scopes", List.of("users:read"), "reason", reason, "ticket", "T-1", "durationMinutes", 5)),
                new Bad("durationMinutes", Map.of("tenantId", tenant, "scopes", List.of("users:read"), "reason", reason, "ticket", "T-1")),
                new Bad("scopes", Map.of("tenantId", tenant, "scopes", List.of("users:write"), "reason", reason, "ticket", "T-1", "durationMinutes", 60)),
                new Bad("scopes", Map.of("tenantId", tenant, "scopes", List.of(), "reason", reason, "ticket", "T-1", "durationMinutes", 60)),
                new Bad("reason", Map.of("tenantId", tenant, "scopes", List.of("users:read"), "reason", "because", "ticket", "T-1", "durationMinutes", 60)),
                new Bad("ticket", Map.of("tenantId", tenant, "scopes", List.of("users:read"), "reason", reason, "ticket", "<script>", "durationMinutes", 60)),
                new Bad("tenantId", Map.of("tenantId", "not-a-tenant", "scopes", List.of("users:read"), "reason", reason, "ticket", "T-1", "durationMinutes", 60)),
                new Bad("tenantId", Map.of("tenantId", UUID.randomUUID().toString(), "scopes", List.of("users:read"), "reason", reason, "ticket", "T-1",
                        "durationMinutes", 60)));
        for (Bad b : bad) {
            Api.Response r = api.post("/ops/api/v1/access-requests", b.body(), token);
            assertThat(r.status()).as(b.toString()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(b.toString()).isEqualTo(b.field());
            assertThat(r.body()).doesNotContain("Exception", "at dev.");
        }
        // a terminated tenant, then the same one purged: no request can be made for either (the same answer as unknown)
        Api.Tenant gone = api.signUpAndSignIn("Purged Org");
        context.getBean(dev.cloudwarden.lifecycle.TenantLifecycle.class).terminate(gone.tenantId(), Duration.ofMinutes(1));
        Api.Response terminated = request(token, gone.tenantId(), List.of("users:read"), 60);
        assertThat(terminated.status()).isEqualTo(400);
        assertThat(terminated.json().get("field").asString()).isEqualTo("tenantId");
        try (Connection c = TestDatabase.asAdmin(); java.sql.PreparedStatement ps = c.prepareStatement(
                "update tenants set terminated_at = now() - interval '2 days', purge_after = now() - interval '1 day' where id = ?")) {
            ps.setObject(1, gone.tenantId());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        clock.reset(); // the scheduler runs by the wall clock: the server's must not lag behind it (an earlier test may have frozen it)
        Task<?> lifecycle = tasks.stream().filter(t -> t.getName().endsWith(".lifecycle")).findFirst().orElseThrow();
        scheduler.reschedule(TaskInstanceId.of(lifecycle.getName(), RecurringTask.INSTANCE), java.time.Instant.now());
        scheduler.triggerCheckForDueExecutions();
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(60);
        while (TestDatabase.count("select count(*) from tenant_tombstones where id = ? and purged_at is not null", gone.tenantId()) == 0) {
            assertThat(java.time.Instant.now()).as("the daily pass purges the tenant").isBefore(deadline);
            Thread.sleep(200);
        }
        Api.Response purged = request(token, gone.tenantId(), List.of("users:read"), 60);
        assertThat(purged.status()).isEqualTo(400);
        assertThat(purged.body()).isEqualTo(terminated.body());
        assertThat(api.get("/ops/api/v1/tombstones", token).body()).contains(gone.tenantId().toString());
        assertThat(api.get("/ops/api/v1/tenants/" + gone.tenantId() + "/users", token).status()).isEqualTo(404);
        assertThat(TestDatabase.count("select count(*) from access_requests")).isEqualTo(before);
    }

    @Test
    void sessionsAreShortCodesWorkOnceAndEnrolmentLinksOnce() throws Exception {
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        String token = TestOperators.signIn(api, clock, admin);
        assertThat(api.get("/ops/api/v1/me", token).json().get("role").asString()).isEqualTo("PLATFORM_ADMIN");
        clock.advance(Duration.ofMinutes(14));
        assertThat(api.get("/ops/api/v1/me", token).status()).as("used within the idle limit").isEqualTo(200);
        clock.advance(Duration.ofMinutes(16));
        assertThat(api.get("/ops/api/v1/me", token).status()).as("idle for 16 minutes").isEqualTo(401);

        // a code works once; a wrong code, password or email: one answer
        long step = clock.nextTotpStep();
        String code = TestTotp.code(admin.secret(), step);
        Map<String, Object> body = Map.of("email", admin.email(), "password", TestOperators.PASSWORD, "otp", code);
        assertThat(api.post("/ops/api/v1/sessions", body, null).status()).isEqualTo(201);
        Api.Response replay = api.post("/ops/api/v1/sessions", body, null);
        assertThat(replay.status()).isEqualTo(401);
        Api.Response wrongPassword = api.post("/ops/api/v1/sessions", Map.of("email", admin.email(), "password", "not-the-right-one-1",
                "otp", TestTotp.code(admin.secret(), clock.nextTotpStep())), null);
        Api.Response unknown = api.post("/ops/api/v1/sessions", Map.of("email", "nobody@example.com", "password", "not-the-right-one-1",
                "otp", "123456"), null);
        assertThat(wrongPassword.body()).isEqualTo(replay.body()).isEqualTo(unknown.body());
        assertThat(api.post("/ops/api/v1/sessions", Map.of("email", admin.email(), "password", TestOperators.PASSWORD), null).json()
                .get("field").asString()).isEqualTo("otp");

        // sign-out ends the session
        String other = TestOperators.signIn(api, clock, admin);
        assertThat(api.delete("/ops/api/v1/sessions/current", other).status()).isEqualTo(204);
        assertThat(api.get("/ops/api/v1/me", other).status()).isEqualTo(401);

        // the command line's link: enrols once, with a strong password, and never twice
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String email = Api.uniqueEmail("ops-cli");
        assertThat(commands.create(email, "SUPPORT", new PrintStream(out), new PrintStream(err))).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("/ops/enrol#cwe_");
        String linkToken = printed.substring(printed.indexOf("#cwe_") + 1).strip();
        assertThat(commands.create(email, "SUPPORT", new PrintStream(out), new PrintStream(err))).as("the same email again").isEqualTo(2);
        assertThat(commands.create(Api.uniqueEmail("x"), "ROOT", new PrintStream(out), new PrintStream(err))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("role");
        String secret = api.post("/ops/api/v1/enrolments/offer", Map.of("token", linkToken), null).json().get("secret").asString();
        Api.Response weak = api.post("/ops/api/v1/enrolments", Map.of("token", linkToken, "password", "password1234",
                "code", TestTotp.code(secret, clock.nextTotpStep())), null);
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.json().get("field").asString()).isEqualTo("password");
        assertThat(api.post("/ops/api/v1/enrolments", Map.of("token", linkToken, "password", TestOperators.PASSWORD,
                "code", TestTotp.code(secret, clock.nextTotpStep())), null).status()).isEqualTo(201);
        Api.Response again = api.post("/ops/api/v1/enrolments/offer", Map.of("token", linkToken), null);
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().get("field").asString()).isEqualTo("token");

        // offboarding: a live session ends at once, and no sign-in works any more
        String live = TestOperators.signIn(api, clock, admin);
        assertThat(commands.disable(admin.email(), new PrintStream(out), new PrintStream(err))).isZero();
        assertThat(api.get("/ops/api/v1/me", live).status()).isEqualTo(401);
        assertThat(api.post("/ops/api/v1/sessions", Map.of("email", admin.email(), "password", TestOperators.PASSWORD,
                "otp", TestTotp.code(admin.secret(), clock.nextTotpStep())), null).status()).isEqualTo(401);
        assertThat(commands.disable(admin.email(), new PrintStream(out), new PrintStream(err))).as("disabled already").isEqualTo(1);

        // nothing secret is stored in the clear: no password, TOTP secret or token
        String dump = TestDatabase.pgDump();
        assertThat(dump).doesNotContain(TestOperators.PASSWORD, secret, linkToken, token, admin.secret());
        assertThat(TestDatabase.count("select count(*) from operators where email = ? and status = 'ACTIVE'", email)).isEqualTo(1);
    }

    @Test
    void attemptsInARowLockTheAccountEvenAllAtOnceAndNoCookieSignsInTheApi() throws Exception {
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        long before = TestDatabase.count("select count(*) from activity_events where tenant_id = '00000000-0000-0000-0000-000000000000' "
                + "and action = 'platform.operator_sign_in_failed' and details ->> 'reason' = 'bad_password'");
        // twelve wrong passwords at once: at most five are checked, the rest find the account locked
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Api.Response>> burst = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int n = i;
                burst.add(threads.submit(() -> new Api(port).post("/ops/api/v1/sessions",
                        Map.of("email", admin.email(), "password", "wrong-password-number-" + n, "otp", "123456"), null)));
            }
            for (var f : burst) {
                assertThat(f.get().status()).isEqualTo(401);
            }
        }
        long checked = TestDatabase.count("select count(*) from activity_events where tenant_id = '00000000-0000-0000-0000-000000000000' "
                + "and action = 'platform.operator_sign_in_failed' and details ->> 'reason' = 'bad_password'") - before;
        assertThat(checked).as("passwords checked in the burst").isBetween(1L, 5L);
        // locked: the right password and code get the same answer
        Map<String, Object> right = Map.of("email", admin.email(), "password", TestOperators.PASSWORD,
                "otp", TestTotp.code(admin.secret(), clock.nextTotpStep()));
        assertThat(api.post("/ops/api/v1/sessions", right, null).status()).isEqualTo(401);
        clock.advance(Duration.ofMinutes(16));
        String token = TestOperators.signIn(api, clock, admin);
        assertThat(api.get("/ops/api/v1/me", token).status()).isEqualTo(200);

        // the console's cookie never signs in an API call, however the path is spelled
        Api browser = new Api(port, true);
        String page = browser.get("/ops/login", null).body();
        Api.Response form = browser.send(browser.request("/ops/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("email=" + java.net.URLEncoder.encode(admin.email(), StandardCharsets.UTF_8)
                        + "&password=" + TestOperators.PASSWORD + "&otp=" + TestTotp.code(admin.secret(), clock.nextTotpStep())
                        + "&_csrf=" + java.net.URLEncoder.encode(dev.cloudwarden.support.ConsoleClient.csrf(page), StandardCharsets.UTF_8))).build());
        assertThat(form.header("Location")).endsWith("/ops");
        assertThat(browser.get("/ops", null).status()).isEqualTo(200);
        assertThat(browser.get("/ops/api/v1/me", null).status()).isEqualTo(401);
        assertThat(browser.get("/ops/ap%69/v1/me", null).status()).isIn(400, 401);
        assertThat(browser.get("/ops/ap%69/v1/tenants", null).status()).isIn(400, 401);
        // and a form without the CSRF token is refused
        assertThat(browser.send(browser.request("/ops/keys/rewrap", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("")).build()).status()).isEqualTo(403);
    }

    @Test
    void disablingAnOperatorEndsTheirRequestsAndGrantsInTheTenantsHistory() throws Exception {
        Api.Tenant owner = tenantWithData("Offboarding Org");
        TestOperators.Operator alice = TestOperators.create(context, api, clock, "SUPPORT");
        TestOperators.Operator bob = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        String aliceToken = TestOperators.signIn(api, clock, alice);
        String bobToken = TestOperators.signIn(api, clock, bob);
        String active = request(aliceToken, owner.tenantId(), List.of("users:read"), 60).json().get("id").asString();
        api.post("/ops/api/v1/access-requests/" + active + "/approve", Map.of(), bobToken);
        String pending = request(aliceToken, owner.tenantId(), List.of("jobs:read"), 60).json().get("id").asString();
        // a thousand newer open requests of someone else: Alice's are found however many came after, and only hers end
        try (java.sql.Connection c = TestDatabase.asAdmin();
             java.sql.PreparedStatement ps = c.prepareStatement("""
                     insert into access_requests (id, tenant_id, operator_id, scopes, reason, ticket, duration_minutes, lockbox, status,
                                                  requested_at)
                     select gen_random_uuid(), ?, ?, array['users:read'], 'Newer and open, request ' || g, 'NEWER-' || g, 30, false,
                            'PENDING', r.t + make_interval(secs => g)
                     from generate_series(1, 1000) g, (select max(requested_at) as t from access_requests) r""")) {
            ps.setObject(1, owner.tenantId());
            ps.setObject(2, bob.id());
            assertThat(ps.executeUpdate()).isEqualTo(1000);
        }

        try {
            assertThat(TestOperators.disable(context, alice.email())).isTrue();
            assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", aliceToken).status()).isEqualTo(401);
            for (String id : List.of(active, pending)) {
                assertThat(api.get("/ops/api/v1/access-requests/" + id, bobToken).json().get("status").asString()).isEqualTo("REVOKED");
                assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'access.revoked' "
                        + "and details ->> 'request' = ? and details ->> 'by' = 'operator_disabled'", owner.tenantId(), id)).isEqualTo(1);
            }
            assertThat(TestDatabase.count("select count(*) from access_requests where operator_id = ? and status = 'PENDING'", bob.id()))
                    .as("nobody else's").isEqualTo(1000);

            // one the offboarding would have missed (put back by hand): nobody approves it, and it grants nothing
            try (java.sql.Connection c = TestDatabase.asAdmin();
                 java.sql.PreparedStatement ps = c.prepareStatement("""
                         update access_requests set status = 'PENDING', ended_at = null, ended_by = null where id = ?""")) {
                ps.setObject(1, UUID.fromString(pending));
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            Api.Response approval = api.post("/ops/api/v1/access-requests/" + pending + "/approve", Map.of(), bobToken);
            assertThat(approval.status()).isEqualTo(409);
            assertThat(approval.json().get("error").asString()).isEqualTo("requester_not_active");
        } finally {
            // the other tests' queues read the newest requests: these must not stay ahead of theirs
            try (java.sql.Connection c = TestDatabase.asAdmin();
                 java.sql.PreparedStatement ps = c.prepareStatement("delete from access_requests where operator_id = ? and ticket like 'NEWER-%'")) {
                ps.setObject(1, bob.id());
                ps.executeUpdate();
            }
        }
    }

    @Test
    void terminationEndsTheTenantsGrantsAndOperatorLifecycleActionsAreRecordedAsTheOperators() throws Exception {
        Api.Tenant owner = tenantWithData("Ending Grant Org");
        TestOperators.Operator alice = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        TestOperators.Operator bob = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        String aliceToken = TestOperators.signIn(api, clock, alice);
        String bobToken = TestOperators.signIn(api, clock, bob);
        String id = request(aliceToken, owner.tenantId(), List.of("users:read"), 60).json().get("id").asString();
        api.post("/ops/api/v1/access-requests/" + id + "/approve", Map.of(), bobToken);
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", aliceToken).status()).isEqualTo(200);

        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        assertThat(api.post("/ops/api/v1/tenants/" + owner.tenantId() + "/terminate", Map.of(), TestOperators.signIn(api, clock, support))
                .status()).as("SUPPORT").isEqualTo(403);
        Api.Response terminated = api.post("/ops/api/v1/tenants/" + owner.tenantId() + "/terminate", Map.of(), bobToken);
        assertThat(terminated.status()).isEqualTo(200);
        assertThat(terminated.json().get("status").asString()).isEqualTo("terminated");
        assertThat(api.get("/ops/api/v1/tenants/" + owner.tenantId() + "/users", aliceToken).status()).isEqualTo(404);
        assertThat(api.get("/ops/api/v1/access-requests/" + id, aliceToken).json().get("status").asString()).isEqualTo("REVOKED");
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'tenant.terminated' "
                + "and actor_type = 'operator' and actor_id = ?", owner.tenantId(), bob.id())).isEqualTo(1);
        assertThat(api.post("/ops/api/v1/tenants/" + owner.tenantId() + "/renew", Map.of(), bobToken).status()).isEqualTo(200);
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = '00000000-0000-0000-0000-000000000000' "
                + "and action = 'platform.tenant_lifecycle_changed' and actor_id = ? and details ->> 'tenant' = ?", bob.id(),
                owner.tenantId().toString())).isEqualTo(2);
        assertThat(api.get("/ops/api/v1/tombstones", bobToken).status()).isEqualTo(200);
        Api.Response roster = api.get("/ops/api/v1/operators", bobToken);
        assertThat(roster.json().get("platformAdmins").asLong()).isGreaterThanOrEqualTo(2);
    }
}
