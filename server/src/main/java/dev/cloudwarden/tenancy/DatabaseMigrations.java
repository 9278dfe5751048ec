package dev.cloudwarden.tenancy;

import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** The Flyway migrations, run as the owner role. */
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
