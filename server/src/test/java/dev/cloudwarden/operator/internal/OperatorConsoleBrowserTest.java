package dev.cloudwarden.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The operators' console in a real headless Chromium: enrolment from the printed link (QR code and key,
 * password and code; a wrong code marked at its field, with the focus), sign-in with TOTP (a wrong one naming
 * no field), an access request by support from the tenant's row (a refused one shown at its field with what
 * was typed), its approval by a platform administrator and the tenant's own approval with customer approval
 * on, the read under the grant, and the tenant's page of platform access. Times show in the browser's zone.
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

    /** The field alone is marked invalid, described by its sentence, and has the focus. */
    private void assertFieldRefused(String field) {
        assertThat(browser.find("#" + field).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.find("#" + field).getAttribute("aria-describedby")).isEqualTo(field + "-error");
        assertThat(browser.driver().findElements(By.cssSelector("[aria-invalid]"))).hasSize(1);
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).as("the focus").isEqualTo(field);
    }

    /** Every time in {@code css} is a {@code <time>} in UTC for machines, shown in the browser's zone, the UTC text kept in its title. */
    private void assertLocalTimes(String css) {
        var times = browser.find(css).findElements(By.cssSelector("time[data-local]"));
        assertThat(times).isNotEmpty();
        for (var time : times) {
            assertThat(time.getAttribute("datetime")).matches("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z");
            assertThat(time.getAttribute("title")).matches("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC");
            assertThat(time.getText()).as("rewritten by time.js").isNotEqualTo(time.getAttribute("title"));
        }
    }

    private void signOut() {
        browser.submit("#logout-form");
        assertThat(browser.path()).isEqualTo("/ops/login");
    }

    @Test
    void enrolSignInWithACodeRequestApproveAndReadWithTheTenantsApproval() throws Exception {
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
        // a wrong code: the sentence at the code, which has the focus; the password is asked again
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#code", TestTotp.wrongCode(secret, clock.nextTotpStep()));
        browser.submit("#enrol-form");
        assertFieldRefused("code");
        assertThat(browser.find("#code-error").getText()).contains("does not match");
        assertThat(browser.find("#password").getAttribute("value")).isEmpty();
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#code", TestTotp.code(secret, clock.nextTotpStep()));
        browser.submit("#enrol-form");
        assertThat(browser.find("#enrolled").getText()).contains("ready");
        TestOperators.Operator support = new TestOperators.Operator(null, email, "SUPPORT", secret);

        // a wrong code keeps them out, with the email kept in the form; the sentence names no field and marks none
        browser.type("#email", email);
        browser.type("#password", TestOperators.PASSWORD);
        browser.type("#otp", TestTotp.wrongCode(secret, clock.nextTotpStep()));
        browser.submit("#login-form");
        assertThat(browser.find("#form-error").getText()).isEqualTo("The email, password or code is not right.");
        assertThat(browser.driver().findElements(By.cssSelector("[aria-invalid], .field-error"))).isEmpty();
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);

        // signed in: metadata only, then a request
        signIn(support);
        assertThat(browser.find("#tenants").getText()).contains(tenant.tenantId().toString()).doesNotContain(tenant.email(), "Lockbox Browser Org");
        assertThat(browser.find("#platform-admins").getText()).matches("[0-9]+");
        assertLocalTimes("#tenant-" + tenant.tenantId());
        browser.screenshot("ops-dashboard");
        browser.open("/ops/tenants/" + tenant.tenantId() + "/users");
        assertThat(browser.text()).doesNotContain(tenant.email());
        // from the tenant's row: the form has its id
        String ticket = "SUP-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()).toUpperCase();
        browser.open("/ops?q=" + tenant.tenantId());
        browser.clickAndWait("#tenant-" + tenant.tenantId() + " a.request-access");
        assertThat(browser.find("#tenantId").getAttribute("value")).isEqualTo(tenant.tenantId().toString());
        browser.find("#scope-users\\:read").click();
        browser.type("#reason", "The owner cannot invite a colleague");
        browser.type("#ticket", "SUP 2201");
        browser.type("#durationMinutes", "30");
        browser.submit("#request-form");
        // refused at the ticket, with the focus there and everything typed kept
        assertFieldRefused("ticket");
        assertThat(browser.find("#ticket-error").getText()).startsWith("Ticket must be the support ticket's reference");
        assertThat(browser.find("#tenantId").getAttribute("value")).isEqualTo(tenant.tenantId().toString());
        assertThat(browser.find("#scope-users\\:read").isSelected()).isTrue();
        assertThat(browser.find("#reason").getAttribute("value")).isEqualTo("The owner cannot invite a colleague");
        assertThat(browser.find("#durationMinutes").getAttribute("value")).isEqualTo("30");
        assertThat(TestDatabase.count("select count(*) from access_requests where tenant_id = ?", tenant.tenantId())).as("nothing created").isZero();
        browser.type("#ticket", ticket);
        browser.submit("#request-form");
        assertThat(browser.find("#notice").getText()).contains(ticket).contains("tenant too");
        assertThat(browser.driver().findElements(By.cssSelector("#requests form.approve"))).as("support approves nothing").isEmpty();
        signOut();

        // a platform administrator approves
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        signIn(admin);
        browser.open("/ops/access-requests?q=" + ticket); // this test's request, whatever else the queue holds
        browser.submit("#requests form.approve");
        assertThat(browser.find("#notice").getText()).contains("waits for the tenant");
        assertLocalTimes("#requests");
        browser.screenshot("ops-access-requests");
        signOut();

        // the tenant approves in its console
        browser.open("/login");
        browser.type("#email", tenant.email());
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        browser.open("/console/platform-access");
        assertThat(browser.find("#requests").getText()).contains("The owner cannot invite a colleague", ticket, "waiting for your approval");
        browser.submit("#requests form.approve");
        // the notice says it is active; its row says until when, in the reader's zone (main's choice for the tenant's page)
        assertThat(browser.find("#notice").getText()).contains("active now");
        assertThat(browser.find("#requests").getText()).contains("until");
        assertLocalTimes("#requests");
        browser.driver().manage().deleteAllCookies();

        // support reads, under the grant; the read is in the tenant's history
        signIn(support);
        browser.open("/ops/access-requests?q=" + ticket);
        browser.clickAndWait("#requests a.grant-link");
        assertThat(browser.path()).isEqualTo("/ops/tenants/" + tenant.tenantId() + "/users");
        assertThat(browser.find("#grant-notice").getText()).contains(ticket);
        assertLocalTimes("#grant-notice");
        assertThat(browser.find("#granted-rows").getText()).contains(tenant.email());
        assertLocalTimes("#granted-rows");
        browser.screenshot("ops-granted-users");
        assertThat(api.get("/api/v1/activity?limit=100", tenant.token()).body()).contains("access.read");
    }
}
