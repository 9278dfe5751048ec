package dev.cloudwarden.cloud.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console's job list (pages of {@link ListPage#SIZE}) and a job's runs (keyset pages): filters kept in the page links,
 * bad filters refused in our words.
 */
class JobListTest extends IntegrationTest {

    private static final Pattern ROW = Pattern.compile("data-job-id=\"([0-9a-f-]{36})\"");

    @Test
    void theListPagesFiltersAndKeepsItsFiltersFromPageToPage() {
        Api.Tenant t = api.signUpAndSignIn("Job List Org");
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1")).get("id").asString();
        for (int i = 1; i <= 30; i++) {
            TestCloud.createJob(api, t.token(), account, Map.of("name", (i % 3 == 0 ? "Nightly sync " : "Stop dev ") + i,
                    "type", i % 3 == 0 ? "inventory_sync" : "stop_instances",
                    "parameters", i % 3 == 0 ? Map.of() : Map.of("regions", List.of("us-east-1"), "tags", Map.of("env", "dev"))));
        }
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);

        String first = console.get("/console/jobs").body();
        assertThat(rows(first)).hasSize(ListPage.SIZE);
        assertThat(first).contains("Page 1 of 2 (30 jobs)").contains("href=\"/console/jobs?page=2\"").doesNotContain("rel=\"prev\"");
        String second = console.get("/console/jobs?page=2").body();
        assertThat(rows(second)).hasSize(5).doesNotContainAnyElementsOf(rows(first));
        assertThat(console.get("/console/jobs?page=99").body()).as("beyond the end: the last page").contains("Page 2 of 2");
        assertThat(rows(console.get("/console/jobs?page=x%3Cb%3E").body())).as("not a number: the first page").isEqualTo(rows(first));

        String syncs = console.get("/console/jobs?type=inventory_sync").body();
        assertThat(rows(syncs)).hasSize(10);
        assertThat(syncs).doesNotContain("class=\"pager\"").contains("Clear filters");
        String named = console.get("/console/jobs?q=STOP+dev+2").body();
        assertThat(rows(named)).as("Stop dev 2, 20, 22, 23, 25, 26, 28, 29").hasSize(8);
        String paused = console.get("/console/jobs?state=paused").body();
        assertThat(rows(paused)).isEmpty();
        assertThat(paused).contains("No job matches these filters.");

        // a filter that matches more than a page keeps itself in the links; a name with '&' stays one value
        String stops = console.get("/console/jobs?type=stop_instances&q=" + java.net.URLEncoder.encode("dev&x", java.nio.charset.StandardCharsets.UTF_8)).body();
        assertThat(rows(stops)).isEmpty();
        String allStops = console.get("/console/jobs?type=stop_instances").body();
        assertThat(rows(allStops)).hasSize(20);
        String stopsDev = console.get("/console/jobs?type=stop_instances&q=dev&page=1").body();
        assertThat(rows(stopsDev)).hasSize(20);
        assertThat(stopsDev).as("one page: no pager").doesNotContain("class=\"pager\"");

