package dev.cloudwarden.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/**
 * The people page's pending invitations (inviter, sent, expiry, resend, cancel), inviting an address
 * again, and the invitation's accept page, in a real Chromium with the invitation mails read from
 * GreenMail.
 */
class InvitationsBrowserTest extends BrowserTest {

    /** A test here moves the clock minutes on: the next tests start from the wall clock. */
    @AfterEach
    void wallClock() {
        clock.reset();
    }

    @Test
    void thePendingListShowsWhoInvitedWhenAndUntilWhenAndResendGivesANewLink() {
        Api.Tenant owner = api.signUpAndSignIn("Acme Resend");
        clock.freeze(); // so the expiry moves by exactly the time the clock is moved
        String bob = Api.uniqueEmail("bob");
        signIn(owner.email());
        browser.open("/console/users");
        assertThat(browser.find("#no-invitations").getText()).isEqualTo("Nobody is waiting to accept an invitation.");
        browser.type("#invite-email", bob);
        new Select(browser.find("#invite-role")).selectByValue("OPERATOR");
        browser.submit("#invite-form");
        assertThat(browser.find("#notice").getText()).isEqualTo("Invitation sent to " + bob + ".");

        String row = "#invitations tr[data-email='" + bob + "']";
        List<WebElement> cells = browser.find(row).findElements(By.tagName("td"));
        assertThat(cells.get(0).getText()).isEqualTo(bob);
        assertThat(cells.get(1).getText()).isEqualTo("Operator");
        assertThat(cells.get(2).getText()).as("invited by").isEqualTo(owner.email());
        Instant sent = Instant.parse(cells.get(3).findElement(By.tagName("time")).getAttribute("datetime"));
        Instant expires = Instant.parse(cells.get(4).findElement(By.tagName("time")).getAttribute("datetime"));
        assertThat(Duration.between(sent, expires)).isEqualTo(Duration.ofHours(72));
        assertThat(cells.get(4).getText()).doesNotContain("Expired");
        assertThat(browser.find(row + " form[action$='/resend'] button").getAttribute("aria-label")).isEqualTo("Resend the invitation to " + bob);
        assertThat(browser.find(row + " form[action$='/cancel'] button").getAttribute("aria-label")).isEqualTo("Cancel the invitation to " + bob);
        assertThat(browser.find("#users").getText()).as("not a member yet").doesNotContain(bob);

        String mail = TestMail.awaitMessageTo(bob);
        assertThat(mail).contains(owner.email() + " invited you to join Acme Resend on Cloudwarden as Operator.");
        String first = TestMail.token(mail, "cwi_");

        // resent ten minutes later: a new link, the old one stops working, the 72 hours start again
        clock.advance(Duration.ofMinutes(10));
        browser.clickAndWait(row + " form[action$='/resend'] button");
        assertThat(browser.find("#notice").getText())
                .isEqualTo("A new invitation is on its way to " + bob + ". The earlier link no longer works; the new one works for 72 hours.");
        String second = TestMail.awaitNewTokenTo(bob, "cwi_", 1);
        assertThat(second).isNotEqualTo(first);
        Instant newExpiry = Instant.parse(browser.find(row).findElements(By.tagName("td")).get(4).findElement(By.tagName("time"))
                .getAttribute("datetime"));
        assertThat(Duration.between(expires, newExpiry)).isEqualTo(Duration.ofMinutes(10));
        browser.signOut();

        // the old link: a page that says so and what to do, not an error
        browser.open("/invitations/accept", first);
        assertThat(browser.find("main h1").getText()).isEqualTo("This invitation link does not work");
        assertThat(browser.find("#invalid-invitation").getText()).contains("Ask the person who invited you to send you a new invitation.");
        assertThat(browser.driver().getTitle()).isEqualTo("This invitation link does not work · Cloudwarden");
        browser.screenshot("invitation-link-does-not-work");

        // the new one says what it is for before it asks for a password, which has the focus
        browser.open("/invitations/accept", second);
        assertThat(browser.find("#invitation-summary").getText()).isEqualTo(owner.email() + " invited you to join Acme Resend as Operator.");
        assertThat(browser.find("main h1").getText()).isEqualTo("Join Acme Resend");
        assertThat(browser.find("#invitation-for").getText()).contains("This invitation is for " + bob).contains("it expires");
        assertThat(browser.driver().getCurrentUrl()).doesNotContain(second);
        assertThat(browser.find("#token").isDisplayed()).as("the code is kept by the page, not asked again").isFalse();
        assertThat(activeId()).isEqualTo("password");
        browser.screenshot("invitation-accept");

        // a breached password: said for people, next to the field, which is marked and keeps the focus
        browser.type("#password", "password1234");
        browser.submit("#accept-form");
        assertThat(browser.find("#password-error").getText()).isEqualTo("This password appears in a list of breached passwords. Choose another.");
        WebElement password = browser.find("#password");
        assertThat(password.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(password.getAttribute("aria-describedby")).isEqualTo("password-error");
        assertThat(activeId()).isEqualTo("password");
        assertThat(browser.find("#invitation-summary").getText()).contains("Acme Resend");

        browser.type("#password", Api.PASSWORD);
        browser.submit("#accept-form");
        assertThat(browser.text()).contains("Welcome aboard");
        assertThat(api.signIn(bob, Api.PASSWORD)).isNotBlank();
    }

    @Test
    void expiredInvitationsCanBeResentCancelledOnesStopWorkingAndReinvitingSaysWhatIsTheCase() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Acme Cancel");
        Api.Tenant elsewhere = api.signUpAndSignIn("Elsewhere Secret Org");
        String carol = Api.uniqueEmail("carol");
        String dave = Api.uniqueEmail("dave");
        for (String email : List.of(carol, dave)) {
            assertThat(api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner.token()).status()).isEqualTo(201);
        }
        String carolsLink = TestMail.token(TestMail.awaitMessageTo(carol), "cwi_");
        expire(owner, carol);
        expire(owner, dave);
        signIn(owner.email());
        browser.open("/console/users");

