package dev.cloudwarden.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A new set of recovery codes, over the API and the console's form: only with MFA on, only with a
 * fresh code from the app, never with an access token or without the CSRF token; the old codes stop
 * working and the new ones work, once each.
 */
class RecoveryCodesTest extends IntegrationTest {

    private static final Pattern RECOVERY = Pattern.compile("<li><code>([a-z2-9-]+)</code></li>");

    record Enrolled(Api.Tenant tenant, String secret, List<String> recoveryCodes) {
    }

    @Test
    void theApiReplacesTheCodesOnlyWithAFreshCodeFromTheApp() throws Exception {
        Api.Tenant withoutMfa = api.signUpAndSignIn("Codes without MFA");
        Api.Response notOn = api.post("/api/v1/mfa/recovery-codes", Map.of("code", "123456"), withoutMfa.token());
        assertThat(notOn.status()).isEqualTo(409);
        assertThat(notOn.json().get("error").asString()).isEqualTo("mfa_not_enabled");

        Enrolled user = enrolled("Codes by API");
        String token = user.tenant().token();
        long step = clock.nextTotpStep();
        for (String bad : new String[] {"", "12345", "abcdef", user.recoveryCodes().get(0), "9".repeat(100)}) {
            Api.Response r = api.post("/api/v1/mfa/recovery-codes", Map.of("code", bad), token);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isEqualTo("validation_failed");
            assertThat(r.json().get("field").asString()).as("names the field").isEqualTo("code");
            assertThat(r.body()).doesNotContain(bad.isEmpty() ? "\u0000" : bad);
        }
        Api.Response wrong = api.post("/api/v1/mfa/recovery-codes", Map.of("code", TestTotp.wrongCode(user.secret(), step)), token);
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.json().get("field").asString()).isEqualTo("code");
        String pat = api.post("/api/v1/tokens", Map.of("name", "ci", "scopes", List.of("write"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), token).json().get("token").asString();
        Api.Response withToken = api.post("/api/v1/mfa/recovery-codes", Map.of("code", TestTotp.code(user.secret(), step)), pat);
        assertThat(withToken.status()).isEqualTo(403);
        assertThat(withToken.json().get("error").asString()).isEqualTo("insufficient_scope");
        assertThat(unused(user)).as("nothing changed").isEqualTo(10);

        Api.Response replaced = api.post("/api/v1/mfa/recovery-codes", Map.of("code", TestTotp.code(user.secret(), step)), token);
        assertThat(replaced.status()).isEqualTo(200);
        List<String> fresh = new ArrayList<>();
        replaced.json().get("recoveryCodes").forEach(c -> fresh.add(c.asString()));
        assertThat(fresh).hasSize(10).doesNotHaveDuplicates().doesNotContainAnyElementsOf(user.recoveryCodes());
        assertThat(api.post("/api/v1/mfa/recovery-codes", Map.of("code", TestTotp.code(user.secret(), step)), token).status())
                .as("the same time step twice").isEqualTo(400);

        Api.Response old = signIn(user, user.recoveryCodes().get(1));
        assertThat(old.status()).as("an old code").isEqualTo(401);
        assertThat(old.json().get("error").asString()).isEqualTo("invalid_otp");
        assertThat(signIn(user, fresh.get(0)).status()).as("a new code").isEqualTo(201);
        assertThat(signIn(user, fresh.get(0)).status()).as("once").isEqualTo(401);
        assertThat(unused(user)).isEqualTo(9);
        assertThat(TestDatabase.count("""
                select count(*) from activity_events where tenant_id = ? and action = 'mfa.recovery_codes_regenerated'
                and details ->> 'replaced' = '10'""", user.tenant().tenantId())).isEqualTo(1);
    }

