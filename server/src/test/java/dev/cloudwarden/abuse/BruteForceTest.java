package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Sign-in lockout through the real server: 3 failures lock for 2 s, then 4 s, 8 s at most (tiny
 * waits of this context only; the defaults are 5 failures and 1 min doubling up to 15 min). An
 * attempt waits at most 3 s for its turn behind the account's attempts in flight.
 */
@TestPropertySource(properties = {
        "cloudwarden.brute-force.max-failures=3",
        "cloudwarden.brute-force.first-wait=PT2S",
        "cloudwarden.brute-force.max-wait=PT8S",
        "cloudwarden.brute-force.in-flight-wait=PT3S"})
class BruteForceTest extends IntegrationTest {

    private static final String WRONG = "not-the-right-one-42";
    private static final String LOCKED_BODY =
            "{\"error\":\"too_many_attempts\",\"message\":\"Too many failed sign-in attempts. Try again later.\"}";
    private static final String INVALID_BODY = "{\"error\":\"invalid_credentials\",\"message\":\"Invalid email or password.\"}";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Autowired
    MeterRegistry meters;

    @Test
    void afterMaxFailuresTheAccountIsLockedAndEvenTheRightPasswordIsRefusedWithoutHashing() {
        Api.Tenant t = api.signUpAndSignIn("Lockout");
        for (int i = 0; i < 3; i++) {
            Api.Response wrong = signIn(t.email(), WRONG);
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.body()).isEqualTo(INVALID_BODY);
            assertThat(wrong.header("Retry-After")).isNull();
        }
        double before = verifications();
        Api.Response fourth = signIn(t.email(), WRONG);
        Api.Response right = signIn(t.email(), Api.PASSWORD);
        for (Api.Response r : List.of(fourth, right)) {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.body()).isEqualTo(LOCKED_BODY);
            assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 2L);
        }
        assertThat(verifications()).as("no Argon2id work while locked").isEqualTo(before);
        assertThat(api.get("/api/v1/me", t.token()).status()).as("existing sessions are not touched").isEqualTo(200);
    }

    @Test
    void afterTheWaitTheRightPasswordWorksAndForgetsTheFailures() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Lockout ends");
        for (int i = 0; i < 3; i++) {
            assertThat(signIn(t.email(), WRONG).status()).isEqualTo(401);
        }
        Api.Response afterWait = waitOutLockout(t.email(), Api.PASSWORD);
        assertThat(afterWait.status()).isEqualTo(201);
        assertThat(failuresOf(t.userId())).as("a successful sign-in clears the count").isZero();
        // counted from zero again: two failures do not lock, and the right password still works
        for (int i = 0; i < 2; i++) {
            assertThat(signIn(t.email(), WRONG).status()).isEqualTo(401);
        }
        assertThat(signIn(t.email(), Api.PASSWORD).status()).isEqualTo(201);
    }

    @Test
    void everyFurtherFailureDoublesTheWait() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Backoff");
        for (int i = 0; i < 3; i++) {
            signIn(t.email(), WRONG);
        }
        assertThat(lockSeconds(t.userId())).isEqualTo(2.0);
        assertThat(waitOutLockout(t.email(), WRONG).status()).isEqualTo(401);
        assertThat(lockSeconds(t.userId())).isEqualTo(4.0);
        Api.Response locked = signIn(t.email(), Api.PASSWORD);
        assertThat(locked.status()).isEqualTo(429);
        assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 4L);
        assertThat(waitOutLockout(t.email(), WRONG).status()).isEqualTo(401);
        assertThat(lockSeconds(t.userId())).isEqualTo(8.0);
    }

    @Test
    void aLockedAccountAndAnUnknownEmailCannotBeToldApart() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Enumeration by lockout");
        String unknown = Api.uniqueEmail("nobody");
        long throttleRowsBefore = count("select count(*) from login_throttle");
        double before = verifications();
        for (int i = 0; i < 3; i++) {
            Api.Response known = signIn(t.email(), WRONG);
            Api.Response nobody = signIn(unknown, WRONG);
            assertThat(known.status()).isEqualTo(401);
            assertThat(nobody.status()).isEqualTo(401);
            assertThat(nobody.body()).isEqualTo(known.body());
        }
        assertThat(verifications() - before).as("one Argon2id verification per attempt, dummy or real").isEqualTo(6.0);

        double beforeLocked = verifications();
        List<Api.Response> locked = List.of(signIn(t.email(), WRONG), signIn(unknown, WRONG),
                signIn(t.email(), Api.PASSWORD), signIn(unknown, Api.PASSWORD));
        for (Api.Response r : locked) {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.body()).isEqualTo(LOCKED_BODY);
            assertThat(r.header("Retry-After")).isNotNull();
            assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 2L);
            assertThat(r.headers().map().keySet().stream().map(String::toLowerCase).sorted().toList())
                    .as("the same headers").isEqualTo(locked.get(0).headers().map().keySet().stream().map(String::toLowerCase).sorted().toList());
        }
        assertThat(verifications()).as("no Argon2id work for anyone while locked").isEqualTo(beforeLocked);

        // the unknown email is tracked by a keyed hash only: neither the address nor its plain SHA-256 is stored
        assertThat(count("select count(*) from login_throttle")).isEqualTo(throttleRowsBefore + 1);
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("select count(*) from login_throttle where email_hash = ? or position(? in email_hash) > 0")) {
            ps.setBytes(1, MessageDigest.getInstance("SHA-256").digest(unknown.getBytes(StandardCharsets.UTF_8)));
            ps.setBytes(2, unknown.getBytes(StandardCharsets.UTF_8));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }
    }

    @Test
    void tenParallelGuessesCannotOutrunTheLockForAnAccountOrAnUnknownEmail() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Parallel guesses");
        String unknown = Api.uniqueEmail("nobody");
        for (String email : List.of(t.email(), unknown)) {
            double before = verifications();
            List<Integer> statuses = parallel(10, () -> signIn(email, WRONG)).stream().map(Api.Response::status).toList();
            // only as many attempts run at once as failures are still allowed: the rest wait, then see the lock
            assertThat(verifications() - before).as(email).isEqualTo(3.0);
            assertThat(statuses.stream().filter(s -> s == 401).count()).isEqualTo(3);
            assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(7);
            // at once, within the 2 s lock
            Api.Response right = signIn(email, email.equals(unknown) ? WRONG : Api.PASSWORD);
            assertThat(right.status()).as("the right password while locked").isEqualTo(429);
            assertThat(verifications() - before).isEqualTo(3.0);
        }
        assertThat(inFlight(t.userId())).isEqualTo("{}");
    }

    @Test
    void tenParallelSignInsWithTheRightPasswordAllGetIn() throws Exception {
        // a script, a team sharing a service account, a burst: not a lockout (three may run at once here)
        Api.Tenant t = api.signUpAndSignIn("Parallel right passwords");
        double before = verifications();
        List<Api.Response> responses = parallel(10, () -> signIn(t.email(), Api.PASSWORD));
        assertThat(responses).extracting(Api.Response::status).containsOnly(201);
        assertThat(verifications() - before).isEqualTo(10.0);
        assertThat(failuresOf(t.userId())).isZero();
        assertThat(inFlight(t.userId())).isEqualTo("{}");
    }

    @Test
    void attemptsLeftInFlightByADeadNodeStopCountingWhenTheirLeaseEnds() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Dead node");
        // three attempts in flight whose node died: the account's places are taken until their leases end
        setInFlight(t.userId(), "array[now() + interval '1 hour', now() + interval '2 hours', now() + interval '3 hours']");
        double before = verifications();
        Api.Response waited = signIn(t.email(), Api.PASSWORD);
        assertThat(waited.status()).isEqualTo(503);
        assertThat(waited.json().get("error").asString()).isEqualTo("unavailable");
        assertThat(waited.header("Retry-After")).isNotNull();
        assertThat(verifications()).as("no hash while waiting for a turn").isEqualTo(before);

        setInFlight(t.userId(), "array[now() - interval '1 second', now() - interval '1 minute', now() - interval '1 hour']");
        assertThat(signIn(t.email(), Api.PASSWORD).status()).isEqualTo(201);
        assertThat(inFlight(t.userId())).as("expired leases are dropped").isEqualTo("{}");
    }

    @Test
    void anUnknownEmailWhoseOnlyAttemptDiedInFlightIsForgottenOnceItsLeaseEnds() throws Exception {
        String unknown = Api.uniqueEmail("nobody");
        assertThat(signIn(unknown, WRONG).status()).isEqualTo(401);
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                insert into login_throttle (email_hash, in_flight) values (?, array[now() - interval '1 second'])""")) {
            ps.setBytes(1, MessageDigest.getInstance("SHA-256").digest(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)));
            ps.executeUpdate();
        }
        long orphans = count("select count(*) from login_throttle where last_failure_at is null");
        assertThat(orphans).isPositive();
        assertThat(signIn(Api.uniqueEmail("nobody"), WRONG).status()).isEqualTo(401); // each save forgets a few idle rows
        assertThat(count("select count(*) from login_throttle where last_failure_at is null and "
                + "not exists (select from unnest(in_flight) e where e > now())")).isZero();
    }

    @Test
    void theConsoleShowsTheSameLockoutForKnownAndUnknownEmails() {
        Api.Tenant t = api.signUpAndSignIn("Console lockout");
        String unknown = Api.uniqueEmail("nobody");
        for (String email : List.of(t.email(), unknown)) {
            Api browser = new Api(port, true);
            for (int i = 0; i < 3; i++) {
                Api.Response wrong = submitLogin(browser, email, WRONG);
                assertThat(wrong.status()).isEqualTo(302);
                assertThat(wrong.header("Location")).endsWith("/login?error");
            }
            Api.Response locked = submitLogin(browser, email, email.equals(unknown) ? WRONG : Api.PASSWORD);
            assertThat(locked.status()).isEqualTo(302);
            assertThat(locked.header("Location")).as(email).endsWith("/login?locked");
            assertThat(browser.get("/login?locked", null).body()).contains("Too many failed sign-in attempts");
            assertThat(browser.get("/console", null).status()).as("not signed in").isEqualTo(302);
        }
    }

    @Test
    void theApiAndTheConsoleShareTheCount() {
        Api.Tenant t = api.signUpAndSignIn("Shared count");
        Api browser = new Api(port, true);
        assertThat(signIn(t.email(), WRONG).status()).isEqualTo(401);
        assertThat(submitLogin(browser, t.email(), WRONG).header("Location")).endsWith("/login?error");
        assertThat(signIn(t.email(), WRONG).status()).isEqualTo(401);
        assertThat(signIn(t.email(), Api.PASSWORD).status()).isEqualTo(429);
    }

    private static List<Api.Response> parallel(int n, java.util.concurrent.Callable<Api.Response> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Api.Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(call));
            }
            List<Api.Response> responses = new ArrayList<>();
            for (Future<Api.Response> f : futures) {
                responses.add(f.get());
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void setInFlight(UUID userId, String array) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update login_failures set in_flight = " + array + " where user_id = ?")) {
            ps.setObject(1, userId);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static String inFlight(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select in_flight::text from login_failures where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private Api.Response signIn(String email, String password) {
        return api.post("/api/v1/sessions", Map.of("email", email, "password", password), null);
    }

    /** Waits as long as Retry-After says (a few seconds here), then tries {@code password}. */
    private Api.Response waitOutLockout(String email, String password) throws InterruptedException {
        for (int round = 0; round < 10; round++) {
            Api.Response r = signIn(email, password);
            if (r.status() != 429) {
                return r;
            }
            Thread.sleep(Long.parseLong(r.header("Retry-After")) * 1000);
        }
        throw new AssertionError("still locked after 10 waits");
    }

    private static double lockSeconds(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select extract(epoch from locked_until - last_failure_at) from login_failures where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getDouble(1);
            }
        }
    }

    private static long failuresOf(UUID userId) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select failures + (case when locked_until is null then 0 else 1000 end) from login_failures where user_id = ?")) {
            ps.setObject(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private double verifications() {
        return meters.get("cloudwarden.password.verifications").counter().count();
    }

    private static Api.Response submitLogin(Api browser, String email, String password) {
        Api.Response page = browser.get("/login", null);
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).isTrue();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("email", email);
        fields.put("password", password);
        fields.put("_csrf", m.group(1));
        String form = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return browser.send(browser.request("/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }
}
