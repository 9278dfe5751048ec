package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Concurrent Argon2 computations are bounded (here to one); the rest queue for a bounded time and
 * then get 503 {@code unavailable} with Retry-After. Concurrency is counted by the limiter, not timed.
 */
@TestPropertySource(properties = {
        "cloudwarden.passwords.max-concurrent-hashes=1",
        "cloudwarden.passwords.max-queue-wait=PT8S"})
class PasswordHashingLimitTest extends IntegrationTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Autowired
    HashingLimiter limiter;

    @Autowired
    MeterRegistry meters;

    @Test
    void parallelSignInsHashOneAtATimeAndAllGetIn() throws Exception {
        // 8 at once: the last waits for 7 hashes, well within the 8 s wait even on a busy machine
        Api.Tenant t = api.signUpAndSignIn("One hash at a time");
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            emails.add(TestUsers.add(t, "VIEWER").email());
        }
        limiter.peakAndReset();
        double before = verifications();
        List<Api.Response> responses = parallel(emails.stream()
                .<Callable<Api.Response>>map(email -> () -> signIn(email, Api.PASSWORD)).toList());
        assertThat(responses).extracting(Api.Response::status).containsOnly(201);
        assertThat(verifications() - before).isEqualTo(8.0);
        assertThat(limiter.peakAndReset()).as("Argon2 computations at once").isEqualTo(1);
    }

    @Test
    void whenNoSlotFreesUpInTimeEveryPasswordRouteAnswers503WithRetryAfterAndHashesNothing() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Saturated");
        double verificationsBefore = verifications();
        double rejectedBefore = meters.get("cloudwarden.password.hashing.rejected").counter().count();
        List<Api.Response> responses;
        Api.Response console;
        try (HashingLimiter.Slot taken = limiter.acquire()) { // the only slot, as a long-running hash would hold it
            Api browser = new Api(port, true);
            String csrf = csrf(browser);
            responses = parallel(List.of(
                    () -> signIn(t.email(), Api.PASSWORD),
                    () -> signIn(t.email(), "a-wrong-password-42"),
                    () -> signIn(Api.uniqueEmail("nobody"), Api.PASSWORD),
                    () -> submitLogin(browser, csrf, t.email(), Api.PASSWORD)));
            console = responses.remove(responses.size() - 1);
            // a sign-up request answers at once whatever the load: its hash is made in the background
            assertThat(api.post("/api/v1/signup", Map.of("organization", "Later", "email", Api.uniqueEmail("later"),
                    "password", Api.PASSWORD), null).status()).isEqualTo(202);
        }
        for (Api.Response r : responses) {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().get("error").asString()).isEqualTo("unavailable");
            assertThat(r.header("Retry-After")).isEqualTo("8");
        }
        assertThat(console.status()).isEqualTo(302);
        assertThat(console.header("Location")).endsWith("/login?busy");
        assertThat(verifications()).as("no password was checked").isEqualTo(verificationsBefore);
        assertThat(meters.get("cloudwarden.password.hashing.rejected").counter().count() - rejectedBefore).isEqualTo(4.0);
        // refused before any hash, the attempts count neither as failures nor as in flight
        assertThat(bruteForceRow(t.userId())).isEqualTo("0 {}");
        assertThat(signIn(t.email(), Api.PASSWORD).status()).isEqualTo(201);
    }

    private Api.Response signIn(String email, String password) {
        return api.post("/api/v1/sessions", Map.of("email", email, "password", password), null);
    }

    private double verifications() {
        return meters.get("cloudwarden.password.verifications").counter().count();
    }

    private static List<Api.Response> parallel(List<Callable<Api.Response>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Future<Api.Response>> futures = pool.invokeAll(calls);
            List<Api.Response> responses = new ArrayList<>();
            for (Future<Api.Response> f : futures) {
                responses.add(f.get());
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String bruteForceRow(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select failures || ' ' || in_flight::text from login_failures where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static String csrf(Api browser) {
        Matcher m = CSRF.matcher(browser.get("/login", null).body());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static Api.Response submitLogin(Api browser, String csrf, String email, String password) {
        String form = "email=" + URLEncoder.encode(email, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8);
        return browser.send(browser.request("/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }
}
