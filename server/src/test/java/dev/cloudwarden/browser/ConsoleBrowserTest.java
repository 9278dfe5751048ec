package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import org.junit.jupiter.api.Test;

/** The console in a real headless Chromium: what a new user does first, end to end. */
class ConsoleBrowserTest extends BrowserTest {

    @Test
    void signUpSignInInviteAcceptAndAViewerIsDeniedTheAdminForm() {
        String ownerEmail = Api.uniqueEmail("browser-owner");
        browser.open("/signup");
        browser.type("#organization", "Browser Org");
        browser.type("#email", ownerEmail);
        browser.type("#password", Api.PASSWORD);
        browser.submit("#signup-form");
        assertThat(browser.path()).isEqualTo("/signup/check-inbox");
        assertThat(browser.text()).contains("Check your inbox");
        // the emailed link: its code rides in the fragment, which the page moves into the form
        String verification = TestMail.token(TestMail.awaitMessageTo(ownerEmail), "cwv_");
        browser.open("/verify-email", verification);
        assertThat(browser.find("#token").getAttribute("value")).isEqualTo(verification);
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(verification);
        browser.submit("#verify-form");
        assertThat(browser.path()).isEqualTo("/login");
        assertThat(browser.text()).contains("Your email is confirmed");

        signIn(ownerEmail);
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(browser.find("#organization").getText()).isEqualTo("Browser Org");
        assertThat(browser.find("#signed-in-as").getText()).contains(ownerEmail).contains("Owner");
        browser.screenshot("console-owner");

        String viewerEmail = Api.uniqueEmail("browser-viewer");
        browser.clickAndWait("#manage-users");
        assertThat(browser.path()).isEqualTo("/console/users");
        browser.type("#invite-email", viewerEmail);
        new org.openqa.selenium.support.ui.Select(browser.find("#invite-role")).selectByValue("VIEWER");
        browser.submit("#invite-form");
        assertThat(browser.find("#notice").getText()).isEqualTo("Invitation sent to " + viewerEmail + ".");
        assertThat(browser.find("#invitations").getText()).contains(viewerEmail).contains("Viewer").contains(ownerEmail);
        assertThat(browser.find("#users").getText()).as("not a member until they accept").doesNotContain(viewerEmail);
        browser.screenshot("console-users");
        browser.open("/console");
        browser.signOut();
        assertThat(browser.text()).contains("You are signed out");

        // the emailed link carries its code after '#': the page moves it into the form and out of the address bar,
        // and goes on to say what the invitation is for
        String token = TestMail.token(TestMail.awaitMessageTo(viewerEmail), "cwi_");
        browser.open("/invitations/accept", token);
        assertThat(browser.find("#invitation-summary").getText()).isEqualTo(ownerEmail + " invited you to join Browser Org as Viewer.");
        assertThat(browser.find("#token").getAttribute("value")).isEqualTo(token);
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(token);
        browser.type("#password", Api.PASSWORD);
        browser.submit("#accept-form");
        assertThat(browser.text()).contains("Welcome aboard");

        signIn(viewerEmail);
        assertThat(browser.find("#signed-in-as").getText()).contains("Viewer");
        assertThat(browser.driver().findElements(org.openqa.selenium.By.id("manage-users"))).as("no admin link for a VIEWER").isEmpty();
        browser.open("/console/users");
        assertThat(browser.find("h1").getText()).isEqualTo("403 Forbidden");
        assertThat(browser.text()).doesNotContain(ownerEmail);
        browser.screenshot("console-viewer-denied");

        // back as the owner: promote, then disable the new user from the users page
        browser.open("/console");
        browser.signOut();
        signIn(ownerEmail);
        browser.open("/console/users");
        String row = "tr[data-email='" + viewerEmail + "']";
        new org.openqa.selenium.support.ui.Select(browser.find(row + " select")).selectByValue("OPERATOR");
        browser.clickAndWait(row + " form[action$='/role'] button");
        assertThat(browser.find("#notice").getText()).isEqualTo(viewerEmail + " is now Operator.");
        assertThat(new org.openqa.selenium.support.ui.Select(browser.find(row + " select")).getFirstSelectedOption().getText()).isEqualTo("Operator");
        // disabling asks first, naming the person; "no" sends nothing
        assertThat(browser.confirm(row + " form[action$='/disable'] button", false)).contains("Disable " + viewerEmail + "?");
        assertThat(browser.find(row).getText()).contains("Active");
        browser.confirm(row + " form[action$='/disable'] button", true);
        assertThat(browser.find("#notice").getText()).isEqualTo(viewerEmail + " is disabled and signed out everywhere.");
        assertThat(browser.find(row).getText()).contains("Disabled");
        assertThat(api.post("/api/v1/sessions", java.util.Map.of("email", viewerEmail, "password", Api.PASSWORD), null).status()).isEqualTo(401);
    }

