package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/** The activity page in a real headless Chromium: read, filter, page, verify; and who does not get it. */
class ActivityConsoleBrowserTest extends BrowserTest {

    private static final String ROWS = "#events tbody tr";

    @Test
    void anOwnerReadsFiltersPagesAndVerifiesTheHistory() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity Browser Org"); // user.signed_up, user.signed_in (api)
        // 25 tokens created and revoked: 50 more events, so the history runs over one page
        for (int i = 0; i < 25; i++) {
            Api.Response created = api.post("/api/v1/tokens", Map.of("name", "ci token " + i, "scopes", List.of("read"),
                    "expiresAt", Instant.now().plus(Duration.ofDays(30)).toString()), t.token());
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(api.delete("/api/v1/tokens/" + created.json().get("id").asString(), t.token()).status()).isEqualTo(204);
        }
        signIn(t.email()); // user.signed_in (console)
        long total = TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId());
        assertThat(total).isGreaterThan(50);

        browser.clickAndWait("#nav-activity");
        assertThat(browser.path()).isEqualTo("/console/activity");
        assertThat(browser.find("h1").getText()).isEqualTo("Activity");
        List<WebElement> rows = rows();
        assertThat(rows).as("one page").hasSize(50);
        assertThat(seq(rows.get(0))).as("newest first").isEqualTo(total);
        assertThat(rows.get(0).getAttribute("data-action")).isEqualTo("user.signed_in");
        assertThat(rows.get(0).findElement(By.cssSelector(".actor")).getText()).isEqualTo(t.email());
        assertThat(rows.get(0).getText()).contains("channel=console").containsPattern("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}")
                .contains("#" + total);
        WebElement created = browser.find(ROWS + "[data-action='token.created']");
        assertThat(created.getText()).contains("scopes=read").containsPattern("name=hmac:[0-9a-f]{12}…").doesNotContain("ci token");
        assertThat(created.findElement(By.cssSelector(".target")).getText()).startsWith("token:");
        assertThat(browser.driver().findElements(By.id("newer"))).as("nothing newer than the newest").isEmpty();
        browser.screenshot("activity-owner");
        ((JavascriptExecutor) browser.driver()).executeScript("document.getElementById('events').scrollIntoView();");
        browser.screenshot("activity-table");

        browser.clickAndWait("#older");
        rows = rows();
        assertThat(rows).hasSize((int) total - 50);
        WebElement first = rows.get(rows.size() - 1);
        assertThat(seq(first)).isEqualTo(1);
        assertThat(first.getAttribute("data-action")).isEqualTo("user.signed_up");
        assertThat(first.findElement(By.cssSelector(".actor")).getText()).isEqualTo(t.email());
        assertThat(first.findElement(By.cssSelector(".target")).getText()).isEqualTo(t.email());
        assertThat(browser.driver().findElements(By.id("older"))).as("nothing older than #1").isEmpty();
        browser.clickAndWait("#newer");
        rows = rows();
        assertThat(rows).hasSize(50);
        assertThat(seq(rows.get(0))).isEqualTo(total);
        assertThat(seq(rows.get(49))).isEqualTo(total - 49);

        new Select(browser.find("#action")).selectByValue("user.signed_in");
        browser.submit("#filter-form");
        assertThat(browser.driver().getCurrentUrl()).contains("action=user.signed_in").doesNotContain("_csrf");
        rows = rows();
        assertThat(rows).as("the API sign-in and the console sign-in").hasSize(2);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.getAttribute("data-action")).isEqualTo("user.signed_in");
            assertThat(r.findElement(By.cssSelector(".actor")).getText()).isEqualTo(t.email());
        });
        assertThat(new Select(browser.find("#action")).getFirstSelectedOption().getAttribute("value")).isEqualTo("user.signed_in");
        browser.type("#actor", "not-a-user-id");
        browser.submit("#filter-form");
        assertThat(browser.find("#actor-error").getText()).isEqualTo("Actor must be a user id.");
        assertThat(browser.find("#actor").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).as("the focus is on the field at fault").isEqualTo("actor");
        assertThat(browser.driver().findElements(By.id("events"))).isEmpty();

        browser.open("/console/activity");
        browser.submit("#verify-form");
        assertThat(browser.path()).isEqualTo("/console/activity");
        assertThat(browser.find("#verify-result").getText())
                .startsWith("Chain verified through #" + total + ", last digest signed at ").endsWith(" UTC.");
        assertThat(browser.find("#last-digest").getText()).contains("covering #1..#" + total);
        browser.screenshot("activity-verified");
        browser.driver().navigate().refresh();
        assertThat(browser.find("#last-digest").isDisplayed()).isTrue();
        assertThat(browser.driver().findElements(By.id("verify-result"))).as("a reload does not repeat it").isEmpty();

        // a phone's width: the page itself does not scroll sideways (the table scrolls in its own box)
        browser.driver().manage().window().setSize(new Dimension(390, 844));
        browser.open("/console/activity");
        Object overflow = ((JavascriptExecutor) browser.driver())
                .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).as("horizontal overflow at 390 px").isLessThanOrEqualTo(0);
        browser.screenshot("activity-390px");
        assertThat(browser.consoleMessages()).as("the browser console: no CSP violation on any of these pages")
                .noneMatch(m -> m.contains("Content Security Policy") || m.contains("Refused to"));
    }

    @Test
    void anOperatorHasNoLinkAndIsRefusedTheHistory() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity Browser Operators");
        TestUsers.User operator = TestUsers.add(t, "OPERATOR");
        signIn(operator.email());
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(browser.driver().findElements(By.id("nav-tokens"))).as("the account menu").isNotEmpty();
        assertThat(browser.driver().findElements(By.id("nav-activity"))).as("no Activity link for an OPERATOR").isEmpty();
        browser.open("/console/activity");
        assertThat(browser.find("h1").getText()).isEqualTo("403 Forbidden");
        assertThat(browser.text()).doesNotContain(t.email()).doesNotContain("user.signed_up");
        browser.open("/console/activity/export");
        assertThat(browser.find("h1").getText()).isEqualTo("403 Forbidden");
    }

    private List<WebElement> rows() {
        browser.find("#events");
        return browser.driver().findElements(By.cssSelector(ROWS));
    }

    private static long seq(WebElement row) {
        return Long.parseLong(row.getAttribute("data-seq"));
    }

}