    @Test
    void theConsoleFormAsksForACodeAndTiesItsErrorToTheField() throws Exception {
        ConsoleClient noMfaBrowser = new ConsoleClient(port);
        Api.Tenant withoutMfa = api.signUpAndSignIn("Console codes without MFA");
        noMfaBrowser.signIn(withoutMfa.email(), Api.PASSWORD);
        assertThat(noMfaBrowser.get("/mfa").body()).doesNotContain("id=\"regenerate-form\"");
        Api.Response notOn = noMfaBrowser.submit("/mfa", "/mfa/recovery-codes", Map.of("code", "123456"));
        assertThat(notOn.status()).isEqualTo(302);
        assertThat(notOn.header("Location")).endsWith("/mfa");

        Enrolled user = enrolled("Console codes");
        ConsoleClient browser = new ConsoleClient(port);
        assertThat(browser.submit("/login", "/login", Map.of("email", user.tenant().email(), "password", Api.PASSWORD)).header("Location"))
                .endsWith("/login/mfa");
        long step = clock.nextTotpStep();
        assertThat(browser.submit("/login/mfa", "/login/mfa", Map.of("code", TestTotp.code(user.secret(), step))).header("Location"))
                .endsWith("/console");

        Api.Response page = browser.get("/mfa");
        assertThat(page.body()).contains("id=\"regenerate-form\"").contains("<span id=\"recovery-codes-left\">10</span>")
                .contains("data-confirm=\"Generate new recovery codes?");
        assertThat(browser.post("/mfa/recovery-codes", Map.of("code", TestTotp.code(user.secret(), clock.nextTotpStep())), null).status())
                .as("no CSRF token").isEqualTo(403);
        assertThat(unused(user)).isEqualTo(10);

        Api.Response wrong = browser.submit("/mfa", "/mfa/recovery-codes", Map.of("code", TestTotp.wrongCode(user.secret(), clock.nextTotpStep())));
        assertThat(wrong.status()).isEqualTo(200);
        String input = wrong.body().substring(wrong.body().indexOf("<input id=\"regenerate-code\""));
        input = input.substring(0, input.indexOf('>'));
        assertThat(input).contains("aria-invalid=\"true\"").contains("aria-describedby=\"regenerate-error\"").contains("autofocus");
        assertThat(wrong.body()).contains("id=\"regenerate-error\"").contains("Your recovery codes have not changed.")
                .contains("<span id=\"recovery-codes-left\">10</span>");
        Api.Response malformed = browser.submit("/mfa", "/mfa/recovery-codes", Map.of("code", "not a code"));
        assertThat(malformed.body()).contains("id=\"regenerate-error\"").doesNotContain("not a code");
        assertThat(unused(user)).isEqualTo(10);
        assertThat(signIn(user, user.recoveryCodes().get(0)).status()).as("the old codes still work").isEqualTo(201);

        Api.Response replaced = browser.submit("/mfa", "/mfa/recovery-codes", Map.of("code", TestTotp.code(user.secret(), clock.nextTotpStep())));
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.header("Cache-Control")).contains("no-store");
        assertThat(replaced.body()).contains("Your new recovery codes").contains("id=\"codes-replaced\"").contains("id=\"download-codes\"");
        List<String> fresh = new ArrayList<>();
        Matcher m = RECOVERY.matcher(replaced.body());
        while (m.find()) {
            fresh.add(m.group(1));
        }
        assertThat(fresh).hasSize(10).doesNotContainAnyElementsOf(user.recoveryCodes());
        assertThat(signIn(user, user.recoveryCodes().get(1)).status()).as("an old code").isEqualTo(401);
        assertThat(signIn(user, fresh.get(3)).status()).isEqualTo(201);
        Api.Response after = browser.get("/mfa");
        assertThat(after.body()).contains("<span id=\"recovery-codes-left\">9</span>").doesNotContain(fresh.get(0));
        assertThat(browser.get("/mfa/recovery-codes").header("Location")).as("the form's address reloaded").endsWith("/mfa");
    }

    private Enrolled enrolled(String organization) {
        Api.Tenant t = api.signUpAndSignIn(organization);
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.nextTotpStep())), t.token());
        assertThat(confirmed.status()).isEqualTo(200);
        List<String> codes = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(n -> codes.add(n.asString()));
        return new Enrolled(t, secret, codes);
    }

    private Api.Response signIn(Enrolled user, String code) {
        return api.post("/api/v1/sessions", Map.of("email", user.tenant().email(), "password", Api.PASSWORD, "otp", code), null);
    }

    private static long unused(Enrolled user) throws Exception {
        return TestDatabase.count("select count(*) from mfa_recovery_codes where user_id = ? and used_at is null", user.tenant().userId());
    }
}
