package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Walks the migrated catalog, so a new table that forgets row-level security fails the build:
 * every table is either tenant-scoped (tenant_id uuid not null, RLS enabled and forced, a policy on
 * current_tenant_id()) or on the short list of global tables below.
 */
class CatalogTest extends IntegrationTest {

    /** Tables without tenant_id, each with the reason it may exist. */
    private static final Set<String> GLOBAL_TABLES = Set.of(
            "flyway_schema_history", // migration bookkeeping; the runtime role has no grant on it
            "tenants",               // keyed by id instead of tenant_id; checked like the others below
            // sign-in throttling of emails that belong to no account, hence to no tenant: keyed by an HMAC
            // of the email, no plaintext; the runtime role has no grant, only the login_throttle_* functions
            "login_throttle",
            // the platform key for that HMAC, wrapped by the KEK; reached only through login_throttle_key_*()
            "login_throttle_key",
            "spring_session",             // console sessions: looked up by cookie before any tenant is known;
            "spring_session_attributes",  // stored ids are hashes of the cookie, rows scoped by principal (user id)
            // the platform's digest-signing keys: public keys published for ever, private keysets wrapped by the KEK
            "audit_signing_keys",
            // the job scheduler's queue (db-scheduler): execution times and ids (tenant, job, run), no tenant data
            "scheduled_tasks",
            // what is left of a purged tenant: its id (as id), dates and row counts, no customer data
            "tenant_tombstones",
            // the shortest retention the database accepts; owner only (the runtime role has no grant)
            "lifecycle_policy",
            // the platform's own keysets (operators' secrets, reports), wrapped by the KEK like tenants' keysets
            "platform_keysets",
            // platform operators: staff, not any tenant's (password hash, TOTP secret under the platform keys)
            "operators",
            // their sessions: keyed hashes of the tokens only
            "operator_sessions",
            // vulnerability reports: anyone's, no tenant's; what the reporter wrote is under the platform's keys
            "security_reports",
            // the platform's key for commands to host agents: its public half, its private keyset wrapped by the KEK
            "agent_command_keys");

    /** Global tables the runtime role may use, beyond the tenant tables. */
    private static final Set<String> GLOBAL_TABLES_OF_THE_RUNTIME_ROLE = Set.of(
            "tenants", "spring_session", "spring_session_attributes", "audit_signing_keys", "scheduled_tasks", "tenant_tombstones",
            "platform_keysets", "operators", "operator_sessions", "agent_command_keys",
            "security_reports"); // received from anyone, triaged by operators: select, insert, update of the status columns

    /** The only functions that read across tenants, each answering one narrow question. */
    private static final Set<String> SECURITY_DEFINER_FUNCTIONS = Set.of(
            "login_lookup",                      // which tenant and user one exact email belongs to (sign-in)
            "delete_expired_signup_requests",    // deletes unverified sign-up requests past their 24 h; returns a count only
            "tenant_ids_for_key_maintenance",    // tenant ids only, for KEK rotation
            "activity_undigested_chains",        // ids of the chains with events no digest covers yet
            "login_throttle_lock", "login_throttle_save",      // brute-force counters for unknown emails (no tenant data)
            "login_throttle_key_get", "login_throttle_key_put", // the platform key for those counters, wrapped
            // the subscription lifecycle (V14): each acts on the tenant in scope only and checks the rules itself
            "tenant_terminate", "tenant_renew", "purge_tenant_step",
            "tenants_in_lifecycle",              // ids and dates of terminated tenants, for the daily lifecycle pass
            // operators (V15): tenants' metadata (ids, status, dates, counts; no name, user or data) and the
            // access-request queue (what operators asked and decided), each for operators without any tenant scope
            "operator_tenants", "operator_access_requests",
            // the same two, counted and a page at a time with their filters (V21): the operators' console's lists
            "operator_tenant_count", "operator_tenant_page", "operator_access_request_count", "operator_access_request_page",
            // the ids and tenants of one operator's open requests (V22), for ending them all when they are offboarded
            "operator_open_requests_of");