    @Test
    void enrolMfaFromTheQrCodeThenSignInWithACode() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("MFA Browser Org");
        signIn(t.email());
        browser.open("/mfa");
        browser.submit("#enrol-form");
        String src = browser.find("#qr-code").getAttribute("src");
        assertThat(src).startsWith("data:image/png;base64,");
        String uri = TestTotp.decodeQr(java.util.Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1)));
        assertThat(uri).startsWith("otpauth://totp/Cloudwarden").contains("issuer=Cloudwarden");
        String secret = java.net.URI.create(uri).getQuery().replaceAll(".*secret=([A-Z2-7]+).*", "$1");
        browser.find("#manual-key summary").click(); // "Unable to scan?"
        assertThat(browser.find("#secret").getText()).matches("([A-Z2-7]{4} )+[A-Z2-7]{1,4}");
        assertThat(browser.find("#secret").getText().replace(" ", "")).isEqualTo(secret);
        browser.screenshot("mfa-enrol");

        long step = clock.freezeTotpStep();
        browser.type("#code", TestTotp.code(secret, step - 1));
        browser.submit("#confirm-form");
        assertThat(browser.find("#recovery-codes").findElements(org.openqa.selenium.By.tagName("li"))).hasSize(10);
        browser.clickAndWait("#continue");
        assertThat(browser.find("#signed-in-as").getText()).contains(t.email());
        browser.signOut();

        signIn(t.email());
        assertThat(browser.path()).isEqualTo("/login/mfa");
        browser.type("#code", "000000");
        browser.submit("#mfa-form");
        assertThat(browser.find("#mfa-error").isDisplayed()).isTrue();
        browser.type("#code", TestTotp.code(secret, step));
        browser.submit("#mfa-form");
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(browser.find("#step-mfa").getAttribute("data-done")).as("the first-run step is done").isEqualTo("true");
        browser.screenshot("mfa-signed-in");
    }

    @Test
    void aWrongPasswordShowsOneNeutralMessage() {
        browser.open("/login");
        browser.type("#email", Api.uniqueEmail("nobody"));
        browser.type("#password", "not-the-password-123");
        browser.submit("#login-form");
        assertThat(browser.find("#login-error").getText()).isEqualTo("Invalid email or password.");
        browser.open("/console");
        assertThat(browser.path()).isEqualTo("/login");
    }

    @Test
    void unknownAddressesAndFormAddressesOpenPagesNotJson() {
        Api.Tenant t = api.signUpAndSignIn("Pages Browser Org");
        signIn(t.email());
        browser.open("/console/nope");
        assertThat(browser.find("h1").getText()).isEqualTo("404 Not Found");
        assertThat(browser.driver().getTitle()).isEqualTo("404 Not Found · Cloudwarden");
        browser.screenshot("error-page-404");
        browser.clickAndWait("#way-back");
        assertThat(browser.path()).isEqualTo("/console");
        browser.open("/error");
        assertThat(browser.find("h1").getText()).isEqualTo("404 Not Found");
        // a form's address in the address bar (after enrolling, say) opens its page instead of a 405
        browser.open("/mfa/totp/confirm");
        assertThat(browser.path()).isEqualTo("/mfa");
        assertThat(browser.find("h1").getText()).isNotBlank();
    }

}
