package dev.cloudwarden.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.test.context.TestPropertySource;

/**
 * Migrations are a step of their own, run as the owner role ({@code ./cloudwarden migrate}), and a
 * server configured not to migrate starts and serves with the runtime role's credentials alone.
 * The server here is told an owner role that does not exist: had it tried to connect as the owner
 * (to migrate, or for anything else), it would not have started.
 */
@TestPropertySource(properties = {
        "cloudwarden.database.migrate-on-start=false",
        "cloudwarden.database.bootstrap=false",
        "cloudwarden.database.owner-user=cloudwarden_no_such_owner"})
class MigrationStepTest extends IntegrationTest {

    /** What {@code ./cloudwarden migrate} runs: the server's main class, in a JVM of its own, before the server starts. */
    @BeforeAll
    static void migrateAsASeparateStep() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"), CloudwardenApplication.class.getName(),
                "--cloudwarden.command=migrate",
                "--cloudwarden.database.name=" + TestDatabase.NAME,
                "--cloudwarden.database.host=" + TestDatabase.HOST,
                "--cloudwarden.database.port=" + TestDatabase.PORT);
        Process migrate = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(migrate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(migrate.waitFor(120, TimeUnit.SECONDS)).as("migrate finished").isTrue();
        assertThat(migrate.exitValue()).as(output).isZero();
        assertThat(output).contains("Database " + TestDatabase.NAME + " is at schema version ")
                .as("no web server in the migration step").doesNotContain("Tomcat started");
    }

    @Test
    void aServerThatDoesNotMigrateServesAsTheRuntimeRoleOnly() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Migrated apart");
        Api.Response me = api.get("/api/v1/me", tenant.token());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("tenantId").asString()).isEqualTo(tenant.tenantId().toString());

        int migrations = new PathMatchingResourcePatternResolver().getResources("classpath:db/migration/V*.sql").length;
        try (Connection admin = TestDatabase.asAdmin(); Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from flyway_schema_history where success and version is not null")) {
            rs.next();
            assertThat(rs.getInt(1)).as("every migration of this build ran, in the separate step").isEqualTo(migrations);
        }
    }
}