        // expired: said so, and it can be sent again
        String carolRow = "#invitations tr[data-email='" + carol + "']";
        String daveRow = "#invitations tr[data-email='" + dave + "']";
        assertThat(browser.find(carolRow).getText()).contains("Expired");
        assertThat(browser.find(daveRow).getText()).contains("Expired");
        browser.screenshot("people-pending-invitations");
        browser.clickAndWait(daveRow + " form[action$='/resend'] button");
        assertThat(browser.find("#notice").getText()).startsWith("A new invitation is on its way to " + dave + ".");
        assertThat(browser.find(daveRow).getText()).doesNotContain("Expired");
        String davesLink = TestMail.awaitNewTokenTo(dave, "cwi_", 1);

        // cancel asks first, naming the person; "no" sends nothing
        assertThat(browser.confirm(carolRow + " form[action$='/cancel'] button", false))
                .isEqualTo("Cancel the invitation to " + carol + "? Its link stops working.");
        assertThat(browser.find(carolRow).isDisplayed()).isTrue();
        browser.confirm(carolRow + " form[action$='/cancel'] button", true);
        assertThat(browser.find("#notice").getText()).isEqualTo("The invitation to " + carol + " is cancelled. Its link no longer works.");
        assertThat(browser.find("#pending").getText()).doesNotContain(carol);
        assertThat(browser.find("#users").getText()).as("a cancelled invitation made no member").doesNotContain(carol);

        // inviting an address with a pending invitation: no "account exists", but the invitation and an offer to resend it
        browser.type("#invite-email", dave);
        browser.submit("#invite-form");
        assertThat(browser.find("#email-error").getText())
                .isEqualTo(dave + " has a pending invitation already, as Viewer. Resend it to send a new link, or cancel it to invite them with another role.");
        assertThat(browser.text()).doesNotContain("already exists");
        WebElement field = browser.find("#invite-email");
        assertThat(field.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(field.getAttribute("aria-describedby")).isEqualTo("email-error");
        assertThat(field.getAttribute("value")).as("what was typed is kept").isEqualTo(dave);
        assertThat(activeId()).isEqualTo("invite-email");
        assertThat(browser.find("#resend-offer button").getText()).isEqualTo("Resend the invitation to " + dave);
        browser.screenshot("people-invite-pending-address");
        browser.clickAndWait("#resend-offer button");
        assertThat(browser.find("#notice").getText()).startsWith("A new invitation is on its way to " + dave + ".");
        String davesNewLink = TestMail.awaitNewTokenTo(dave, "cwi_", 2);
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", davesLink, "password", Api.PASSWORD), null).status())
                .as("the link before the resend").isEqualTo(400);

        // a member: said plainly (they are in this organisation)
        browser.type("#invite-email", owner.email());
        browser.submit("#invite-form");
        assertThat(browser.find("#email-error").getText()).isEqualTo(owner.email() + " is already a member of this organisation.");
        assertThat(browser.driver().findElements(By.id("resend-offer"))).isEmpty();

        // someone with an account in another organisation is invited like anyone: nothing of that tenant shows
        browser.type("#invite-email", elsewhere.email());
        browser.submit("#invite-form");
        assertThat(browser.find("#notice").getText()).isEqualTo("Invitation sent to " + elsewhere.email() + ".");
        assertThat(browser.driver().findElements(By.id("email-error"))).isEmpty();
        assertThat(browser.find("#invitations tr[data-email='" + elsewhere.email() + "']").getText()).contains("Viewer").doesNotContain("Expired");
        assertThat(browser.driver().getPageSource()).doesNotContain("Elsewhere Secret Org").doesNotContain("already");

        // a cancelled invitation's address can be invited again, as another role
        browser.type("#invite-email", carol);
        new Select(browser.find("#invite-role")).selectByValue("OPERATOR");
        browser.submit("#invite-form");
        assertThat(browser.find("#notice").getText()).isEqualTo("Invitation sent to " + carol + ".");
        assertThat(browser.find(carolRow).getText()).contains("Operator").doesNotContain("Expired");
        String carolsNewLink = TestMail.awaitNewTokenTo(carol, "cwi_", 1);
        browser.signOut();

        // the cancelled link: the page says it does not work and what to do
        browser.open("/invitations/accept", carolsLink);
        assertThat(browser.find("#invalid-invitation").getText()).contains("cancelled")
                .contains("Ask the person who invited you to send you a new invitation.");
        browser.open("/invitations/accept", carolsNewLink);
        assertThat(browser.find("#invitation-summary").getText()).isEqualTo(owner.email() + " invited you to join Acme Cancel as Operator.");
        browser.type("#password", Api.PASSWORD);
        browser.submit("#accept-form");
        assertThat(browser.text()).contains("Welcome aboard");
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", davesNewLink, "password", Api.PASSWORD), null).status()).isEqualTo(200);
    }

