package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.TestMail;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The dev journey in a real headless Chromium, with no AWS at all: sign up, open the setup page,
 * connect the sandbox account, verify it, sync it and see its instances.
 */
class CloudConsoleBrowserTest extends BrowserTest {

    @Autowired
    SandboxAws sandbox;

    @Test
    void signUpConnectTheSandboxVerifySyncAndSeeItsInstances() throws Exception {
        String email = Api.uniqueEmail("cloud-browser");
        browser.open("/signup");
        browser.type("#organization", "Cloud Browser Org");
        browser.type("#email", email);
        browser.type("#password", Api.PASSWORD);
        browser.submit("#signup-form");
        browser.open("/verify-email", TestMail.token(TestMail.awaitMessageTo(email), "cwv_"));
        browser.submit("#verify-form");
        browser.open("/login");
        browser.type("#email", email);
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/console");

        browser.clickAndWait("#nav-cloud-accounts");
        assertThat(browser.path()).isEqualTo("/console/cloud-accounts");
        browser.clickAndWait("#setup-link");
        assertThat(browser.path()).isEqualTo("/console/cloud-accounts/setup");
        String externalId = browser.find("#external-id").getText();
        assertThat(externalId).matches("cw-[0-9a-f]{40}");
        assertThat(browser.find("#cloudformation-template").getText()).contains("sts:ExternalId").contains(externalId);
        assertThat(browser.find("#iam-policy").getText()).contains("ec2:DescribeInstances");
        String roleArn = browser.find("#sandbox-role-arn").getText();
        assertThat(roleArn).startsWith("arn:aws:iam::" + sandbox.accountId() + ":role/");
        List<String> copyNames = browser.driver().findElements(By.cssSelector("button.copy")).stream().map(b -> b.getAccessibleName()).toList();
        assertThat(copyNames).as("each copy button says what it copies").hasSize(5).doesNotHaveDuplicates()
                .contains("Copy the external ID", "Copy the sandbox role ARN").allMatch(n -> n.startsWith("Copy "));
        assertThat(browser.find("#copy-status").getAttribute("role")).as("where a screen reader hears \"Copied.\"").isEqualTo("status");
        browser.screenshot("cloud-setup");
        assertThat(browser.consoleMessages()).as("no script errors (CSP allows the copy script)")
                .filteredOn(m -> !m.contains("/favicon.ico")).isEmpty();

        browser.open("/console/cloud-accounts");
        browser.type("#name", "Sandbox");
        browser.type("#roleArn", "arn:aws:iam::12345:role/<b>bad</b>");
        browser.submit("#account-form");
        assertThat(browser.find("#roleArn-error").getText()).startsWith("Role ARN must be an IAM role ARN");
        assertThat(browser.find("#roleArn").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.find("#roleArn").getAttribute("aria-describedby")).isEqualTo("roleArn-error");
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).as("the focus on the field at fault").isEqualTo("roleArn");
        assertThat(browser.find("#name").getAttribute("aria-invalid")).as("only the field at fault").isNull();
        assertThat(browser.find("#roleArn").getAttribute("value")).as("the ARN is never put back into the page").isEmpty();

        browser.type("#roleArn", roleArn);
        browser.type("#regions", "us-east-1, eu-west-1");
        browser.submit("#account-form");
        assertThat(browser.path()).startsWith("/console/cloud-accounts/");
        assertThat(browser.find("#role-arn-masked").getText()).isEqualTo("arn:aws:iam::2109****4321:role/…");
        assertThat(browser.text()).doesNotContain(roleArn);
        assertThat(browser.find("#verification-status").getText()).isEqualTo("unverified");

        browser.clickAndWait("#verify");
        assertThat(browser.find("#verification-status").getText()).isEqualTo("verified");
        assertThat(browser.find("#verification-session").getText()).matches("cw-[0-9a-f]{8}-verify-[0-9a-f]{12}");

