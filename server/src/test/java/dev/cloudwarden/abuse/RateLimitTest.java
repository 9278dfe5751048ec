package dev.cloudwarden.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Per-address limits through the real server, with small limits of this context only. Each test
 * connects from an address of its own in 127/8, so each has fresh buckets whatever the order.
 */
@TestPropertySource(properties = {
        "cloudwarden.rate-limits.sign-up.requests=3",
        "cloudwarden.rate-limits.sign-up.per=PT1H",
        "cloudwarden.rate-limits.sign-in.requests=4",
        "cloudwarden.rate-limits.sign-in.per=PT1H",
        "cloudwarden.rate-limits.mfa.requests=2",
        "cloudwarden.rate-limits.mfa.per=PT1H",
        "cloudwarden.rate-limits.password-reset.requests=2",
        "cloudwarden.rate-limits.password-reset.per=PT1H",
        "cloudwarden.rate-limits.invitation-accept.requests=2",
        "cloudwarden.rate-limits.invitation-accept.per=PT1H",
        "cloudwarden.rate-limits.invitation-send.requests=2",
        "cloudwarden.rate-limits.invitation-send.per=PT1H",
        "cloudwarden.rate-limits.security-report.requests=5",
        "cloudwarden.rate-limits.security-report.per=PT1H",
        "cloudwarden.rate-limits.trusted-proxies=127.0.0.20"})
class RateLimitTest extends IntegrationTest {

    private static final String LIMITED_BODY =
            "{\"error\":\"rate_limited\",\"message\":\"Too many requests from your address. Try again later.\"}";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Autowired
    MeterRegistry meters;

    @Test
    void theFourthSignUpFromOneAddressIs429WhileOtherEndpointsStillWork() throws Exception {
        Api client = from("127.0.0.11");
        for (int i = 1; i <= 3; i++) {
            assertThat(client.post("/api/v1/signup", signup("Limit " + i), null).status()).isEqualTo(202);
        }

        Api.Response fourth = client.post("/api/v1/signup", signup("Limit 4"), null);
        assertThat(fourth.status()).isEqualTo(429);
        assertThat(fourth.body()).isEqualTo(LIMITED_BODY);
        // greedy refill: one of 3 sign-ups comes back every 20 minutes
        assertThat(Long.parseLong(fourth.header("Retry-After"))).isBetween(1L, 1200L);
        assertThat(fourth.header("Strict-Transport-Security")).as("security headers on a 429 too").isNotNull();

        Api.Response spoofed = client.send(client.request("/api/v1/signup", null).header("Content-Type", "application/json")
                .header("X-Forwarded-For", "203.0.113.77")
                .POST(HttpRequest.BodyPublishers.ofString(Api.JSON.writeValueAsString(signup("Spoofed")))).build());
        assertThat(spoofed.status()).as("X-Forwarded-For from an untrusted peer changes nothing").isEqualTo(429);

        Api browser = from("127.0.0.11", true);
        Api.Response consoleSignup = submit(browser, "/signup", Map.of("organization", "Console", "email", Api.uniqueEmail("c"), "password", Api.PASSWORD));
        assertThat(consoleSignup.status()).as("the console form shares the sign-up limit").isEqualTo(429);
        assertThat(consoleSignup.header("Retry-After")).isNotNull();

        assertThat(client.verifyEmail("cwv_anything").status()).as("verifying shares the sign-up limit").isEqualTo(429);

        // other endpoints, and other addresses, are not affected
        Api.Tenant first = from("127.0.0.16").signUpAndSignIn("Limit elsewhere");
        assertThat(client.signIn(first.email(), Api.PASSWORD)).isNotBlank();
        assertThat(client.get("/api/v1/me", first.token()).status()).isEqualTo(200);
        assertThat(client.get("/api/v1/users", first.token()).status()).isEqualTo(200);
        assertThat(from("127.0.0.12").post("/api/v1/signup", signup("Elsewhere"), null).status()).isEqualTo(202);
    }

