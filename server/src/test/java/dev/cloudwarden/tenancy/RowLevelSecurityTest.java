package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The storage layer on its own: plain JDBC as the runtime role, no application code in between. */
class RowLevelSecurityTest extends IntegrationTest {

    private Api.Tenant a;
    private Api.Tenant b;

    /** Two tenants with a row in every tenant table (a personal access token fills personal_access_tokens). */
    @BeforeEach
    void twoTenants() {
        a = api.signUpAndSignIn("RLS A");
        b = api.signUpAndSignIn("RLS B");
        for (Api.Tenant t : List.of(a, b)) {
            assertThat(api.post("/api/v1/tokens", Map.of("name", "rls", "scopes", List.of("read"),
                    "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), t.token()).status()).isEqualTo(201);
            withMfa(t); // rows in user_mfa and mfa_recovery_codes too
        }
    }

    private void withMfa(Api.Tenant t) {
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm",
                java.util.Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), t.token());
        assertThat(confirmed.status()).as(confirmed.body()).isEqualTo(200);
    }

    @Test
    void withNoTenantSetEveryTenantTableIsEmptyAndRefusesInserts() throws Exception {
        List<String> tables = CatalogTest.tenantTables();
        assertThat(tables).contains("users", "api_sessions", "login_directory", "personal_access_tokens");
        try (Connection c = TestDatabase.asApp()) {
            for (String table : tables) {
                assertThat(count(c, "select count(*) from " + table)).as(table).isZero();
            }
            assertThat(count(c, "select count(*) from tenants")).isZero();
            assertThatThrownBy(() -> exec(c, "insert into tenants (id, name_ciphertext) values ('" + UUID.randomUUID() + "', '\\x00')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            assertThatThrownBy(() -> exec(c, "insert into users (id, tenant_id, email, password_hash, role) values ('"
                    + UUID.randomUUID() + "', '" + a.tenantId() + "', 'x@example.com', 'h', 'VIEWER')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        }
        // the rows are there: a superuser sees them
        try (Connection admin = TestDatabase.asAdmin()) {
            assertThat(count(admin, "select count(*) from users where tenant_id in ('" + a.tenantId() + "','" + b.tenantId() + "')")).isEqualTo(2);
        }
    }

    @Test
    void withTenantASetOnlyAsRowsAreVisibleAndBsRowsCannotBeChanged() throws Exception {
        try (Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            setTenant(c, a.tenantId());
            for (String table : CatalogTest.tenantTables()) {
                List<UUID> tenants = column(c, "select distinct tenant_id from " + table);
                assertThat(tenants).as(table + ": every visible row is A's").isSubsetOf(a.tenantId());
            }
            assertThat(column(c, "select distinct tenant_id from users")).containsExactly(a.tenantId());
            assertThat(column(c, "select distinct tenant_id from tenant_keysets")).containsExactly(a.tenantId());
            assertThat(column(c, "select id from tenants")).containsExactly(a.tenantId());
            assertThat(update(c, "update users set role = 'VIEWER' where id = '" + b.userId() + "'")).isZero();
            assertThat(update(c, "update user_mfa set last_used_step = null where user_id = '" + b.userId() + "'")).isZero();
            assertThat(update(c, "update mfa_recovery_codes set used_at = now() where user_id = '" + b.userId() + "'")).isZero();
            assertThat(update(c, "update tenants set name_ciphertext = '\\x00' where id = '" + b.tenantId() + "'")).isZero();
            assertThatThrownBy(() -> exec(c, "insert into users (id, tenant_id, email, password_hash, role) values ('"
                    + UUID.randomUUID() + "', '" + b.tenantId() + "', 'y@example.com', 'h', 'OWNER')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            c.rollback();
        }
    }

    @Test
    void theTenantSettingDiesWithItsTransaction() throws Exception {
        try (Connection c = TestDatabase.asApp()) {
            c.setAutoCommit(false);
            setTenant(c, a.tenantId());
            assertThat(count(c, "select count(*) from users")).isEqualTo(1);
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
            assertThatThrownBy(() -> count(c, "select count(*) from users")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("row-level security");
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

    static void setTenant(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select set_config('cloudwarden.tenant_id', ?, true)")) {
            ps.setString(1, tenant.toString());
            ps.execute();
        }
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
}
