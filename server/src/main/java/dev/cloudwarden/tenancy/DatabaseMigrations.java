package dev.cloudwarden.tenancy;

import dev.cloudwarden.common.CloudwardenProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The Flyway migrations, run as the owner role: by {@code ./cloudwarden migrate}
 * ({@link MigrateCommand}), and by the serving process at start only when
 * {@code cloudwarden.database.migrate-on-start} says so (dev by default).
 */
final class DatabaseMigrations {

    private DatabaseMigrations() {
    }

    /** The shortest retention of a terminated tenant's data the database accepts in dev, so the cycle can be tried (P17). */
    static final String DEV_MINIMUM_RETENTION = "1 minute";

    /** Elsewhere: the 60 days the prod guard also holds the server's configuration to. */
    static final String MINIMUM_RETENTION = "60 days";

    static MigrateResult migrate(DatabaseSettings settings, CloudwardenProperties.Environment environment) {
        Flyway flyway = Flyway.configure()
                .dataSource(settings.jdbcUrl(), settings.ownerUser(), DatabaseSettings.password(settings.ownerPassword()))
                .placeholders(Map.of("app_role", settings.appUser(), "owner_role", settings.ownerUser()))
                .locations("classpath:db/migration")
                .load();
        MigrateResult result = flyway.migrate();
        // The database's own floor under a termination's retention follows the environment the owner migrates for;
        // the runtime role can neither read nor change it.
        try (Connection c = flyway.getConfiguration().getDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("update lifecycle_policy set minimum_retention = ?::interval")) {
            ps.setString(1, environment == CloudwardenProperties.Environment.dev ? DEV_MINIMUM_RETENTION : MINIMUM_RETENTION);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not set the lifecycle policy after migrating (SQL state " + e.getSQLState() + ")", e);
        }
        return result;
    }
}
