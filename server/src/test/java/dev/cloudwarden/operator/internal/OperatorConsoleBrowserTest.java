package dev.cloudwarden.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestTotp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The operators' console in a real headless Chromium: enrolment from the printed link (QR code and key,
 * password and code), sign-in with TOTP, an access request by support, its approval by a platform
 * administrator and the tenant's own approval with customer approval on, the read under the grant, and
 * the tenant's page of platform access.
 */
class OperatorConsoleBrowserTest extends BrowserTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    Operators operators;

    /** Operator sign-in moves the clock a TOTP step each time: the next test starts from the wall clock again. */
    @AfterEach
    void wallClock() {
        clock.reset();
    }

    private void signIn(TestOperators.Operator operator) {
        browser.open("/ops/login");
        browser.type("#email", operator.email());
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#otp", TestTotp.code(operator.secret(), clock.nextTotpStep()));
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/ops");
    }

    private void signOut() {
        browser.submit("#logout-form");
        assertThat(browser.path()).isEqualTo("/ops/login");
    }

    @Test
    void enrolSignInWithACodeRequestApproveAndReadWithTheTenantsApproval() {
        // the tenant, with customer approval on, in its own console
        Api.Tenant tenant = api.signUpAndSignIn("Lockbox Browser Org");
        browser.open("/login");
        browser.type("#email", tenant.email());
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        browser.open("/console/platform-access");
        assertThat(browser.text()).contains("No operator has asked for access");
        browser.find("#customer-approval").click();
        browser.submit("#lockbox-form");
        assertThat(browser.find("#notice").getText()).contains("Customer approval is on");
        browser.screenshot("tenant-platform-access");
        browser.driver().manage().deleteAllCookies();

        // a new support engineer enrols from the link the command line printed
        String email = Api.uniqueEmail("browser-support");
        String link = operators.create(email, "SUPPORT").link().reveal();
        String token = link.substring(link.indexOf('#') + 1);
        browser.open("/ops/enrol", token);
        assertThat(browser.find("#token").getAttribute("value")).isEqualTo(token);
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(token);
        browser.submit("#offer-form");
        assertThat(browser.find("#qr").getAttribute("src")).startsWith("data:image/png;base64,");
        String secret = browser.find("#secret").getText();
        browser.screenshot("ops-enrol");
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#code", TestTotp.code(secret, clock.nextTotpStep()));
        browser.submit("#enrol-form");
        assertThat(browser.find("#enrolled").getText()).contains("ready");
        TestOperators.Operator support = new TestOperators.Operator(null, email, "SUPPORT", secret);

        // a wrong code keeps them out, with the email kept in the form
        browser.type("#email", email);
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#otp", TestTotp.wrongCode(secret, clock.nextTotpStep()));
        browser.submit("#login-form");
        assertThat(browser.find("#login-error").getText()).contains("not right");
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);

        // signed in: metadata only, then a request
        signIn(support);
        assertThat(browser.find("#tenants").getText()).contains(tenant.tenantId().toString()).doesNotContain(tenant.email(), "Lockbox Browser Org");
        assertThat(browser.find("#platform-admins").getText()).matches("[0-9]+");
        browser.screenshot("ops-dashboard");
        browser.open("/ops/tenants/" + tenant.tenantId() + "/users");
        assertThat(browser.text()).doesNotContain(tenant.email());
        browser.open("/ops/access-requests");
        new Select(browser.find("#tenantId")).selectByValue(tenant.tenantId().toString());
        browser.find("#scope-users\\:read").click();
        browser.type("#reason", "The owner cannot invite a colleague");
        browser.type("#ticket", "SUP-2201");
        browser.type("#durationMinutes", "30");
        browser.submit("#request-form");
        assertThat(browser.find("#notice").getText()).contains("SUP-2201").contains("tenant too");
        assertThat(browser.driver().findElements(By.cssSelector("#requests form.approve"))).as("support approves nothing").isEmpty();
        signOut();

        // a platform administrator approves
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        signIn(admin);
        browser.open("/ops/access-requests");
        browser.submit("#requests form.approve");
        assertThat(browser.find("#notice").getText()).contains("waits for the tenant");
        browser.screenshot("ops-access-requests");
        signOut();

        // the tenant approves in its console
        browser.open("/login");
        browser.type("#email", tenant.email());
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        browser.open("/console/platform-access");
        assertThat(browser.find("#requests").getText()).contains("The owner cannot invite a colleague", "SUP-2201", "waiting for your approval");
        browser.submit("#requests form.approve");
        assertThat(browser.find("#notice").getText()).contains("active until");
        browser.driver().manage().deleteAllCookies();

        // support reads, under the grant; the read is in the tenant's history
        signIn(support);
        browser.open("/ops/access-requests");
        browser.clickAndWait("#requests a.grant-link");
        assertThat(browser.path()).isEqualTo("/ops/tenants/" + tenant.tenantId() + "/users");
        assertThat(browser.find("#grant-notice").getText()).contains("SUP-2201");
        assertThat(browser.find("#granted-rows").getText()).contains(tenant.email());
        browser.screenshot("ops-granted-users");
        assertThat(api.get("/api/v1/activity?limit=100", tenant.token()).body()).contains("access.read");
    }
}
