package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Console sessions in PostgreSQL (Spring Session JDBC) and a user's view of all their sessions,
 * through the real server, the real cookie and the real database.
 */
class SessionsTest extends IntegrationTest {

    @Test
    void aConsoleSessionLivesInPostgresUnderAHashOfItsCookieAndServesAnyClient() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Session store");
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String cookie = browser.sessionCookie();
        assertThat(cookie).matches("[A-Za-z0-9_-]{43}");

        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select session_id, max_inactive_interval from spring_session where principal_name = ?")) {
            ps.setString(1, t.userId().toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the session is a row in PostgreSQL, indexed by the user id").isTrue();
                assertThat(rs.getString(1)).as("stored id is the SHA-256 of the cookie, not the cookie")
                        .isEqualTo(storedId(cookie)).isNotEqualTo(cookie);
                assertThat(rs.getInt(2)).as("idle timeout").isEqualTo(30 * 60);
                assertThat(rs.next()).isFalse();
            }
        }

        // another client with nothing but the cookie: no server memory is involved
        Api.Response elsewhere = ConsoleClient.getWithCookie(new Api(port), "/console", cookie);
        assertThat(elsewhere.status()).isEqualTo(200);
        assertThat(elsewhere.body()).contains(t.email().toLowerCase());
        // the stored id itself is not a credential
        assertThat(ConsoleClient.getWithCookie(new Api(port), "/console", storedId(cookie)).status()).isEqualTo(302);
        assertThat(ConsoleClient.getWithCookie(new Api(port), "/console", cookie.substring(1) + "A").status()).isEqualTo(302);
    }

    @Test
    void theCookieIsHostPrefixedSecureHttpOnlyAndStrict() {
        Api.Tenant t = api.signUpAndSignIn("Cookie attributes");
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response page = browser.get("/login");
        Api.Response login = browser.post("/login", Map.of("email", t.email(), "password", Api.PASSWORD), ConsoleClient.csrf(page.body()));
        String setCookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(ConsoleClient.COOKIE + "=")).findFirst().orElseThrow();
        List<String> attributes = new ArrayList<>();
        for (String part : setCookie.split(";")) {
            attributes.add(part.strip().toLowerCase());
        }
        assertThat(attributes).contains("secure", "httponly", "samesite=strict", "path=/");
        assertThat(attributes).noneMatch(a -> a.startsWith("domain="));
        assertThat(attributes).as("a session cookie, not a persistent one").noneMatch(a -> a.startsWith("max-age=") || a.startsWith("expires="));
    }

    @Test
    void theSessionIdRotatesAtSignInAndTheOldCookieIsWorthless() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Fixation");
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response page = browser.get("/login");
        String before = browser.sessionCookie();
        assertThat(before).as("the sign-in page has a session for its CSRF token").isNotNull();

        browser.post("/login", Map.of("email", t.email(), "password", Api.PASSWORD), ConsoleClient.csrf(page.body()));
        String after = browser.sessionCookie();
        assertThat(after).isNotNull().isNotEqualTo(before);
        assertThat(ConsoleClient.getWithCookie(new Api(port), "/console", before).status()).isEqualTo(302);
        assertThat(ConsoleClient.getWithCookie(new Api(port), "/console", after).status()).isEqualTo(200);
        assertThat(TestDatabase.count("select count(*) from spring_session where session_id = ?", storedId(before))).isZero();
    }

    @Test
    void aFailedConsoleSignInLeavesNoPasswordInTheStoredSession() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Failed sign-in");
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response page = browser.get("/login");
        String wrong = "wrong-" + UUID.randomUUID();
        Api.Response login = browser.post("/login", Map.of("email", t.email(), "password", wrong), ConsoleClient.csrf(page.body()));
        assertThat(login.header("Location")).endsWith("/login?error");
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                select a.attribute_name, a.attribute_bytes from spring_session s
                join spring_session_attributes a on a.session_primary_id = s.primary_id where s.session_id = ?""")) {
            ps.setString(1, storedId(browser.sessionCookie()));
            try (ResultSet rs = ps.executeQuery()) {
                int attributes = 0;
                while (rs.next()) {
                    attributes++;
                    assertThat(rs.getString(1)).doesNotContain("EXCEPTION");
                    assertThat(new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)).as(rs.getString(1)).doesNotContain(wrong);
                }
                assertThat(attributes).as("the session row exists and was inspected").isPositive();
            }
        }
    }

    @Test
    void aUserListsApiAndConsoleSessionsAndRevokesThem() {
        Api.Tenant t = api.signUpAndSignIn("List sessions");
        String second = api.signIn(t.email(), Api.PASSWORD);
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);

        Api.Response list = api.get("/api/v1/sessions", t.token());
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(t.token()).doesNotContain(second).doesNotContain(browser.sessionCookie())
                .doesNotContain(storedId(browser.sessionCookie()));
        JsonNode sessions = list.json();
        assertThat(sessions.size()).isEqualTo(3);
        UUID consoleId = null;
        UUID secondId = null;
        for (JsonNode s : sessions) {
            assertThat(s.propertyNames()).containsExactlyInAnyOrder("id", "kind", "device", "address", "createdAt", "lastUsedAt", "expiresAt",
                    "current");
            Instant created = Instant.parse(s.get("createdAt").asString());
            Instant expires = Instant.parse(s.get("expiresAt").asString());
            assertThat(expires).isAfter(Instant.now()).isBeforeOrEqualTo(created.plus(Duration.ofHours(12)));
            if (s.get("kind").asString().equals("console")) {
                consoleId = UUID.fromString(s.get("id").asString());
                assertThat(s.get("current").asBoolean()).isFalse();
                assertThat(expires).as("idle timeout").isBeforeOrEqualTo(Instant.now().plus(Duration.ofMinutes(30)));
            } else {
                assertThat(s.get("kind").asString()).isEqualTo("api");
                if (s.get("current").asBoolean()) {
                    assertThat(s.get("lastUsedAt").isNull()).as("the listing request used it").isFalse();
                } else {
                    secondId = UUID.fromString(s.get("id").asString());
                }
            }
        }
        assertThat(consoleId).isNotNull();
        assertThat(secondId).as("exactly one current session").isNotNull();
        assertThat(sessions.findValues("current").stream().filter(JsonNode::asBoolean).count()).isEqualTo(1);

        assertThat(browser.get("/console").status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/sessions/" + consoleId, t.token()).status()).isEqualTo(204);
        Api.Response afterRevoke = browser.get("/console");
        assertThat(afterRevoke.status()).as("revoked console session").isEqualTo(302);
        assertThat(afterRevoke.header("Location")).endsWith("/login");

        assertThat(api.get("/api/v1/me", second).status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/sessions/" + secondId, t.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", second).status()).as("revoked API session").isEqualTo(401);

        for (String id : new String[] {secondId.toString(), consoleId.toString(), UUID.randomUUID().toString(), "not-a-uuid", "1"}) {
            Api.Response again = api.delete("/api/v1/sessions/" + id, t.token());
            assertThat(again.status()).as(id).isEqualTo(404);
            assertThat(again.json().get("error").asString()).isEqualTo("not_found");
        }
        assertThat(api.get("/api/v1/sessions", t.token()).json().size()).isEqualTo(1);
        assertThat(api.get("/api/v1/me", t.token()).status()).isEqualTo(200);
    }

    @Test
    void anotherUserOrTenantCannotSeeOrEndMySessions() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Mine A");
        Api.Tenant b = api.signUpAndSignIn("Other B");
        TestUsers.User colleague = TestUsers.add(a, "ADMIN");
        String colleagueToken = api.signIn(colleague.email(), Api.PASSWORD);
        ConsoleClient browser = new ConsoleClient(port).signIn(a.email(), Api.PASSWORD);
        List<String> ids = api.get("/api/v1/sessions", a.token()).json().findValues("id").stream().map(JsonNode::asString).toList();
        assertThat(ids).hasSize(2);

        for (String other : new String[] {b.token(), colleagueToken}) {
            assertThat(api.get("/api/v1/sessions", other).json().findValues("id").stream().map(JsonNode::asString))
                    .doesNotContainAnyElementsOf(ids);
            for (String id : ids) {
                Api.Response r = api.delete("/api/v1/sessions/" + id, other);
                assertThat(r.status()).as("foreign session").isEqualTo(404);
                assertThat(r.json().get("error").asString()).isEqualTo("not_found");
            }
        }
        assertThat(api.get("/api/v1/me", a.token()).status()).isEqualTo(200);
        assertThat(browser.get("/console").status()).isEqualTo(200);
    }

    @Test
    void theConsolePageListsSessionsAndEndsThemWithCsrfProtectedForms() {
        Api.Tenant t = api.signUpAndSignIn("Console sessions");
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        Api.Response page = browser.get("/console/sessions");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("This session").contains("(API)").contains("(browser)")
                .doesNotContain(t.token()).doesNotContain(browser.sessionCookie()).doesNotContain("style=")
                .as("no inline script: only files of the app").doesNotContainPattern("<script(?![^>]*\\bsrc=)");
        JsonNode listed = api.get("/api/v1/sessions", t.token()).json();
        String apiId = null;
        String consoleId = null;
        for (JsonNode s : listed) {
            if (s.get("kind").asString().equals("api")) {
                apiId = s.get("id").asString();
            } else {
                consoleId = s.get("id").asString();
            }
        }
        assertThat(page.body()).contains(apiId).contains(consoleId);

        Api.Response noCsrf = browser.post("/console/sessions/" + apiId + "/revoke", Map.of(), null);
        assertThat(noCsrf.status()).isEqualTo(403);
        assertThat(api.get("/api/v1/me", t.token()).status()).as("a forged form changes nothing").isEqualTo(200);

        Api.Response revoked = browser.submit("/console/sessions", "/console/sessions/" + apiId + "/revoke", Map.of());
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(revoked.header("Location")).endsWith("/console/sessions?revoked");
        assertThat(api.get("/api/v1/me", t.token()).status()).isEqualTo(401);

        Api.Response unknown = browser.submit("/console/sessions", "/console/sessions/" + UUID.randomUUID() + "/revoke", Map.of());
        assertThat(unknown.header("Location")).endsWith("/console/sessions?notFound");

        Api.Response signedOut = browser.submit("/console/sessions", "/console/sessions/" + consoleId + "/revoke", Map.of());
        assertThat(signedOut.header("Location")).endsWith("/login?signedOut");
        assertThat(browser.get("/console").status()).isEqualTo(302);
    }

    @Test
    void disablingAUserEndsTheirConsoleSessionsAtOnce() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Disable console");
        TestUsers.User admin = TestUsers.add(t, "ADMIN");
        ConsoleClient first = new ConsoleClient(port).signIn(admin.email(), Api.PASSWORD);
        ConsoleClient second = new ConsoleClient(port).signIn(admin.email(), Api.PASSWORD);
        ConsoleClient owner = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        assertThat(first.get("/console").status()).isEqualTo(200);
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", admin.id().toString())).isEqualTo(2);

        assertThat(api.delete("/api/v1/users/" + admin.id(), t.token()).status()).isEqualTo(204);
        assertThat(TestDatabase.count("select count(*) from spring_session where principal_name = ?", admin.id().toString())).isZero();
        for (ConsoleClient b : new ConsoleClient[] {first, second}) {
            Api.Response r = b.get("/console");
            assertThat(r.status()).isEqualTo(302);
            assertThat(r.header("Location")).endsWith("/login");
        }
        assertThat(owner.get("/console").status()).as("only the disabled user's sessions end").isEqualTo(200);
    }

    static String storedId(String cookie) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update("cloudwarden:console-session:v1:".getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256.digest(cookie.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
