package dev.cloudwarden.tenancy;

import dev.cloudwarden.common.CloudwardenProperties;
import org.flywaydb.core.api.output.MigrateResult;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.SimpleCommandLinePropertySource;

/**
 * {@code ./cloudwarden migrate} ({@code --cloudwarden.command=migrate}): runs the Flyway migrations
 * as the owner role and exits. It reads the same configuration as the server (application.yaml,
 * environment, command line) and passes the same start-up guard, but starts nothing else: no web
 * server, no runtime pool, no key-encryption key. So the owner's credentials are needed here only,
 * and serving nodes can run with the runtime role's alone ({@code migrate-on-start=false}). In dev
 * it also creates the roles and the database first (bootstrap), as the server would.
 */
public final class MigrateCommand {

    public static final String NAME = "migrate";

    private MigrateCommand() {
    }

    /** Whether the command line asks for this command. */
    public static boolean requested(String... args) {
        return NAME.equals(new SimpleCommandLinePropertySource(args).getProperty("cloudwarden.command"));
    }

    public static MigrateResult run(String... args) {
        SpringApplication app = new SpringApplication(Settings.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext context = app.run(args)) {
            DatabaseSettings settings = context.getBean(DatabaseSettings.class);
            if (settings.bootstrap()) {
                DatabaseBootstrap.ensure(settings);
            }
            MigrateResult result = DatabaseMigrations.migrate(settings, CloudwardenProperties.Environment.valueOf(
                    context.getEnvironment().getProperty("cloudwarden.environment", "dev")));
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            System.out.println("Database " + settings.name() + " is at schema version " + version + " ("
                    + result.migrationsExecuted + " migrations applied now).");
            return result;
        }
    }

    /**
     * The whole application context of the command: the database settings, nothing else. Not a
     * {@code @Configuration}, so the server's component scan never picks it up.
     */
    @EnableConfigurationProperties(DatabaseSettings.class)
    static class Settings {
    }
}
