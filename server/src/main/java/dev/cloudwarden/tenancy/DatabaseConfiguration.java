package dev.cloudwarden.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cloudwarden.common.CloudwardenProperties;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Wires the database explicitly: optional dev bootstrap, migrations as the owner role when this
 * process is to run them ({@code cloudwarden.database.migrate-on-start}, dev by default; elsewhere
 * {@code ./cloudwarden migrate} runs them and serving nodes need no owner credentials), then a pool
 * for the runtime role, which is checked to be neither superuser nor RLS-exempt before the server
 * accepts a request (fail closed on a misprovisioned database).
 *
 * <p>The pool fails fast: a request waits at most {@code connection-timeout} (2 s) for a connection,
 * so while PostgreSQL is down requests get 503 within seconds (see {@link DatabaseAvailability})
 * instead of queueing for HikariCP's default 30 s.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(DatabaseSettings settings, CloudwardenProperties platform) {
        if (settings.bootstrap()) {
            DatabaseBootstrap.ensure(settings);
        }
        if (settings.migrateOnStart(platform.environment())) {
            DatabaseMigrations.migrate(settings, platform.environment());
        }
        HikariDataSource dataSource = new HikariDataSource(poolConfig(settings));
        try {
            checkRuntimeRole(dataSource, settings.appUser());
            checkMigrated(dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }

    static HikariConfig poolConfig(DatabaseSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("cloudwarden");
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.appUser());
        config.setPassword(DatabaseSettings.password(settings.appPassword()));
        config.setMaximumPoolSize(settings.poolSize());
        config.setAutoCommit(true);
        long timeout = settings.connectionTimeout().toMillis();
        config.setConnectionTimeout(timeout);
        // A pooled connection idle for a moment is checked before use; a dead one must not eat the
        // whole wait (HikariCP's default check may take 5 s).
        config.setValidationTimeout(Math.max(250, Math.min(1000, timeout / 2)));
        // pgjdbc's own limits, in whole seconds: connecting, and waiting for an answer on an open
        // connection (a database host that vanished without closing the socket).
        config.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, (timeout + 999) / 1000)));
        config.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, settings.socketTimeout().toSeconds())));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return config;
    }

    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource, TenantContext tenants, DatabaseAvailability availability) {
        return new TenantTransactionManager(dataSource, tenants, availability);
    }

    /** Health DOWN within the connection timeout while the database is unreachable, with no stack trace logged per probe. */
    @Bean(name = "dbHealthIndicator") // replaces Spring Boot's, which waits for the pool and logs a stack trace per probe
    DatabaseHealth dbHealthIndicator(DataSource dataSource, DatabaseAvailability availability) {
        return new DatabaseHealth(dataSource, availability);
    }

    /**
     * A server that does not migrate must find a migrated database, or it would fail on the first
     * request instead of at start. (Whether every migration of this build ran is not visible to the
     * runtime role: it has no grant on Flyway's history.)
     */
    static void checkMigrated(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select to_regclass('flyway_schema_history') is not null")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                throw new IllegalStateException("Refusing to start: the database has not been migrated. Run ./cloudwarden migrate"
                        + " (as the owner role) first, or set cloudwarden.database.migrate-on-start=true (see docs/database.md)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not check the database's migrations (SQL state " + e.getSQLState() + ")", e);
        }
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
