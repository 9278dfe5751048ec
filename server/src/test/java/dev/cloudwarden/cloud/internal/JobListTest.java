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

/** The console's job list: pages of {@link ListPage#SIZE}, filters kept in the page links, and bad filters refused in our words. */
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
