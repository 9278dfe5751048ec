package dev.cloudwarden.support;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole server on random HTTPS ports, against this run's own PostgreSQL database, connected as
 * the real runtime role. Subclasses that add no properties share one running server. The server's
 * clock is a {@link TestClock} that a test may freeze and move ({@link #clock}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // The suite signs up and signs in many times from 127.0.0.1, far more than one real client
        // address may (application.yaml). RateLimitTest checks the real limits in a context of its own;
        // a subclass's @TestPropertySource overrides these.
        "cloudwarden.rate-limits.sign-in.requests=1000000",
        "cloudwarden.rate-limits.sign-up.requests=1000000",
        "cloudwarden.rate-limits.password-reset.requests=1000000",
        "cloudwarden.rate-limits.invitation-accept.requests=1000000",
        "cloudwarden.rate-limits.invitation-send.requests=1000000",
        "cloudwarden.rate-limits.mfa.requests=1000000",
        "cloudwarden.rate-limits.activity-export.requests=1000000",
        "cloudwarden.rate-limits.cloud-sessions.requests=1000000",
        "cloudwarden.rate-limits.security-report.requests=1000000",
        "cloudwarden.rate-limits.access-request.requests=1000000",
        "cloudwarden.rate-limits.agent-enroll.requests=1000000",
        // the sandbox AWS on any free port, so a test run and a dev server can share the machine
        "cloudwarden.cloud.sandbox.port=0",
        // each cached context keeps its pool open: several contexts at 10 came near PostgreSQL's 100 connections
        "cloudwarden.database.pool-size=6",
        // every cached context is a scheduler node of its own: its own queue, so none runs another's
        // jobs (against its own sandbox); polled often, so a test waits less for a run
        "cloudwarden.jobs.queue=test-${random.uuid}",
        "db-scheduler.polling-interval=500ms",
        // a node that stopped is taken over after 4 s instead of 3 minutes
        "db-scheduler.heartbeat-interval=1s", "db-scheduler.missed-heartbeats-limit=4",
        IntegrationTest.EPOCH_CHECK, IntegrationTest.ROTATION_GRACE})
@Import(TestClock.Configuration.class)
public abstract class IntegrationTest {

    /**
     * A data-key rotation re-encrypts, and old keys retire, only epoch-check + grace after it (65 s by
     * default, docs/keys.md): here half a second, so rotation tests need not wait a minute.
     */
    public static final String EPOCH_CHECK = "cloudwarden.crypto.cache.epoch-check=PT0.2S";
    public static final String ROTATION_GRACE = "cloudwarden.crypto.rotation.grace=PT0.3S";

    @LocalServerPort
    protected int port;

    @LocalManagementPort
    protected int managementPort;

    protected Api api;

    /** The server's clock: runs with the wall clock unless this test freezes it. */
    @Autowired
    protected TestClock clock;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("cloudwarden.database.name", () -> TestDatabase.NAME);
        registry.add("cloudwarden.database.host", () -> TestDatabase.HOST);
        registry.add("cloudwarden.database.port", () -> TestDatabase.PORT);
        registry.add("management.server.port", () -> 0);
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("spring.mail.port", TestMail::port);
    }

    @BeforeEach
    void client() {
        api = new Api(port);
    }

    /** A test that froze the clock leaves it running for the next one (from where it stood). */
    @AfterEach
    void releaseClock() {
        clock.release();
    }
}
