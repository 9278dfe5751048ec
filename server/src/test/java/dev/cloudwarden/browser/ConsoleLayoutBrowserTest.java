package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console's shared layout and its first forms in a real Chromium, as the walk-through of the console
 * found them wanting: one navigation that marks the current page, a skip link, an account menu holding
 * sign-out, nothing off-screen at phone width, a sign-in form that keeps the email, and an MFA set-up that
 * keeps its QR code after a wrong code.
 */
class ConsoleLayoutBrowserTest extends BrowserTest {

    private Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser.driver()).executeScript(js, args);
    }

    @Test
    void oneNavigationMarksTheCurrentPageASkipLinkLeadsToTheContentAndSignOutIsInTheAccountMenu() {
        Api.Tenant t = api.signUpAndSignIn("Layout Org");
        signIn(t.email(), Api.PASSWORD);
        browser.open("/console/agents");
        assertThat(browser.find("#nav-agents").getAttribute("aria-current")).isEqualTo("page");
        assertThat(browser.find("#nav-jobs").getAttribute("aria-current")).isNull();
        assertThat(browser.find("#nav-overview").getAttribute("aria-current")).isNull();
        assertThat(browser.driver().findElements(By.cssSelector("main nav"))).as("no second menu in the content").isEmpty();

        // the first Tab reaches the skip link, which moves the focus past the header
        browser.find("body").sendKeys(Keys.TAB);
        WebElement focused = browser.driver().switchTo().activeElement();
        assertThat(focused.getAttribute("class")).isEqualTo("skip-link");
        assertThat(focused.isDisplayed()).as("visible when focused").isTrue();
        focused.sendKeys(Keys.ENTER);
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).isEqualTo("content");

        // sign-out is in the account menu (which does not show the email on every page)
        assertThat(browser.find("#sign-out").isDisplayed()).as("closed menu").isFalse();
        assertThat(browser.find("#user-menu summary").getText()).isEqualTo("Account");
        browser.find("#user-menu summary").click();
        assertThat(browser.find("#nav-tokens").isDisplayed()).isTrue();
        browser.screenshot("layout-account-menu");
        browser.signOut();
        assertThat(browser.text()).contains("You are signed out");

        // the icon is served, and nothing the pages load breaks the policy
        assertThat(browser.find("link[rel=icon]").getAttribute("href")).endsWith("/favicon.svg");
        Api.Response icon = api.get("/favicon.svg", null);
        assertThat(icon.status()).isEqualTo(200);
        assertThat(icon.header("Content-Type")).startsWith("image/svg+xml");
        assertThat(browser.consoleMessages()).noneMatch(m -> m.contains("Content Security Policy") || m.contains("SEVERE"));
    }

    @Test
    void atPhoneWidthEveryTableKeepsItsButtonsOnScreen() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Phone Width Org");
        TestUsers.add(t, "VIEWER");
        api.post("/api/v1/agents/enrollment-tokens", "", t.token());
        browser.driver().manage().window().setSize(new Dimension(390, 844));
        signIn(t.email(), Api.PASSWORD);
        for (String page : List.of("/console", "/console/users", "/console/sessions", "/console/tokens", "/console/agents", "/console/jobs",
                "/console/cloud-accounts", "/console/activity")) {
            browser.open(page);
            browser.find("main h1");
            long viewport = ((Number) script("return document.documentElement.clientWidth")).longValue();
            long scrolled = ((Number) script("return document.documentElement.scrollWidth")).longValue();
            assertThat(scrolled).as(page + ": nothing wider than the screen").isLessThanOrEqualTo(viewport);
            for (WebElement button : browser.driver().findElements(By.cssSelector("main button, main select, main input"))) {
                if (button.isDisplayed()) {
                    long right = ((Number) script("return arguments[0].getBoundingClientRect().right", button)).longValue();
                    assertThat(right).as(page + ": " + button.getText()).isLessThanOrEqualTo(viewport);
                }
            }
            browser.screenshot("phone" + page.replace('/', '-'));
        }
    }

    @Test
    void aWrongPasswordKeepsTheEmailAndSomeoneSignedInSkipsTheForms() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Sign-in Form Org");
        signIn(t.email(), "not-the-password-123");
        assertThat(browser.find("#login-error").getText()).isNotBlank();
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(t.email());
        assertThat(browser.find("#password").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).as("straight to the password").isEqualTo("password");
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/console");
        for (String form : List.of("/login", "/signup")) {
            browser.open(form);
            assertThat(browser.path()).as(form).isEqualTo("/console");
        }
    }

    @Test
    void aPageOpenedBeforeSigningInIsWhereSignInLeadsEvenThroughAWrongPasswordAndTheCodeStep() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Deep Link Org");
        browser.open("/console/agents");
        assertThat(browser.path()).isEqualTo("/login");
        assertThat(browser.driver().getCurrentUrl()).endsWith("?next=%2Fconsole%2Fagents");
        browser.type("#email", t.email());
        browser.type("#password", "not-the-password-123");
        browser.submit("#login-form");
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/console/agents");
        browser.signOut();
        // only a console page: anything else leads to the console
        for (String elsewhere : List.of("https://evil.example.com/", "//evil.example.com/console/x", "/console/../ops", "/console/a?b=c")) {
            browser.open("/login?next=" + java.net.URLEncoder.encode(elsewhere, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(browser.driver().findElements(By.cssSelector("input[name=next]"))).as(elsewhere).isEmpty();
        }
        // with MFA on, through the code step
        long step = clock.freezeTotpStep();
        String secret = api.post("/api/v1/mfa/totp", "", t.token()).json().get("secret").asString();
        assertThat(api.post("/api/v1/mfa/totp/confirm", java.util.Map.of("code", TestTotp.code(secret, step - 1)), t.token()).status())
                .isEqualTo(200);
        browser.open("/console/jobs");
        browser.type("#email", t.email());
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/login/mfa");
        browser.type("#code", TestTotp.code(secret, step));
        browser.submit("#mfa-form");
        assertThat(browser.path()).isEqualTo("/console/jobs");
    }

    @Test
    void timesReadInTheReadersOwnZoneToTheMinuteWithUtcAtHand() {
        Api.Tenant t = api.signUpAndSignIn("Time Zone Org");
        ((org.openqa.selenium.chromium.ChromiumDriver) browser.driver()).executeCdpCommand("Emulation.setTimezoneOverride",
                java.util.Map.of("timezoneId", "Asia/Tokyo"));
        signIn(t.email());
        browser.open("/console/sessions");
        List<WebElement> times = browser.driver().findElements(By.cssSelector("#sessions time"));
        assertThat(times).isNotEmpty();
        for (WebElement time : times) {
            java.time.Instant when = java.time.Instant.parse(time.getAttribute("datetime"));
            assertThat(time.getAttribute("datetime")).as("to the second, in UTC").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(time.getAttribute("title")).as("the UTC text at hand")
                    .isEqualTo(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(java.time.ZoneOffset.UTC).format(when));
            // the browser's locale (en-US here) writes a 12-hour clock
            String tokyo = java.time.format.DateTimeFormatter.ofPattern("hh:mm").withZone(java.time.ZoneId.of("Asia/Tokyo")).format(when);
            assertThat(time.getText()).as("in the reader's zone").contains("GMT+9").contains(tokyo);
        }
    }

    @Test
    void aWrongFirstCodeKeepsTheQrCodeAndTheKeyOnScreen() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("MFA Retry Org");
        signIn(t.email(), Api.PASSWORD);
        browser.open("/mfa");
        browser.submit("#enrol-form");
        String qr = browser.find("#qr-code").getAttribute("src");
        browser.find("#manual-key summary").click();
        String secret = browser.find("#secret").getText().replace(" ", "");
        long step = clock.freezeTotpStep();
        browser.type("#code", TestTotp.wrongCode(secret, step));
        browser.submit("#confirm-form");
        assertThat(browser.find("#enrol-error").getText()).contains("did not work");
        assertThat(browser.find("#qr-code").getAttribute("src")).as("the same QR code").isEqualTo(qr);
        assertThat(browser.find("#secret").isDisplayed()).as("the key, opened").isTrue();
        assertThat(browser.find("#code").getAttribute("aria-invalid")).isEqualTo("true");
        browser.screenshot("mfa-wrong-code");
        browser.type("#code", TestTotp.code(secret, step));
        browser.submit("#confirm-form");
        List<String> codes = browser.find("#recovery-codes").findElements(By.tagName("li")).stream().map(WebElement::getText).toList();
        assertThat(codes).hasSize(10);
        // the codes can be copied, downloaded as a file and printed, without leaving the page
        String download = browser.find("#download-codes").getAttribute("href");
        assertThat(download).startsWith("data:text/plain");
        assertThat(java.net.URLDecoder.decode(download.substring(download.indexOf(',') + 1), java.nio.charset.StandardCharsets.UTF_8))
                .contains(codes.toArray(String[]::new));
        assertThat(browser.find("#download-codes").getAttribute("download")).isEqualTo("cloudwarden-recovery-codes.txt");
        assertThat(browser.find("button.copy").isDisplayed()).isTrue();
        assertThat(browser.find("#print-codes").isDisplayed()).isTrue();
        browser.screenshot("mfa-recovery-codes");
    }
}
