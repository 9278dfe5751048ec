package dev.cloudwarden.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Wires the database explicitly: optional dev bootstrap, migrations as the owner role, then a
 * pool for the runtime role, which is checked to be neither superuser nor RLS-exempt before the
 * server accepts a request (fail closed on a misprovisioned database).
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DatabaseSettings settings) {
        if (settings.bootstrap()) {
            DatabaseBootstrap.ensure(settings);
        }
        Flyway.configure()
                .dataSource(settings.jdbcUrl(), settings.ownerUser(), DatabaseSettings.password(settings.ownerPassword()))
                .placeholders(Map.of("app_role", settings.appUser(), "owner_role", settings.ownerUser()))
                .locations("classpath:db/migration")
                .load()
                .migrate();

        HikariConfig config = new HikariConfig();
        config.setPoolName("cloudwarden");
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.appUser());
        config.setPassword(DatabaseSettings.password(settings.appPassword()));
        config.setMaximumPoolSize(settings.poolSize());
        config.setAutoCommit(true);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            checkRuntimeRole(dataSource, settings.appUser());
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }

    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource, TenantContext tenants) {
        return new TenantTransactionManager(dataSource, tenants);
    }

    static void checkRuntimeRole(DataSource dataSource, String appUser) {
        String sql = """
                select r.rolsuper or exists (select 1 from pg_roles m where m.oid <> r.oid
                           and pg_has_role(r.oid, m.oid, 'MEMBER') and m.rolsuper),
                       r.rolbypassrls or exists (select 1 from pg_roles m where m.oid <> r.oid
                           and pg_has_role(r.oid, m.oid, 'MEMBER') and m.rolbypassrls),
                       (select count(*) from pg_class c where pg_has_role(r.oid, c.relowner, 'MEMBER')) as owned
                from pg_roles r where r.rolname = current_user""";
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next() || rs.getBoolean(1) || rs.getBoolean(2) || rs.getLong(3) > 0) {
                throw new IllegalStateException("Refusing to start: the runtime database role " + appUser
                        + " must be NOSUPERUSER NOBYPASSRLS and own no table (see docs/database.md)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not connect as the runtime database role " + appUser
                    + " (SQL state " + e.getSQLState() + ")", e);
        }
    }
}
