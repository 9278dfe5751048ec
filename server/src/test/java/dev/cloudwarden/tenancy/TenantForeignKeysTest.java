package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A row that points at a user points at a user of its own tenant: every table with tenant_id and
 * user_id references users (tenant_id, id), so the database refuses a mixed row even from a
 * connection that bypasses row-level security.
 */
class TenantForeignKeysTest extends IntegrationTest {

    @Test
    void everyTableWithAUserReferencesItTogetherWithItsTenant() throws Exception {
        List<String> missing = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                select c.relname,
                       exists (select 1 from pg_constraint k
                               where k.conrelid = c.oid and k.contype = 'f' and k.confrelid = 'users'::regclass
                                 and (select array_agg(a.attname::text order by u.ord) from unnest(k.conkey) with ordinality u(n, ord)
                                      join pg_attribute a on a.attrelid = c.oid and a.attnum = u.n) = array['tenant_id', 'user_id']
                                 and (select array_agg(a.attname::text order by u.ord) from unnest(k.confkey) with ordinality u(n, ord)
                                      join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n) = array['tenant_id', 'id'])
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p')
                  and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
                  and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'user_id' and not a.attisdropped)
                order by 1""")) {
            int tables = 0;
            while (rs.next()) {
                tables++;
                if (!rs.getBoolean(2)) {
                    missing.add(rs.getString(1));
                }
            }
            assertThat(tables).as("tables with tenant_id and user_id").isGreaterThanOrEqualTo(7);
        }
        assertThat(missing).as("tables whose (tenant_id, user_id) does not reference users (tenant_id, id)").isEmpty();
    }

    @Test
    void theDatabaseRefusesARowThatPointsAtAnotherTenantsUser() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("FK tenant A");
        Api.Tenant b = api.signUpAndSignIn("FK tenant B");
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                insert into api_sessions (id, tenant_id, user_id, token_hash, created_at, expires_at)
                values (?, ?, ?, ?, now(), now() + interval '1 hour')""")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, a.tenantId());
            ps.setObject(3, b.userId());
            ps.setBytes(4, new byte[32]);
            assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23503")); // foreign_key_violation
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, b.tenantId());
            assertThat(ps.executeUpdate()).as("the same row with the user's own tenant is fine").isEqualTo(1);
        }
    }
}