    @Test
    void signInIsLimitedBeforeAnyPasswordIsHashed() throws Exception {
        Api.Tenant t = from("127.0.0.13").signUpAndSignIn("Sign-in limit"); // one sign-in from .13
        Api client = from("127.0.0.14");
        for (int i = 0; i < 4; i++) {
            assertThat(client.post("/api/v1/sessions", credentials(t), null).status()).isEqualTo(201);
        }
        double before = verifications();
        Api.Response fifth = client.post("/api/v1/sessions", credentials(t), null);
        assertThat(fifth.status()).isEqualTo(429);
        assertThat(fifth.body()).isEqualTo(LIMITED_BODY);
        assertThat(fifth.header("Retry-After")).isNotNull();
        // a percent-encoded path reaches the same endpoint, and the same limit
        assertThat(client.post("/api/v1/%73essions", credentials(t), null).status()).isEqualTo(429);
        Api browser = from("127.0.0.14", true);
        Api.Response console = submit(browser, "/login", Map.of("email", t.email(), "password", Api.PASSWORD));
        assertThat(console.status()).as("the console form shares the sign-in limit").isEqualTo(429);
        assertThat(console.header("Retry-After")).isNotNull();
        assertThat(console.header("Content-Type")).startsWith("text/html");
        assertThat(verifications()).as("no Argon2id work once limited").isEqualTo(before);
        // the account itself is fine: another address signs in
        assertThat(from("127.0.0.13").signIn(t.email(), Api.PASSWORD)).isNotBlank();
    }

    @Test
    void mfaAndPasswordResetEndpointsAreLimitedAsTheyAppear() throws Exception {
        Api client = from("127.0.0.15");
        for (String path : new String[] {"/api/v1/mfa/totp/confirm", "/api/v1/password-resets"}) {
            for (int i = 0; i < 2; i++) {
                assertThat(client.post(path, Map.of("code", "123456"), null).status()).as(path).isNotEqualTo(429);
            }
            Api.Response third = client.post(path, Map.of("code", "123456"), null);
            assertThat(third.status()).as(path).isEqualTo(429);
            assertThat(third.body()).isEqualTo(LIMITED_BODY);
            assertThat(third.header("Retry-After")).isNotNull();
        }
        assertThat(client.get("/api/v1/mfa/totp", null).status()).as("reads are not limited").isNotEqualTo(429);
    }

    /** Everything that hashes a password, sends mail or checks a code is limited alike on the API and in the console. */
    @Test
    void consoleFormsAndInvitationsAreLimitedLikeTheApi() throws Exception {
        Api.Tenant owner = from("127.0.0.17").signUpAndSignIn("Inviting Org");
        Api inviter = from("127.0.0.18");
        for (int i = 0; i < 2; i++) {
            assertThat(inviter.post("/api/v1/users", Map.of("email", Api.uniqueEmail("invitee"), "role", "VIEWER"), owner.token()).status())
                    .isEqualTo(201);
        }
        Api.Response third = inviter.post("/api/v1/users", Map.of("email", Api.uniqueEmail("invitee"), "role", "VIEWER"), owner.token());
        assertThat(third.status()).as("invitations: mail to addresses the caller picks").isEqualTo(429);
        assertThat(third.body()).isEqualTo(LIMITED_BODY);

        Map<String, Map<String, String>> forms = new LinkedHashMap<>();
        forms.put("/password-reset", Map.of("email", Api.uniqueEmail("reset")));
        forms.put("/password-reset/confirm", Map.of("token", "cwr_x", "password", Api.PASSWORD));
        forms.put("/invitations/accept", Map.of("token", "cwi_x", "password", Api.PASSWORD));
        int address = 30;
        for (Map.Entry<String, Map<String, String>> form : forms.entrySet()) {
            Api browser = from("127.0.0." + address++, true);
            for (int i = 0; i < 2; i++) {
                assertThat(submit(browser, form.getKey(), form.getValue()).status()).as(form.getKey()).isNotEqualTo(429);
            }
            Api.Response limited = submit(browser, form.getKey(), form.getValue());
            assertThat(limited.status()).as(form.getKey()).isEqualTo(429);
            assertThat(limited.header("Retry-After")).isNotNull();
        }
        Api browser = from("127.0.0." + address, true);
        for (int i = 0; i < 2; i++) {
            assertThat(submitWithoutPage(browser, "/login/mfa", "/login", Map.of("code", "123456")).status()).isNotEqualTo(429);
        }
        assertThat(submitWithoutPage(browser, "/login/mfa", "/login", Map.of("code", "123456")).status()).as("the console code step").isEqualTo(429);
    }