    @Test
    void signUpAndPasswordResetErrorsAreSentencesTiedToTheirField() {
        browser.open("/signup");
        browser.type("#organization", "Sentences Org");
        browser.type("#email", Api.uniqueEmail("sentences"));
        browser.type("#password", "password1234");
        browser.submit("#signup-form");
        assertThat(browser.find("#password-error").getText()).isEqualTo("This password appears in a list of breached passwords. Choose another.");
        assertThat(browser.find("#password").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.find("#password").getAttribute("aria-describedby")).isEqualTo("password-error");
        assertThat(browser.find("#email").getAttribute("aria-invalid")).isNull();
        assertThat(activeId()).isEqualTo("password");
        assertThat(browser.find("#organization").getAttribute("value")).isEqualTo("Sentences Org");

        Api.Tenant t = api.signUpAndSignIn("Reset Sentences Org");
        long mails = TestMail.countTo(t.email());
        assertThat(api.post("/api/v1/password-resets", Map.of("email", t.email()), null).status()).isEqualTo(202);
        String code = TestMail.awaitNewTokenTo(t.email(), "cwr_", mails);
        browser.open("/password-reset/confirm", code);
        browser.type("#password", "short");
        // the browser's own check would stop a short password first: the server's answer is what is tested here
        ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeScript("document.getElementById('password').removeAttribute('minlength')");
        browser.submit("#reset-confirm-form");
        assertThat(browser.find("#password-error").getText()).startsWith("This password is too short. Use at least 12 characters");
        assertThat(activeId()).isEqualTo("password");
        assertThat(browser.find("#token").isDisplayed()).as("the code is filled again from the tab, not asked again").isFalse();
        browser.type("#password", "a-brand-new-passphrase-7");
        browser.submit("#reset-confirm-form");
        assertThat(browser.path()).isEqualTo("/login");
        assertThat(api.signIn(t.email(), "a-brand-new-passphrase-7")).isNotBlank();
    }

    /** The id of the element with the focus, once the page's autofocus has been applied (the next rendering after load). */
    private String activeId() {
        try {
            new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), Duration.ofSeconds(3))
                    .until(d -> !"BODY".equalsIgnoreCase(d.switchTo().activeElement().getTagName())
                            && !"content".equals(d.switchTo().activeElement().getAttribute("id")));
        } catch (org.openqa.selenium.TimeoutException e) {
            // nothing has the focus: the assertion says so
        }
        return browser.driver().switchTo().activeElement().getAttribute("id");
    }

    /** Moves the invitation of {@code email} into the past: sent four days ago, expired yesterday. */
    private void expire(Api.Tenant owner, String email) throws Exception {
        JsonNode pending = api.get("/api/v1/invitations", owner.token()).json();
        String id = null;
        for (JsonNode invitation : pending) {
            if (invitation.get("email").asString().equals(email)) {
                id = invitation.get("id").asString();
            }
        }
        assertThat(id).as("a pending invitation for " + email).isNotNull();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                update one_time_tokens set created_at = now() - interval '4 days', expires_at = now() - interval '1 day'
                where tenant_id = ? and user_id = ?::uuid""")) {
            ps.setObject(1, owner.tenantId());
            ps.setString(2, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
