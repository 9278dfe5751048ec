package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.audit.ExportVerifier;
import dev.cloudwarden.lifecycle.TenantLifecycle;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.BrowserTest;
import dev.cloudwarden.support.Keyboard;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue 14's measure of done, by keyboard alone: from nothing to a stopped sandbox instance and a verified activity
 * export, reading only the screens (and the mail). Tab moves, Enter and Space act, and every stop shows its focus.
 * It lives beside the sandbox AWS it checks the instances in.
 */
class JourneyBrowserTest extends BrowserTest {

    private static final List<String> REGIONS = List.of("us-east-1", "eu-west-1");

    @Autowired
    SandboxAws sandbox;

    @Autowired
    TenantLifecycle lifecycle;

    @Test
    void fromSignUpToAStoppedSandboxInstanceAndAVerifiedExportByKeyboardAlone() throws Exception {
        long started = System.nanoTime();
        Keyboard keys = new Keyboard(browser);
        String email = Api.uniqueEmail("journey");

        // sign up, then the link in the mail
        browser.open("/signup");
        keys.fill("#organization", "Journey Org");
        keys.fill("#email", email);
        keys.fill("#password", Api.PASSWORD);
        keys.enter("#signup-form button[type=submit]");
        assertThat(browser.path()).isEqualTo("/signup/check-inbox");
        browser.open("/verify-email", TestMail.token(TestMail.awaitMessageTo(email), "cwv_"));
        keys.enter("#verify-form button[type=submit]");
        assertThat(browser.path()).isEqualTo("/login");

        // the email is already in the form: the password is enough
        assertThat(browser.find("#email").getAttribute("value")).isEqualTo(email);
        keys.fill("#password", Api.PASSWORD);
        keys.enter("#login-form button[type=submit]");
        assertThat(browser.path()).isEqualTo("/console");
        assertThat(browser.find("#first-run-progress").getText()).startsWith("0 of 5 done");

        // step 1: two-factor authentication, with the key typed from the screen
        keys.enter("#step-mfa a");
        keys.enter("#enrol-form button[type=submit]");
        keys.tabTo("#manual-key summary");
        new org.openqa.selenium.interactions.Actions(browser.driver()).sendKeys(org.openqa.selenium.Keys.ENTER).perform();
        String secret = browser.find("#secret").getText().replace(" ", "");
        keys.fill("#code", TestTotp.code(secret, TestTotp.step(clock.instant())));
        keys.enter("#confirm-form button[type=submit]");
        assertThat(browser.find("#recovery-codes").findElements(By.tagName("li"))).hasSize(10);
        keys.enter("#continue");
        assertThat(browser.find("#step-mfa").getAttribute("data-done")).isEqualTo("true");

        // step 3: the sandbox account, from the set-up page's words to a verified, synced account
        keys.enter("#step-cloud a");
        assertThat(browser.path()).isEqualTo("/console/cloud-accounts/setup");
        String roleArn = browser.find("#sandbox-role-arn").getText();
        keys.enter("#nav-cloud-accounts");
        keys.fill("#name", "Sandbox");
        keys.fill("#roleArn", roleArn);
        keys.fill("#regions", String.join(", ", REGIONS));
        keys.enter("#account-form button[type=submit]");
        String accountPath = browser.path();
        assertThat(accountPath).startsWith("/console/cloud-accounts/");
        keys.enter("#verify");
        assertThat(browser.find("#verification-status").getText()).isEqualTo("verified");
        keys.enter("#sync");
        awaitText(accountPath, "#sync-status", "succeeded");

        // step 4: a job from the template that stops dev instances, run now
        keys.enter("#nav-jobs");
        keys.choose("template", "stop-dev-evenings");
        keys.enter("#job-form button[type=submit]");
        String jobPath = browser.path();
        assertThat(jobPath).startsWith("/console/jobs/");
        // as the page says: the role needs the policy of the setup page, which now allows stopping (the sandbox applies it)
        assertThat(browser.find("#job-created").getText()).contains("setup page");
        keys.enter("#job-created a");
        assertThat(browser.find("#iam-policy").getText()).contains("ec2:StopInstances");
        keys.enter("#nav-jobs");
        keys.enter("#jobs a[href='" + jobPath + "']");
        Set<String> runningDev = devInstances("running");
        assertThat(runningDev).isNotEmpty();
        keys.enter("#run-now");
        assertThat(browser.text()).contains("A run is queued");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (browser.driver().findElements(By.cssSelector("#results tbody tr[data-resource-id]")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.open(jobPath);
        }
        Set<String> stoppedOnScreen = browser.driver().findElements(By.cssSelector("#results tbody tr[data-resource-id]")).stream()
                .map(r -> r.getAttribute("data-resource-id")).collect(Collectors.toSet());
        assertThat(stoppedOnScreen).isEqualTo(runningDev);
        assertThat(devInstances("stopped")).as("stopped in the sandbox AWS").containsAll(runningDev);

        // and the template that starts them again (which leaves the sandbox as the other tests expect it)
        keys.enter("#nav-jobs");
        keys.choose("template", "start-dev-mornings");
        keys.enter("#job-form button[type=submit]");
        String startPath = browser.path();
        keys.enter("#run-now");
        deadline = System.nanoTime() + 30_000_000_000L;
        while (browser.driver().findElements(By.cssSelector("#results tbody tr[data-resource-id]")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.open(startPath);
        }
        assertThat(devInstances("running")).containsAll(runningDev);

        // the overview counts both runs
        keys.enter("#nav-overview");
        assertThat(browser.find("#tile-jobs").getText()).contains("2 succeeded, 0 failed");
        assertThat(browser.find("#first-run-progress").getText()).startsWith("3 of 5 done");

        // the activity history: verified in the console, then exported and verified offline
        keys.enter("#nav-activity");
        keys.enter("#verify-form button[type=submit]");
        assertThat(browser.find("#verify-result").getText()).startsWith("Chain verified through #");
        Path dir = Files.createTempDirectory("journey");
        Path export = dir.resolve("export.ndjson");
        Path published = dir.resolve("keys.json");
        Files.write(export, download("/console/activity/export"));
        Files.write(published, download("/.well-known/cloudwarden-audit-keys.json"));
        ExportVerifier.Result verified = new ExportVerifier(ExportVerifier.readKeys(published), s -> { }).verify(export);
        assertThat(verified.failure()).isNull();
        assertThat(verified.ok()).isTrue();
        assertThat(Files.readString(export)).contains("job.run_finished").contains("cloud_account.verified");

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "journey.md"), "The keyboard-only journey (JourneyBrowserTest) took " + took.toSeconds()
                + " s of machine time, from sign-up to a verified export.\n");
        browser.screenshot("journey-activity-verified");
    }