        String bad = console.get("/console/jobs?type=%3Cscript%3Ealert(1)%3C/script%3E").body();
        assertThat(bad).contains("Choose the type and state from their lists").doesNotContain("<script>alert").doesNotContain("alert(1)");
        assertThat(rows(bad)).as("the filter is dropped, the list shown whole").hasSize(ListPage.SIZE);
    }

    @Test
    void aJobsRunsPageOlderFromTheLastOneShownWithTheirFiltersKept() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Job Runs Pages Org");
        String account = TestCloud.addSandboxAccount(api, t.token(), List.of("us-east-1")).get("id").asString();
        String job = TestCloud.createJob(api, t.token(), account, Map.of("name", "Nightly sync", "type", "inventory_sync",
                "parameters", Map.of())).get("id").asString();
        String otherJob = TestCloud.createJob(api, t.token(), account, Map.of("name", "Other sync", "type", "inventory_sync",
                "parameters", Map.of())).get("id").asString();
        java.time.Instant start = java.time.Instant.parse("2026-11-01T00:00:00Z");
        String otherRun = java.util.UUID.randomUUID().toString();
        try (java.sql.Connection c = dev.cloudwarden.support.TestDatabase.asAdmin();
             java.sql.PreparedStatement ps = c.prepareStatement("""
                     insert into job_runs (id, tenant_id, job_id, status, dry_run, trigger, queued_at) values (?, ?, ?, ?, false, 'schedule', ?)""")) {
            for (int i = 0; i < 60; i++) {
                ps.setObject(1, i == 59 ? java.util.UUID.fromString(otherRun) : java.util.UUID.randomUUID());
                ps.setObject(2, t.tenantId());
                ps.setObject(3, java.util.UUID.fromString(i == 59 ? otherJob : job));
                ps.setString(4, i % 2 == 0 ? "failed" : "succeeded");
                // runs 30 to 39 share one moment; newest first, the first page ends inside them: the id breaks the tie
                ps.setTimestamp(5, java.sql.Timestamp.from(start.plusSeconds(i >= 30 && i < 40 ? 30 * 60 : i * 60L)));
                ps.executeUpdate();
            }
        }
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        Pattern run = Pattern.compile("<tr data-run-id=\"([0-9a-f-]{36})\"");
        Pattern older = Pattern.compile("href=\"(/console/jobs/[^\"]*before=[0-9a-f-]{36})\"[^>]*id=\"older-runs\"");

        List<String> seen = new java.util.ArrayList<>();
        String page = console.get("/console/jobs/" + job).body();
        assertThat(page).doesNotContain("id=\"newest-runs\"");
        int pages = 0;
        while (true) {
            List<String> ids = run.matcher(page).results().map(m -> m.group(1)).toList();
            assertThat(ids).hasSizeLessThanOrEqualTo(JobsConsoleController.RUNS_PAGE);
            seen.addAll(ids);
            pages++;
            Matcher next = older.matcher(page);
            if (!next.find()) {
                break;
            }
            page = console.get(next.group(1).replace("&amp;", "&")).body();
            assertThat(page).contains("id=\"newest-runs\"");
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).as("every run of the job once, none of the other job's").hasSize(59).doesNotHaveDuplicates().doesNotContain(otherRun);

        String failed = console.get("/console/jobs/" + job + "?status=failed").body();
        assertThat(run.matcher(failed).results().count()).isEqualTo(JobsConsoleController.RUNS_PAGE);
        Matcher failedOlder = older.matcher(failed);
        assertThat(failedOlder.find()).isTrue();
        assertThat(failedOlder.group(1)).contains("status=failed");
        String failedRest = console.get(failedOlder.group(1).replace("&amp;", "&")).body();
        assertThat(run.matcher(failedRest).results().count()).as("30 failed runs, 25 on the first page").isEqualTo(5);
        assertThat(failedRest).doesNotContain("id=\"older-runs\"").contains("<td>Failed</td>").doesNotContain("<td>Succeeded</td>");

        for (String bad : List.of("status=%3Cscript%3E", "trigger=cron")) {
            String refused = console.get("/console/jobs/" + job + "?" + bad).body();
            assertThat(refused).as(bad).contains("Choose the status and who started the runs from their lists.").doesNotContain("<script>");
            assertThat(run.matcher(refused).results().count()).as(bad + ": the newest runs instead").isEqualTo(JobsConsoleController.RUNS_PAGE);
        }
        for (String gone : List.of("before=not-a-run", "before=" + otherRun)) {
            String refused = console.get("/console/jobs/" + job + "?status=failed&" + gone).body();
            assertThat(refused).as(gone).contains("That page of runs no longer exists: here are the newest.").doesNotContain("not-a-run")
                    .doesNotContain(otherRun);
            assertThat(run.matcher(refused).results().count()).as(gone + ": the newest failed runs").isEqualTo(JobsConsoleController.RUNS_PAGE);
            assertThat(refused).as("the status filter is kept").contains("<td>Failed</td>").doesNotContain("<td>Succeeded</td>");
        }
        String history = "/api/v1/jobs/" + job + "/runs";
        for (String bad : List.of("before=not-a-run", "before=" + otherRun)) {
            Api.Response r = api.get(history + "?" + bad, t.token());
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("field").asString()).isEqualTo("before");
        }
        List<String> apiFirst = new java.util.ArrayList<>();
        api.get(history + "?limit=25", t.token()).json().forEach(r -> apiFirst.add(r.get("id").asString()));
        assertThat(apiFirst).isEqualTo(seen.subList(0, 25));
        List<String> apiNext = new java.util.ArrayList<>();
        api.get(history + "?limit=25&before=" + apiFirst.get(24), t.token()).json().forEach(r -> apiNext.add(r.get("id").asString()));
        assertThat(apiNext).isEqualTo(seen.subList(25, 50));
    }

    @Test
    void pageLinksKeepTheFiltersEncoded() {
        List<String> all = java.util.stream.IntStream.range(0, 60).mapToObj(String::valueOf).toList();
        ListPage<String> page = ListPage.of(all, "2", "/console/jobs", new java.util.LinkedHashMap<>(Map.of("q", "a&b=c d")));
        assertThat(page.items()).hasSize(ListPage.SIZE).first().isEqualTo("25");
        assertThat(page.previous()).isEqualTo("/console/jobs?q=a%26b%3Dc%20d&page=1");
        assertThat(page.next()).isEqualTo("/console/jobs?q=a%26b%3Dc%20d&page=3");
        assertThat(ListPage.of(List.of(), "1", "/x", Map.of()).pages()).isEqualTo(1);
    }

    private static List<String> rows(String html) {
        Matcher m = ROW.matcher(html);
        List<String> ids = new java.util.ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }
}