        browser.clickAndWait("#sync");
        assertThat(browser.text()).contains("An inventory sync started");
        String accountPath = browser.path();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!browser.find("#sync-status").getText().equals("succeeded") && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.open(accountPath);
        }
        assertThat(browser.find("#sync-status").getText()).isEqualTo("succeeded");

        browser.clickAndWait("#show-instances");
        assertThat(browser.find("#resource-kinds a[aria-current='page']").getText()).as("the kind shown is marked").isEqualTo("Instances");
        List<WebElement> rows = browser.driver().findElements(By.cssSelector("#resources tbody tr[data-resource-id]"));
        Set<String> shown = new HashSet<>();
        rows.forEach(r -> shown.add(r.getAttribute("data-resource-id")));
        Set<String> expected = new HashSet<>();
        for (String region : List.of("us-east-1", "eu-west-1")) {
            sandbox.sim().account(sandbox.accountId()).instances(region).forEach(i -> expected.add(i.id()));
        }
        assertThat(shown).isNotEmpty().isEqualTo(expected);
        assertThat(rows.get(0).getText()).containsPattern("instance i-[0-9a-f]{17}");
        browser.screenshot("cloud-account-instances");
    }

    @Test
    void aJobFromATemplateDryRunsAndPausesInTheConsole() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Jobs Browser Org");
        dev.cloudwarden.support.TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1", "eu-west-1"));
        browser.open("/login");
        browser.type("#email", t.email());
        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        browser.clickAndWait("#nav-jobs");
        assertThat(browser.path()).isEqualTo("/console/jobs");
        browser.find("input[name=template][value=stop-dev-evenings]").click();
        browser.type("#timezone", "Mars/Olympus");
        browser.submit("#job-form");
        assertThat(browser.find("#timezone-error").getText()).as("in words, at the field").startsWith("Timezone");
        assertThat(browser.find("#timezone").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id")).isEqualTo("timezone");
        browser.find("input[name=template][value=stop-dev-evenings]").click();
        browser.type("#timezone", "Europe/Berlin");
        browser.submit("#job-form");
        assertThat(browser.path()).startsWith("/console/jobs/");
        assertThat(browser.find("#policy").getText()).contains("resource: aws.ec2").contains("tag:env: dev").contains("Europe/Berlin");
        String jobPath = browser.path();
        assertThat(browser.find("#next-run").getText()).as("its next slot, in its own zone").matches("\\d{4}-\\d\\d-\\d\\d 19:00 CES?T");

        browser.clickAndWait("#dry-run");
        assertThat(browser.text()).contains("A run is queued");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (browser.driver().findElements(By.cssSelector("#results tbody tr[data-resource-id]")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.open(jobPath);
        }
        Set<String> wouldStop = new HashSet<>();
        browser.driver().findElements(By.cssSelector("#results tbody tr[data-resource-id]")).forEach(r -> {
            assertThat(r.getText()).contains("stop").contains("would");
            wouldStop.add(r.getAttribute("data-resource-id"));
        });
        Set<String> runningDev = new HashSet<>();
        for (String region : List.of("us-east-1", "eu-west-1")) {
            sandbox.sim().account(sandbox.accountId()).instances(region).stream()
                    .filter(i -> i.state().equals("running") && "dev".equals(i.tags().get("env"))).forEach(i -> runningDev.add(i.id()));
        }
        assertThat(wouldStop).isNotEmpty().isEqualTo(runningDev);
        browser.screenshot("job-dry-run");

        // the run history narrowed by status: none failed, one succeeded by a person
        new org.openqa.selenium.support.ui.Select(browser.find("#filter-status")).selectByValue("failed");
        browser.clickAndWait("#filter-runs");
        assertThat(browser.find("#runs").getText()).contains("No run matches.");
        new org.openqa.selenium.support.ui.Select(browser.find("#filter-status")).selectByValue("succeeded");
        browser.clickAndWait("#filter-runs");
        assertThat(browser.driver().findElements(By.cssSelector("#runs tbody tr[data-run-id]"))).singleElement()
                .satisfies(row -> assertThat(row.getText()).contains("Succeeded").contains("A person"));

        browser.clickAndWait("#pause");
        assertThat(browser.find("#job-state").getText()).isEqualTo("paused");
        browser.clickAndWait("#run-now");
        assertThat(browser.text()).contains("The job is paused");
    }
}
