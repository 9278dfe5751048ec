package dev.cloudwarden.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A database of this test run's own on the local PostgreSQL (never the dev database), dropped when
 * the JVM exits. The server's own dev bootstrap creates it, with the real roles, on first use.
 */
public final class TestDatabase {

    public static final String HOST = System.getProperty("cloudwarden.test.db.host", "127.0.0.1");
    public static final int PORT = Integer.getInteger("cloudwarden.test.db.port", 5432);
    public static final String NAME = "cloudwarden_test_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    public static final String OWNER = "cloudwarden_owner";
    public static final String APP = "cloudwarden_app";
    public static final String ADMIN = "postgres";
    /** Set by Surefire as a system property, so the server's early TLS set-up sees it too. */
    public static final Path DATA_DIR = Path.of(System.getProperty("cloudwarden.data-dir", "target/test-data")).toAbsolutePath();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection c = DriverManager.getConnection(url("postgres"), ADMIN, null); Statement st = c.createStatement()) {
                st.execute("drop database if exists " + NAME + " with (force)");
            } catch (SQLException e) {
                System.err.println("could not drop test database " + NAME + ": " + e.getMessage());
            }
        }));
    }

    private TestDatabase() {
    }

    public static String url(String database) {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
    }

    /** A connection to the test database as the runtime role, exactly as the server connects. */
    public static Connection asApp() throws SQLException {
        return DriverManager.getConnection(url(NAME), APP, null);
    }

    /** The single number a query (as the superuser, behind row-level security) answers, with its parameters in order. */
    public static long count(String sql, Object... params) throws SQLException {
        try (Connection c = asAdmin(); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A superuser connection, for catalog checks and for looking behind RLS in assertions. */
    public static Connection asAdmin() throws SQLException {
        return DriverManager.getConnection(url(NAME), ADMIN, null);
    }

    /** The whole test database as pg_dump writes it (bytea in hex), for canary scans. */
    public static String pgDump() throws Exception {
        Process p = new ProcessBuilder("pg_dump", "-h", HOST, "-p", String.valueOf(PORT), "-U", ADMIN, "--no-owner", NAME)
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("pg_dump failed: " + new String(out, java.nio.charset.StandardCharsets.UTF_8));
        }
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Every activity event of every tenant, each row as text, for canary scans. */
    public static String activityRows() throws SQLException {
        try (Connection c = asAdmin(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select coalesce(string_agg(e::text, E'\\n'), '') from activity_events e")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
