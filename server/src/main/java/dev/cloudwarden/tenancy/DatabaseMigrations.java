package dev.cloudwarden.tenancy;

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

    static MigrateResult migrate(DatabaseSettings settings) {
        return Flyway.configure()
                .dataSource(settings.jdbcUrl(), settings.ownerUser(), DatabaseSettings.password(settings.ownerPassword()))
                .placeholders(Map.of("app_role", settings.appUser(), "owner_role", settings.ownerUser()))
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}
