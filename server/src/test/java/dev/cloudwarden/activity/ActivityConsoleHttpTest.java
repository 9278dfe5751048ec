package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.audit.ExportVerifier;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's activity page over HTTP: bad filters answer the page with a clear message and
 * repeat nothing of the input; the console export downloads and verifies offline; "Verify the
 * chain" needs its CSRF token and reports once (post, redirect, get).
 */
class ActivityConsoleHttpTest extends IntegrationTest {

    private static final String CANARY = "zqcanary";

    @TempDir
    Path dir;

    @Test
    void aBadFilterShowsAClearMessageOnThePageAndEchoesNothing() {
        Api.Tenant t = api.signUpAndSignIn("Activity console bad filters");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        // the query, its sentence, and the field it is tied to (none: above the list, as the form's own error)
        record Bad(String message, String field) {
        }
        Map<String, Bad> bad = Map.of(
                "action=user." + CANARY + "%3Cscript%3E", new Bad("Action is not an action of the catalogue", "action"),
                "actor=" + CANARY, new Bad("Actor must be a user id", "actor"),
                "from=" + CANARY, new Bad("From must be an ISO-8601 time", "from"),
                "from=2031-05-06&to=2031-05-05", new Bad("To must be after from", "to"),
                "before=" + CANARY, new Bad("Before must be a whole number", null));
        bad.forEach((query, expected) -> {
            Api.Response r = console.get("/console/activity?" + query);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.header("Content-Type")).startsWith("text/html");
            if (expected.field() == null) {
                assertThat(r.body()).as(query).contains("id=\"filter-error\"").doesNotContain("aria-invalid");
            } else {
                assertThat(r.body()).as(query).contains("id=\"" + expected.field() + "-error\"").doesNotContain("id=\"filter-error\"")
                        .containsPattern("id=\"" + expected.field() + "\"[^>]*aria-invalid=\"true\"")
                        .containsPattern("id=\"" + expected.field() + "\"[^>]*aria-describedby=\"" + expected.field() + "-error")
                        .containsPattern("id=\"" + expected.field() + "\"[^>]*autofocus");
            }
            assertThat(r.body()).as(query).contains(expected.message())
                    .contains("Verify the chain") // the page itself, not an error page
                    .doesNotContain(CANARY).doesNotContain("<script>").doesNotContain("2031-05")
                    .doesNotContain("id=\"events\"");
        });
        // parameters the page does not offer are ignored, not an error
        assertThat(console.get("/console/activity?" + CANARY + "=1").status()).isEqualTo(200);
    }

    @Test
    void datesFilterByUtcDayAndAnEmptyResultSaysSo() {
        Api.Tenant t = api.signUpAndSignIn("Activity console dates");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        Api.Response since = console.get("/console/activity?from=" + yesterday);
        assertThat(since.status()).isEqualTo(200);
        assertThat(since.body()).contains("data-action=\"user.signed_up\"").contains("value=\"" + yesterday + "\"");
        Api.Response until = console.get("/console/activity?to=" + yesterday);
        assertThat(until.status()).isEqualTo(200);
        assertThat(until.body()).doesNotContain("id=\"events\"").contains("No events match these filters");
    }

    @Test
    void theConsoleExportDownloadsAndVerifiesOfflineWithThePublishedKeys() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity console export");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        Api.Response page = console.get("/console/activity");
        assertThat(page.body()).contains("href=\"/console/activity/export\"").contains("href=\"/.well-known/cloudwarden-audit-keys.json\"")
                .contains("java -jar cloudwarden-audit-verify.jar export.ndjson keys.json");

        Api.Response export = console.get("/console/activity/export");
        assertThat(export.status()).isEqualTo(200);
        assertThat(export.header("Content-Type")).startsWith("application/x-ndjson");
        assertThat(export.header("Content-Disposition")).isEqualTo("attachment; filename=\"activity-" + t.tenantId() + ".ndjson\"");
        Path file = Files.writeString(dir.resolve("export.ndjson"), export.body());
        Path keys = Files.writeString(dir.resolve("keys.json"), api.get("/.well-known/cloudwarden-audit-keys.json", null).body());
        List<String> out = new ArrayList<>();
        ExportVerifier.Result result = new ExportVerifier(ExportVerifier.readKeys(keys), out::add).verify(file);
        assertThat(result.failure()).isNull();
        assertThat(result.ok()).isTrue();
        assertThat(result.tenantId()).isEqualTo(t.tenantId().toString());
        assertThat(result.events()).isEqualTo(TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId()));
        assertThat(export.body()).contains("\"action\":\"user.signed_up\"").contains("\"action\":\"user.signed_in\"")
                .doesNotContain(t.email()).doesNotContain(Api.PASSWORD);
    }

    @Test
    void verifyingNeedsTheCsrfTokenAndReportsOnceAfterTheRedirect() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity console verify");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        assertThat(console.post("/console/activity/verify", Map.of(), null).status()).as("no CSRF token").isEqualTo(403);

        Api.Response verify = console.submit("/console/activity", "/console/activity/verify", Map.of());
        assertThat(verify.status()).isEqualTo(302);
        assertThat(verify.header("Location")).endsWith("/console/activity");
        long events = TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId());
        Api.Response after = console.get("/console/activity");
        assertThat(after.body()).contains("Chain verified through #" + events + ", last digest signed at ")
                .contains("covering <span>#1..#" + events + "</span>");
        assertThat(console.get("/console/activity").body()).as("a reload does not repeat the outcome").doesNotContain("Chain verified");
    }

    @Test
    void viewersSeeTheLinkAndReadOperatorsNeither() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity console roles");
        TestUsers.User viewer = TestUsers.add(t, "VIEWER");
        ConsoleClient asViewer = new ConsoleClient(port).signIn(viewer.email(), Api.PASSWORD);
        assertThat(asViewer.get("/console").body()).contains("id=\"nav-activity\"");
        assertThat(asViewer.get("/console/activity").status()).isEqualTo(200);

        TestUsers.User operator = TestUsers.add(t, "OPERATOR");
        ConsoleClient asOperator = new ConsoleClient(port).signIn(operator.email(), Api.PASSWORD);
        assertThat(asOperator.get("/console").body()).contains("id=\"nav-tokens\"").doesNotContain("nav-activity");
        assertThat(asOperator.get("/console/activity").status()).isEqualTo(403);
        assertThat(asOperator.get("/console/activity/export").status()).isEqualTo(403);
        assertThat(asOperator.submit("/console", "/console/activity/verify", Map.of()).status()).isEqualTo(403);
    }
}