    @Test
    void everyTenantTableHasForcedRowLevelSecurityAndAPolicyOnTheCurrentTenant() throws Exception {
        List<String> problems = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select c.relname, c.relrowsecurity, c.relforcerowsecurity,
                       exists (select 1 from information_schema.columns col where col.table_schema = 'public'
                               and col.table_name = c.relname and col.column_name = 'tenant_id'
                               and col.data_type = 'uuid' and col.is_nullable = 'NO') as has_tenant,
                       (select count(*) from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname
                               and p.policyname = 'tenant_isolation'
                               and p.qual like '%current_tenant_id()%' and p.with_check like '%current_tenant_id()%') as policies
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                order by c.relname""")) {
            int tenantTables = 0;
            while (rs.next()) {
                String table = rs.getString(1);
                boolean scoped = rs.getBoolean(4) || table.equals("tenants");
                if (!scoped) {
                    if (!GLOBAL_TABLES.contains(table)) {
                        problems.add(table + ": no tenant_id uuid not null column and not a known global table");
                    }
                    continue;
                }
                tenantTables++;
                if (!rs.getBoolean(2)) problems.add(table + ": row level security not enabled");
                if (!rs.getBoolean(3)) problems.add(table + ": row level security not forced");
                if (rs.getLong(5) != 1) problems.add(table + ": no tenant_isolation policy on current_tenant_id()");
            }
            assertThat(tenantTables).isGreaterThanOrEqualTo(4);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theRuntimeRoleMayOnlyTouchTenantTablesAndTheListedGlobalOnes() throws Exception {
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select table_name from information_schema.role_table_grants
                where grantee = 'cloudwarden_app' and table_schema = 'public' group by table_name""")) {
            List<String> granted = new ArrayList<>();
            while (rs.next()) {
                granted.add(rs.getString(1));
            }
            List<String> expected = new ArrayList<>(tenantTables());
            expected.addAll(GLOBAL_TABLES_OF_THE_RUNTIME_ROLE);
            assertThat(granted).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /**
     * Policies are permissive and OR together, so one broad extra policy would undo isolation. Every
     * policy must either be the tenant predicate itself or apply to the owner role only (whose
     * narrow SECURITY DEFINER functions are the documented cross-tenant reads).
     */
    @Test
    void noPolicyIsBroaderThanTheTenantPredicate() throws Exception {
        List<String> problems = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select tablename, policyname, roles::text, coalesce(qual, ''), coalesce(with_check, '')
                from pg_policies where schemaname = 'public' order by tablename, policyname""")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String roles = rs.getString(3);
                String column = table.equals("tenants") ? "id" : "tenant_id";
                String predicate = "(" + column + " = current_tenant_id())";
                boolean tenantPredicate = rs.getString(4).equals(predicate) && rs.getString(5).equals(predicate);
                boolean ownerOnly = roles.equals("{" + TestDatabase.OWNER + "}");
                if (!tenantPredicate && !ownerOnly) {
                    problems.add(table + "." + rs.getString(2) + " for " + roles + ": " + rs.getString(4) + " / " + rs.getString(5));
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /** SECURITY DEFINER functions the runtime role may call: each is a cross-tenant door, so they are listed. */
    @Test
    void theRuntimeRoleCallsOnlyTheListedSecurityDefinerFunctions() throws Exception {
        List<String> callable = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'public' and p.prosecdef and has_function_privilege('cloudwarden_app', p.oid, 'EXECUTE')
                order by 1""")) {
            while (rs.next()) {
                callable.add(rs.getString(1));
            }
        }
        assertThat(callable).isSubsetOf(SECURITY_DEFINER_FUNCTIONS);
        assertThat(callable).contains("login_lookup");
    }

    /**
     * Materialised views the runtime role may read, each with the reason it may exist. None: a
     * materialised view is a stored copy of its query's rows, every tenant's, with no row-level
     * security of its own (PostgreSQL has no security_invoker for it). Add one here only with the
     * reason it holds no tenant data.
     */
    private static final Set<String> MATERIALISED_VIEWS_OF_THE_RUNTIME_ROLE = Set.of();

    /**
     * A view runs its query with its owner's rights unless it is security_invoker, so a plain view on a
     * tenant table would read as the owner role (whose narrow owner-only policies see every tenant) or,
     * owned by a superuser, past row-level security altogether. Every view the runtime role can read
     * must therefore be security_invoker, and it may read no materialised view but the listed ones.
     */
    @Test
    void everyViewTheRuntimeRoleCanReadIsSecurityInvokerAndNoMaterialisedViewAtAll() throws Exception {
        try (Connection c = TestDatabase.asAdmin()) {
            assertThat(viewsThatBypassRowLevelSecurity(c)).isEmpty();
        }
    }

    /** The check above on a bad view and a materialised view made here, in a transaction that is rolled back. */
    @Test
    void theViewCheckReportsAViewWithoutSecurityInvokerAndAMaterialisedView() throws Exception {
        String schema = "catalog_probe_" + Long.toHexString(System.nanoTime());
        try (Connection c = TestDatabase.asAdmin()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                for (String ddl : List.of(
                        "create schema " + schema,
                        "create table " + schema + ".secrets (tenant_id uuid not null, note text)",
                        "alter table " + schema + ".secrets enable row level security",
                        "alter table " + schema + ".secrets force row level security",
                        "create policy tenant_isolation on " + schema + ".secrets using (tenant_id = current_tenant_id())",
                        "create view " + schema + ".bad_view as select * from " + schema + ".secrets",
                        "create view " + schema + ".good_view with (security_invoker = true) as select * from " + schema + ".secrets",
                        "create view " + schema + ".unreadable_view as select * from " + schema + ".secrets",
                        "create materialized view " + schema + ".bad_matview as select * from " + schema + ".secrets",
                        "create materialized view " + schema + ".unreadable_matview as select * from " + schema + ".secrets",
                        "grant usage on schema " + schema + " to " + TestDatabase.APP,
                        "grant select on " + schema + ".secrets, " + schema + ".bad_view, " + schema + ".good_view, "
                                + schema + ".bad_matview to " + TestDatabase.APP)) {
                    st.execute(ddl);
                }
                assertThat(viewsThatBypassRowLevelSecurity(c)).containsExactlyInAnyOrder(
                        schema + ".bad_view: a view the runtime role can read, not security_invoker (it reads with its owner's rights)",
                        schema + ".bad_matview: a materialised view the runtime role can read (no row-level security), not on the list");
                st.execute("alter view " + schema + ".bad_view set (security_invoker = on)");
                assertThat(viewsThatBypassRowLevelSecurity(c)).as("fixed: security_invoker").hasSize(1);
            } finally {
                c.rollback();
            }
        }
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from pg_namespace where nspname = '" + schema + "'")) {
            rs.next();
            assertThat(rs.getLong(1)).as("nothing was left behind").isZero();
        }
    }

    /**
     * Views (relkind v) the runtime role can read that are not security_invoker, and materialised views
     * (relkind m) it can read that are not listed, in every schema but the system ones.
     */
    static List<String> viewsThatBypassRowLevelSecurity(Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select n.nspname, c.relname, c.relkind,
                       coalesce(array_to_string(c.reloptions, ',') ~* '(^|,)security_invoker=(true|on|yes|1)(,|$)', false)
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where c.relkind in ('v', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
                  and n.nspname not like 'pg\\_%'
                  and has_schema_privilege(?, n.oid, 'USAGE') and has_table_privilege(?, c.oid, 'SELECT')
                order by 1, 2""")) {
            ps.setString(1, TestDatabase.APP);
            ps.setString(2, TestDatabase.APP);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1) + "." + rs.getString(2);
                    if (rs.getString(3).equals("v") && !rs.getBoolean(4)) {
                        problems.add(name + ": a view the runtime role can read, not security_invoker (it reads with its owner's rights)");
                    }
                    if (rs.getString(3).equals("m") && !MATERIALISED_VIEWS_OF_THE_RUNTIME_ROLE.contains(name)) {
                        problems.add(name + ": a materialised view the runtime role can read (no row-level security), not on the list");
                    }
                }
            }
        }
        return problems;
    }

    /** Every table with a tenant_id column. */
    static List<String> tenantTables() throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select table_name from information_schema.columns
                where table_schema = 'public' and column_name = 'tenant_id' order by table_name""")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    /** Grants the server never uses are not there: sign-in entries are not deleted, a tenant's status is not the runtime role's to set. */
    @Test
    void theRuntimeRoleHoldsNoGrantTheServerDoesNotUse() throws Exception {
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select has_table_privilege('cloudwarden_app', 'login_directory', 'DELETE'),
                       has_column_privilege('cloudwarden_app', 'tenants', 'status', 'UPDATE'),
                       has_column_privilege('cloudwarden_app', 'tenants', 'mfa_required', 'UPDATE')""")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("DELETE on login_directory").isFalse();
            assertThat(rs.getBoolean(2)).as("UPDATE of tenants.status").isFalse();
            assertThat(rs.getBoolean(3)).as("a grant the server does use, so the query is real").isTrue();
        }
    }
}
