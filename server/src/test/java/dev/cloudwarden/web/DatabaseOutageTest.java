package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.TcpProxy;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL goes away under a running server and comes back. The server reaches its database
 * through a {@link TcpProxy} that the test cuts (every connection closed, new ones refused, as when
 * the database stops) and restores; the shared PostgreSQL itself is never touched. While it is cut,
 * every path a request takes to the database answers 503 with Retry-After within seconds, health is
 * DOWN, and the log holds no error per request; once it is back, the same clients carry on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "cloudwarden.cloud.sandbox.port=0")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pool points at a proxy that this class closes
class DatabaseOutageTest {

    /** A functional bound with a wide margin over the ~2 s connection timeout, not a benchmark. */
    static final Duration FAST = Duration.ofSeconds(5);

    static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    static final TcpProxy PROXY = TcpProxy.to(TestDatabase.HOST, TestDatabase.PORT);

    /**
     * IntegrationTest's set-up with the database behind the proxy (a subclass could not override
     * its dynamic properties). The runtime pool and the migrations go through the proxy; the dev
     * bootstrap's admin connection goes straight to PostgreSQL (it only runs at start).
     */
    @DynamicPropertySource
    static void throughTheProxy(DynamicPropertyRegistry registry) {
        registry.add("cloudwarden.database.name", () -> TestDatabase.NAME);
        registry.add("cloudwarden.database.host", () -> "127.0.0.1");
        registry.add("cloudwarden.database.port", PROXY::port);
        registry.add("management.server.port", () -> 0);
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("spring.mail.port", TestMail::port);
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    Api api;

    @BeforeEach
    void client() {
        api = new Api(port);
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Autowired
    HikariDataSource dataSource;

    @Autowired
    ApplicationContext context;

    @Test
    void anOutageAnswers503QuicklyOnEveryPathAndServiceResumesWhenTheDatabaseReturns(CapturedOutput output) {
        assertThat(dataSource.getJdbcUrl()).as("the server reaches PostgreSQL through the proxy").contains(":" + PROXY.port() + "/");
        Api.Tenant tenant = api.signUpAndSignIn("Outage");
        ConsoleClient signedIn = new ConsoleClient(port).signIn(tenant.email(), Api.PASSWORD);
        ConsoleClient signingIn = new ConsoleClient(port);
        String loginCsrf = ConsoleClient.csrf(signingIn.get("/login").body());
        Api management = new Api(managementPort);
        assertThat(management.get("/actuator/health", null).status()).isEqualTo(200);

        int logStart = output.getOut().length();
        PROXY.cut();
        try {
            for (int i = 0; i < 3; i++) { // repeated, so a log line per request would show
                unavailableJson(timed(() -> api.get("/api/v1/me", tenant.token())), "GET /api/v1/me");
            }
            unavailableJson(timed(() -> api.post("/api/v1/sessions", Map.of("email", tenant.email(), "password", Api.PASSWORD), null)),
                    "POST /api/v1/sessions");
            unavailablePage(timed(() -> html(signedIn, "/console")), "GET /console (signed in)");
            unavailablePage(timed(() -> browserSignIn(signingIn.sessionCookie(), tenant.email(), loginCsrf)), "POST /login");
            Api.Response health = timed(() -> management.get("/actuator/health", null));
            assertThat(health.status()).as("health while the database is down").isEqualTo(503);
            assertThat(health.json().get("status").asString()).isEqualTo("DOWN");
            // the periodic clean-up of expired console sessions runs into the outage too
            context.getBean("consoleSessionCleanup", Runnable.class).run();
        } finally {
            PROXY.restore();
        }

        String outageLog = output.getOut().substring(logStart);
        assertThat(outageLog).as("no stack trace printed during the outage").doesNotContain("\tat ");
        List<JsonNode> lines = outageLog.lines().filter(l -> l.startsWith("{")).map(l -> (JsonNode) Api.JSON.readTree(l)).toList();
        assertThat(lines).as("no ERROR line during the outage")
                .noneMatch(l -> "ERROR".equals(l.path("level").asString("")));
        assertThat(lines).as("no stack trace during the outage").noneMatch(l -> l.has("error"));
        assertThat(lines.stream().filter(l -> "WARN".equals(l.path("level").asString(""))).toList())
                .as("at most one warning for the whole outage").hasSizeLessThanOrEqualTo(1);

        // Back: no restart, the same token and the same console session work again.
        awaitHealthUp(management);
        assertThat(api.get("/api/v1/me", tenant.token()).status()).isEqualTo(200);
        assertThat(api.signIn(tenant.email(), Api.PASSWORD)).isNotBlank();
        Api.Response console = html(signedIn, "/console");
        assertThat(console.status()).as("the console session survived the outage").isEqualTo(200);
        new ConsoleClient(port).signIn(tenant.email(), Api.PASSWORD);
    }

    private static Api.Response timed(Supplier<Api.Response> call) {
        Instant start = Instant.now();
        Api.Response response = call.get();
        Duration elapsed = Duration.between(start, Instant.now());
        assertThat(elapsed).as("answered within %s (took %s): %s %s", FAST, elapsed, response.status(), response.body())
                .isLessThan(FAST);
        return response;
    }

    private static void unavailableJson(Api.Response r, String what) {
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(503);
        assertThat(r.header("Content-Type")).as(what).startsWith("application/json");
        assertThat(r.json().get("error").asString()).as(what).isEqualTo("unavailable");
        assertThat(r.json().get("message").asString()).as(what).isNotBlank();
        assertThat(Integer.parseInt(r.header("Retry-After"))).as(what + " Retry-After").isPositive();
    }

    private static void unavailablePage(Api.Response r, String what) {
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(503);
        assertThat(r.header("Content-Type")).as(what).startsWith("text/html");
        assertThat(r.body()).as(what).contains("503").contains("/css/app.css").doesNotContain("Exception");
        assertThat(Integer.parseInt(r.header("Retry-After"))).as(what + " Retry-After").isPositive();
        assertThat(r.header("Content-Security-Policy")).as(what).isNotBlank();
    }

    /** A page load as a browser sends it: Accept text/html and the session cookie. */
    private Api.Response html(ConsoleClient browser, String path) {
        Api client = new Api(port);
        return client.send(client.request(path, null).header("Accept", BROWSER_ACCEPT)
                .header("Cookie", ConsoleClient.COOKIE + "=" + browser.sessionCookie()).GET().build());
    }

    /** The sign-in form posted by a browser whose session (and CSRF token) predates the outage. */
    private Api.Response browserSignIn(String sessionCookie, String email, String csrf) {
        Api client = new Api(port);
        String form = "email=" + java.net.URLEncoder.encode(email, java.nio.charset.StandardCharsets.UTF_8)
                + "&password=" + java.net.URLEncoder.encode(Api.PASSWORD, java.nio.charset.StandardCharsets.UTF_8) + "&_csrf=" + csrf;
        return client.send(client.request("/login", null).header("Accept", BROWSER_ACCEPT)
                .header("Cookie", ConsoleClient.COOKIE + "=" + sessionCookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static void awaitHealthUp(Api management) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (management.get("/actuator/health", null).status() != 200) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("health did not come back UP within 30 s of the database's return");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
