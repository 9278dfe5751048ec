package dev.cloudwarden.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The operators' console as a browser sends it forms and reads its pages: a refused form shows its sentence at the
 * field at fault with what was typed, and creates nothing; a wrong sign-in names no field; every list pages by 25
 * with its filters kept, and refuses a bad filter in our words without echoing it; times are {@code <time>}s.
 */
class OperatorConsoleTest extends IntegrationTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    AccessRequests requests;

    @Autowired
    SecurityReports reports;

    /** Operator sign-in moves the clock a TOTP step each time: the next test starts from the wall clock again. */
    @AfterEach
    void wallClock() {
        clock.reset();
    }

    @Test
    void aRefusedAccessRequestIsShownAtItsFieldWithWhatWasTypedAndCreatesNothing() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Refused Request Org");
        ConsoleClient support = TestOperators.console(port, clock, TestOperators.create(context, api, clock, "SUPPORT"));
        long before = TestDatabase.count("select count(*) from access_requests where tenant_id = ?", tenant.tenantId());

        // a ticket reference with a space: the browser lets it through, the server does not
        Map<String, Object> typed = Map.of("tenantId", tenant.tenantId().toString(), "scopes", List.of("users:read", "jobs:read"),
                "reason", "The <b>owner</b> cannot invite a colleague", "ticket", "SUP 2201", "durationMinutes", "45");
        Api.Response refused = support.submit("/ops/access-requests", "/ops/access-requests", typed);
        assertThat(refused.status()).isEqualTo(400);
        String page = refused.body();
        assertThat(page).contains("id=\"ticket-error\"").containsPattern(marked("ticket")).containsPattern("id=\"ticket\"[^>]*autofocus")
                .doesNotContain("id=\"form-error\"");
        assertThat(fieldErrors(page)).containsExactly("ticket");
        assertThat(page).containsPattern("id=\"tenantId\"[^>]*value=\"" + tenant.tenantId() + "\"")
                .containsPattern("id=\"scope-users:read\"[^>]*checked").containsPattern("id=\"scope-jobs:read\"[^>]*checked")
                .doesNotContainPattern("id=\"scope-cloud-accounts:read\"[^>]*checked")
                .contains(">The &lt;b&gt;owner&lt;/b&gt; cannot invite a colleague</textarea>")
                .containsPattern("id=\"ticket\"[^>]*value=\"SUP 2201\"").containsPattern("id=\"durationMinutes\"[^>]*value=\"45\"");

        // each field's own refusal is tied to that field
        UUID nobody = UUID.randomUUID();
        assertRefusedAt(support, Map.of("tenantId", nobody.toString(), "scopes", "users:read", "reason", "A reason long enough",
                "ticket", "SUP-1", "durationMinutes", "30"), "tenantId", "tenantId");
        String noScope = assertRefusedAt(support, Map.of("tenantId", tenant.tenantId().toString(), "reason", "A reason long enough",
                "ticket", "SUP-1", "durationMinutes", "30"), "scopes", "scope-users:read");
        assertThat(noScope).as("the first scope has the focus").containsPattern("id=\"scope-users:read\"[^>]*autofocus")
                .containsPattern("id=\"scope-jobs:read\"[^>]*aria-invalid=\"true\"");
        assertRefusedAt(support, Map.of("tenantId", tenant.tenantId().toString(), "scopes", "users:read", "reason", "short",
                "ticket", "SUP-1", "durationMinutes", "30"), "reason", "reason");
        assertRefusedAt(support, Map.of("tenantId", tenant.tenantId().toString(), "scopes", "users:read", "reason", "A reason long enough",
                "ticket", "SUP-1", "durationMinutes", "half an hour"), "durationMinutes", "durationMinutes");
        assertThat(TestDatabase.count("select count(*) from access_requests where tenant_id = ?", tenant.tenantId())).isEqualTo(before);

        // the dashboard's "Request access" fills in the tenant; anything but an id in the link fills in nothing
        assertThat(support.get("/ops/access-requests?tenantId=" + tenant.tenantId()).body())
                .containsPattern("id=\"tenantId\"[^>]*value=\"" + tenant.tenantId() + "\"");
        assertThat(support.get("/ops/access-requests?tenantId=%22%3E%3Cb%3Ex").body()).doesNotContain("<b>x").doesNotContain("&lt;b&gt;x");
    }

    @Test
    void noticesSayTheirTimeInTheConsolesTextNotAsARawInstant() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Notice Time Org");
        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        AccessRequests.Request r = requests.request(support.id(), tenant.tenantId().toString(), List.of("users:read"),
                "Checking the notice's time", "NT-1", 30);
        ConsoleClient console = TestOperators.console(port, clock, admin);

        String page = console.get("/ops/access-requests?q=NT-1").body();
        Api.Response approved = console.post("/ops/access-requests/" + r.id() + "/approve", Map.of(), ConsoleClient.csrf(page));
        assertThat(approved.status()).isEqualTo(302);
        String notice = notice(console.get("/ops/access-requests").body());
        assertThat(notice).matches("Approved: the grant is active until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC\\.");

        Api.Response terminated = console.submit("/ops", "/ops/tenants/" + tenant.tenantId() + "/terminate", Map.of());
        assertThat(terminated.status()).isEqualTo(302);
        assertThat(notice(console.get("/ops").body()))
                .matches("Tenant terminated; its data is kept until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC\\.");
    }

    private static String notice(String html) {
        Matcher m = Pattern.compile("id=\"notice\"[^>]*>([^<]*)<").matcher(html);
        assertThat(m.find()).as("a notice on the page").isTrue();
        return m.group(1);
    }

    @Test
    void aWrongSignInNamesNoFieldAndAnEmptyFieldIsMarked() {
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        ConsoleClient browser = new ConsoleClient(port);
        for (Map<String, Object> wrong : List.<Map<String, Object>>of(
                Map.of("email", admin.email(), "password", "not-the-password-at-all", "otp", TestTotp.code(admin.secret(), clock.nextTotpStep())),
                Map.of("email", admin.email(), "password", TestOperators.PASSWORD, "otp", TestTotp.wrongCode(admin.secret(), clock.nextTotpStep())),
                Map.of("email", Api.uniqueEmail("nobody"), "password", TestOperators.PASSWORD, "otp", "123456"))) {
            Api.Response refused = browser.submit("/ops/login", "/ops/login", wrong);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.body()).contains("id=\"form-error\"", "The email, password or code is not right.")
                    .doesNotContain("aria-invalid=\"true\"", "field-error");
            assertThat(fieldErrors(refused.body())).isEmpty();
        }
        Api.Response empty = browser.submit("/ops/login", "/ops/login", Map.of("email", admin.email(), "password", TestOperators.PASSWORD, "otp", ""));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(fieldErrors(empty.body())).containsExactly("otp");
        assertThat(empty.body()).containsPattern(marked("otp")).containsPattern("id=\"email\"[^>]*value=\"" + Pattern.quote(admin.email()) + "\"")
                .doesNotContain(TestOperators.PASSWORD);
    }

    @Test
    void enrolmentTiesALinkThatDoesNotWorkAndABadCodeToTheirFields() {
        String link = context.getBean(Operators.class).create(Api.uniqueEmail("enrol-errors"), "SUPPORT").link().reveal();
        String token = link.substring(link.indexOf('#') + 1);
        ConsoleClient browser = new ConsoleClient(port);

        Api.Response badLink = browser.submit("/ops/enrol", "/ops/enrol/offer", Map.of("token", token + "x"));
        assertThat(badLink.status()).isEqualTo(400);
        assertThat(fieldErrors(badLink.body())).containsExactly("token");
        assertThat(badLink.body()).containsPattern(marked("token")).doesNotContain(token);

        assertThat(browser.submit("/ops/enrol", "/ops/enrol/offer", Map.of("token", token)).status()).isEqualTo(200);
        Api.Response badCode = browser.submit("/ops/enrol", "/ops/enrol", Map.of("token", token, "password", TestOperators.PASSWORD, "code", "12345x"));
        assertThat(badCode.status()).isEqualTo(400);
        assertThat(fieldErrors(badCode.body())).containsExactly("code");
        assertThat(badCode.body()).containsPattern(marked("code")).containsPattern("id=\"code\"[^>]*autofocus").doesNotContain(TestOperators.PASSWORD);

        Api.Response weak = browser.submit("/ops/enrol", "/ops/enrol", Map.of("token", token, "password", "short", "code", "123456"));
        assertThat(fieldErrors(weak.body())).containsExactly("password");
    }

    @Test
    void theQueuePagesByTwentyFiveKeepsItsFiltersAndRefusesABadOneWithoutEchoingIt() throws Exception {
        Api.Tenant tenant = api.signUpAndSignIn("Queue Paging Org");
        TestOperators.Operator support = TestOperators.create(context, api, clock, "SUPPORT");
        String prefix = "PG" + Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase();
        for (int i = 1; i <= 26; i++) {
            requests.request(support.id(), tenant.tenantId().toString(), List.of("users:read"), "Paging the queue, request " + i,
                    prefix + "-" + i, 30);
        }
        ConsoleClient console = TestOperators.console(port, clock, support);

        String first = console.get("/ops/access-requests?q=" + prefix.toLowerCase()).body();
        assertThat(rows(first, "request")).hasSize(ListPage.SIZE);
        assertThat(first).contains("Page 1 of 2 (26 access requests)")
                .contains("href=\"/ops/access-requests?q=" + prefix.toLowerCase() + "&amp;page=2\"");
        assertThat(first).containsPattern("<time data-local datetime=\"[0-9-]{10}T[0-9:]{8}Z\">[0-9-]{10} [0-9:]{5} UTC</time>");
        assertThat(rows(console.get("/ops/access-requests?q=" + prefix + "&page=2").body(), "request")).hasSize(1);
        assertThat(rows(console.get("/ops/access-requests?q=" + prefix + "&state=pending&page=9").body(), "request"))
                .as("a page beyond the end: the last").hasSize(1);
        assertThat(rows(console.get("/ops/access-requests?q=" + prefix + "-2&state=pending").body(), "request")).as("2, 20-26").hasSize(8);
        assertThat(rows(console.get("/ops/access-requests?q=request%2026").body(), "request")).as("by its reason").hasSize(1);
        assertThat(rows(console.get("/ops/access-requests?q=" + prefix + "%25").body(), "request")).as("% is a letter, not a wildcard").isEmpty();
        assertThat(rows(console.get("/ops/access-requests?q=" + prefix + "_").body(), "request")).as("_ too").isEmpty();
        assertThat(console.get("/ops/access-requests?q=" + prefix + "&state=active").body()).contains("No access request matches these filters.");

        String bad = console.get("/ops/access-requests?q=" + prefix + "&state=%3Cb%3Ebold").body();
        assertThat(bad).contains("Choose the state from its list").doesNotContain("<b>bold", "&lt;b&gt;bold");
        assertThat(bad).as("the list is shown whole").doesNotContain("value=\"" + prefix);
        assertThat(console.get("/ops/access-requests?q=" + "x".repeat(101)).body()).contains("at most 100 characters of a ticket or reason");

        // the tenant's own page of them: paged in SQL too, by a part of the reason and a state
        ConsoleClient customer = new ConsoleClient(port).signIn(tenant.email(), Api.PASSWORD);
        String own = customer.get("/console/platform-access").body();
        assertThat(rows(own, "request")).hasSize(ListPage.SIZE);
        assertThat(own).contains("Page 1 of 2 (26 access requests)");
        assertThat(rows(customer.get("/console/platform-access?page=2").body(), "request")).hasSize(1).doesNotContainAnyElementsOf(rows(own, "request"));
        assertThat(rows(customer.get("/console/platform-access?q=REQUEST+2&state=pending").body(), "request")).as("2, 20-26").hasSize(8);
        assertThat(customer.get("/console/platform-access?state=active").body()).contains("No access request matches these filters.");
        assertThat(rows(customer.get("/console/platform-access?q=request%25").body(), "request")).as("% is a letter, not a wildcard").isEmpty();
        assertThat(rows(customer.get("/console/platform-access?q=request_2").body(), "request")).as("_ too").isEmpty();
    }

    @Test
    void tenantsPageEveryTenantAndFilterByIdAndState() throws Exception {
        // more tenants than a page: as many more as this run's database needs
        Api.Tenant mine = api.signUpAndSignIn("Tenant Paging Org");
        for (long n = TestDatabase.count("select count(*) from tenants"); n <= ListPage.SIZE; n++) {
            api.signUpAndSignIn("Tenant Paging Org " + n);
        }
        long total = TestDatabase.count("select count(*) from tenants");
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        ConsoleClient console = TestOperators.console(port, clock, admin);

        String first = console.get("/ops").body();
        assertThat(first).contains("<span id=\"operator-role\">Platform administrator</span>").doesNotContain("PLATFORM_ADMIN");
        assertThat(rows(first, "tenant")).hasSize(ListPage.SIZE);
        assertThat(first).contains("Page 1 of " + ((total + ListPage.SIZE - 1) / ListPage.SIZE) + " (" + total + " tenants)")
                .contains("href=\"/ops?page=2\"");
        List<String> everyId = new ArrayList<>();
        for (int p = 1; p <= (total + ListPage.SIZE - 1) / ListPage.SIZE; p++) {
            everyId.addAll(rows(console.get("/ops?page=" + p).body(), "tenant"));
        }
        assertThat(everyId).as("every tenant, once").hasSize((int) total).doesNotHaveDuplicates().contains(mine.tenantId().toString());

        String part = mine.tenantId().toString().substring(0, 13).toUpperCase();
        assertThat(rows(console.get("/ops?q=" + part).body(), "tenant")).as("by a part of the id, any case").contains(mine.tenantId().toString());
        assertThat(rows(console.get("/ops?q=" + mine.tenantId() + "&state=active").body(), "tenant")).containsExactly(mine.tenantId().toString());
        assertThat(console.get("/ops?q=" + mine.tenantId() + "&state=terminated").body()).contains("No tenant matches these filters.");
        String bad = console.get("/ops?state=%22%3E%3Cscript%3E").body();
        assertThat(bad).contains("Choose the state from its list").doesNotContain("<script>", "&lt;script&gt;");
        assertThat(rows(bad, "tenant")).hasSize(ListPage.SIZE);
        assertThat(console.get("/ops").body()).contains("href=\"/ops/access-requests?tenantId=" + mine.tenantId() + "#request-form\"");
    }

    @Test
    void reportsAndTombstonesPageAndFilter() throws Exception {
        List<SecurityReports.Receipt> sent = new ArrayList<>();
        for (int i = 1; i <= 26; i++) {
            sent.add(reports.submit("Report number " + i, "Found something, take " + i, null));
        }
        TestOperators.Operator admin = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        reports.triage(sent.getFirst().id(), SecurityReports.Status.NOT_APPLICABLE, admin.id());
        ConsoleClient console = TestOperators.console(port, clock, admin);

        String first = console.get("/ops/security-reports").body();
        assertThat(rows(first, "report")).hasSize(ListPage.SIZE);
        assertThat(first).containsPattern("Page 1 of [0-9]+ \\([0-9]+ security reports\\)").contains("<option value=\"not_applicable\">Not applicable</option>");
        String reference = sent.get(5).reference();
        assertThat(rows(console.get("/ops/security-reports?q=" + reference.substring(5).toLowerCase()).body(), "report"))
                .containsExactly(sent.get(5).id().toString());
        String closed = console.get("/ops/security-reports?q=" + sent.getFirst().reference() + "&state=not_applicable").body();
        assertThat(rows(closed, "report")).containsExactly(sent.getFirst().id().toString());
        assertThat(Pattern.compile("<time data-local datetime=").matcher(closed).results().count()).as("received and closed, as times").isEqualTo(2);
        assertThat(console.get("/ops/security-reports?q=" + reference + "&state=fixed").body()).contains("No report matches these filters.");
        assertThat(console.get("/ops/security-reports?state=NEW").body()).as("the states in small letters only").contains("Choose the state from its list");

        // tombstones, planted as the purge leaves them (a purge per test is long); they name no tenant that exists
        List<UUID> planted = new ArrayList<>();
        String marker = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                insert into tenant_tombstones (id, created_at, terminated_at, purge_after, purge_started_at, purged_at, row_counts,
                                               activity_seq, activity_head_hash, announced_at)
                values (?, now() - interval '90 days', now() - interval '70 days', now() - interval '10 days', now() - interval '9 days',
                        now() - interval '9 days', '{"users": 1}', 3, decode(repeat('ab', 32), 'hex'), now())""")) {
            for (int i = 0; i < 26; i++) {
                UUID id = UUID.fromString(marker + "-0000-4000-8000-" + String.format("%012d", i));
                planted.add(id);
                ps.setObject(1, id);
                ps.executeUpdate();
            }
        }
        try {
            String page = console.get("/ops/tombstones?q=" + marker).body();
            assertThat(rows(page, "tenant")).hasSize(ListPage.SIZE);
            assertThat(rows(console.get("/ops/tombstones?q=" + marker + "%25").body(), "tenant")).as("% is a letter, not a wildcard").isEmpty();
            assertThat(rows(console.get("/ops/tombstones?q=" + marker.substring(0, 7) + "_").body(), "tenant")).as("_ too").isEmpty();
            assertThat(page).contains("Page 1 of 2 (26 tombstones)").contains("href=\"/ops/tombstones?q=" + marker + "&amp;page=2\"")
                    .doesNotContain("id=\"filter-state\"");
            assertThat(page).containsPattern("<td><time data-local datetime=\"[^\"]+\">[^<]+UTC</time></td>");
            assertThat(rows(console.get("/ops/tombstones?q=" + marker + "&page=2").body(), "tenant")).hasSize(1);
            assertThat(rows(console.get("/ops/tombstones?q=" + planted.get(7)).body(), "tenant")).containsExactly(planted.get(7).toString());
            assertThat(console.get("/ops/tombstones?q=no-such-tenant").body()).contains("No tombstone matches this filter.");
            String bad = console.get("/ops/tombstones?q=" + "%3Ci%3E".repeat(40)).body();
            assertThat(bad).contains("Type at most 100 characters of a tenant id.").doesNotContain("<i>", "&lt;i&gt;");
            assertThat(console.get("/ops/tombstones?state=purged").body()).as("no states to choose").contains("Type at most 100 characters");
        } finally {
            try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("delete from tenant_tombstones where id = any(?)")) {
                ps.setArray(1, c.createArrayOf("uuid", planted.toArray()));
                ps.executeUpdate();
            }
        }
    }

    /**
     * Posts a form that the server refuses at {@code field} (whose control is {@code element}: a scope's checkbox for the
     * scopes); the page, after checking that the field alone has a sentence and is marked.
     */
    private static String assertRefusedAt(ConsoleClient console, Map<String, Object> fields, String field, String element) {
        Api.Response refused = console.submit("/ops/access-requests", "/ops/access-requests", fields);
        assertThat(refused.status()).as(field).isEqualTo(400);
        assertThat(fieldErrors(refused.body())).as(field).containsExactly(field);
        assertThat(refused.body()).containsPattern(marked(element, field));
        return refused.body();
    }

    /** The field is aria-invalid and described by its sentence. */
    private static String marked(String field) {
        return marked(field, field);
    }

    private static String marked(String element, String field) {
        return "id=\"" + Pattern.quote(element) + "\"[^>]*aria-invalid=\"true\"[^>]*aria-describedby=\"" + Pattern.quote(field) + "-error\"";
    }

    /** The fields whose sentence the page shows (fragments.html's fieldError). */
    private static List<String> fieldErrors(String html) {
        Matcher m = Pattern.compile("<p(?=[^>]*class=\"error field-error\")[^>]*id=\"([A-Za-z]+)-error\"").matcher(html);
        List<String> fields = new ArrayList<>();
        while (m.find()) {
            fields.add(m.group(1));
        }
        return fields;
    }

    private static List<String> rows(String html, String kind) {
        Matcher m = Pattern.compile("data-" + kind + "-id=\"([0-9a-f-]{36})\"").matcher(html);
        List<String> ids = new ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }
}
