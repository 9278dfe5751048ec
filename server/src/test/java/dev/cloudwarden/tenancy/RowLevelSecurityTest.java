package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.agentgateway.internal.TestAgents;
import dev.cloudwarden.operator.internal.TestOperators;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The storage layer on its own: plain JDBC as the runtime role, no application code in between.
 * Generic over the catalog: every tenant table (each table with a tenant_id column, and tenants
 * itself, keyed by id) is filled with rows of two tenants through the real API, and then probed
 * for every kind of statement across tenants. A tenant table added later that the API set-up below
 * does not fill fails the test by name, so the set-up has to grow with the schema.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowLevelSecurityTest extends IntegrationTest {

    private Api.Tenant a;
    private Api.Tenant b;
    /** Two sign-ups nobody verified: their organisations do not exist yet, only their signup_requests rows. */
    private UUID pendingA;
    private UUID pendingB;

    /** Tables whose rows belong to organisations that do not exist yet; probed with the two pending sign-ups instead of A and B. */
    private static final java.util.Set<String> PENDING_TABLES = java.util.Set.of("signup_requests");

    private UUID tenantA(TenantTable t) {
        return PENDING_TABLES.contains(t.name()) ? pendingA : a.tenantId();
    }

    private UUID tenantB(TenantTable t) {
        return PENDING_TABLES.contains(t.name()) ? pendingB : b.tenantId();
    }

    /** A table under row-level security and the column that holds its tenant. */
    record TenantTable(String name, String tenantColumn) {
        String q() {
            return quote(name);
        }

        String col() {
            return quote(tenantColumn);
        }
    }

    /** What the runtime role has been granted on a table (read from the catalog, as the server's role sees it). */
    record Grants(boolean select, boolean insert, boolean delete, List<String> updatableColumns) {
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.context.ApplicationContext context;

    /** The set-up moves the clock a TOTP step per sign-in and code: the next tests start from the wall clock. */
    @org.junit.jupiter.api.AfterAll
    void wallClock() {
        clock.reset();
    }

    @BeforeAll
    void twoTenantsWithRowsInEveryTenantTable() throws Exception {
        // from the wall clock: an earlier test may have left the server's clock ahead, and a job run scheduled
        // ahead of the scheduler's own clock would wait instead of running
        clock.reset();
        Api client = new Api(port);
        a = populated(client, "RLS A");
        b = populated(client, "RLS B");
        // a platform operator's request for access to each (access_requests); last, as each operator sign-in moves
        // the clock a TOTP step, and jobs run above must not be scheduled ahead of the scheduler's own clock
        String support = TestOperators.signIn(client, clock, TestOperators.create(context, client, clock, "SUPPORT"));
        for (Api.Tenant t : List.of(a, b)) {
            assertThat(client.post("/ops/api/v1/access-requests", Map.of("tenantId", t.tenantId().toString(), "scopes", List.of("users:read"),
                    "reason", "Row-level security check", "ticket", "RLS-1", "durationMinutes", 30), support).status()).isEqualTo(201);
        }
        pendingA = pendingSignUp(client);
        pendingB = pendingSignUp(client);
        List<String> unfilled = new ArrayList<>();
        try (Connection admin = TestDatabase.asAdmin()) {
            for (TenantTable t : tenantTables()) {
                if (rowsOf(admin, t, tenantA(t)) == 0) {
                    unfilled.add(t.name() + " (no rows of A)");
                }
                if (rowsOf(admin, t, tenantB(t)) == 0) {
                    unfilled.add(t.name() + " (no rows of B)");
                }
            }
        }
        assertThat(unfilled).as("tenant tables the set-up left empty: make populated() fill them through the API").isEmpty();
    }

    /**
     * A tenant whose every tenant table holds rows, all made through the API: sign-up (tenants,
     * tenant_keysets, users, login_directory), sign-in (api_sessions, login_failures; in the console
     * console_session_origins), a wrong
     * password (login_failures), a personal access token, MFA (user_mfa, mfa_recovery_codes), an
     * invitation and a password reset (one_time_tokens, and a second user), a cloud account with its
     * inventory (cloud_external_ids, cloud_accounts, cloud_resources), a job with a dry run (jobs,
     * job_runs, job_run_results), a host agent (agent_enrollment_tokens, agents, agent_nonces, agent_commands), and the activity history
     * of it all (activity_events, activity_chain_heads; an export adds activity_digests).
     */
    private Api.Tenant populated(Api client, String organization) {
        Api.Tenant t = client.signUpAndSignIn(organization);
        new ConsoleClient(port).signIn(t.email(), Api.PASSWORD); // console_session_origins (before MFA: the password alone)
        assertThat(client.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD + "-wrong"), null).status())
                .isEqualTo(401);
        assertThat(client.post("/api/v1/tokens", Map.of("name", "rls", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), t.token()).status()).isEqualTo(201);
        String invitee = Api.uniqueEmail("rls-invitee");
        assertThat(client.post("/api/v1/users", Map.of("email", invitee, "role", "VIEWER"), t.token()).status()).isEqualTo(201);
        TestMail.awaitMessageTo(invitee);
        assertThat(client.post("/api/v1/password-resets", Map.of("email", t.email()), null).status()).isEqualTo(202);
        TestMail.awaitMessageTo(t.email()); // the reset runs in the background; its token is stored with the mail
        String secret = client.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = client.post("/api/v1/mfa/totp/confirm",
                Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), t.token());
        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
        // a cloud account (cloud_external_ids, cloud_accounts) and its inventory (cloud_resources)
        String account = TestCloud.addSandboxAccount(client, t.token(), List.of("us-east-1")).get("id").asString();
        try {
            assertThat(TestCloud.syncAndWait(client, t.token(), account).at("/sync/status").asString()).isEqualTo("succeeded");
            // a job (jobs) and a dry run of it (job_runs, job_run_results)
            String job = TestCloud.createJob(client, t.token(), account, Map.of("name", "rls", "type", "stop_instances",
                    "parameters", Map.of("tags", Map.of("env", "dev")))).get("id").asString();
            assertThat(TestCloud.runAndWait(client, t.token(), job, true).get("results")).isNotEmpty();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        // a host agent, enrolled and heard from (agent_enrollment_tokens, agents, agent_nonces), given a command (agent_commands)
        try {
            UUID agent = TestAgents.enrolAndBeat(client, t.token(), clock.instant());
            assertThat(client.post("/api/v1/agents/" + agent + "/commands", Map.of("type", "collect_facts"), t.token()).status()).isEqualTo(201);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        // the activity history holds all of the above; an export signs a digest over it
        assertThat(client.get("/api/v1/activity/export", t.token()).status()).isEqualTo(200);
        return t;
    }

    /** A sign-up requested and not verified: the tenant id its emailed link carries. */
    private static UUID pendingSignUp(Api client) {
        String email = Api.uniqueEmail("rls-pending");
        assertThat(client.post("/api/v1/signup", Map.of("organization", "RLS pending", "email", email, "password", Api.PASSWORD), null)
                .status()).isEqualTo(202);
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(java.util.Base64.getUrlDecoder()
                .decode(TestMail.awaitNewTokenTo(email, "cwv_", 0).substring(4)));
        return new UUID(raw.getLong(), raw.getLong());
    }

    @Test
    void withNoTenantSetEveryTenantTableIsEmptyAndRefusesInserts() throws Exception {
        List<TenantTable> tables = tenantTables();
        assertThat(tables).extracting(TenantTable::name).contains("tenants", "users", "api_sessions", "login_directory",
                "personal_access_tokens", "one_time_tokens");
        try (Connection admin = TestDatabase.asAdmin(); Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            for (TenantTable t : tables) {
                Grants grants = grants(admin, t);
                if (grants.select()) {
                    assertThat(count(c, "select count(*) from " + t.q())).as(t.name()).isZero();
                }
                SQLException insert = refused(c, "insert into " + t.q() + " select * from json_populate_record(null::" + t.q()
                        + ", ?::json)", rowAsJson(admin, t, tenantA(t)));
                assertThat(insert.getMessage()).as(t.name()).contains(grants.insert() ? "row-level security" : "permission denied");
            }
            c.rollback();
        }
    }

    /**
     * Connected as the runtime role with tenant A set exactly as the server sets it, every statement
     * aimed at tenant B's rows, in every tenant table, finds nothing or is refused; then B's rows, as
     * the superuser sees them (row versions included, so even a no-op write would show), are unchanged.
     */
    @Test
    void withTenantASetNoTenantTableLetsBsRowsBeSeenChangedDeletedOrAdded() throws Exception {
        List<TenantTable> tables = tenantTables();
        Map<String, String> before = new LinkedHashMap<>();
        List<String> checked = new ArrayList<>();
        try (Connection admin = TestDatabase.asAdmin(); Connection c = TestDatabase.asApp()) {
            for (TenantTable t : tables) {
                before.put(t.name(), fingerprint(admin, t, tenantB(t)));
            }
            c.setAutoCommit(false);
            for (TenantTable t : tables) {
                UUID tenantA = tenantA(t);
                UUID tenantB = tenantB(t);
                setTenant(c, tenantA);
                Grants grants = grants(admin, t);
                String ofB = " where " + t.col() + " = '" + tenantB + "'";
                long rowsOfA = rowsOf(admin, t, tenantA);

                // SELECT: A's rows, all of them, and nothing else
                if (grants.select()) {
                    assertThat(count(c, "select count(*) from " + t.q())).as(t.name() + ": A's rows are visible").isEqualTo(rowsOfA);
                    assertThat(count(c, "select count(*) from " + t.q() + ofB)).as(t.name() + ": B's rows").isZero();
                    assertThat(count(c, "select count(*) from " + t.q() + " where " + t.col() + " <> '" + tenantA + "'"))
                            .as(t.name() + ": any other tenant's rows").isZero();
                } else {
                    assertThat(refused(c, "select count(*) from " + t.q() + ofB).getMessage()).contains("permission denied");
                }

                // UPDATE: of a column the role may update; without any, the grants refuse it
                if (!grants.updatableColumns().isEmpty() && grants.select()) {
                    String column = grants.updatableColumns().contains(t.tenantColumn()) ? t.col() : quote(grants.updatableColumns().get(0));
                    assertThat(update(c, "update " + t.q() + " set " + column + " = " + column + ofB)).as(t.name() + ": update B's rows").isZero();
                    // A statement that reads no column is held to the UPDATE policies alone (the WHERE above
                    // also brings in the SELECT ones), so a too broad UPDATE policy would show only here.
                    assertThat(updateAllToAConstant(c, admin, t, grants.updatableColumns()))
                            .as(t.name() + ": an update without a filter touches A's rows only").isEqualTo(rowsOfA);
                    if (grants.updatableColumns().contains(t.tenantColumn())) {
                        assertThat(refused(c, "update " + t.q() + " set " + t.col() + " = '" + tenantB + "'").getMessage())
                                .as(t.name() + ": moving A's rows to B").contains("row-level security");
                    }
                } else {
                    assertThat(refused(c, "update " + t.q() + " set " + t.col() + " = " + t.col() + ofB).getMessage())
                            .as(t.name() + ": no UPDATE grant").contains("permission denied");
                }

                // DELETE
                if (grants.delete() && grants.select()) {
                    assertThat(update(c, "delete from " + t.q() + ofB)).as(t.name() + ": delete B's rows").isZero();
                    Savepoint all = c.setSavepoint(); // as above: without a WHERE, only the DELETE policies apply
                    try {
                        assertThat(update(c, "delete from " + t.q())).as(t.name() + ": a delete without a filter takes A's rows only")
                                .isEqualTo(rowsOfA);
                    } catch (SQLException e) {
                        // rows other tables point at cannot go at all: a refusal as good as any (23503 foreign key violation)
                        assertThat(e.getSQLState()).as(t.name() + ": " + e.getMessage()).isEqualTo("23503");
                    }
                    c.rollback(all);
                } else {
                    assertThat(refused(c, "delete from " + t.q() + ofB).getMessage()).as(t.name() + ": no DELETE grant")
                            .contains("permission denied");
                }

                // INSERT: a copy of one of B's rows, tenant and all
                SQLException insert = refused(c, "insert into " + t.q() + " select * from json_populate_record(null::" + t.q()
                        + ", ?::json)", rowAsJson(admin, t, tenantB));
                assertThat(insert.getMessage()).as(t.name() + ": insert a row of B").contains(grants.insert() ? "row-level security" : "permission denied");
                checked.add(t.name());
            }
            c.commit(); // whatever the statements did is kept, so the check below would see it

            for (TenantTable t : tables) {
                assertThat(fingerprint(admin, t, tenantB(t))).as(t.name() + ": B's rows, count and content").isEqualTo(before.get(t.name()));
            }
        }
        assertThat(checked).as("every tenant table").hasSameSizeAs(tables).hasSizeGreaterThanOrEqualTo(10);
    }

    @Test
    void theTenantSettingDiesWithItsTransaction() throws Exception {
        long usersOfA;
        try (Connection admin = TestDatabase.asAdmin()) {
            usersOfA = rowsOf(admin, new TenantTable("users", "tenant_id"), a.tenantId());
        }
        try (Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            setTenant(c, a.tenantId());
            assertThat(count(c, "select count(*) from users")).isEqualTo(usersOfA).isPositive();
            c.commit();
            assertThat(count(c, "select count(*) from users")).isZero();
            c.rollback();
        }
    }

    @Test
    void theRuntimeRoleCannotSwitchOffOrEscapeRowLevelSecurity() throws Exception {
        try (Connection c = TestDatabase.asApp()) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user")) {
                assertThat(rs.next()).isTrue();
                for (int i = 1; i <= 4; i++) {
                    assertThat(rs.getBoolean(i)).isFalse();
                }
            }
            assertThat(count(c, "select count(*) from pg_class where relowner = (select oid from pg_roles where rolname = current_user)"))
                    .as("tables owned by the runtime role").isZero();
            // row_security = off makes a query that RLS would filter fail instead of bypassing the policy
            exec(c, "set row_security = off");
            for (TenantTable t : tenantTables()) {
                assertThatThrownBy(() -> count(c, "select count(*) from " + t.q())).as(t.name()).isInstanceOf(SQLException.class)
                        .hasMessageContaining("row-level security");
            }
            exec(c, "reset row_security");
            for (String ddl : List.of("alter table users disable row level security", "alter table users no force row level security",
                    "alter table users add column x int", "drop policy tenant_isolation on users", "drop table users",
                    "create table sneaky (id int)", "set role cloudwarden_owner")) {
                assertThatThrownBy(() -> exec(c, ddl)).as(ddl).isInstanceOf(SQLException.class);
            }
            assertThatThrownBy(() -> count(c, "select count(*) from flyway_schema_history")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied");
        }
    }

    @Test
    void theLoginLookupAnswersOnlyForOneExactEmail() throws Exception {
        try (Connection c = TestDatabase.asApp()) {
            assertThat(column(c, "select tenant_id from login_lookup('" + a.email() + "')")).containsExactly(a.tenantId());
            assertThat(column(c, "select tenant_id from login_lookup('%')")).isEmpty();
            assertThat(column(c, "select tenant_id from login_lookup(null)")).isEmpty();
            assertThat(count(c, "select count(*) from login_directory")).isZero();
        }
    }

    // --- the catalog

    /** Every ordinary or partitioned table with a tenant_id column, and tenants itself (keyed by id). */
    static List<TenantTable> tenantTables() throws SQLException {
        List<TenantTable> tables = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                  and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id'
                              and a.attnum > 0 and not a.attisdropped)
                order by c.relname""")) {
            tables.add(new TenantTable("tenants", "id"));
            while (rs.next()) {
                tables.add(new TenantTable(rs.getString(1), "tenant_id"));
            }
        }
        return tables;
    }

    static Grants grants(Connection admin, TenantTable t) throws SQLException {
        boolean select;
        boolean insert;
        boolean delete;
        try (PreparedStatement ps = admin.prepareStatement("""
                select has_table_privilege(?, c.oid, 'SELECT'), has_table_privilege(?, c.oid, 'INSERT'),
                       has_table_privilege(?, c.oid, 'DELETE')
                from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relname = ?""")) {
            ps.setString(1, TestDatabase.APP);
            ps.setString(2, TestDatabase.APP);
            ps.setString(3, TestDatabase.APP);
            ps.setString(4, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                select = rs.getBoolean(1);
                insert = rs.getBoolean(2);
                delete = rs.getBoolean(3);
            }
        }
        List<String> updatable = new ArrayList<>();
        try (PreparedStatement ps = admin.prepareStatement("""
                select a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relname = ? and a.attnum > 0 and not a.attisdropped
                  and has_column_privilege(?, c.oid, a.attnum, 'UPDATE')
                order by a.attnum""")) {
            ps.setString(1, t.name());
            ps.setString(2, TestDatabase.APP);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    updatable.add(rs.getString(1));
                }
            }
        }
        return new Grants(select, insert, delete, updatable);
    }

    /**
     * Sets one updatable column of every row the role may update to a constant (a value from one of
     * A's rows, so constraints hold), undone at once, and returns how many rows it changed. Columns
     * whose constant breaks a constraint (unique, check) are skipped for the next one.
     */
    static int updateAllToAConstant(Connection c, Connection admin, TenantTable t, List<String> columns) throws SQLException {
        for (String column : columns) {
            String type;
            try (PreparedStatement ps = admin.prepareStatement("select format_type(atttypid, atttypmod) from pg_attribute "
                    + "where attrelid = ?::regclass and attname = ?")) {
                ps.setString(1, "public." + t.q());
                ps.setString(2, column);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    type = rs.getString(1);
                }
            }
            String value;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select " + quote(column) + "::text from " + t.q() + " limit 1")) {
                assertThat(rs.next()).as(t.name() + ": a row of A").isTrue();
                value = rs.getString(1);
            }
            Savepoint savepoint = c.setSavepoint();
            try (PreparedStatement ps = c.prepareStatement("update " + t.q() + " set " + quote(column) + " = ?::" + type)) {
                ps.setString(1, value);
                int changed = ps.executeUpdate();
                c.rollback(savepoint);
                return changed;
            } catch (SQLException e) {
                c.rollback(savepoint);
                if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
                    throw e;
                }
            }
        }
        throw new AssertionError(t.name() + ": no updatable column takes a constant without breaking a constraint");
    }

    static long rowsOf(Connection admin, TenantTable t, UUID tenant) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("select count(*) from " + t.q() + " where " + t.col() + " = ?")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A tenant's rows of a table as the superuser sees them: count, and a digest of every row and its row version. */
    static String fingerprint(Connection admin, TenantTable t, UUID tenant) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("select count(*) || ' ' || coalesce(md5(string_agg("
                + "x.ctid::text || ':' || x.xmin::text || ':' || x::text, ',' order by x::text)), '-') from " + t.q() + " x where x."
                + t.col() + " = ?")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** One of a tenant's rows of a table, as JSON (for a copy to be inserted elsewhere). */
    static String rowAsJson(Connection admin, TenantTable t, UUID tenant) throws SQLException {
        try (PreparedStatement ps = admin.prepareStatement("select row_to_json(x)::text from " + t.q() + " x where x." + t.col()
                + " = ? limit 1")) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(t.name() + " has a row of " + tenant).isTrue();
                return rs.getString(1);
            }
        }
    }

    // --- JDBC helpers

    static void setTenant(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('cloudwarden.tenant_id', ?, true)")) {
            ps.setString(1, tenant.toString());
            ps.execute();
        }
    }

    /** The error a statement fails with; inside a transaction only the statement is undone (a savepoint). */
    static SQLException refused(Connection c, String sql, String... parameters) throws SQLException {
        Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            ps.execute();
        } catch (SQLException e) {
            if (savepoint != null) {
                c.rollback(savepoint);
            }
            return e;
        }
        throw new AssertionError("not refused: " + sql);
    }

    static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<UUID> column(Connection c, String sql) throws SQLException {
        List<UUID> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getObject(1, UUID.class));
            }
        }
        return values;
    }

    static int update(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(sql);
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
