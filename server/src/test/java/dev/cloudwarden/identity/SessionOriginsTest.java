package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.crypto.CryptoException;
import dev.cloudwarden.crypto.FieldCrypto;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Where each session signed in from (a device label and the client address, the address stored only
 * encrypted), and "sign out everywhere else", over the API and the console's forms.
 */
class SessionOriginsTest extends IntegrationTest {

    @Autowired
    FieldCrypto crypto;

    static final String FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
    static final String SAFARI_ON_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
            + "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";

    @Test
    void eachSessionShowsItsDeviceAndAddressAndTheAddressIsStoredOnlyEncrypted() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Session origins");
        // an API sign-in from another address with a browser's header, and a forged X-Forwarded-For that must not count
        Api elsewhere = new Api(port, false, InetAddress.getByName("127.0.0.23"));
        Api.Response signedIn = elsewhere.send(elsewhere.request("/api/v1/sessions", null).header("Content-Type", "application/json")
                .header("User-Agent", FIREFOX_ON_WINDOWS).header("X-Forwarded-For", "203.0.113.77")
                .POST(HttpRequest.BodyPublishers.ofString(Api.JSON.writeValueAsString(Map.of("email", t.email(), "password", Api.PASSWORD))))
                .build());
        assertThat(signedIn.status()).isEqualTo(201);
        String firefoxToken = signedIn.json().get("token").asString();
        ConsoleClient iphone = new ConsoleClient(port, InetAddress.getByName("127.0.0.34"), SAFARI_ON_IPHONE).signIn(t.email(), Api.PASSWORD);

        Map<String, JsonNode> byDevice = new HashMap<>();
        for (JsonNode s : api.get("/api/v1/sessions", firefoxToken).json()) {
            byDevice.put(s.get("device").asString(), s);
        }
        assertThat(byDevice).containsOnlyKeys("Unknown browser", "Firefox 133 on Windows", "Safari 17 on iPhone");
        JsonNode firefox = byDevice.get("Firefox 133 on Windows");
        assertThat(firefox.get("kind").asString()).isEqualTo("api");
        assertThat(firefox.get("address").asString()).as("the TCP peer: X-Forwarded-For from no trusted proxy is ignored").isEqualTo("127.0.0.23");
        assertThat(firefox.get("current").asBoolean()).isTrue();
        JsonNode safari = byDevice.get("Safari 17 on iPhone");
        assertThat(safari.get("kind").asString()).isEqualTo("console");
        assertThat(safari.get("address").asString()).isEqualTo("127.0.0.34");
        assertThat(Instant.parse(safari.get("createdAt").asString())).as("when it signed in").isAfter(Instant.now().minus(Duration.ofMinutes(1)));
        assertThat(byDevice.get("Unknown browser").get("address").asString()).as("the test's own HTTP client").isEqualTo("127.0.0.1");

        // the page: labels, addresses, "This session" on the one it came with and no button there
        String page = iphone.get("/console/sessions").body();
        assertThat(page).contains("Firefox 133 on Windows").contains("127.0.0.23").contains("Safari 17 on iPhone").contains("127.0.0.34")
                .doesNotContain("203.0.113.77").doesNotContain(FIREFOX_ON_WINDOWS);
        String iphoneRow = row(page, safari.get("id").asString());
        assertThat(iphoneRow).contains("This session").doesNotContain("<form");
        assertThat(row(page, firefox.get("id").asString())).doesNotContain("This session")
                .contains("aria-label=\"End the session of Firefox 133 on Windows from 127.0.0.23\"");

