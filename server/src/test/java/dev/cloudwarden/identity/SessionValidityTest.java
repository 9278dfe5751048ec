package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Changes to a user take effect at once on their live sessions, and public flows work for callers
 * who happen to be signed in as someone else.
 */
class SessionValidityTest extends IntegrationTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Test
    void aDemotedOrDisabledUsersConsoleSessionEndsAtOnce() {
        Api.Tenant owner = api.signUpAndSignIn("Validity Org");
        String adminEmail = invite(owner, "ADMIN");
        String adminId = api.get("/api/v1/me", api.signIn(adminEmail, Api.PASSWORD)).json().get("userId").asString();

        Api browser = consoleAs(adminEmail);
        assertThat(browser.get("/console/users", null).status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/users/" + adminId, Map.of("role", "VIEWER"), owner.token()).status()).isEqualTo(200);
        Api.Response afterDemotion = browser.get("/console/users", null);
        assertThat(afterDemotion.status()).isEqualTo(302);
        assertThat(afterDemotion.header("Location")).matches(".*/login(\\?expired)?$");
        assertThat(browser.get("/console", null).status()).as("the old session is gone").isEqualTo(302);

        Api again = consoleAs(adminEmail);
        assertThat(again.get("/console", null).status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/users/" + adminId, owner.token()).status()).isEqualTo(204);
        assertThat(again.get("/console", null).header("Location")).matches(".*/login(\\?expired)?$");
    }

    @Test
    void disablingAnInvitedUserWithdrawsTheInvitation() {
        Api.Tenant owner = api.signUpAndSignIn("Withdraw Org");
        String email = Api.uniqueEmail("withdrawn");
        String id = api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner.token()).json().get("id").asString();
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwi_");
        assertThat(api.delete("/api/v1/users/" + id, owner.token()).status()).isEqualTo(204);
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", token, "password", Api.PASSWORD), null).status()).isEqualTo(400);
        Api.Response enable = api.patch("/api/v1/users/" + id, Map.of("status", "ACTIVE"), owner.token());
        assertThat(enable.status()).isEqualTo(400);
        assertThat(enable.json().get("field").asString()).isEqualTo("status");
    }

    @Test
    void publicFlowsWorkForCallersSignedInElsewhere() {
        Api.Tenant someone = api.signUpAndSignIn("Signed In Org");
        String email = Api.uniqueEmail("second-org");
        Api.Response signup = api.post("/api/v1/signup", Map.of("organization", "Second Org", "email", email, "password", Api.PASSWORD), someone.token());
        assertThat(signup.status()).isEqualTo(202);
        Api.Response verified = api.send(api.request("/api/v1/email-verifications", someone.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + TestMail.token(TestMail.awaitMessageTo(email), "cwv_") + "\"}")).build());
        assertThat(verified.status()).isEqualTo(201);
        Api.Response session = api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), someone.token());
        assertThat(session.status()).isEqualTo(201);

        Api browser = consoleAs(someone.email());
        // the sign-up form leads someone signed in to their console; the form posted anyway still works
        assertThat(browser.get("/signup", null).header("Location")).endsWith("/console");
        Api.Response page = browser.get("/console", null);
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).isTrue();
        Api.Response consoleSignup = browser.send(browser.request("/signup", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("organization", "Third Org", "email", Api.uniqueEmail("third"),
                        "password", Api.PASSWORD, "_csrf", m.group(1))))).build());
        assertThat(consoleSignup.status()).isEqualTo(302);
        assertThat(consoleSignup.header("Location")).endsWith("/signup/check-inbox");
    }

    @Test
    void aPatchWithTwoChangesIsRefusedWhole() {
        Api.Tenant owner = api.signUpAndSignIn("Patch Org");
        Api.Response both = api.patch("/api/v1/users/" + owner.userId(), Map.of("role", "VIEWER", "status", "ACTIVE"), owner.token());
        assertThat(both.status()).isEqualTo(400);
        assertThat(api.get("/api/v1/me", owner.token()).json().get("role").asString()).isEqualTo("OWNER");
    }

    private String invite(Api.Tenant owner, String role) {
        String email = Api.uniqueEmail(role.toLowerCase());
        api.post("/api/v1/users", Map.of("email", email, "role", role), owner.token());
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwi_");
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", token, "password", Api.PASSWORD), null).status()).isEqualTo(200);
        return email;
    }

    private Api consoleAs(String email) {
        Api browser = new Api(port, true);
        Matcher m = CSRF.matcher(browser.get("/login", null).body());
        assertThat(m.find()).isTrue();
        Api.Response login = browser.send(browser.request("/login", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("email", email, "password", Api.PASSWORD, "_csrf", m.group(1))))).build());
        assertThat(login.header("Location")).endsWith("/console");
        return browser;
    }

    private static String form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((k, v) -> out.append(out.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }
}
