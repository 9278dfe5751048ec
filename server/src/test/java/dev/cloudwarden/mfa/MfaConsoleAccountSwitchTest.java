package dev.cloudwarden.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestTotp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Finding 8 of issue 7: a browser signed in as one account that goes through the sign-in of another
 * account with MFA (in another organisation) gets clean answers, never a 500, and ends up signed in
 * as the second account only after its code.
 */
class MfaConsoleAccountSwitchTest extends IntegrationTest {

    @Test
    void signingInAsAnAccountWithMfaWhileSignedInAsAnotherEndsInTheSecondAccount() {
        Api.Tenant first = api.signUpAndSignIn("Switch first");
        Enrolled second = enrolledByApi("Switch second");
        ConsoleClient browser = new ConsoleClient(port).signIn(first.email(), Api.PASSWORD);
        assertThat(browser.get("/console").body()).contains(first.email());

        // the console shows no sign-in form to someone signed in, but a form posted anyway (another tab, a script) is heard
        assertThat(browser.get("/login").header("Location")).endsWith("/console");
        Api.Response password = browser.submit("/console", "/login", Map.of("email", second.email(), "password", Api.PASSWORD));
        assertThat(password.status()).isEqualTo(302);
        assertThat(password.header("Location")).endsWith("/login/mfa");
        Api.Response console = browser.get("/console");
        assertThat(console.status()).as("half-way into the second account, the browser is no longer the first's").isEqualTo(302);
        assertThat(console.header("Location")).endsWith("/login");

        Api.Response code = browser.submit("/login/mfa", "/login/mfa", Map.of("code", second.recoveryCodes().get(0)));
        assertThat(code.status()).isEqualTo(302);
        assertThat(code.header("Location")).endsWith("/console");
        String page = browser.get("/console").body();
        assertThat(page).contains(second.email()).doesNotContain(first.email());
    }

    @Test
    void aCodeStepLeftPendingUnderAnotherSignInStillEndsCleanly() {
        Api.Tenant first = api.signUpAndSignIn("Pending first");
        Enrolled second = enrolledByApi("Pending second");
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response password = browser.submit("/login", "/login", Map.of("email", second.email(), "password", Api.PASSWORD));
        assertThat(password.header("Location")).endsWith("/login/mfa");
        String codeForm = browser.get("/login/mfa").body();
        // the first account signs in with its password alone in the same browser, the code step still pending
        browser.signIn(first.email(), Api.PASSWORD);
        assertThat(browser.get("/console").body()).contains(first.email());

        Api.Response code = browser.post("/login/mfa", Map.of("code", second.recoveryCodes().get(0)),
                ConsoleClient.csrf(browser.get("/console").body()));
        assertThat(code.status()).as("%s", code.body()).isEqualTo(302);
        assertThat(code.header("Location")).endsWith("/console");
        assertThat(browser.get("/console").body()).contains(second.email()).doesNotContain(first.email());
        assertThat(codeForm).contains("id=\"mfa-form\"");
    }

    record Enrolled(String email, List<String> recoveryCodes) {
    }

    private Enrolled enrolledByApi(String organization) {
        Api.Tenant t = api.signUpAndSignIn(organization);
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), t.token());
        assertThat(confirmed.status()).isEqualTo(200);
        List<String> codes = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(n -> codes.add(n.asString()));
        return new Enrolled(t.email(), codes);
    }
}
