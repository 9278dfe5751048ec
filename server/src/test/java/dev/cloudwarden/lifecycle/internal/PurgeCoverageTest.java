package dev.cloudwarden.lifecycle.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The purge's tables come from the catalog, so a table added later is covered without anyone
 * remembering: one with a tenant_id column is purged; one that points at a tenant's rows some other
 * way is reported, and the purge refuses to run until it is dealt with.
 */
class PurgeCoverageTest extends IntegrationTest {

    @Autowired
    Subscriptions subscriptions;

    @Autowired
    TenantPurge purge;

    @Test
    void everyTableThatHoldsATenantsRowsIsCoveredByThePurge() throws Exception {
        try (Connection c = TestDatabase.asAdmin()) {
            assertThat(column(c, "select table_name from purge_uncovered_tables()")).as("tables the purge would miss").isEmpty();
            List<String> purged = column(c, "select table_name from purge_order()");
            List<String> withTenantId = column(c, """
                    select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
                    where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1""");
            assertThat(purged).containsExactlyInAnyOrderElementsOf(withTenantId).contains("users", "activity_events", "job_run_results");
            // children before parents: a row goes before any row it references
            assertThat(purged.indexOf("job_run_results")).isLessThan(purged.indexOf("job_runs"));
            assertThat(purged.indexOf("job_runs")).isLessThan(purged.indexOf("jobs"));
            assertThat(purged.indexOf("login_directory")).isLessThan(purged.indexOf("users"));
        }
    }

    @Test
    void aTableAddedByALaterMigrationWithoutCoverageStopsThePurge() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Stray Org");
        subscriptions.terminate(t.tenantId(), null);
        SubscriptionLifecycleTest.pastTheWindow(t.tenantId());
        try (Connection c = TestDatabase.asAdmin()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // as a careless migration would (migrations run as the owner role): the tenant's id under another name, no tenant_id column
                st.execute("create table stray_notes (id uuid primary key, owner_tenant uuid references tenants (id), note text)");
                st.execute("alter table stray_notes owner to cloudwarden_owner");
                assertThat(column(c, "select table_name from purge_uncovered_tables()")).containsExactly("stray_notes");
                st.execute("select set_config('cloudwarden.tenant_id', '" + t.tenantId() + "', true)");
                st.execute("select purge_tenant_step('" + t.tenantId() + "', 100)");
                throw new AssertionError("the purge ran with a table it does not cover");
            } catch (SQLException refused) {
                assertThat(refused.getMessage()).contains("the purge does not cover these tables: stray_notes");
            } finally {
                c.rollback();
            }
        }
        assertThat(TestDatabase.count("select count(*) from tenant_tombstones where id = ?", t.tenantId())).isZero();
    }

    @Test
    void aTenantTableAddedByALaterMigrationIsPurgedWithoutAnyoneListingIt() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Later Table Org");
        Api.Tenant other = api.signUpAndSignIn("Later Table Neighbour");
        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
            st.execute("""
                    create table later_notes (tenant_id uuid not null references tenants (id), note text);
                    alter table later_notes enable row level security;
                    alter table later_notes force row level security;
                    create policy tenant_isolation on later_notes using (tenant_id = current_tenant_id()) with check (tenant_id = current_tenant_id());
                    grant select on later_notes to cloudwarden_app;
                    alter table later_notes owner to cloudwarden_owner""");
        }
        try {
            try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
                st.execute("insert into later_notes values ('" + t.tenantId() + "', 'a'), ('" + t.tenantId() + "', 'b'), ('"
                        + other.tenantId() + "', 'c')");
            }
            subscriptions.terminate(t.tenantId(), null);
            SubscriptionLifecycleTest.pastTheWindow(t.tenantId());
            TenantPurge.Tombstone tombstone = purge.purge(t.tenantId());
            assertThat(tombstone.rowCounts()).containsEntry("later_notes", 2L);
            assertThat(TestDatabase.count("select count(*) from later_notes where tenant_id = ?", t.tenantId())).isZero();
            assertThat(TestDatabase.count("select count(*) from later_notes where tenant_id = ?", other.tenantId())).isEqualTo(1);
        } finally {
            try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
                st.execute("drop table later_notes");
            }
        }
    }

    private static List<String> column(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
