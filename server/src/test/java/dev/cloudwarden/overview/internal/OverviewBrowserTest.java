package dev.cloudwarden.overview.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The console's home in Chromium: the first-run checklist by role, and the dashboard's tiles and SVG charts from real data. */
class OverviewBrowserTest extends BrowserTest {

    @Test
    void theChecklistMarksWhatIsDoneAndTheDashboardCountsWhatHappened() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Overview Org");
        signIn(t.email());
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(steps()).containsExactly(
                Map.entry("step-mfa", "false"), Map.entry("step-invite", "false"), Map.entry("step-cloud", "false"),
                Map.entry("step-job", "false"), Map.entry("step-agent", "false"));
        assertThat(browser.find("#no-resources").getText()).contains("connect a cloud account");
        browser.screenshot("overview-first-run");

        // a step's link is the page where it is taken
        browser.clickAndWait("#step-cloud a");
        assertThat(browser.path()).isEqualTo("/console/cloud-accounts/setup");

        // an account added but not verified: the step says so and leads to the accounts
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1", "eu-west-1")).get("id").asString();
        browser.open("/console");
        assertThat(browser.find("#step-cloud").getText()).contains("not verified yet").contains("Verify");
        assertThat(browser.find("#step-cloud a").getAttribute("href")).endsWith("/console/cloud-accounts");

        assertThat(api.post("/api/v1/cloud-accounts/" + account + "/verify", "", t.token()).status()).isEqualTo(200);
        assertThat(TestCloud.syncAndWait(api, t.token(), account).at("/sync/status").asString()).isEqualTo("succeeded");
        String job = TestCloud.createJob(api, t.token(), account, Map.of("name", "Stop dev", "type", "stop_instances",
                "parameters", Map.of("regions", List.of("us-east-1", "eu-west-1"), "tags", Map.of("env", "dev")))).get("id").asString();
        assertThat(TestCloud.runAndWait(api, t.token(), job, true).get("status").asString()).isEqualTo("succeeded");

        browser.open("/console");
        assertThat(steps()).containsEntry("step-cloud", "true").containsEntry("step-job", "true").containsEntry("step-mfa", "false");
        assertThat(browser.find("#first-run-progress").getText()).startsWith("2 of 5 done");
        assertThat(browser.find("#tile-accounts strong").getText()).isEqualTo("1");
        assertThat(browser.find("#tile-accounts").getText()).contains("1 verified");
        assertThat(browser.find("#tile-jobs strong").getText()).isEqualTo("1");
        assertThat(browser.find("#tile-jobs").getText()).contains("1 succeeded, 0 failed");

        long resources = TestDatabase.count("select count(*) from cloud_resources where tenant_id = ?", t.tenantId());
        long instances = TestDatabase.count("select count(*) from cloud_resources where tenant_id = ? and kind = 'instance'", t.tenantId());
        assertThat(instances).isPositive();
        assertThat(browser.find("#tile-resources strong").getText()).isEqualTo(String.valueOf(resources));
        assertThat(bar("#by-kind", "Instances")).isEqualTo(instances);
        assertThat(bar("#by-region", "us-east-1") + bar("#by-region", "eu-west-1")).isEqualTo(resources);
        assertThat(browser.find("#by-kind title").getAttribute("textContent")).contains("Instances: " + instances);

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        WebElement column = browser.find("#runs-chart g[data-day='" + today + "']");
        assertThat(column.findElement(By.cssSelector("rect.ok")).getAttribute("data-count")).isEqualTo("1");
        assertThat(column.findElements(By.cssSelector("rect.failed"))).as("no bar for no failure").isEmpty();
        assertThat(browser.driver().findElements(By.cssSelector("#runs-chart g[data-day]"))).hasSize(30);
        assertThat(browser.find("#runs-title").getAttribute("textContent")).contains("1 succeeded, 0 failed");

        List<WebElement> recent = browser.driver().findElements(By.cssSelector("#recent-activity li"));
        assertThat(recent).hasSize(5);
        assertThat(recent.get(0).getText()).contains("job.run_finished").contains("job:" + job);
        assertThat(browser.find("#recent-activity").getText()).contains(t.email());
        assertThat(browser.consoleMessages()).as("no script or CSP errors").isEmpty();
        browser.screenshot("overview-dashboard");
    }

    @Test
    void aViewerIsOfferedOnlyWhatTheyMayDoAndTheChecklistGoesOnceItIsDone() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Overview Viewer Org");
        TestUsers.User viewer = TestUsers.add(t, "VIEWER");
        signIn(viewer.email());
        assertThat(steps()).containsExactly(Map.entry("step-mfa", "false"));
        assertThat(browser.find("#first-run-progress").getText()).startsWith("0 of 1 done");
        assertThat(browser.driver().findElements(By.cssSelector("#tile-people a"))).as("no link to a page they cannot open").isEmpty();
        assertThat(browser.find("#recent-activity").getText()).as("a viewer may read the history").contains("The whole history");

        String token = api.signIn(viewer.email(), Api.PASSWORD);
        String secret = api.post("/api/v1/mfa/totp", "", token).json().get("secret").asString();
        assertThat(api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, TestTotp.step(clock.instant()))), token)
                .status()).isEqualTo(200);
        browser.open("/console");
        assertThat(browser.driver().findElements(By.id("first-run"))).as("every step done: no checklist").isEmpty();
        assertThat(browser.find("#tile-people strong").getText()).isEqualTo("2");
        assertThat(browser.find("#tile-subscription").getText()).contains("Active").contains("emailed the date its data will be deleted");
    }

    @Test
    void anOperatorSeesNoRecentActivity() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Overview Operator Org");
        TestUsers.User operator = TestUsers.add(t, "OPERATOR");
        signIn(operator.email());
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(browser.driver().findElements(By.id("recent-activity"))).isEmpty();
        assertThat(steps()).containsOnlyKeys("step-mfa");
    }

    private Map<String, String> steps() {
        Map<String, String> steps = new java.util.LinkedHashMap<>();
        browser.driver().findElements(By.cssSelector("#first-run li")).forEach(li -> steps.put(li.getAttribute("id"), li.getAttribute("data-done")));
        return steps;
    }

    private long bar(String chart, String label) {
        List<WebElement> bars = browser.driver().findElements(By.cssSelector(chart + " g[data-label='" + label + "']"));
        return bars.isEmpty() ? 0 : Long.parseLong(bars.get(0).getAttribute("data-count"));
    }
}
