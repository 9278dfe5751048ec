package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.Browser;
import dev.cloudwarden.support.BrowserTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** A person's own security pages in Chromium: their sessions on two browsers. */
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
}