    /** Anyone may send a vulnerability report, so one address may send only a few; the API and the form share them. */
    @Test
    void theSixthSecurityReportFromOneAddressInTheWindowIs429() throws Exception {
        Api client = from("127.0.0.40");
        for (int i = 1; i <= 5; i++) {
            assertThat(client.post("/api/v1/security-reports", report(i), null).status()).isEqualTo(202);
        }
        Api.Response sixth = client.post("/api/v1/security-reports", report(6), null);
        assertThat(sixth.status()).isEqualTo(429);
        assertThat(sixth.body()).isEqualTo(LIMITED_BODY);
        assertThat(sixth.header("Retry-After")).isNotNull();

        Api browser = from("127.0.0.40", true);
        Api.Response form = submit(browser, "/security/report", Map.of("title", "By the form", "description", "Limited too"));
        assertThat(form.status()).as("the console form shares the limit").isEqualTo(429);
        assertThat(from("127.0.0.40").get("/security/report", null).status()).as("the form itself still opens").isEqualTo(200);

        assertThat(from("127.0.0.41").post("/api/v1/security-reports", report(7), null).status()).as("another address").isEqualTo(202);
    }

    private static Map<String, String> report(int n) {
        return Map.of("title", "Rate-limited report " + n, "description", "Report number " + n);
    }

    @Test
    void behindATrustedProxyEachForwardedClientHasItsOwnLimit() throws Exception {
        Api proxy = from("127.0.0.20");
        for (int i = 0; i < 3; i++) {
            assertThat(signUpAs(proxy, "198.51.100.1").status()).isEqualTo(202);
        }
        assertThat(signUpAs(proxy, "198.51.100.1").status()).isEqualTo(429);
        assertThat(signUpAs(proxy, "203.0.113.50, 198.51.100.1").status()).as("the left part is the client's own writing").isEqualTo(429);
        assertThat(signUpAs(proxy, "198.51.100.2").status()).isEqualTo(202);
        assertThat(signUpAs(proxy, null).status()).as("the proxy's own address").isEqualTo(202);
    }

    private Api.Response signUpAs(Api proxy, String forwardedFor) {
        HttpRequest.Builder request = proxy.request("/api/v1/signup", null).header("Content-Type", "application/json");
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return proxy.send(request.POST(HttpRequest.BodyPublishers.ofString(Api.JSON.writeValueAsString(signup("Forwarded")))).build());
    }

    private Api from(String address) throws UnknownHostException {
        return from(address, false);
    }

    private Api from(String address, boolean cookies) throws UnknownHostException {
        return new Api(port, cookies, InetAddress.getByName(address));
    }

    private static Map<String, String> signup(String organization) {
        return Map.of("organization", organization, "email", Api.uniqueEmail("limit"), "password", Api.PASSWORD);
    }

    private static Map<String, String> credentials(Api.Tenant t) {
        return Map.of("email", t.email(), "password", Api.PASSWORD);
    }

    private double verifications() {
        return meters.get("cloudwarden.password.verifications").counter().count();
    }

    private static Api.Response submit(Api browser, String path, Map<String, String> fields) {
        return submitWithoutPage(browser, path, path, fields);
    }

    /** Posts a form to {@code path} with the CSRF token of the page at {@code page}. */
    private static Api.Response submitWithoutPage(Api browser, String path, String page, Map<String, String> fields) {
        Api.Response pageResponse = browser.get(page, null);
        Matcher m = CSRF.matcher(pageResponse.body());
        assertThat(m.find()).as("CSRF token in " + page).isTrue();
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.put("_csrf", m.group(1));
        String form = all.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return browser.send(browser.request(path, null).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "text/html").POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }
}
