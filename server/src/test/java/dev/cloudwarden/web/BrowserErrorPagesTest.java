package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Finding 11 of issue 7: a browser (it asks for text/html) gets the styled error page, with a title
 * and a way back, for every error on a console address; API clients get JSON, and the API answers
 * JSON always; {@code /error} opened directly is an unknown address; the MFA forms' addresses lead
 * back to the MFA page instead of a 405.
 */
class BrowserErrorPagesTest extends IntegrationTest {

    /** What Chromium sends when it opens a page. */
    private static final String BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    private static final Pattern SECRET = Pattern.compile("<code class=\"secret\" id=\"secret\">([A-Z2-7 ]+)</code>");
    private static final Pattern RECOVERY = Pattern.compile("<li><code>([a-z2-9-]+)</code></li>");

    @Test
    void unknownConsoleAddressesAreAPageForBrowsersAndJsonForOthers() {
        Api.Tenant t = api.signUpAndSignIn("Pages");
        Api browser = signedIn(t.email());
        for (String path : List.of("/no/such/page", "/console/nope", "/mfa/nope", "/css/nope.css")) {
            assertPage(get(browser, path, BROWSER), 404, "Not Found");
            Api.Response json = get(browser, path, "application/json");
            assertThat(json.status()).as(path).isEqualTo(404);
            assertThat(json.json().get("error").asString()).isEqualTo("not_found");
            assertThat(get(browser, path, "*/*").header("Content-Type")).as("anything (curl): JSON").startsWith("application/json");
            assertPage(get(browser, path, null), 404, "Not Found"); // no Accept at all: a console address is a page
        }
    }

