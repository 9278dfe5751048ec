package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.Browser;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestTotp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** A person's own security pages in Chromium: their sessions on two browsers, and a new set of recovery codes. */
class AccountSecurityBrowserTest extends BrowserTest {

    private static final String FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

    @Test
    void signingOutEverywhereElseEndsTheOtherBrowserAndKeepsThisOne() {
        Api.Tenant t = api.signUpAndSignIn("Two browsers");
        try (Browser other = new Browser(port, "--user-agent=" + FIREFOX_ON_WINDOWS)) {
            other.open("/login");
            other.type("#email", t.email());
            other.type("#password", Api.PASSWORD);
            other.submit("#login-form");
            assertThat(other.path()).isEqualTo("/console");
            signIn(t.email());

            browser.open("/console/sessions");
            List<WebElement> rows = browser.find("#sessions").findElements(By.cssSelector("tbody tr"));
            assertThat(rows).as("the API sign-up's session and the two browsers").hasSize(3);
            WebElement mine = browser.find("#sessions tbody tr:first-child");
            assertThat(mine.getAttribute("class")).as("this session first").contains("current-session");
            assertThat(mine.findElement(By.className("device")).getText()).matches("Chrome [0-9]+ on Linux");
            assertThat(mine.getText()).contains("This session");
            // Chromium reaches localhost over IPv6 or IPv4, whichever the machine answers first
            String address = mine.findElement(By.className("address")).getText();
            assertThat(address).isIn("127.0.0.1", "::1");
            assertThat(mine.findElements(By.tagName("button"))).as("signing out is in the account menu").isEmpty();
            assertThat(mine.findElements(By.cssSelector("time[data-local]"))).as("signed in, last active, ends").hasSize(3);
            WebElement firefox = rows.stream().filter(r -> r.getText().contains("Firefox 133 on Windows")).findFirst().orElseThrow();
            assertThat(firefox.getText()).doesNotContain("This session");
            assertThat(firefox.findElement(By.tagName("button")).getAttribute("aria-label"))
                    .isEqualTo("End the session of Firefox 133 on Windows from " + address);
            browser.screenshot("sessions-two-browsers");

            assertThat(browser.confirm("#sign-out-others button", false)).startsWith("Sign out everywhere else?");
            assertThat(other.path()).isEqualTo("/console");
            other.open("/console");
            assertThat(other.path()).as("no: nothing ended").isEqualTo("/console");

            browser.confirm("#sign-out-others button", true);
            assertThat(browser.find("#notice").getText()).isEqualTo("Signed out everywhere else: 2 other sessions ended.");
            assertThat(browser.find("#sessions").findElements(By.cssSelector("tbody tr"))).hasSize(1);
            assertThat(browser.driver().findElements(By.id("sign-out-others"))).as("nothing else to sign out").isEmpty();

            other.open("/console");
            assertThat(other.path()).as("the other browser is signed out").isEqualTo("/login");
            assertThat(api.get("/api/v1/me", t.token()).status()).as("and the API session").isEqualTo(401);
            browser.open("/console");
            assertThat(browser.path()).as("this one stays").isEqualTo("/console");
        }
    }

    @Test
    void newRecoveryCodesTakeACodeFromTheAppAndTheOldOnesStopWorking() {
        Api.Tenant t = api.signUpAndSignIn("New recovery codes");
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.nextTotpStep())), t.token());
        List<String> old = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(c -> old.add(c.asString()));
        signIn(t.email());
        browser.type("#code", TestTotp.code(secret, clock.nextTotpStep()));
        browser.submit("#mfa-form");
        assertThat(browser.path()).isEqualTo("/console");

        browser.open("/mfa");
        assertThat(browser.find("#recovery-codes-left").getText()).isEqualTo("10");
        browser.type("#regenerate-code", TestTotp.wrongCode(secret, clock.nextTotpStep()));
        assertThat(browser.confirm("#regenerate-form button[type=submit]", true)).startsWith("Generate new recovery codes?");
        WebElement field = browser.find("#regenerate-code");
        assertThat(field.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(field.getAttribute("aria-describedby")).isEqualTo("regenerate-error");
        assertThat(browser.find("#regenerate-error").getText()).contains("That code did not work").contains("have not changed");
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).as("the focus is on the field").isEqualTo("regenerate-code");
        assertThat(browser.find("#recovery-codes-left").getText()).isEqualTo("10");
        browser.screenshot("mfa-regenerate-wrong-code");

        browser.type("#regenerate-code", TestTotp.code(secret, clock.nextTotpStep()));
        browser.confirm("#regenerate-form button[type=submit]", true);
        assertThat(browser.find("h1").getText()).isEqualTo("Your new recovery codes");
        List<String> fresh = browser.find("#recovery-codes").findElements(By.tagName("li")).stream().map(WebElement::getText).toList();
        assertThat(fresh).hasSize(10).doesNotContainAnyElementsOf(old);
        for (String button : List.of("button.copy", "#download-codes", "#print-codes")) {
            assertThat(browser.find(button).isDisplayed()).as(button).isTrue();
        }
        browser.screenshot("mfa-new-recovery-codes");
        browser.clickAndWait("#continue");
        assertThat(browser.path()).isEqualTo("/mfa");
        assertThat(browser.find("#recovery-codes-left").getText()).isEqualTo("10");
        browser.signOut();

        signIn(t.email());
        browser.type("#code", old.get(0));
        browser.submit("#mfa-form");
        assertThat(browser.path()).as("an old code").isEqualTo("/login/mfa");
        assertThat(browser.find("#mfa-error").isDisplayed()).isTrue();
        browser.type("#code", fresh.get(0));
        browser.submit("#mfa-form");
        assertThat(browser.path()).as("a new one").isEqualTo("/console");
        browser.open("/mfa");
        assertThat(browser.find("#recovery-codes-left").getText()).isEqualTo("9");
    }
}
