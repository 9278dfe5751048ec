package dev.cloudwarden.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The console's MFA: the code step of signing in, enrolment with a server-made QR code, recovery codes, the policy. */
class MfaConsoleTest extends IntegrationTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern QR = Pattern.compile("<img class=\"qr\" id=\"qr-code\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
    private static final Pattern SECRET = Pattern.compile("<code class=\"secret\" id=\"secret\">([A-Z2-7 ]+)</code>");
    private static final Pattern RECOVERY = Pattern.compile("<li><code>([a-z2-9-]+)</code></li>");
    private static final String SESSION_COOKIE = "__Host-cloudwarden";
    /** ConsoleSecondFactor.MAX_ATTEMPTS: wrong codes before the half-way sign-in is dropped. */
    private static final int MAX_CODE_ATTEMPTS = 5;

    @Test
    void enrolmentShowsAQrCodeOfTheKeyOnceThenTheRecoveryCodesOnce() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Console enrol");
        Api browser = new Api(port, true);
        assertThat(signInWithPassword(browser, t.email()).header("Location")).endsWith("/console");
        assertThat(browser.get("/console", null).body()).as("the first-run step to do").containsPattern("id=\"step-mfa\"[^>]*data-done=\"false\"");

        Api.Response overview = browser.get("/mfa", null);
        assertThat(overview.status()).isEqualTo(200);
        assertThat(overview.body()).contains("id=\"enrol-form\"").doesNotContain("id=\"mfa-enrollment-required\"");
        assertThat(post(browser, "/mfa/totp", Map.of(), null).status()).as("no CSRF token").isEqualTo(403);

        Api.Response enrol = post(browser, "/mfa/totp", Map.of(), csrf(overview));
        assertThat(enrol.status()).isEqualTo(200);
        assertThat(enrol.header("Cache-Control")).contains("no-store");
        String shown = group(SECRET, enrol.body());
        assertThat(shown).as("in groups of four").matches("([A-Z2-7]{4} )+[A-Z2-7]{1,4}");
        String secret = shown.replace(" ", "");
        String qrText = TestTotp.decodeQr(Base64.getDecoder().decode(group(QR, enrol.body())));
        assertThat(qrText).isEqualTo("otpauth://totp/Cloudwarden%3A" + t.email().replace("@", "%40") + "?secret=" + secret
                + "&issuer=Cloudwarden&algorithm=SHA1&digits=6&period=30");

        long step = clock.freezeTotpStep();
        Api.Response wrong = post(browser, "/mfa/totp/confirm", Map.of("code", TestTotp.wrongCode(secret, step)), csrf(enrol));
        assertThat(wrong.status()).isEqualTo(200);
        assertThat(wrong.body()).contains("id=\"enrol-error\"").contains("id=\"restart-form\"").contains("aria-invalid=\"true\"")
                .as("the same key again, to try again without scanning anew").contains(shown).contains("data:image/png");
        for (String bad : new String[] {"", "abcdef", "9".repeat(1024)}) {
            Api.Response r = post(browser, "/mfa/totp/confirm", Map.of("code", bad), csrf(wrong));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("id=\"enrol-error\"").doesNotContain(bad.isEmpty() ? "\u0000" : bad);
        }

        Api.Response confirmed = post(browser, "/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, step)), csrf(wrong));
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.header("Cache-Control")).contains("no-store");
        List<String> codes = all(RECOVERY, confirmed.body());
        assertThat(codes).hasSize(10).doesNotHaveDuplicates();

        assertThat(browser.get("/console", null).body()).as("the session goes on, and knows")
                .containsPattern("id=\"step-mfa\"[^>]*data-done=\"true\"");
        Api.Response on = browser.get("/mfa", null);
        assertThat(on.body()).contains("id=\"disable-form\"").contains("<span id=\"recovery-codes-left\">10</span>")
                .doesNotContain(secret).doesNotContain(codes.get(0));
        Api.Response noCode = api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD), null);
        assertThat(noCode.json().get("error").asString()).isEqualTo("mfa_required");
        assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD, "otp", codes.get(9)), null)
                .status()).as("a recovery code from the page").isEqualTo(201);

        // turning it off in the console takes a valid code too
        Api.Response refused = post(browser, "/mfa/totp/disable", Map.of("code", TestTotp.code(secret, step)), csrf(on));
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body()).contains("id=\"mfa-error\"").contains("id=\"disable-form\"")
                .containsPattern("id=\"code\"[^>]*aria-invalid=\"true\"[^>]*aria-describedby=\"mfa-error\"[^>]*autofocus");
        Api.Response off = post(browser, "/mfa/totp/disable", Map.of("code", codes.get(0)), csrf(refused));
        assertThat(off.status()).isEqualTo(302);
        assertThat(off.header("Location")).endsWith("/mfa?disabled");
        assertThat(browser.get("/mfa", null).body()).contains("id=\"enrol-form\"");
    }

    @Test
    void signingInAsksForTheCodeAfterThePasswordAndRotatesTheSessionId() {
        MfaUser user = enrolledByApi("Console sign-in");
        Api browser = new Api(port, true);
        Api.Response loginPage = browser.get("/login", null);
        String first = sessionId(loginPage);

        Api.Response password = post(browser, "/login", Map.of("email", user.email(), "password", Api.PASSWORD), csrf(loginPage));
        assertThat(password.status()).isEqualTo(302);
        assertThat(password.header("Location")).endsWith("/login/mfa");
        String halfway = sessionId(password);
        assertThat(halfway).isNotNull().isNotEqualTo(first);
        assertThat(browser.get("/console", null).header("Location")).as("not signed in yet").endsWith("/login");
        assertThat(browser.get("/mfa", null).header("Location")).endsWith("/login");

        Api.Response step = browser.get("/login/mfa", null);
        assertThat(step.status()).isEqualTo(200);
        assertThat(step.body()).contains("id=\"mfa-form\"").contains("autocomplete=\"one-time-code\"");
        assertThat(post(browser, "/login/mfa", Map.of("code", "123456"), null).status()).as("no CSRF token").isEqualTo(403);

        long now = clock.freezeTotpStep();
        String wrongCode = TestTotp.wrongCode(user.secret(), now);
        Api.Response wrong = post(browser, "/login/mfa", Map.of("code", wrongCode), csrf(step));
        assertThat(wrong.status()).isEqualTo(200);
        assertThat(wrong.body()).contains("id=\"mfa-error\"").doesNotContain(wrongCode)
                .containsPattern("id=\"code\"[^>]*aria-invalid=\"true\"[^>]*aria-describedby=\"mfa-error\"");
        assertThat(browser.get("/console", null).status()).isEqualTo(302);

        String code = TestTotp.code(user.secret(), now + 1);
        Api.Response right = post(browser, "/login/mfa", Map.of("code", code), csrf(wrong));
        assertThat(right.status()).isEqualTo(302);
        assertThat(right.header("Location")).endsWith("/console");
        String signedIn = sessionId(right);
        assertThat(signedIn).isNotNull().isNotEqualTo(halfway).isNotEqualTo(first);
        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.body()).contains(user.email()).containsPattern("id=\"step-mfa\"[^>]*data-done=\"true\"");

        Api stranger = new Api(port);
        for (String old : new String[] {first, halfway}) {
            Api.Response r = stranger.send(stranger.request("/console", null).header("Cookie", SESSION_COOKIE + "=" + old).GET().build());
            assertThat(r.status()).as("an earlier session id opens nothing").isEqualTo(302);
            assertThat(r.header("Location")).endsWith("/login");
        }
        Api.Response current = stranger.send(stranger.request("/console", null).header("Cookie", SESSION_COOKIE + "=" + signedIn).GET().build());
        assertThat(current.status()).as("the control: the new id is the session").isEqualTo(200);

        // the same code in another browser: used up
        Api other = new Api(port, true);
        Api.Response otherPassword = signInWithPassword(other, user.email());
        assertThat(otherPassword.header("Location")).endsWith("/login/mfa");
        Api.Response replay = post(other, "/login/mfa", Map.of("code", code), csrf(other.get("/login/mfa", null)));
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body()).contains("id=\"mfa-error\"");
        Api.Response recovery = post(other, "/login/mfa", Map.of("code", user.recoveryCodes().get(0)), csrf(replay));
        assertThat(recovery.header("Location")).as("a recovery code works here too").endsWith("/console");
    }

    @Test
    void wrongCodesEndTheAttemptAndThenTheBackOffHolds() {
        MfaUser user = enrolledByApi("Console lockout");
        Api browser = new Api(port, true);
        signInWithPassword(browser, user.email());
        Api.Response page = browser.get("/login/mfa", null);
        long now = clock.freezeTotpStep();
        for (int i = 1; i < MAX_CODE_ATTEMPTS; i++) {
            page = post(browser, "/login/mfa", Map.of("code", TestTotp.wrongCode(user.secret(), now)), csrf(page));
            assertThat(page.status()).isEqualTo(200);
        }
        Api.Response last = post(browser, "/login/mfa", Map.of("code", TestTotp.wrongCode(user.secret(), now)), csrf(page));
        assertThat(last.status()).isEqualTo(302);
        assertThat(last.header("Location")).endsWith("/login?error");
        assertThat(browser.get("/login/mfa", null).header("Location")).as("the half-way state is gone").endsWith("/login");

        signInWithPassword(browser, user.email());
        Api.Response locked = post(browser, "/login/mfa", Map.of("code", TestTotp.code(user.secret(), now + 1)),
                csrf(browser.get("/login/mfa", null)));
        assertThat(locked.header("Location")).as("five wrong codes in a row: even the right one waits").endsWith("/login?locked");
        assertThat(browser.get("/login?locked", null).body()).contains("id=\"login-locked\"");
        assertThat(browser.get("/console", null).status()).isEqualTo(302);
    }

    @Test
    void whenTheTenantRequiresMfaTheConsoleLeadsToEnrolmentFirst() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Console policy");
        String viewer = TestUsers.add(t, "VIEWER").email();
        String operator = TestUsers.add(t, "OPERATOR").email();
        Api early = new Api(port, true);
        signInWithPassword(early, operator);
        assertThat(early.get("/console", null).status()).isEqualTo(200);

        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), t.token()).status()).isEqualTo(200);
        Api.Response confined = early.get("/console", null);
        assertThat(confined.status()).as("a console session from before the policy, from its next request on").isEqualTo(302);
        assertThat(confined.header("Location")).endsWith("/mfa");

        Api browser = new Api(port, true);
        assertThat(signInWithPassword(browser, viewer).header("Location")).endsWith("/console");
        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).isEqualTo(302);
        assertThat(console.header("Location")).endsWith("/mfa");
        Api.Response overview = browser.get("/mfa", null);
        assertThat(overview.status()).isEqualTo(200);
        assertThat(overview.body()).contains("id=\"mfa-enrollment-required\"").doesNotContain("Back to the console");
        assertThat(browser.get("/css/app.css", null).status()).isEqualTo(200);
        assertThat(post(browser, "/mfa/totp/disable", Map.of("code", "123456"), csrf(overview)).header("Location")).endsWith("/mfa");

        Api.Response enrol = post(browser, "/mfa/totp", Map.of(), csrf(overview));
        String secret = group(SECRET, enrol.body()).replace(" ", "");
        Api.Response confirmed = post(browser, "/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), csrf(enrol));
        assertThat(all(RECOVERY, confirmed.body())).hasSize(10);
        assertThat(browser.get("/console", null).status()).as("enrolled: the console opens").isEqualTo(200);
        assertThat(early.get("/console", null).status()).as("the operator still has to enrol").isEqualTo(302);

        Api.Response signOut = post(early, "/logout", Map.of(), csrf(early.get("/mfa", null)));
        assertThat(signOut.header("Location")).as("signing out stays possible").endsWith("/login?signedOut");
    }

    // --- helpers

    record MfaUser(String email, String secret, List<String> recoveryCodes) {
    }

    private MfaUser enrolledByApi(String organization) {
        Api.Tenant t = api.signUpAndSignIn(organization);
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), t.token());
        assertThat(confirmed.status()).isEqualTo(200);
        List<String> codes = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(n -> codes.add(n.asString()));
        return new MfaUser(t.email(), secret, codes);
    }

    private static Api.Response signInWithPassword(Api browser, String email) {
        Api.Response page = browser.get("/login", null);
        Api.Response r = post(browser, "/login", Map.of("email", email, "password", Api.PASSWORD), csrf(page));
        assertThat(r.status()).isEqualTo(302);
        return r;
    }

    private static Api.Response post(Api browser, String path, Map<String, String> fields, String csrf) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        if (csrf != null) {
            all.put("_csrf", csrf);
        }
        String form = all.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static String csrf(Api.Response page) {
        return group(CSRF, page.body());
    }

    private static String group(Pattern pattern, String body) {
        Matcher m = pattern.matcher(body);
        assertThat(m.find()).as(pattern + " in " + body).isTrue();
        return m.group(1);
    }

    private static List<String> all(Pattern pattern, String body) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(body);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** The session id a response set, or null. */
    private static String sessionId(Api.Response r) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(SESSION_COOKIE + "="))
                .map(c -> c.substring(SESSION_COOKIE.length() + 1, c.indexOf(';'))).findFirst().orElse(null);
    }
}
