package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The console's forms over HTTPS with a cookie-keeping client: CSRF is required, sign-up and sign-in work. */
class ConsoleTest extends IntegrationTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Test
    void signUpThenSignInThroughTheForms() {
        Api browser = new Api(port, true);
        String email = Api.uniqueEmail("console");
        Api.Response signup = submit(browser, "/signup", Map.of("organization", "Console Org", "email", email, "password", Api.PASSWORD));
        assertThat(signup.status()).isEqualTo(302);
        assertThat(signup.header("Location")).endsWith("/signup/check-inbox");
        Api.Response verified = submit(browser, "/verify-email", Map.of("token", TestMail.token(TestMail.awaitMessageTo(email), "cwv_")));
        assertThat(verified.header("Location")).endsWith("/login?verified");

        Api.Response login = submit(browser, "/login", Map.of("email", email, "password", Api.PASSWORD));
        assertThat(login.status()).isEqualTo(302);
        assertThat(login.header("Location")).endsWith("/console");
        String cookie = login.header("Set-Cookie");
        assertThat(cookie).startsWith("__Host-cloudwarden=").contains("Secure").contains("HttpOnly").contains("SameSite=Strict");

        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).isEqualTo(200);
        assertThat(console.body()).contains(email).contains("Owner").contains("Console Org");
    }

    @Test
    void formsWithoutTheCsrfTokenAreRefused() {
        Api browser = new Api(port, true);
        browser.get("/signup", null); // obtains a session, but the token is not sent back
        String email = Api.uniqueEmail("csrf");
        Api.Response signup = browser.send(browser.request("/signup", null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("organization", "X", "email", email, "password", Api.PASSWORD)))).build());
        assertThat(signup.status()).isEqualTo(403);
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null).status())
                .as("no account was created").isEqualTo(401);
    }

    @Test
    void wrongPasswordAndValidationErrorsAreShownWithoutDetails() {
        Api browser = new Api(port, true);
        Api.Response bad = submit(browser, "/signup", Map.of("organization", "X", "email", Api.uniqueEmail("weak"), "password", "password1234"));
        assertThat(bad.status()).isEqualTo(200);
        assertThat(bad.body()).contains("This password appears in a list of breached passwords. Choose another.").doesNotContain("password1234");

        Api.Response login = submit(browser, "/login", Map.of("email", Api.uniqueEmail("nobody"), "password", "whatever-it-is-1"));
        assertThat(login.status()).isEqualTo(302);
        assertThat(login.header("Location")).endsWith("/login?error");
        assertThat(browser.get("/console", null).status()).isEqualTo(302);
    }

    @Test
    void theSecuritySettingsPageTurnsOnTheMfaPolicyWhichSendsEveryoneToEnrolment() {
        Api browser = new Api(port, true);
        String email = Api.uniqueEmail("settings");
        api.signUp("Settings Org", email, Api.PASSWORD);
        assertThat(submit(browser, "/login", Map.of("email", email, "password", Api.PASSWORD)).header("Location")).endsWith("/console");
        Api.Response saved = submit(browser, "/console/settings", Map.of("mfaRequired", "on"));
        assertThat(saved.status()).isEqualTo(302);
        assertThat(saved.header("Location")).endsWith("/console/settings");
        Api.Response console = browser.get("/console", null);
        assertThat(console.status()).isEqualTo(302);
        assertThat(console.header("Location")).endsWith("/mfa");
        String token = api.signIn(email, Api.PASSWORD);
        Api.Response blocked = api.get("/api/v1/settings/security", token);
        assertThat(blocked.status()).as("the policy holds on the API too, for its own author").isEqualTo(403);
        assertThat(blocked.json().get("error").asString()).isEqualTo("mfa_enrollment_required");
    }

    private static Api.Response submit(Api browser, String path, Map<String, String> fields) {
        Api.Response page = browser.get(path, null);
        assertThat(page.status()).isEqualTo(200);
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).as("CSRF token in " + path).isTrue();
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.put("_csrf", m.group(1));
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(all))).build());
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
