package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * The absolute lifetime of a console session, configured tiny here: an active session ends when it
 * is older than the limit, however recently it was used, and the clean-up job removes such rows.
 *
 * <p>Every test context shares one database. This context's scheduled clean-up (every minute by
 * default) would delete every console session in it older than 8 s, those of tests running later
 * in other contexts too: their next form post then failed its CSRF check with 403 (seen in
 * MfaConsoleTest in a full run). So the scheduled clean-up is off here (the tests run it themselves)
 * and the context is closed after this class.
 */
@TestPropertySource(properties = {"cloudwarden.sessions.console-absolute-timeout=PT8S", "spring.session.jdbc.cleanup-cron=-"})
@DirtiesContext
class AbsoluteSessionLifetimeTest extends IntegrationTest {

    private static final long LIMIT_MILLIS = 8_000;

    @Autowired
    JdbcIndexedSessionRepository repository;

    private static long creationTime(Api.Tenant t) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select creation_time from spring_session where principal_name = ?")) {
            ps.setString(1, t.userId().toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void anActiveSessionEndsAtTheAbsoluteLimit() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Absolute");
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        long created = creationTime(t);
        // used every half second for half the lifetime: the idle timeout (30 min) never comes near
        while (System.currentTimeMillis() < created + LIMIT_MILLIS / 2) {
            assertThat(browser.get("/console").status()).isEqualTo(200);
            Thread.sleep(500);
        }
        assertThat(api.get("/api/v1/sessions", t.token()).json().findValues("kind").stream().map(k -> k.asString()))
                .contains("console");
        Thread.sleep(Math.max(0, created + LIMIT_MILLIS + 500 - System.currentTimeMillis()));
        Api.Response late = browser.get("/console");
        assertThat(late.status()).isEqualTo(302);
        assertThat(late.header("Location")).endsWith("/login");
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", t.userId().toString()))
                .as("the expired session was deleted").isZero();
        assertThat(api.get("/api/v1/sessions", t.token()).json().findValues("kind").stream().map(k -> k.asString()))
                .containsOnly("api");
    }

    /** The guard for the note above: with an 8 s limit, no clean-up may run on a schedule in this context. */
    @Test
    void thisContextCleansUpOnlyWhenATestAsks() {
        assertThat(ReflectionTestUtils.getField(repository, "taskScheduler")).as("the repository's clean-up scheduler").isNull();
    }

    @Test
    void theCleanUpJobRemovesSessionsPastTheAbsoluteLimit() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Absolute clean-up");
        new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String user = t.userId().toString();
        repository.cleanUpExpiredSessions();
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", user)).isEqualTo(1);
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update spring_session set creation_time = creation_time - " + LIMIT_MILLIS + " where principal_name = ?")) {
            ps.setString(1, user);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        repository.cleanUpExpiredSessions();
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", user)).isZero();
    }
}