    @Test
    void errorOpenedDirectlyIsAnUnknownAddressNotA500() {
        Api.Tenant t = api.signUpAndSignIn("Error direct");
        for (Api client : List.of(new Api(port), signedIn(t.email()))) {
            assertPage(get(client, "/error", BROWSER), 404, "Not Found");
            Api.Response json = get(client, "/error", "application/json");
            assertThat(json.status()).isEqualTo(404);
            assertThat(json.json().get("error").asString()).isEqualTo("not_found");
            Api.Response post = client.send(client.request("/error", null).header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(post.status()).as("a POST to /error: %s", post.body()).isIn(403, 404);
        }
    }

    @Test
    void everyConsoleErrorIsAPageWithAWayBack() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Every status");
        Api owner = signedIn(t.email());
        // 405: a form's address opened with GET
        assertPage(get(owner, "/console/users/invite", BROWSER), 405, "Method Not Allowed");
        // 404 raised by a console controller (an unknown user id)
        String csrf = ConsoleClient.csrf(get(owner, "/console/users", BROWSER).body());
        assertPage(post(owner, "/console/users/" + UUID.randomUUID() + "/role", Map.of("role", "ADMIN", "_csrf", csrf)), 404, "Not Found");
        // 403: a role that may not open the page, and a form without its CSRF token
        Api viewer = signedIn(TestUsers.add(t, "VIEWER").email());
        assertPage(get(viewer, "/console/users", BROWSER), 403, "Forbidden");
        assertPage(post(owner, "/console/settings", Map.of("mfaRequired", "on")), 403, "Forbidden");
        // 413 before any filter read the body
        Api.Response tooLarge = owner.send(owner.request("/console/settings", null).header("Accept", BROWSER)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("mfaRequired=" + "a".repeat(70_000))).build());
        assertPage(tooLarge, 413, "Content Too Large");
        assertThat(api.get("/api/v1/settings/security", t.token()).json().get("mfaRequired").asBoolean()).as("nothing changed").isFalse();
    }

    @Test
    void theApiAnswersJsonEvenToABrowser() {
        Api.Tenant t = api.signUpAndSignIn("Api json");
        List<Api.Response> answers = List.of(
                api.send(api.request("/api/v1/nope", t.token()).header("Accept", BROWSER).GET().build()),
                api.send(api.request("/api/v1/me", t.token()).header("Accept", BROWSER).PUT(HttpRequest.BodyPublishers.noBody()).build()),
                api.send(api.request("/api/v1/me", null).header("Accept", BROWSER).GET().build()),
                api.send(api.request("/api/v1/signup", null).header("Accept", BROWSER).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(70_000))).build()),
                // the same addresses spelt with escapes are still the API
                api.send(api.request("/%61pi/v1/me", t.token()).header("Accept", BROWSER).PUT(HttpRequest.BodyPublishers.noBody()).build()),
                api.send(api.request("/%61pi/v1/signup", null).header("Accept", BROWSER).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(70_000))).build()));
        assertThat(answers).extracting(Api.Response::status).containsExactly(404, 405, 401, 413, 405, 413);
        for (Api.Response r : answers) {
            assertThat(r.header("Content-Type")).as(r.body()).startsWith("application/json");
            assertThat(r.json().get("error").asString()).isNotBlank();
            assertThat(r.header("Content-Security-Policy")).contains("default-src 'self'");
        }
        assertThat(answers.get(3).json().get("error").asString()).isEqualTo("payload_too_large");
    }

    @Test
    void afterMfaEnrolmentTheFormAddressesLeadBackToTheMfaPage() {
        Api.Tenant t = api.signUpAndSignIn("Enrol then reload");
        Api browser = signedIn(t.email());
        Api.Response overview = get(browser, "/mfa", BROWSER);
        Api.Response enrol = post(browser, "/mfa/totp", Map.of("_csrf", ConsoleClient.csrf(overview.body())));
        Matcher secret = SECRET.matcher(enrol.body());
        assertThat(secret.find()).isTrue();
        Map<String, String> confirm = Map.of("code", TestTotp.code(secret.group(1).replace(" ", ""), clock.freezeTotpStep()),
                "_csrf", ConsoleClient.csrf(enrol.body()));
        Api.Response confirmed = post(browser, "/mfa/totp/confirm", confirm);
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.header("Cache-Control")).as("the codes are in this answer only: never stored").contains("no-store");
        List<String> codes = RECOVERY.matcher(confirmed.body()).results().map(m -> m.group(1)).toList();
        assertThat(codes).hasSize(10);

        // the address bar now shows the form's address: opening it again (Enter, history) leads to the MFA page
        for (String path : List.of("/mfa/totp/confirm", "/mfa/totp", "/mfa/totp/disable")) {
            Api.Response reopened = get(browser, path, BROWSER);
            assertThat(reopened.status()).as(path).isEqualTo(302);
            assertThat(reopened.header("Location")).as(path).endsWith("/mfa");
        }
        // reloading sends the form again: MFA is already on, so also back to the MFA page, codes not shown again
        Api.Response resent = post(browser, "/mfa/totp/confirm", confirm);
        assertThat(resent.status()).isEqualTo(302);
        assertThat(resent.header("Location")).endsWith("/mfa");
        Api.Response mfa = get(browser, "/mfa", BROWSER);
        assertThat(mfa.status()).isEqualTo(200);
        assertThat(mfa.body()).contains("id=\"disable-form\"").doesNotContain(codes.get(0));
    }

    private static void assertPage(Api.Response r, int status, String reason) {
        String what = status + " page: " + r.status() + " " + r.body();
        assertThat(r.status()).as(what).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(what).startsWith("text/html");
        assertThat(r.body()).as(what).contains("<title>" + status + " " + reason + " · Cloudwarden</title>")
                .contains("<h1 id=\"error-status\">" + status + " " + reason + "</h1>")
                .contains("id=\"way-back\"").contains("href=\"/\"")
                .doesNotContain("Exception").doesNotContain("\"error\"");
        assertThat(r.header("Content-Security-Policy")).as(what).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(r.header("X-Frame-Options")).as(what).isEqualTo("DENY");
        assertThat(r.header("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
        assertThat(r.header("Strict-Transport-Security")).as(what).contains("max-age=31536000");
    }

    private Api signedIn(String email) {
        Api browser = new Api(port, true);
        Api.Response login = post(browser, "/login", Map.of("email", email, "password", Api.PASSWORD,
                "_csrf", ConsoleClient.csrf(browser.get("/login", null).body())));
        assertThat(login.header("Location")).as("signed in as " + email).endsWith("/console");
        return browser;
    }

    private static Api.Response get(Api client, String path, String accept) {
        HttpRequest.Builder request = client.request(path, null).GET();
        return client.send((accept == null ? request : request.header("Accept", accept)).build());
    }

    private static Api.Response post(Api client, String path, Map<String, String> fields) {
        String form = fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return client.send(client.request(path, null).header("Accept", BROWSER).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }
}
