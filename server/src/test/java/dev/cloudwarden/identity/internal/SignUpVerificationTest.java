package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Sign-up as SPEC section 3 has it: 202 alike whether or not the address is taken, a single-use
 * 24-hour link in the mail, and nothing existing or claimed until the link is used.
 */
class SignUpVerificationTest extends IntegrationTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Autowired
    SignUpService signUps;

    @Test
    void nothingExistsUntilTheEmailedLinkIsUsedOnce() throws Exception {
        String email = Api.uniqueEmail("Fresh.Owner");
        Api.Response request = api.post("/api/v1/signup", Map.of("organization", "Verified Org", "email", email, "password", Api.PASSWORD), null);
        assertThat(request.status()).isEqualTo(202);
        assertThat(request.body()).isEqualTo("{\"status\":\"verification_sent\"}");

        String mail = TestMail.awaitMessageTo(email.toLowerCase());
        assertThat(mail).contains("/verify-email#cwv_").doesNotContain("Verified Org");
        String token = TestMail.token(mail, "cwv_");
        assertThat(TestDatabase.count("select count(*) from login_directory where email = ?", email.toLowerCase())).as("no address claimed").isZero();
        assertThat(TestDatabase.count("select count(*) from users where email = ?", email.toLowerCase())).isZero();
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null).status()).isEqualTo(401);
        UUID pendingTenant = tenantOf(token);
        assertThat(TestDatabase.count("select count(*) from tenants where id = ?", pendingTenant)).as("no organisation yet").isZero();
        assertThat(TestDatabase.count("select count(*) from signup_requests where tenant_id = ?", pendingTenant)).isEqualTo(1);

        Api.Response verified = api.verifyEmail(token);
        assertThat(verified.status()).isEqualTo(201);
        assertThat(verified.json().propertyNames()).containsExactlyInAnyOrder("tenantId", "userId");
        assertThat(verified.json().get("tenantId").asString()).isEqualTo(pendingTenant.toString());
        String session = api.signIn(email, Api.PASSWORD);
        Api.Response me = api.get("/api/v1/me", session);
        assertThat(me.json().get("role").asString()).isEqualTo("OWNER");
        assertThat(me.json().get("userId").asString()).isEqualTo(verified.json().get("userId").asString());
        assertThat(TestDatabase.count("select count(*) from signup_requests where tenant_id = ?", pendingTenant)).as("the request is gone").isZero();

        Api.Response again = api.verifyEmail(token);
        assertThat(again.status()).as("the link works once").isEqualTo(400);
        assertThat(again.json().get("field").asString()).isEqualTo("token");
    }

    @Test
    void aTakenAddressGetsTheSameAnswerAndItsOwnerANoticeInsteadOfALink() throws Exception {
        Api.Tenant existing = api.signUpAndSignIn("Existing Org");
        long tenantsBefore = TestDatabase.count("select count(*) from tenants");
        String fresh = Api.uniqueEmail("fresh");
        Api.Response forFresh = api.post("/api/v1/signup", Map.of("organization", "Squat", "email", fresh, "password", Api.PASSWORD), null);
        Api.Response forTaken = api.post("/api/v1/signup",
                Map.of("organization", "Squat", "email", " " + existing.email().toUpperCase() + " ", "password", "a-different-passphrase-3"), null);
        assertThat(forTaken.status()).isEqualTo(forFresh.status()).isEqualTo(202);
        assertThat(forTaken.body()).isEqualTo(forFresh.body());
        assertThat(forTaken.headers().map().keySet()).isEqualTo(forFresh.headers().map().keySet());

        TestMail.awaitMessageTo(fresh);
        String notice = TestMail.awaitNthMessageTo(existing.email(), 2);
        assertThat(notice).contains("already has an account").doesNotContain("cwv_").doesNotContain("#");
        assertThat(TestDatabase.count("select count(*) from signup_requests where tenant_id not in (select id from tenants)")).isPositive();
        assertThat(TestDatabase.count("select count(*) from tenants")).isEqualTo(tenantsBefore);
        assertThat(api.signIn(existing.email(), Api.PASSWORD)).as("the account is untouched").isNotBlank();
        assertThat(api.post("/api/v1/sessions", Map.of("email", existing.email(), "password", "a-different-passphrase-3"), null).status())
                .isEqualTo(401);
    }

    @Test
    void aPendingSignUpClaimsNothingAndTheFirstToFinishWins() throws Exception {
        String email = Api.uniqueEmail("contested");
        assertThat(api.post("/api/v1/signup", Map.of("organization", "First", "email", email, "password", Api.PASSWORD), null).status())
                .isEqualTo(202);
        String pending = TestMail.token(TestMail.awaitMessageTo(email), "cwv_");

        // meanwhile an organisation invites the same address, and it accepts: nothing was claimed
        Api.Tenant inviter = api.signUpAndSignIn("Inviter Org");
        assertThat(api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), inviter.token()).status()).isEqualTo(201);
        String invitation = TestMail.token(TestMail.awaitNthMessageTo(email, 2), "cwi_");
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", invitation, "password", Api.PASSWORD), null).status()).isEqualTo(200);

        Api.Response late = api.verifyEmail(pending);
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.json().get("error").asString()).isEqualTo("email_taken");
        assertThat(TestDatabase.count("select count(*) from tenants where id = ?", tenantOf(pending))).as("nothing was created").isZero();
    }

    @Test
    void badForgedAndExpiredTokensAreRefusedAlikeAndExpiredRequestsAreDeleted() throws Exception {
        String email = Api.uniqueEmail("expiring");
        api.post("/api/v1/signup", Map.of("organization", "Late Org", "email", email, "password", Api.PASSWORD), null);
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwv_");
        UUID tenant = tenantOf(token);

        byte[] forgedRaw = new byte[48];
        System.arraycopy(Base64.getUrlDecoder().decode(token.substring(4)), 0, forgedRaw, 0, 16); // the real tenant part
        String forged = "cwv_" + Base64.getUrlEncoder().withoutPadding().encodeToString(forgedRaw);
        Api.Response first = null;
        for (String bad : new String[] {forged, "cwv_nonsense", "", "cwi_" + token.substring(4), token + "x"}) {
            Api.Response r = api.verifyEmail(bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("field").asString()).isEqualTo("token");
            first = first == null ? r : first;
            assertThat(r.body()).isEqualTo(first.body());
        }

        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update signup_requests set created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' where tenant_id = ?")) {
            ps.setObject(1, tenant);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        assertThat(api.verifyEmail(token).status()).as("expired").isEqualTo(400);
        assertThat(signUps.deleteExpiredRequests()).isPositive();
        assertThat(TestDatabase.count("select count(*) from signup_requests where tenant_id = ?", tenant)).isZero();
    }

    @Test
    void badInputNamesTheFieldAndSendsNothing() {
        String email = Api.uniqueEmail("weak");
        Api.Response weak = api.post("/api/v1/signup", Map.of("organization", "Weak Org", "email", email, "password", "password1234"), null);
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.json().get("field").asString()).isEqualTo("password");
        Api.Response noOrg = api.post("/api/v1/signup", Map.of("organization", " ", "email", email, "password", Api.PASSWORD), null);
        assertThat(noOrg.json().get("field").asString()).isEqualTo("organization");
        Api.Response noEmail = api.post("/api/v1/signup", Map.of("organization", "Org", "email", "nope", "password", Api.PASSWORD), null);
        assertThat(noEmail.json().get("field").asString()).isEqualTo("email");
        assertThat(TestMail.countTo(email)).isZero();
    }

    @Test
    void theConsoleSaysCheckYourInboxThenTheVerificationPageCreatesTheOrganisation() {
        Api browser = new Api(port, true);
        String email = Api.uniqueEmail("console-owner");
        Api.Response signup = submit(browser, "/signup", Map.of("organization", "Console Verified", "email", email, "password", Api.PASSWORD));
        assertThat(signup.status()).isEqualTo(302);
        assertThat(signup.header("Location")).endsWith("/signup/check-inbox");
        Api.Response inbox = browser.get("/signup/check-inbox", null);
        assertThat(inbox.status()).isEqualTo(200);
        assertThat(inbox.body()).contains("Check your inbox").doesNotContain("dev-outbox"); // SMTP is configured here

        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwv_");
        Api.Response verified = submit(browser, "/verify-email", Map.of("token", token));
        assertThat(verified.status()).isEqualTo(302);
        assertThat(verified.header("Location")).endsWith("/login?verified");
        assertThat(api.signIn(email, Api.PASSWORD)).isNotBlank();
        Api.Response reused = submit(browser, "/verify-email", Map.of("token", token));
        assertThat(reused.status()).isEqualTo(200);
        assertThat(reused.body()).contains("verify-error");
    }

    private static UUID tenantOf(String token) {
        byte[] raw = Base64.getUrlDecoder().decode(token.substring(4));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(raw);
        return new UUID(b.getLong(), b.getLong());
    }

    private static Api.Response submit(Api browser, String path, Map<String, String> fields) {
        Matcher m = CSRF.matcher(browser.get(path, null).body());
        assertThat(m.find()).isTrue();
        StringBuilder form = new StringBuilder("_csrf=").append(URLEncoder.encode(m.group(1), StandardCharsets.UTF_8));
        fields.forEach((k, v) -> form.append('&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build());
    }
}
