package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import org.junit.jupiter.api.Test;

/** The server refuses to run as a role that could see past row-level security. */
class RuntimeRoleCheckTest extends IntegrationTest {

    @Test
    void aSuperuserOrTableOwnerIsRefusedAndTheAppRoleAccepted() {
        for (String role : new String[] {TestDatabase.ADMIN, TestDatabase.OWNER}) {
            try (HikariDataSource ds = dataSource(role)) {
                assertThatThrownBy(() -> DatabaseConfiguration.checkRuntimeRole(ds, role))
                        .hasMessageContaining("NOSUPERUSER NOBYPASSRLS and own no table");
            }
        }
        try (HikariDataSource ds = dataSource(TestDatabase.APP)) {
            assertThatCode(() -> DatabaseConfiguration.checkRuntimeRole(ds, TestDatabase.APP)).doesNotThrowAnyException();
        }
    }

    private static HikariDataSource dataSource(String user) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(TestDatabase.url(TestDatabase.NAME));
        ds.setUsername(user);
        ds.setMaximumPoolSize(1);
        return ds;
    }
}
