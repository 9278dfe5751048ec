package dev.cloudwarden.operator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloudwarden.activity.ActivityLog;
import dev.cloudwarden.common.ApiProblem;
import dev.cloudwarden.crypto.CryptoException;
import dev.cloudwarden.operator.internal.SecurityReports.Status;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * The intake half of promise P18 through the real server and database: a report is accepted with a
 * reference, stored with nothing of its text in the clear (row, dump, history, logs), read back only by
 * the service; bad input is refused with its field named and stores nothing; triage moves a report only
 * along the allowed transitions; every step is in the platform's history.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecurityReportIntakeTest extends IntegrationTest {

    private static final String REFERENCE = "CWSR-[0-9A-HJKMNP-TV-Z]{10}";
    private static final String PATH = "/api/v1/security-reports";

    @Autowired
    SecurityReports reports;

    @Test
    void aReportIsAcceptedStoredEncryptedAndReadBackByTheServiceOnly(CapturedOutput output) throws Exception {
        String canary = "canary" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        String title = "Stored XSS " + canary + "-title";
        String description = "Steps:\n1. open " + canary + "-description\n2. <script>alert(1)</script>";
        String contact = canary + "@example.com";
        long before = rows();

        Api.Response r = api.post(PATH, Map.of("title", title, "description", description, "contact", contact), null);

        assertThat(r.status()).isEqualTo(202);
        JsonNode body = r.json();
        assertThat(body.propertyNames()).containsExactly("reference");
        String reference = body.get("reference").asString();
        assertThat(reference).matches(REFERENCE);
        assertThat(rows()).isEqualTo(before + 1);
        UUID id = idOf(reference);

        // nothing of it in the clear: not in its row, nor anywhere in the database, nor in the platform's history
        String row = row(id);
        assertThat(row).contains(reference).doesNotContain(canary).doesNotContain(hex(canary));
        String dump = TestDatabase.pgDump();
        assertThat(dump).contains(reference).doesNotContain(canary).doesNotContain(hex(canary));
        List<Event> events = platformEvents(id);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).action()).isEqualTo("platform.security_report_received");
        assertThat(events.get(0).details()).isEqualTo("{\"reference\": \"" + reference + "\"}");
        assertThat(events.get(0).row()).doesNotContain(canary).doesNotContain(hex(canary));
        assertThat(output.getAll()).as("the server's log").doesNotContain(canary);

        // the service decrypts it for operators; the list shows no text
        SecurityReports.Report report = reports.read(id);
        assertThat(report.title()).isEqualTo(title);
        assertThat(report.description()).isEqualTo(description);
        assertThat(report.contact()).isEqualTo(contact);
        assertThat(report.status()).isEqualTo(Status.NEW);
        assertThat(report.reference()).isEqualTo(reference);
        assertThat(report.toString()).doesNotContain(canary);
        assertThat(reports.list(null)).anySatisfy(s -> {
            assertThat(s.id()).isEqualTo(id);
            assertThat(s.reference()).isEqualTo(reference);
            assertThat(s.status()).isEqualTo(Status.NEW);
            assertThat(s.receivedAt()).isNotNull();
            assertThat(s.triagedAt()).isNull();
        });
        assertThat(reports.list("NEW")).extracting(SecurityReports.Summary::id).contains(id);
        assertThat(reports.list("FIXED")).extracting(SecurityReports.Summary::id).doesNotContain(id);
        assertThatThrownBy(() -> reports.list("new; drop table x")).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.field()).isEqualTo("status"));

        // the ciphertext is bound to its row: moved onto another report, it does not decrypt
        Api.Response other = api.post(PATH, Map.of("title", "Other", "description", "Other report"), null);
        UUID otherId = idOf(other.json().get("reference").asString());
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update security_reports set title_ciphertext = (select title_ciphertext from security_reports where id = ?) where id = ?")) {
            ps.setObject(1, id);
            ps.setObject(2, otherId);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        assertThatThrownBy(() -> reports.read(otherId)).isInstanceOf(CryptoException.class).hasMessageNotContaining(canary);
    }

    @Test
    void theLongestReportFitsTheBodyLimitAndAnOptionalContactMayBeLeftOut() throws Exception {
        // 20,000 characters of three UTF-8 bytes each: the worst case the body limit must hold
        String description = "€".repeat(SecurityReports.MAX_DESCRIPTION);
        Api.Response r = api.post(PATH, Map.of("title", "T".repeat(SecurityReports.MAX_TITLE), "description", description), null);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        SecurityReports.Report report = reports.read(idOf(r.json().get("reference").asString()));
        assertThat(report.description()).isEqualTo(description);
        assertThat(report.contact()).isNull();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select contact_ciphertext is null from security_reports where id = ?")) {
            ps.setObject(1, report.id());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBoolean(1)).as("no contact: no ciphertext at all").isTrue();
            }
        }
    }

    @Test
    void badInputIsRefusedWithItsFieldNamedAndStoresNothing(CapturedOutput output) throws Exception {
        String secret = "bad" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Map<String, Object> good = Map.of("title", "Title " + secret, "description", "Description " + secret, "contact", "x@example.com");
        // each bad body and the field its 400 must name
        List<Map.Entry<String, Map<String, Object>>> cases = List.of(
                Map.entry("title", without(good, "title")),
                Map.entry("title", with(good, "title", "   ")),
                Map.entry("title", with(good, "title", secret + "t".repeat(SecurityReports.MAX_TITLE))),
                Map.entry("title", with(good, "title", "a\u202Egnp.exe " + secret)), // a bidirectional override
                Map.entry("title", with(good, "title", "two\nlines " + secret)),
                Map.entry("description", with(good, "description", "")),
                Map.entry("description", without(good, "description")),
                Map.entry("description", with(good, "description", secret + "d".repeat(SecurityReports.MAX_DESCRIPTION))),
                Map.entry("description", with(good, "description", "nul \u0000 " + secret)),
                Map.entry("contact", with(good, "contact", secret + "c".repeat(SecurityReports.MAX_CONTACT))),
                Map.entry("contact", with(good, "contact", "me\r\n" + secret)));
        long before = rows();

        for (Map.Entry<String, Map<String, Object>> c : cases) {
            String field = c.getKey();
            Api.Response r = api.post(PATH, c.getValue(), null);
            assertThat(r.status()).as(field + ": " + r.body()).isEqualTo(400);
            JsonNode error = r.json();
            assertThat(error.get("error").asString()).isEqualTo("validation_failed");
            assertThat(error.get("field").asString()).as(r.body()).isEqualTo(field);
            assertThat(error.get("message").asString()).startsWith(field + ": ");
            assertThat(r.body()).as("no input echoed").doesNotContain(secret);
        }

        Api.Response notJson = api.post(PATH, "title=" + secret, null);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().get("error").asString()).isEqualTo("malformed_json");
        assertThat(notJson.body()).doesNotContain(secret);

        Api.Response unknown = api.post(PATH, with(good, "severity", secret), null);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").asString()).isEqualTo("unknown_field");
        assertThat(unknown.body()).doesNotContain(secret).contains("contact, description, title");

        Api.Response tooLarge = api.post(PATH, with(good, "description", secret + "x".repeat(70_000)), null);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.json().get("error").asString()).isEqualTo("payload_too_large");
        assertThat(tooLarge.body()).doesNotContain(secret);

        assertThat(rows()).as("nothing stored").isEqualTo(before);
        assertThat(output.getAll()).as("nothing of the input logged").doesNotContain(secret);
    }

    @Test
    void triageMovesAReportAlongTheAllowedTransitionsOnlyAndEachMoveIsInThePlatformHistory() throws Exception {
        UUID operator = operator();
        UUID other = operator();
        UUID id = submit("Triaged report");
        String reference = reports.read(id).reference();

        reports.triage(id, Status.TRIAGED, operator);
        SecurityReports.Report triaged = reports.read(id);
        assertThat(triaged.status()).isEqualTo(Status.TRIAGED);
        assertThat(triaged.triagedBy()).isEqualTo(operator);
        assertThat(triaged.triagedAt()).isNotNull();
        assertThat(triaged.closedAt()).isNull();

        refused(id, Status.TRIAGED, operator);
        refused(id, Status.NEW, operator);

        reports.triage(id, Status.FIXED, other);
        SecurityReports.Report fixed = reports.read(id);
        assertThat(fixed.status()).isEqualTo(Status.FIXED);
        assertThat(fixed.triagedBy()).as("the first to triage it").isEqualTo(operator);
        assertThat(fixed.triagedAt()).isEqualTo(triaged.triagedAt());
        assertThat(fixed.closedAt()).isNotNull().isAfterOrEqualTo(fixed.triagedAt());
        refused(id, Status.NOT_APPLICABLE, operator);
        refused(id, Status.TRIAGED, operator);
        assertThat(reports.list("FIXED")).extracting(SecurityReports.Summary::id).contains(id);

        // straight from NEW to closed
        UUID dismissed = submit("Not applicable");
        reports.triage(dismissed, Status.NOT_APPLICABLE, other);
        assertThat(reports.read(dismissed).triagedBy()).isEqualTo(other);
        assertThat(reports.read(dismissed).closedAt()).isNotNull();
        refused(dismissed, Status.FIXED, other);
        UUID quickFix = submit("Fixed at once");
        reports.triage(quickFix, Status.FIXED, operator);
        assertThat(reports.read(quickFix).status()).isEqualTo(Status.FIXED);

        assertThatThrownBy(() -> reports.triage(UUID.randomUUID(), Status.TRIAGED, operator)).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.status().value()).isEqualTo(404));
        assertThatThrownBy(() -> reports.triage(id, null, operator)).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.field()).isEqualTo("status"));

        // received, then the two accepted moves; refused ones recorded nothing. In the platform chain (the nil tenant id).
        // Every decrypted read is recorded too (at least the three above).
        List<Event> all = platformEvents(id);
        assertThat(all).filteredOn(e -> e.action().equals("platform.security_report_read")).hasSizeGreaterThanOrEqualTo(3);
        List<Event> events = all.stream().filter(e -> !e.action().equals("platform.security_report_read")).toList();
        assertThat(events).extracting(Event::action).containsExactly("platform.security_report_received",
                "platform.security_report_triaged", "platform.security_report_triaged");
        assertThat(events.get(1).details()).isEqualTo("{\"status\": \"TRIAGED\", \"reference\": \"" + reference + "\"}");
        assertThat(events.get(2).details()).isEqualTo("{\"status\": \"FIXED\", \"reference\": \"" + reference + "\"}");
        assertThat(events.get(1).actorType()).as("no request: the platform acted (the operator console will name its operator)")
                .isEqualTo("system");
    }

    @Test
    void theDatabaseHoldsTheRuntimeRoleToItsGrantsAndTheTriageRules() throws Exception {
        UUID id = submit("Grants");
        try (Connection c = TestDatabase.asApp(); Statement st = c.createStatement()) {
            for (String sql : List.of("delete from security_reports where id = '" + id + "'",
                    "update security_reports set title_ciphertext = '\\x01' where id = '" + id + "'",
                    "update security_reports set received_at = now() where id = '" + id + "'",
                    "update security_reports set reference = 'CWSR-0000000000' where id = '" + id + "'")) {
                assertThatThrownBy(() -> st.execute(sql)).as(sql).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
            // a status past NEW needs who triaged it and when
            assertThatThrownBy(() -> st.execute("update security_reports set status = 'TRIAGED' where id = '" + id + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("check constraint");
            assertThatThrownBy(() -> st.execute("update security_reports set status = 'CLOSED' where id = '" + id + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("check constraint");
        }
        assertThat(reports.read(id).status()).isEqualTo(Status.NEW);
    }

    @Test
    void aSignedInUserMayReportTooAndIsNotNamedInThePlatformHistory() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Reporting Org");
        Api.Response r = api.post(PATH, Map.of("title", "From a customer", "description", "Seen while signed in"), t.token());
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        UUID id = idOf(r.json().get("reference").asString());
        List<Event> events = platformEvents(id);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).actorType()).isEqualTo("anonymous");
        assertThat(events.get(0).row()).doesNotContain(t.userId().toString()).doesNotContain(t.tenantId().toString());
        assertThat(api.get("/api/v1/me", t.token()).status()).as("the caller's own scope is intact").isEqualTo(200);
    }

    @Test
    void theConsoleFormSendsAReportWithItsCsrfTokenAndShowsErrorsByTheirField() throws Exception {
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response page = browser.get("/security/report");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<label for=\"title\"", "<label for=\"description\"", "<label for=\"contact\"")
                .contains("name=\"_csrf\"").doesNotContainPattern("<script(?![^>]*\\bsrc=)");
        long before = rows();

        Api.Response sent = browser.post("/security/report", Map.of("title", "Open redirect", "description", "On /login?next=",
                "contact", "finder@example.com"), ConsoleClient.csrf(page.body()));
        assertThat(sent.status()).isEqualTo(200);
        assertThat(sent.body()).contains("id=\"report-received\"");
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("id=\"report-reference\">(" + REFERENCE + ")<").matcher(sent.body());
        assertThat(shown.find()).as(sent.body()).isTrue();
        SecurityReports.Report report = reports.read(idOf(shown.group(1)));
        assertThat(report.title()).isEqualTo("Open redirect");
        assertThat(report.contact()).isEqualTo("finder@example.com");
        assertThat(rows()).isEqualTo(before + 1);

        // a bad field: the form again, the error tied to its field, what was typed kept; nothing stored
        Api.Response form = browser.get("/security/report");
        Api.Response refused = browser.post("/security/report", Map.of("title", "Kept title", "description", "",
                "contact", "kept@example.com"), ConsoleClient.csrf(form.body()));
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body()).contains("id=\"report-error\"", "id=\"description-error\"", "aria-describedby=\"description-error\"",
                "aria-invalid=\"true\"", "value=\"Kept title\"", "value=\"kept@example.com\"").doesNotContain("id=\"report-reference\"");
        assertThat(refused.body()).doesNotContain("id=\"title-error\"").containsPattern("id=\"description\"[^>]*autofocus");

        // without the CSRF token: refused, nothing stored
        Api.Response forged = browser.post("/security/report", Map.of("title", "Forged", "description", "Forged"), null);
        assertThat(forged.status()).isEqualTo(403);
        assertThat(rows()).isEqualTo(before + 1);

        // the policy page leads to the form
        assertThat(browser.get("/security-policy").body()).contains("href=\"/security/report\"");
    }

    // --- helpers

    private UUID submit(String title) throws SQLException {
        Api.Response r = api.post(PATH, Map.of("title", title, "description", "Details of " + title), null);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return idOf(r.json().get("reference").asString());
    }

    private void refused(UUID id, Status next, UUID operator) {
        Status was = reports.read(id).status();
        assertThatThrownBy(() -> reports.triage(id, next, operator)).as(was + " -> " + next).isInstanceOfSatisfying(ApiProblem.class, p -> {
            assertThat(p.status().value()).isEqualTo(409);
            assertThat(p.code()).isEqualTo("invalid_transition");
        });
        assertThat(reports.read(id).status()).as("unchanged").isEqualTo(was);
    }

    /** An operator row, as `cloudwarden operator create` would leave it (invited); triage names one. */
    private static UUID operator() throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "insert into operators (id, email, role, created_at) values (?, ?, 'SUPPORT', now())")) {
            ps.setObject(1, id);
            ps.setString(2, Api.uniqueEmail("operator"));
            ps.executeUpdate();
        }
        return id;
    }

    private static long rows() throws SQLException {
        return TestDatabase.count("select count(*) from security_reports");
    }

    private static UUID idOf(String reference) throws SQLException {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("select id from security_reports where reference = ?")) {
            ps.setString(1, reference);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("a row for " + reference).isTrue();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    /** The whole row as text (bytea in hex). */
    private static String row(UUID id) throws SQLException {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("select r::text from security_reports r where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    /** An event as stored: its details as jsonb prints them, and the whole row as text for canary scans. */
    record Event(String action, String actorType, String details, String row) {
    }

    /** The platform chain's events (tenant_id the nil id) about one report, in order. */
    private static List<Event> platformEvents(UUID report) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("""
                select action, actor_type, details::text, e::text from activity_events e
                where tenant_id = ? and target_type = 'security_report' and target_id = ? order by seq""")) {
            ps.setObject(1, ActivityLog.PLATFORM);
            ps.setString(2, report.toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return events;
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(base);
        copy.put(key, value);
        return copy;
    }

    private static Map<String, Object> without(Map<String, Object> base, String key) {
        Map<String, Object> copy = new LinkedHashMap<>(base);
        copy.remove(key);
        return copy;
    }
}