    @Test
    void aMemberOfATerminatedOrganisationIsSignedOutAndToldWhyOnlyWithTheRightPassword() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Journey Ending Org");
        signIn(t.email());
        assertThat(browser.path()).isEqualTo("/console");

        lifecycle.terminate(t.tenantId(), null);
        browser.open("/console/jobs");
        assertThat(browser.path()).as("the console session ended with the subscription").isEqualTo("/login");

        browser.type("#email", t.email());
        browser.type("#password", "not-the-password-at-all");
        browser.submit("#login-form");
        assertThat(browser.driver().findElements(By.id("login-ended"))).as("a wrong password learns nothing").isEmpty();
        assertThat(browser.find("#login-error").isDisplayed()).isTrue();

        browser.type("#password", Api.PASSWORD);
        browser.submit("#login-form");
        assertThat(browser.path()).isEqualTo("/login");
        assertThat(browser.find("#login-ended").getText()).contains("subscription has ended").contains("renew");
        assertThat(browser.text()).doesNotContain("Journey Ending Org");
        browser.screenshot("login-subscription-ended");
        browser.open("/console");
        assertThat(browser.path()).as("nobody is signed in").isEqualTo("/login");
    }

    private void awaitText(String path, String css, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!browser.find(css).getText().equals(text) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            browser.open(path);
        }
        assertThat(browser.find(css).getText()).isEqualTo(text);
    }

    private Set<String> devInstances(String state) {
        Set<String> ids = new HashSet<>();
        for (String region : REGIONS) {
            sandbox.sim().account(sandbox.accountId()).instances(region).stream()
                    .filter(i -> i.state().equals(state) && "dev".equals(i.tags().get("env"))).forEach(i -> ids.add(i.id()));
        }
        return ids;
    }

    /** What a download link of the page gives, fetched with the browser's own session. */
    private byte[] download(String path) throws Exception {
        String cookies = browser.driver().manage().getCookies().stream().map(c -> c.getName() + "=" + c.getValue())
                .collect(Collectors.joining("; "));
        try (HttpClient client = HttpClient.newBuilder().sslContext(Api.trustServer()).build()) {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(api.uri(path)).header("Cookie", cookies).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            return response.body();
        }
    }
}
