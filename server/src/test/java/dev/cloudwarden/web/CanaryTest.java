package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Canary values planted in every sensitive field the platform has so far (passwords, organisation
 * name, session token, personal access token, console session cookie, TOTP secret, recovery codes,
 * the emailed invitation and password-reset tokens; later issues add theirs here) must appear in no
 * log line, in no HTTP response other than the one that hands them out (sign-in for the token, MFA
 * enrolment for the TOTP secret, its confirmation for the recovery codes; the emailed tokens in no
 * response at all), and nowhere in a pg_dump of the database (as text, nor hex-encoded in a bytea
 * column such as the serialized console session attributes).
 *
 * <p>Email addresses (the owner's and an invitee's) are personal data rather than secrets: they are
 * stored in plaintext (users, login_directory), so the dump is not checked for them, and the answers
 * that exist to show them (me, the user list, an invitation's answer, the MFA key URI) carry them.
 * Every other answer and every log line (emails are redacted by default) must not.
 *
 * <p>The activity history holds ids, enums and keyed hashes only: no canary, not even an address,
 * appears in any column of its events (P13).
 */
@ExtendWith(OutputCaptureExtension.class)
class CanaryTest extends IntegrationTest {

    @Test
    void canariesNeverLeakIntoLogsResponsesOrTheDatabase(CapturedOutput output) throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        String password = "canary-password-" + tag + "-Zq9";
        String organization = "Canary Org " + tag;
        String email = Api.uniqueEmail("canary");
        List<Api.Response> responses = new ArrayList<>();
        List<Api.Response> showingEmails = new ArrayList<>(); // answers that exist to show addresses; no other canary

        responses.add(api.post("/api/v1/signup", Map.of("organization", organization, "email", email, "password", password), null));
        assertThat(responses.get(0).status()).isEqualTo(202);
        responses.add(api.verifyEmail(TestMail.awaitNewTokenTo(email, "cwv_", 0)));
        assertThat(responses.get(1).status()).isEqualTo(201);
        Api.Response session = api.post("/api/v1/sessions", Map.of("email", email, "password", password), null);
        assertThat(session.status()).isEqualTo(201);
        String token = session.json().get("token").asString();
        Api.Response patCreated = api.post("/api/v1/tokens", Map.of("name", "canary token", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(Duration.ofDays(7)).toString()), token);
        assertThat(patCreated.status()).isEqualTo(201);
        String pat = patCreated.json().get("token").asString();

        // the console: a failed sign-in (its session stays in the database), a successful one, the credential pages
        ConsoleClient failed = new ConsoleClient(port);
        Api.Response loginPage = failed.get("/login");
        responses.add(loginPage);
        responses.add(failed.post("/login", Map.of("email", email, "password", password + "x"), ConsoleClient.csrf(loginPage.body())));
        ConsoleClient browser = new ConsoleClient(port).signIn(email, password);
        String cookie = browser.sessionCookie();
        assertThat(browser.get("/console").status()).isEqualTo(200); // shows the organisation name to its members, by design
        responses.add(browser.get("/console/sessions"));
        responses.add(browser.get("/console/tokens"));
        responses.add(browser.submit("/console/tokens", "/console/tokens", Map.of("name", "no scopes", "expiresInDays", "7")));

        // bearer tokens sent to console pages: refused there, and kept nowhere (no saved request in a session)
        responses.add(api.get("/console", token));
        responses.add(api.get("/console/tokens?x=" + pat, pat));

        // the personal access token in use and misuse
        showingEmails.add(api.get("/api/v1/me", pat));
        showingEmails.add(api.get("/api/v1/users", pat));
        responses.add(api.patch("/api/v1/users/" + patCreated.json().get("id").asString(), Map.of("role", "VIEWER"), pat));
        responses.add(api.get("/api/v1/tokens", pat));
        responses.add(api.get("/api/v1/me", pat + "x"));
        responses.add(api.get("/api/v1/tokens", token));
        responses.add(api.get("/api/v1/sessions", token));
        responses.add(api.post("/api/v1/tokens", Map.of("name", pat, "scopes", List.of("read"), "token", pat), token));
        responses.add(api.post("/api/v1/tokens", Map.of("name", "x", "scopes", List.of(pat), "expiresAt", pat), token));

        // normal use and the error paths, each carrying the canaries
        showingEmails.add(api.get("/api/v1/me", token));
        showingEmails.add(api.get("/api/v1/users", token));
        responses.add(api.post("/api/v1/sessions", Map.of("email", email, "password", password + "x"), null));
        responses.add(api.post("/api/v1/sessions", Map.of("email", "nobody-" + email, "password", password), null));
        responses.add(api.post("/api/v1/signup", Map.of("organization", organization, "email", email, "password", password), null));
        responses.add(api.post("/api/v1/signup", Map.of("organization", organization, "email", "x" + email, "password", password, "token", token), null));
        responses.add(api.post("/api/v1/signup", "{\"organization\":\"" + organization + "\",\"password\":\"" + password + "\"", null));
        responses.add(api.send(api.request("/api/v1/sessions", null).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("password=" + password)).build()));
        responses.add(api.get("/api/v1/me", token + "tampered"));
        responses.add(api.get("/api/v1/users/" + password, token));
        responses.add(api.get("/api/v1/does-not-exist?password=" + password, token));
        responses.add(api.send(api.request("/api/v1/me", null).header("Authorization", "Basic " + password).GET().build()));

        // MFA: the TOTP secret leaves the server once (enrolment), the recovery codes once (confirmation)
        Api.Response enrolment = api.post("/api/v1/mfa/totp", "", token);
        assertThat(enrolment.status()).isEqualTo(201);
        String totpSecret = enrolment.json().get("secret").asString();
        long step = clock.freezeTotpStep();
        Api.Response confirmation = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(totpSecret, step)), token);
        assertThat(confirmation.status()).isEqualTo(200);
        List<String> recoveryCodes = new ArrayList<>();
        confirmation.json().get("recoveryCodes").forEach(c -> recoveryCodes.add(c.asString()));
        String recoveryCode = recoveryCodes.get(0);
        List<String> mfaCanaries = new ArrayList<>(List.of(totpSecret));
        recoveryCodes.forEach(c -> mfaCanaries.addAll(List.of(c, c.replace("-", ""))));

        responses.add(api.post("/api/v1/sessions", Map.of("email", email, "password", password), null));              // mfa_required
        responses.add(api.post("/api/v1/sessions", Map.of("email", email, "password", password, "otp", totpSecret), null));
        responses.add(api.post("/api/v1/sessions", Map.of("email", email, "password", password + "x", "otp", recoveryCode), null));
        Api.Response byRecovery = api.post("/api/v1/sessions", Map.of("email", email, "password", password, "otp", recoveryCode), null);
        assertThat(byRecovery.status()).isEqualTo(201);
        responses.add(byRecovery);
        responses.add(api.post("/api/v1/sessions", Map.of("email", email, "password", password, "otp", recoveryCode), null)); // used
        Api.Response byTotp = api.post("/api/v1/sessions", Map.of("email", email, "password", password,
                "otp", TestTotp.code(totpSecret, step + 1)), null);
        assertThat(byTotp.status()).isEqualTo(201);
        responses.add(byTotp);
        responses.add(api.post("/api/v1/mfa/totp", "", token));                                                     // 409
        responses.add(api.post("/api/v1/mfa/totp/confirm", Map.of("code", totpSecret), token));
        responses.add(api.post("/api/v1/mfa/totp/confirm", Map.of("code", recoveryCodes.get(1)), token));
        responses.add(api.send(api.request("/api/v1/mfa/totp", token).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"code\":\"" + totpSecret + "\"}")).build()));
        responses.add(api.send(api.request("/api/v1/mfa/totp", token).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"code\":\"" + recoveryCodes.get(2) + "x\"}")).build()));
        showingEmails.add(api.get("/api/v1/me", token));
        showingEmails.add(api.get("/api/v1/users", token));
        responses.add(api.get("/api/v1/settings/security", token));
        responses.add(api.get("/api/v1/does-not-exist?otp=" + totpSecret, token));

        // an invitation: the invitee's address, and the token that only the email carries
        String invitee = Api.uniqueEmail("canary-invitee");
        String inviteePassword = "canary-invitee-password-" + tag + "-Kx7";
        Api.Response invited = api.post("/api/v1/users", Map.of("email", invitee, "role", "VIEWER"), token);
        assertThat(invited.status()).isEqualTo(201);
        showingEmails.add(invited);
        String invitationToken = TestMail.token(TestMail.awaitMessageTo(invitee), "cwi_");
        responses.add(api.post("/api/v1/invitations/accept", Map.of("token", invitationToken + "x", "password", inviteePassword), null));
        responses.add(api.post("/api/v1/invitations/accept", Map.of("token", invitationToken.replace("cwi_", "cwr_"),
                "password", inviteePassword), null));
        responses.add(api.post("/api/v1/invitations/accept", Map.of("token", invitationToken, "password", "short"), null));
        Api.Response accepted = api.post("/api/v1/invitations/accept", Map.of("token", invitationToken, "password", inviteePassword), null);
        assertThat(accepted.status()).isEqualTo(200);
        responses.add(accepted);
        responses.add(api.post("/api/v1/invitations/accept", Map.of("token", invitationToken, "password", inviteePassword), null)); // used
        responses.add(new ConsoleClient(port).submit("/invitations/accept", "/invitations/accept",
                Map.of("token", invitationToken, "password", inviteePassword)));
        responses.add(api.post("/api/v1/sessions", Map.of("email", invitee, "password", inviteePassword + "x"), null));
        responses.add(api.post("/api/v1/users", Map.of("email", invitee, "role", "VIEWER"), token));                  // 409
        responses.add(api.post("/api/v1/password-resets", Map.of("email", "x" + invitee), null));

        // a password reset, last: it ends the owner's sessions
        String newPassword = "canary-new-password-" + tag + "-Wm4";
        long mails = TestMail.countTo(email);
        responses.add(api.post("/api/v1/password-resets", Map.of("email", email), null));
        String resetToken = TestMail.awaitNewTokenTo(email, "cwr_", mails);
        responses.add(api.post("/api/v1/password-resets/confirm", Map.of("token", resetToken + "x", "password", newPassword), null));
        responses.add(api.post("/api/v1/password-resets/confirm", Map.of("token", resetToken, "password", "short"), null));
        Api.Response reset = api.post("/api/v1/password-resets/confirm", Map.of("token", resetToken, "password", newPassword), null);
        assertThat(reset.status()).isEqualTo(204);
        responses.add(reset);
        responses.add(api.post("/api/v1/password-resets/confirm", Map.of("token", resetToken, "password", newPassword), null)); // used
        responses.add(new ConsoleClient(port).submit("/password-reset/confirm", "/password-reset/confirm",
                Map.of("token", resetToken, "password", newPassword)));
        Api.Response newSession = api.post("/api/v1/sessions", Map.of("email", email, "password", newPassword,
                "otp", recoveryCodes.get(3)), null);
        assertThat(newSession.status()).as("the new password works").isEqualTo(201);
        // the activity history: its export holds ids only (no address at all), its pages show addresses but no secret
        Api.Response export = api.get("/api/v1/activity/export", newSession.json().get("token").asString());
        assertThat(export.status()).isEqualTo(200);
        assertThat(export.body()).as("the export holds the events above").contains("user.password_reset_completed");
        responses.add(export);
        showingEmails.add(api.get("/api/v1/activity?limit=1000", newSession.json().get("token").asString()));
        responses.add(api.delete("/api/v1/sessions/current", newSession.json().get("token").asString()));
        List<String> emailed = List.of(invitationToken, invitationToken.substring(4), resetToken, resetToken.substring(4),
                newPassword, inviteePassword);
        List<String> emails = List.of(email, invitee, URLEncoder.encode(email, StandardCharsets.UTF_8),
                URLEncoder.encode(invitee, StandardCharsets.UTF_8));

        for (Api.Response r : responses) {
            for (String address : emails) {
                assertThat(r.body()).as("response %d", r.status()).doesNotContain(address);
                r.headers().map().forEach((name, values) -> assertThat(values.toString()).as(name).doesNotContain(address));
            }
        }
        assertThat(showingEmails.get(0).body()).as("the control: an answer that shows the address").contains(email);
        assertThat(invited.body()).contains(invitee);
        responses.addAll(showingEmails);
        for (Api.Response r : responses) {
            for (String canary : emailed) {
                assertThat(r.body()).as("response %d", r.status()).doesNotContain(canary);
                r.headers().map().forEach((name, values) -> assertThat(values.toString()).as(name).doesNotContain(canary));
            }
            assertThat(r.body()).as("response %d", r.status()).doesNotContain(password).doesNotContain(organization).doesNotContain(token)
                    .doesNotContain(tag).doesNotContain(pat).doesNotContain(pat.substring(6)).doesNotContain(cookie);
            r.headers().map().forEach((name, values) -> assertThat(values.toString()).as(name).doesNotContain(password).doesNotContain(token)
                    .doesNotContain(pat));
            for (String canary : mfaCanaries) {
                assertThat(r.body()).as("response %d", r.status()).doesNotContain(canary);
                r.headers().map().forEach((name, values) -> assertThat(values.toString()).as(name).doesNotContain(canary));
            }
        }
        assertThat(enrolment.body()).as("the enrolment answer holds only the secret").doesNotContain(recoveryCode);
        assertThat(confirmation.body()).as("the confirmation answer holds only the codes").doesNotContain(totpSecret);
        org.slf4j.LoggerFactory.getLogger(CanaryTest.class).warn("log capture check {}", tag.length());
        assertThat(output.getAll()).as("the capture sees the server's log lines").contains("log capture check 16");
        assertThat(output.getAll()).as("log output").doesNotContain(password).doesNotContain(organization).doesNotContain(token)
                .doesNotContain(tag).doesNotContain(pat).doesNotContain(pat.substring(6)).doesNotContain(cookie);
        for (String canary : mfaCanaries) {
            assertThat(output.getAll()).as("log output").doesNotContain(canary);
        }
        for (String canary : emailed) {
            assertThat(output.getAll()).as("log output").doesNotContain(canary);
        }
        for (String address : emails) {
            assertThat(output.getAll()).as("log output (emails are redacted by default)").doesNotContain(address);
        }

        String dump = TestDatabase.pgDump();
        for (String canary : emailed) {
            assertThat(dump).as("pg_dump").doesNotContain(canary)
                    .doesNotContain(HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8)));
        }
        // addresses are stored in plaintext by design (users, login_directory): here they only prove the dump is real
        assertThat(dump).contains(email).contains(invitee);
        assertThat(dump).as("the password reset ended the console session: not even its hashed id is left").doesNotContain(storedSessionId(cookie));
        for (String canary : new String[] {password, organization, token, token.substring(4), tag, pat, pat.substring(6), cookie}) {
            assertThat(dump).as("pg_dump").doesNotContain(canary)
                    .doesNotContain(HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(dump).as("the dump holds the MFA tables").contains("user_mfa").contains("mfa_recovery_codes");
        for (String canary : mfaCanaries) {
            assertThat(dump).as("pg_dump").doesNotContain(canary)
                    .doesNotContain(HexFormat.of().formatHex(canary.getBytes(StandardCharsets.US_ASCII)));
        }
        assertThat(dump).as("pg_dump shows bytea in hex").doesNotContain(HexFormat.of().formatHex(TestTotp.base32(totpSecret)));

        java.util.UUID tenantId = java.util.UUID.fromString(responses.get(1).json().get("tenantId").asString());
        assertThat(TestDatabase.count("select count(*) from activity_events where tenant_id = ? and action = 'user.signed_in'", tenantId))
                .as("the control: the canary organisation's history is there to search").isGreaterThanOrEqualTo(3);
        String history = TestDatabase.activityRows();
        List<String> everything = new ArrayList<>(List.of(password, organization, token, token.substring(4), tag, pat, pat.substring(6), cookie,
                storedSessionId(cookie)));
        everything.addAll(mfaCanaries);
        everything.addAll(emailed);
        everything.addAll(emails);
        for (String canary : everything) {
            assertThat(history).as("activity_events").doesNotContain(canary)
                    .doesNotContain(HexFormat.of().formatHex(canary.getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(history).as("activity_events").doesNotContain(HexFormat.of().formatHex(TestTotp.base32(totpSecret)));
    }

    /** Every row of activity_events, every column as text (bytea in hex), as the superuser sees them behind row-level security. */
    private static String storedSessionId(String cookie) throws Exception {
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        sha256.update("cloudwarden:console-session:v1:".getBytes(StandardCharsets.US_ASCII));
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sha256.digest(cookie.getBytes(StandardCharsets.UTF_8)));
    }
}
