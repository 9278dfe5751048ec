package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestUsers;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/** Personal access tokens through the real server and database: issue, use, scopes, revocation, storage, bad input. */
class PersonalAccessTokenTest extends IntegrationTest {

    /** The server's own routes (the MVC handler mappings of the running application). */
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private Api.Response create(String sessionToken, String name, List<String> scopes, Instant expiresAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("scopes", scopes);
        body.put("expiresAt", expiresAt.toString());
        return api.post("/api/v1/tokens", body, sessionToken);
    }

    private String createToken(String sessionToken, List<String> scopes) {
        Api.Response r = create(sessionToken, "ci " + scopes, scopes, Instant.now().plus(Duration.ofDays(30)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("token").asString();
    }

    @Test
    void aTokenIsShownOnceWorksWithinItsScopesAndDiesWhenRevoked() {
        Api.Tenant t = api.signUpAndSignIn("PAT lifecycle");
        Instant expiresAt = Instant.now().plus(Duration.ofDays(90)).truncatedTo(ChronoUnit.SECONDS);
        Api.Response created = create(t.token(), "deploy script", List.of("read"), expiresAt);
        assertThat(created.status()).isEqualTo(201);
        JsonNode body = created.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("id", "name", "scopes", "hint", "createdAt", "expiresAt", "token");
        String pat = body.get("token").asString();
        String id = body.get("id").asString();
        assertThat(pat).startsWith("cwpat_").hasSize(6 + 64);
        assertThat(body.get("hint").asString()).isEqualTo("cwpat_…" + pat.substring(pat.length() - 4));
        assertThat(Instant.parse(body.get("expiresAt").asString())).isEqualTo(expiresAt);
        assertThat(body.get("scopes").size()).isEqualTo(1);
        assertThat(body.get("scopes").get(0).asString()).isEqualTo("read");

        // use: reads work, as the token's user in the token's tenant
        Api.Response me = api.get("/api/v1/me", pat);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("userId").asString()).isEqualTo(t.userId().toString());
        assertThat(api.get("/api/v1/users", pat).status()).isEqualTo(200);

        // writes and credential management are outside a read token's scopes
        Api.Response write = api.patch("/api/v1/users/" + t.userId(), Map.of("role", "VIEWER"), pat);
        assertThat(write.status()).isEqualTo(403);
        assertThat(write.json().get("error").asString()).isEqualTo("insufficient_scope");
        assertThat(api.delete("/api/v1/users/" + UUID.randomUUID(), pat).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/me", t.token()).json().get("role").asString()).isEqualTo("OWNER");
        for (Api.Response r : List.of(api.get("/api/v1/tokens", pat), api.get("/api/v1/sessions", pat),
                create(pat, "escalate", List.of("write"), Instant.now().plus(Duration.ofDays(1))),
                api.delete("/api/v1/tokens/" + id, pat), api.delete("/api/v1/sessions/current", pat))) {
            assertThat(r.status()).as(r.body()).isEqualTo(403);
            assertThat(r.json().get("error").asString()).isEqualTo("insufficient_scope");
        }

        // listed without the token, with its last use
        JsonNode listed = api.get("/api/v1/tokens", t.token()).json();
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.get(0).propertyNames()).containsExactlyInAnyOrder("id", "name", "scopes", "hint", "createdAt", "expiresAt", "lastUsedAt");
        assertThat(listed.get(0).get("id").asString()).isEqualTo(id);
        assertThat(listed.get(0).get("name").asString()).isEqualTo("deploy script");
        assertThat(listed.get(0).get("lastUsedAt").isNull()).isFalse();
        assertThat(listed.toString()).doesNotContain(pat).doesNotContain(pat.substring(6, 40));

        assertThat(api.delete("/api/v1/tokens/" + id, t.token()).status()).isEqualTo(204);
        Api.Response after = api.get("/api/v1/me", pat);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.json().get("error").asString()).isEqualTo("unauthorized");
        assertThat(api.delete("/api/v1/tokens/" + id, t.token()).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/tokens", t.token()).json().size()).isZero();
    }

    @Test
    void scopesMapToMethodsAndNeverExceedTheRole() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("PAT scopes");
        TestUsers.User viewer = TestUsers.add(t, "VIEWER");
        TestUsers.User operator = TestUsers.add(t, "OPERATOR");
        String ownerWrite = createToken(t.token(), List.of("write"));
        String viewerWrite = createToken(api.signIn(viewer.email(), Api.PASSWORD), List.of("write", "read"));

        // write includes read, and acts with the owner's role
        assertThat(api.get("/api/v1/me", ownerWrite).status()).isEqualTo(200);

        // a write token of a VIEWER is still a VIEWER
        Api.Response byViewer = api.delete("/api/v1/users/" + operator.id(), viewerWrite);
        assertThat(byViewer.status()).isEqualTo(403);
        assertThat(byViewer.json().get("error").asString()).isEqualTo("forbidden");
        Api.Response disabled = api.delete("/api/v1/users/" + operator.id(), ownerWrite);
        assertThat(disabled.status()).isEqualTo(204);

        // past the scope check a read token meets the route itself: an unknown user is 404 like any
        String ownerRead = createToken(t.token(), List.of("read"));
        Api.Response unknown = api.get("/api/v1/users/" + UUID.randomUUID(), ownerRead);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("error").asString()).isEqualTo("not_found");
    }

    /**
     * jobs:run allows only the routes the route table gives that scope (POST /api/v1/jobs/{id}/runs,
     * which does not exist yet). So on every /api route the server really has, read from its handler
     * mappings (a route added later is swept too), such a token gets 403 insufficient_scope.
     */
    @Test
    void aJobsRunTokenReachesNoOtherRouteOfTheServer() {
        Api.Tenant t = api.signUpAndSignIn("PAT jobs:run");
        String jobsOnly = createToken(t.token(), List.of("jobs:run"));
        List<String> routes = new ArrayList<>();
        for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (String pattern : info.getPatternValues()) {
                if (pattern.startsWith("/api/")) {
                    (methods.isEmpty() ? Set.of(RequestMethod.GET) : methods).forEach(m -> routes.add(m.name() + " " + pattern));
                }
            }
        }
        assertThat(routes).as("the sweep sees the API").contains("GET /api/v1/me", "POST /api/v1/users", "DELETE /api/v1/users/{id}",
                "POST /api/v1/mfa/totp");
        for (String route : routes) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            Api.Response refused = send(method, path, jobsOnly);
            // running a job, and an inventory sync (a job run on demand), are what jobs:run is for
            boolean jobRun = method.equals("POST") && (path.matches("/api/v1/jobs/[^/]+/runs") || path.matches("/api/v1/cloud-accounts/[^/]+/sync"));
            if (jobRun) {
                assertThat(refused.body()).as(route).doesNotContain("insufficient_scope");
                continue;
            }
            assertThat(refused.status()).as(route).isEqualTo(403);
            assertThat(refused.json().get("error").asString()).as(route).isEqualTo("insufficient_scope");
        }
    }

    private Api.Response send(String method, String path, String token) {
        HttpRequest.BodyPublisher body = method.equals("GET") || method.equals("HEAD")
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}");
        return api.send(api.request(path, token).header("Content-Type", "application/json").method(method, body).build());
    }

    /**
     * A leaked write token of an OWNER cannot turn itself into a lasting foothold: no MFA enrolment
     * (the attacker's authenticator, the recovery codes), no invitations, no role changes, no
     * security settings, no sessions or tokens.
     */
    @Test
    void noTokenManagesCredentialsFactorsOrAccounts() {
        Api.Tenant t = api.signUpAndSignIn("PAT credentials");
        String write = createToken(t.token(), List.of("write", "read", "jobs:run"));
        String invitee = Api.uniqueEmail("foothold");
        List<Api.Response> refused = List.of(
                api.post("/api/v1/mfa/totp", "", write),
                api.post("/api/v1/mfa/totp/confirm", Map.of("code", "123456"), write),
                api.send(api.request("/api/v1/mfa/totp", write).header("Content-Type", "application/json")
                        .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{\"code\":\"123456\"}")).build()),
                api.post("/api/v1/users", Map.of("email", invitee, "role", "OWNER"), write),
                api.post("/api/v1/users", Map.of("email", invitee, "role", "VIEWER"), write),
                api.patch("/api/v1/users/" + t.userId(), Map.of("role", "OWNER"), write),
                api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), write),
                api.post("/api/v1/tokens", Map.of("name", "longer", "scopes", List.of("write"),
                        "expiresAt", Instant.now().plusSeconds(3600).toString()), write),
                api.get("/api/v1/sessions", write),
                api.delete("/api/v1/sessions/current", write));
        for (Api.Response r : refused) {
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.json().get("error").asString()).isEqualTo("insufficient_scope");
        }
        assertThat(api.get("/api/v1/me", t.token()).json().get("mfaEnabled").asBoolean()).isFalse();
        assertThat(api.get("/api/v1/users", t.token()).json().size()).as("nobody was invited").isEqualTo(1);
        assertThat(dev.cloudwarden.support.TestMail.countTo(invitee)).isZero();
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("PAT expiry");
        Api.Response created = create(t.token(), "short", List.of("read"), Instant.now().plusSeconds(3));
        assertThat(created.status()).isEqualTo(201);
        String pat = created.json().get("token").asString();
        Instant expiresAt = Instant.parse(created.json().get("expiresAt").asString());
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis()) + 500);
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/tokens", t.token()).json().size()).as("expired tokens are not listed").isZero();
    }

    @Test
    void disablingTheUserKillsTheirTokensInTheSameRequest() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("PAT disable");
        TestUsers.User admin = TestUsers.add(t, "ADMIN");
        String pat = createToken(api.signIn(admin.email(), Api.PASSWORD), List.of("read", "write"));
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        assertThat(api.delete("/api/v1/users/" + admin.id(), t.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(401);
        assertThat(TestDatabase.count("select count(*) from personal_access_tokens where user_id = ?::uuid and revoked_at is null",
                admin.id().toString())).isZero();
    }

    @Test
    void tokensAreStoredOnlyAsTenantKeyedHashes() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("PAT storage");
        String pat = createToken(t.token(), List.of("read"));
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "select t::text, token_hash from personal_access_tokens t where tenant_id = ?")) {
            ps.setObject(1, t.tenantId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                String row = rs.getString(1);
                byte[] hash = rs.getBytes(2);
                assertThat(row).doesNotContain(pat).doesNotContain(pat.substring(6)).doesNotContain(pat.substring(30, 60));
                assertThat(hash).hasSize(32);
                byte[] plainSha256 = MessageDigest.getInstance("SHA-256").digest(pat.getBytes(StandardCharsets.UTF_8));
                assertThat(hash).as("keyed, not a plain digest").isNotEqualTo(plainSha256);
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void anotherTenantCannotSeeRevokeOrBorrowATokenAndForgedTokensAreRefused() throws Exception {
        Api.Tenant a = api.signUpAndSignIn("PAT tenant A");
        Api.Tenant b = api.signUpAndSignIn("PAT tenant B");
        Api.Response created = create(a.token(), "a's token", List.of("read"), Instant.now().plus(Duration.ofDays(1)));
        String pat = created.json().get("token").asString();
        String id = created.json().get("id").asString();

        assertThat(api.get("/api/v1/tokens", b.token()).json().size()).isZero();
        Api.Response foreign = api.delete("/api/v1/tokens/" + id, b.token());
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.json().get("error").asString()).isEqualTo("not_found");
        TestUsers.User colleague = TestUsers.add(a, "ADMIN");
        assertThat(api.delete("/api/v1/tokens/" + id, api.signIn(colleague.email(), Api.PASSWORD)).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/users", pat).json().findValues("email").stream().map(JsonNode::asString))
                .contains(a.email().toLowerCase()).doesNotContain(b.email().toLowerCase());

        // the same secret part under B's tenant id finds nothing
        byte[] raw = Base64.getUrlDecoder().decode(pat.substring(6));
        ByteBuffer.wrap(raw).putLong(b.tenantId().getMostSignificantBits()).putLong(b.tenantId().getLeastSignificantBits());
        String forged = "cwpat_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        for (String token : new String[] {forged, "cwpat_", "cwpat_!!!!", "cwpat_" + "A".repeat(64), pat + "x", pat.substring(0, 60),
                "cws_" + pat.substring(6), "CWPAT_" + pat.substring(6)}) {
            Api.Response r = api.get("/api/v1/me", token);
            assertThat(r.status()).as(token).isEqualTo(401);
            assertThat(r.json().get("error").asString()).isEqualTo("unauthorized");
        }
    }

    @Test
    void badInputIsRefusedWithTheFieldNamedAndCreatesNothing() {
        Api.Tenant t = api.signUpAndSignIn("PAT bad input");
        String future = Instant.now().plus(Duration.ofDays(30)).toString();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"  \",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"" + "n".repeat(1024) + "\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"" + "n".repeat(101) + "\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"bad\\u0000name\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"line\\nbreak\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"esc\\u001b[31m\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"txt.exe\\u202Egpj\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"}", "name");
        cases.put("{\"name\":\"x\",\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":[],\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":[\"admin\"],\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\",\"READ\"],\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":[null],\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":\"read\",\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":{\"read\":true},\"expiresAt\":\"" + future + "\"}", "scopes");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"]}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":null}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"" + Instant.now().minusSeconds(60) + "\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"" + Instant.now().plus(Duration.ofDays(366)) + "\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"" + Instant.now().plus(Duration.ofDays(365)).plusSeconds(60) + "\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"tomorrow\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"2099-01-01\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"+1000000000-01-01T00:00:00Z\"}", "expiresAt");
        cases.put("{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":1e300}", "expiresAt");

        for (Map.Entry<String, String> c : cases.entrySet()) {
            Api.Response r = api.post("/api/v1/tokens", c.getKey(), t.token());
            String what = c.getKey().length() > 120 ? c.getKey().substring(0, 120) : c.getKey();
            assertThat(r.status()).as(what + " -> " + r.body()).isEqualTo(400);
            assertThat(r.json().get("field").asString()).as(what + " -> " + r.body()).isEqualTo(c.getValue());
            assertThat(r.body()).doesNotContain("n".repeat(200)).doesNotContain("Exception").doesNotContain("admin");
        }
        // a field the call does not take: refused without echoing its name (the caller's text)
        Api.Response unknown = api.post("/api/v1/tokens", "{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future
                + "\",\"token\":\"cwpat_mine\"}", t.token());
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").asString()).isEqualTo("unknown_field");
        assertThat(unknown.json().has("field")).isFalse();
        for (String malformed : new String[] {"", "null", "[]", "{", "{\"name\":\"x\",\"scopes\":[\"read\"],\"expiresAt\":\"" + future + "\"} trailing"}) {
            assertThat(api.post("/api/v1/tokens", malformed, t.token()).status()).as(malformed).isEqualTo(400);
        }
        assertThat(api.get("/api/v1/tokens", t.token()).json().size()).as("nothing was created").isZero();

        // the limit of live tokens per user
        for (int i = 0; i < CredentialsService.MAX_LIVE_TOKENS; i++) {
            assertThat(create(t.token(), "t" + i, List.of("read"), Instant.now().plus(Duration.ofDays(1))).status()).isEqualTo(201);
        }
        Api.Response tooMany = create(t.token(), "one more", List.of("read"), Instant.now().plus(Duration.ofDays(1)));
        assertThat(tooMany.status()).isEqualTo(409);
        assertThat(tooMany.json().get("error").asString()).isEqualTo("too_many_tokens");
    }

    @Test
    void theConsoleCreatesShowsOnceListsAndRevokesTokens() {
        Api.Tenant t = api.signUpAndSignIn("PAT console");
        ConsoleClient browser = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        Api.Response page = browser.get("/console/tokens");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("jobs:run").doesNotContain("style=").doesNotContainPattern("<script(?![^>]*\\bsrc=)");

        Api.Response refused = browser.submit("/console/tokens", "/console/tokens", Map.of("name", "nightly", "expiresInDays", "30"));
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body()).contains("Scopes: choose at least one").doesNotContain("token-value");

        Map<String, Object> form = new LinkedHashMap<>();
        form.put("name", "nightly <b>job</b>");
        form.put("scopes", List.of("read", "jobs:run"));
        form.put("expiresInDays", "30");
        Api.Response created = browser.submit("/console/tokens", "/console/tokens", form);
        assertThat(created.status()).isEqualTo(200);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=\"token-value\">(cwpat_[A-Za-z0-9_-]{64})<").matcher(created.body());
        assertThat(m.find()).as("the token is shown once").isTrue();
        String pat = m.group(1);
        assertThat(created.body()).contains("nightly &lt;b&gt;job&lt;/b&gt;").doesNotContain("<b>job</b>");
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);

        Api.Response later = browser.get("/console/tokens");
        assertThat(later.body()).doesNotContain(pat).contains(pat.substring(pat.length() - 4)).contains("read, jobs:run");
        String id = api.get("/api/v1/tokens", t.token()).json().get(0).get("id").asString();

        assertThat(browser.post("/console/tokens/" + id + "/revoke", Map.of(), null).status()).as("no CSRF token").isEqualTo(403);
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        Api.Response revoked = browser.submit("/console/tokens", "/console/tokens/" + id + "/revoke", Map.of());
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(revoked.header("Location")).endsWith("/console/tokens?revoked");
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(401);
    }
}
