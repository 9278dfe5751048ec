package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** GET /api/v1/activity: who may read it, its filters and cursor, bad input, and a SIEM that follows it. */
class ActivityApiTest extends IntegrationTest {

    @Test
    void eventsCarrySeqAndHashesWithActorsResolvedToTheirCurrentEmail() {
        Api.Tenant t = api.signUpAndSignIn("Activity API");
        JsonNode page = api.get("/api/v1/activity", t.token()).json();
        JsonNode first = page.get("events").get(0);
        assertThat(first.get("seq").asLong()).isEqualTo(1);
        assertThat(first.get("action").asString()).isEqualTo("user.signed_up");
        assertThat(first.get("prevHash").asString()).isEqualTo("0".repeat(64));
        assertThat(first.get("hash").asString()).hasSize(64);
        assertThat(first.get("actor").get("id").asString()).isEqualTo(t.userId().toString());
        assertThat(first.get("actor").get("email").asString()).as("resolved when read").isEqualTo(t.email());
        assertThat(page.get("events").get(1).get("prevHash").asString()).isEqualTo(first.get("hash").asString());
        assertThat(page.get("cursor").asLong()).isEqualTo(page.get("events").size());
    }

    @Test
    void ownersAdminsAndViewersReadOperatorsDoNotAndNobodyReadsAnotherTenant() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("Activity readers A");
        Api.Tenant b = api.signUpAndSignIn("Activity readers B");
        for (String role : List.of("ADMIN", "VIEWER")) {
            TestUsers.User u = TestUsers.add(a, role);
            String token = api.signIn(u.email(), Api.PASSWORD);
            Api.Response r = api.get("/api/v1/activity", token);
            assertThat(r.status()).as(role).isEqualTo(200);
            assertThat(r.body()).doesNotContain(b.tenantId().toString()).doesNotContain(b.email());
        }
        TestUsers.User operator = TestUsers.add(a, "OPERATOR");
        String token = api.signIn(operator.email(), Api.PASSWORD);
        assertThat(api.get("/api/v1/activity", token).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/activity/export", token).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/activity", null).status()).isEqualTo(401);
        // B's page holds B's events only
        JsonNode page = api.get("/api/v1/activity?limit=1000", b.token()).json();
        for (JsonNode e : page.get("events")) {
            assertThat(e.toString()).doesNotContain(a.userId().toString());
        }
    }

    @Test
    void filtersNarrowThePage() {
        Api.Tenant t = api.signUpAndSignIn("Activity filters");
        for (int i = 0; i < 3; i++) {
            assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD + "-no"), null).status()).isEqualTo(401);
        }
        JsonNode failed = api.get("/api/v1/activity?action=user.sign_in_failed", t.token()).json().get("events");
        assertThat(failed).hasSize(3);
        failed.forEach(e -> {
            assertThat(e.get("action").asString()).isEqualTo("user.sign_in_failed");
            assertThat(e.get("actor").get("type").asString()).isEqualTo("anonymous");
            assertThat(e.get("target").get("id").asString()).isEqualTo(t.userId().toString());
            assertThat(e.get("details").get("reason").asString()).isEqualTo("invalid_credentials");
        });
        assertThat(api.get("/api/v1/activity?action=user.sign_in_failed&limit=2", t.token()).json().get("events")).hasSize(2);
        long second = failed.get(1).get("seq").asLong();
        assertThat(api.get("/api/v1/activity?action=user.sign_in_failed&after=" + second, t.token()).json().get("events")).hasSize(1);
        JsonNode newestFirst = api.get("/api/v1/activity?before=" + (second + 1) + "&limit=2", t.token()).json().get("events");
        assertThat(newestFirst.get(0).get("seq").asLong()).isEqualTo(second);
        assertThat(newestFirst.get(1).get("seq").asLong()).isLessThan(second);
        assertThat(api.get("/api/v1/activity?target=" + t.userId() + "&targetType=user&action=user.signed_up", t.token()).json()
                .get("events")).hasSize(1);
        assertThat(api.get("/api/v1/activity?actor=" + t.userId() + "&action=user.sign_in_failed", t.token()).json().get("events")).isEmpty();
        String future = URLEncoder.encode(Instant.now().plusSeconds(3600).toString(), StandardCharsets.UTF_8);
        assertThat(api.get("/api/v1/activity?from=" + future, t.token()).json().get("events")).isEmpty();
        assertThat(api.get("/api/v1/activity?to=" + future, t.token()).json().get("events")).isNotEmpty();
    }

    @Test
    void badFiltersAre400NamingTheFieldAndEchoNothing() {
        Api.Tenant t = api.signUpAndSignIn("Activity bad input");
        Map<String, String> bad = Map.of(
                "after=-1", "after", "after=x", "after", "limit=0", "limit", "limit=1001", "limit", "actor=not-a-uuid", "actor",
                "action=user.hacked", "action", "from=yesterday", "from", "after=1&before=5", "before", "canary%3Cscript%3E=1", "query",
                "targetType=Bad!", "targetType");
        bad.forEach((query, field) -> {
            Api.Response r = api.get("/api/v1/activity?" + query, t.token());
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isEqualTo("validation_failed");
            assertThat(r.json().get("message").asString()).as(query).startsWith(field + ":");
            assertThat(r.body()).doesNotContain("<script>").doesNotContain("hacked").doesNotContain("yesterday");
        });
    }

    /**
     * A SIEM polls with after=<cursor> while events are being appended: it sees every event exactly
     * once, in order, and the same ones the database holds.
     */
    @Test
    void aPollerFollowingTheCursorSeesEveryEventExactlyOnce() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Activity SIEM");
        // three writers at once, so appends of the tenant really compete for its chain (tokens made and revoked)
        AtomicBoolean writing = new AtomicBoolean(true);
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Api writer = new Api(port);
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 12; i++) {
                    Api.Response created = writer.post("/api/v1/tokens", Map.of("name", "siem", "scopes", List.of("read"),
                            "expiresAt", Instant.now().plusSeconds(3600).toString()), t.token());
                    assertThat(created.status()).isEqualTo(201);
                    assertThat(writer.delete("/api/v1/tokens/" + created.json().get("id").asString(), t.token()).status()).isEqualTo(204);
                }
            }));
        }
        CompletableFuture<Void> appends = CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new))
                .whenComplete((ok, failed) -> writing.set(false));
        List<Long> seen = new ArrayList<>();
        long cursor = 0;
        boolean lastRound = false;
        while (true) {
            JsonNode page = api.get("/api/v1/activity?after=" + cursor + "&limit=7", t.token()).json();
            for (JsonNode e : page.get("events")) {
                seen.add(e.get("seq").asLong());
            }
            cursor = page.get("cursor").asLong();
            if (page.get("events").isEmpty()) {
                if (lastRound) {
                    break;
                }
                lastRound = !writing.get();
                Thread.sleep(20);
            }
        }
        appends.get();
        long stored = TestDatabase.count("select count(*) from activity_events where tenant_id = ?", t.tenantId());
        Set<Long> distinct = new HashSet<>(seen);
        assertThat(distinct).as("no event seen twice").hasSameSizeAs(seen);
        assertThat(seen).as("every event, in order").isSorted().hasSize((int) stored);
        assertThat(seen.get(seen.size() - 1)).isEqualTo(stored);
    }
}