        // stored: the label as it is, the address only as the tenant's ciphertext, bound to its row
        try (Connection c = TestDatabase.asAdmin()) {
            for (String table : List.of("api_sessions", "console_session_origins")) {
                try (PreparedStatement ps = c.prepareStatement("select id, device, address_ciphertext from " + table + " where user_id = ?")) {
                    ps.setObject(1, t.userId());
                    try (ResultSet rs = ps.executeQuery()) {
                        int rows = 0;
                        while (rs.next()) {
                            rows++;
                            byte[] ciphertext = rs.getBytes("address_ciphertext");
                            assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).as(table).doesNotContain("127.0.0");
                            FieldCrypto.Field field = new FieldCrypto.Field(table, "address_ciphertext");
                            UUID row = rs.getObject("id", UUID.class);
                            assertThat(crypto.decryptString(t.tenantId(), field, row, ciphertext)).as(table).startsWith("127.0.0.");
                            assertThatThrownBy(() -> crypto.decryptString(t.tenantId(), field, UUID.randomUUID(), ciphertext))
                                    .as("on another row it does not decrypt").isInstanceOf(CryptoException.class);
                        }
                        assertThat(rows).as(table).isPositive();
                    }
                }
            }
        }
    }

    /** The clean-up of expired sessions runs with no tenant in scope: the database still takes each origin along. */
    @Test
    void aDeletedSessionTakesItsOriginAlongEvenWithNoTenantInScope() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Origins go along");
        new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String origins = "select count(*) from console_session_origins where user_id = ?";
        assertThat(TestDatabase.count(origins, t.userId())).isEqualTo(2);
        try (Connection app = TestDatabase.asApp(); PreparedStatement ps = app.prepareStatement("delete from spring_session where principal_name = ?")) {
            ps.setString(1, t.userId().toString());
            assertThat(ps.executeUpdate()).isEqualTo(2);
        }
        assertThat(TestDatabase.count(origins, t.userId())).isZero();
    }

    @Test
    void signingOutEverywhereElseEndsEveryOtherSessionAndSaysHowMany() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Everywhere else");
        ConsoleClient here = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        ConsoleClient there = new ConsoleClient(port, null, FIREFOX_ON_WINDOWS).signIn(t.email(), Api.PASSWORD);
        String otherApi = api.signIn(t.email(), Api.PASSWORD);
        String pat = api.post("/api/v1/tokens", Map.of("name", "automation", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), t.token()).json().get("token").asString();
        TestUsers.User colleague = TestUsers.add(t, "ADMIN");
        ConsoleClient colleagueBrowser = new ConsoleClient(port).signIn(colleague.email(), Api.PASSWORD);

        String page = here.get("/console/sessions").body();
        assertThat(page).contains("id=\"sign-out-others\"").contains("data-confirm=\"Sign out everywhere else?");

        Api.Response forged = here.post("/console/sessions/others/revoke", Map.of(), null);
        assertThat(forged.status()).as("no CSRF token").isEqualTo(403);
        assertThat(there.get("/console").status()).as("a forged form ends nothing").isEqualTo(200);
        assertThat(api.get("/api/v1/me", otherApi).status()).isEqualTo(200);

        Api.Response ended = here.submit("/console/sessions", "/console/sessions/others/revoke", Map.of());
        assertThat(ended.status()).isEqualTo(302);
        assertThat(ended.header("Location")).endsWith("/console/sessions");
        assertThat(here.get("/console/sessions").body()).as("the other browser and both API sessions")
                .contains("Signed out everywhere else: 3 other sessions ended.").doesNotContain("id=\"sign-out-others\"");

        Api.Response thereNow = there.get("/console");
        assertThat(thereNow.status()).isEqualTo(302);
        assertThat(thereNow.header("Location")).endsWith("/login");
        assertThat(api.get("/api/v1/me", otherApi).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/me", t.token()).status()).isEqualTo(401);
        assertThat(here.get("/console").status()).as("this session stays").isEqualTo(200);
        assertThat(api.get("/api/v1/me", pat).status()).as("a personal access token is not a session").isEqualTo(200);
        assertThat(colleagueBrowser.get("/console").status()).as("only the user's own sessions").isEqualTo(200);
        assertThat(TestDatabase.count("""
                select count(*) from activity_events where tenant_id = ? and action = 'session.ended'
                and details ->> 'reason' = 'revoked' and target_id = ?""", t.tenantId(), t.userId().toString()))
                .as("one event per ended session").isEqualTo(3);

        Api.Response again = here.submit("/console/sessions", "/console/sessions/others/revoke", Map.of());
        assertThat(again.status()).isEqualTo(302);
        assertThat(here.get("/console/sessions").body()).contains("There was no other session: nothing ended.");
    }

    @Test
    void theApiSignsOutEverywhereElseButNotWithAnAccessToken() {
        Api.Tenant t = api.signUpAndSignIn("Everywhere else API");
        String second = api.signIn(t.email(), Api.PASSWORD);
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String pat = api.post("/api/v1/tokens", Map.of("name", "ci", "scopes", List.of("write"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), t.token()).json().get("token").asString();

        Api.Response withToken = api.delete("/api/v1/sessions/others", pat);
        assertThat(withToken.status()).isEqualTo(403);
        assertThat(withToken.json().get("error").asString()).isEqualTo("insufficient_scope");
        assertThat(api.delete("/api/v1/sessions/others", null).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/me", second).status()).as("nothing ended").isEqualTo(200);

        Api.Response ended = api.delete("/api/v1/sessions/others", t.token());
        assertThat(ended.status()).isEqualTo(200);
        assertThat(ended.json().get("ended").asInt()).isEqualTo(2);
        assertThat(api.get("/api/v1/me", second).status()).isEqualTo(401);
        assertThat(browser.get("/console").status()).isEqualTo(302);
        List<String> left = new ArrayList<>();
        api.get("/api/v1/sessions", t.token()).json().forEach(s -> left.add(s.get("id").asString()));
        assertThat(left).hasSize(1);
        assertThat(api.delete("/api/v1/sessions/others", t.token()).json().get("ended").asInt()).isZero();
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/sessions/" + UUID.randomUUID(), t.token()).status()).as("the {id} route still answers").isEqualTo(404);
    }

    /** The table row of one session on the sessions page. */
    private static String row(String page, String sessionId) {
        int start = page.indexOf("data-session-id=\"" + sessionId + "\"");
        assertThat(start).as("row of " + sessionId).isPositive();
        return page.substring(start, page.indexOf("</tr>", start));
    }
}
