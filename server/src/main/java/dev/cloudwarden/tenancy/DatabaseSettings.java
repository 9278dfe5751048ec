package dev.cloudwarden.tenancy;

import dev.cloudwarden.common.CloudwardenProperties;
import dev.cloudwarden.common.Secret;
import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code cloudwarden.database.*}: where the platform's database is and which roles use it.
 * Migrations run as {@code ownerUser} ({@code ./cloudwarden migrate}, and at start when
 * {@code migrateOnStart}); the server runs as {@code appUser}, which owns nothing and is subject to
 * row-level security. With {@code bootstrap} (dev only) the server creates the database and both
 * roles through the admin connection when they are missing.
 *
 * @param connectionTimeout how long a request waits for a pooled connection, and for a new one to
 *                          connect, before it gets 503 (HikariCP's default of 30 s would hold every
 *                          request that long while the database is down)
 * @param socketTimeout     how long a statement waits for the database to answer on an open
 *                          connection before the connection is given up (a database that vanished
 *                          without closing its connections)
 * @param migrateOnStart    whether the serving process migrates (as the owner) before it serves;
 *                          unset: in dev only. Elsewhere migrations are a separate step with the
 *                          owner's credentials, and serving nodes hold the runtime role's only
 */
@ConfigurationProperties("cloudwarden.database")
public record DatabaseSettings(
        String host, int port, String name,
        String ownerUser, Secret ownerPassword,
        String appUser, Secret appPassword,
        String sslMode, int poolSize,
        boolean bootstrap, String adminUrl, String adminUser, Secret adminPassword,
        Duration connectionTimeout, Duration socketTimeout, Boolean migrateOnStart) {

    private static final Duration MIN_TIMEOUT = Duration.ofMillis(250); // HikariCP's floor

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public DatabaseSettings {
        if (host == null) host = "127.0.0.1";
        if (port == 0) port = 5432;
        if (name == null) name = "cloudwarden";
        if (ownerUser == null) ownerUser = "cloudwarden_owner";
        if (appUser == null) appUser = "cloudwarden_app";
        if (sslMode == null) sslMode = "prefer";
        if (poolSize <= 0) poolSize = 10;
        if (adminUrl == null) adminUrl = "jdbc:postgresql://127.0.0.1:5432/postgres";
        if (adminUser == null) adminUser = "postgres";
        if (connectionTimeout == null) connectionTimeout = Duration.ofSeconds(2);
        if (socketTimeout == null) socketTimeout = Duration.ofSeconds(30);
        if (connectionTimeout.compareTo(MIN_TIMEOUT) < 0 || socketTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("cloudwarden.database.connection-timeout must be at least 250 ms"
                    + " and cloudwarden.database.socket-timeout at least 1 s");
        }
        for (String[] id : new String[][] {{"name", name}, {"owner-user", ownerUser}, {"app-user", appUser}}) {
            if (!IDENTIFIER.matcher(id[1]).matches()) {
                throw new IllegalArgumentException("cloudwarden.database." + id[0]
                        + " must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)");
            }
        }
        if (ownerUser.equals(appUser)) {
            throw new IllegalArgumentException("cloudwarden.database.app-user must differ from owner-user");
        }
    }

    /** Whether the serving process runs the migrations before it serves: as configured, else in dev only. */
    public boolean migrateOnStart(CloudwardenProperties.Environment environment) {
        return migrateOnStart != null ? migrateOnStart : environment == CloudwardenProperties.Environment.dev;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + name + "?sslmode=" + sslMode
                + "&ApplicationName=cloudwarden&logServerErrorDetail=false";
    }

    static String password(Secret secret) {
        return secret == null ? null : secret.reveal();
    }
}
