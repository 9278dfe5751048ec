package dev.cloudwarden.tenancy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dev convenience: creates the two roles and the database through an admin connection when they
 * are missing. Outside dev the same objects are provisioned by the SQL in docs/database.md.
 * Identifiers are validated by {@link DatabaseSettings}; passwords go through quoteLiteral.
 */
final class DatabaseBootstrap {

    private static final Logger log = LoggerFactory.getLogger(DatabaseBootstrap.class);

    private DatabaseBootstrap() {
    }

    static void ensure(DatabaseSettings s) {
        try (Connection admin = DriverManager.getConnection(s.adminUrl(), s.adminUser(),
                DatabaseSettings.password(s.adminPassword()))) {
            ensureRole(admin, s.ownerUser(), DatabaseSettings.password(s.ownerPassword()));
            ensureRole(admin, s.appUser(), DatabaseSettings.password(s.appPassword()));
            if (!exists(admin, "select 1 from pg_database where datname = ?", s.name())) {
                exec(admin, "create database " + s.name() + " owner " + s.ownerUser() + " encoding 'UTF8'");
                log.info("Created database {} owned by {}", s.name(), s.ownerUser());
            }
            exec(admin, "revoke all on database " + s.name() + " from public");
            exec(admin, "grant connect on database " + s.name() + " to " + s.appUser());
        } catch (SQLException e) {
            throw new IllegalStateException("Could not prepare the database through the admin connection "
                    + s.adminUrl() + " (SQL state " + e.getSQLState() + ")", e);
        }
        String dbUrl = s.adminUrl().replaceFirst("/[^/?]*(\\?|$)", "/" + s.name() + "$1");
        try (Connection db = DriverManager.getConnection(dbUrl, s.adminUser(), DatabaseSettings.password(s.adminPassword()))) {
            // On PostgreSQL < 15 the public schema is owned by the superuser and open to everyone.
            exec(db, "alter schema public owner to " + s.ownerUser());
            exec(db, "revoke all on schema public from public");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not prepare schema public in " + s.name()
                    + " (SQL state " + e.getSQLState() + ")", e);
        }
    }

    private static void ensureRole(Connection admin, String role, String password) throws SQLException {
        String attributes = " login nosuperuser nocreatedb nocreaterole noreplication nobypassrls noinherit";
        String passwordClause = password == null ? "" : " password " + quoteLiteral(password);
        if (exists(admin, "select 1 from pg_roles where rolname = ?", role)) {
            exec(admin, "alter role " + role + attributes + passwordClause);
        } else {
            exec(admin, "create role " + role + attributes + passwordClause);
            log.info("Created database role {}", role);
        }
    }

    private static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String quoteLiteral(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
