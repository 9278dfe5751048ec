package dev.cloudwarden.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.common.ListPage;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's lists (cloud accounts, agents, members and invitations, one's sessions and tokens): filtered by name and state, a page at a time, bad filters refused in our words. */
class ConsoleListsTest extends IntegrationTest {

    @Test
    void accountsAndAgentsFilterByNameAndStateAndPage() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Account List Org");
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("""
                     insert into cloud_accounts (id, tenant_id, name, provider, role_arn_ciphertext, role_arn_hash, role_arn_masked, regions, status, created_at)
                     values (?, ?, ?, 'aws', '\\x00', ?, 'arn:aws:iam::1234****9012:role/…', '{us-east-1}', ?, now())""");
             PreparedStatement agent = c.prepareStatement("""
                     insert into agents (id, tenant_id, hostname, public_key, enrolled_at) values (?, ?, ?, ?, now())""")) {
            for (int i = 1; i <= 30; i++) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, t.tenantId());
                ps.setString(3, (i % 2 == 0 ? "Production " : "Staging ") + i);
                byte[] hash = new byte[32];
                hash[0] = (byte) i;
                ps.setBytes(4, hash);
                ps.setString(5, i % 5 == 0 ? "verified" : "unverified");
                ps.executeUpdate();
                agent.setObject(1, UUID.randomUUID());
                agent.setObject(2, t.tenantId());
                agent.setString(3, "host-" + i + ".example.com");
                agent.setBytes(4, new byte[32]);
                agent.executeUpdate();
            }
        }
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);

        String first = console.get("/console/cloud-accounts").body();
        assertThat(rows(first, "account")).hasSize(ListPage.SIZE);
        assertThat(first).contains("Page 1 of 2 (30 cloud accounts)");
        assertThat(rows(console.get("/console/cloud-accounts?page=2").body(), "account")).hasSize(5);
        assertThat(rows(console.get("/console/cloud-accounts?state=verified").body(), "account")).hasSize(6);
        assertThat(rows(console.get("/console/cloud-accounts?q=production&state=verified").body(), "account")).as("10, 20, 30").hasSize(3);
        String none = console.get("/console/cloud-accounts?q=nothing-like-it").body();
        assertThat(none).contains("No cloud account matches these filters.");
        String bad = console.get("/console/cloud-accounts?state=%3Cb%3Ebold").body();
        assertThat(bad).contains("Choose the state from its list").doesNotContain("<b>bold");
        assertThat(rows(bad, "account")).hasSize(ListPage.SIZE);

        String agents = console.get("/console/agents").body();
        assertThat(rows(agents, "agent")).hasSize(ListPage.SIZE);
        assertThat(agents).contains("Page 1 of 2 (30 agents)").contains("<td>Stale</td>");
        assertThat(rows(console.get("/console/agents?q=HOST-1").body(), "agent")).as("1, 10-19").hasSize(11);
        assertThat(rows(console.get("/console/agents?state=online").body(), "agent")).isEmpty();
        assertThat(console.get("/console/agents?state=online").body()).contains("No agent matches these filters.");
        assertThat(console.get("/console/agents?q=" + "x".repeat(101)).body()).contains("Choose the state from its list");

        for (int i = 0; i < 26; i++) {
            dev.cloudwarden.support.TestUsers.add(t, i % 2 == 0 ? "VIEWER" : "OPERATOR");
        }
        String members = console.get("/console/users").body();
        assertThat(members).contains("Page 1 of 2 (27 members)");
        assertThat(Pattern.compile("<tr data-email=").matcher(members).results().count()).isEqualTo(ListPage.SIZE);
        String owner = console.get("/console/users?q=" + t.email().substring(0, t.email().indexOf('@'))).body();
        assertThat(owner).as("the only owner, on a page of one: still no role change offered").contains("Owner (the only one)");
        assertThat(console.get("/console/users?state=disabled").body()).contains("No member matches these filters.");
        assertThat(console.get("/console/users?state=nobody").body()).contains("Choose the state from its list");

        assertThat(console.get("/console/platform-access").body()).contains("No operator has asked for access.");
        assertThat(console.get("/console/platform-access?state=pending").body()).contains("No access request matches these filters.");
        assertThat(console.get("/console/platform-access?state=%22%3E").body()).contains("Choose the state from its list")
                .doesNotContain("value=\"\">\"");
    }

    @Test
    void ownSessionsTokensAndPendingInvitationsFilterAndPage() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Own Lists Org");
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("""
                     insert into api_sessions (id, tenant_id, user_id, token_hash, device, expires_at)
                     values (?, ?, ?, ?, ?, now() + interval '1 hour')""")) {
            for (int i = 1; i <= 26; i++) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, t.tenantId());
                ps.setObject(3, t.userId());
                ps.setBytes(4, randomBytes());
                ps.setString(5, i % 2 == 0 ? "Firefox 133 on Windows" : "curl 8");
                ps.executeUpdate();
            }
        }
        for (int i = 1; i <= 26; i++) {
            assertThat(api.post("/api/v1/tokens", java.util.Map.of("name", (i % 2 == 0 ? "deploy " : "backup ") + i, "scopes", List.of("read"),
                    "expiresAt", java.time.Instant.now().plus(java.time.Duration.ofDays(1)).toString()), t.token()).status()).isEqualTo(201);
            assertThat(api.post("/api/v1/users", java.util.Map.of("email", "guest-" + i + "-" + UUID.randomUUID() + "@example.com",
                    "role", "VIEWER"), t.token()).status()).isEqualTo(201);
        }
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);

        // 26 API sessions inserted, the test's own API sign-in and this browser's
        String sessions = console.get("/console/sessions").body();
        assertThat(rows(sessions, "session")).hasSize(ListPage.SIZE);
        assertThat(sessions).contains("Page 1 of 2 (28 sessions)").contains("This session");
        assertThat(rows(console.get("/console/sessions?page=2").body(), "session")).hasSize(3);
        assertThat(rows(console.get("/console/sessions?q=firefox").body(), "session")).hasSize(13);
        assertThat(rows(console.get("/console/sessions?state=console").body(), "session")).as("this browser only").hasSize(1);
        assertThat(console.get("/console/sessions?state=console&page=2").body()).as("beyond the end: the last page").contains("This session");
        assertThat(console.get("/console/sessions?q=nothing-like-it").body()).contains("No session matches these filters.")
                .as("every other session still ends from here").contains("id=\"sign-out-others\"");
        assertThat(console.get("/console/sessions?state=%3Cscript%3E").body()).contains("Choose the kind from its list").doesNotContain("<script>");

        String tokens = console.get("/console/tokens").body();
        assertThat(rows(tokens, "token")).hasSize(ListPage.SIZE);
        assertThat(tokens).contains("Page 1 of 2 (26 tokens)").contains("aria-label=\"Revoke the token backup 1\"")
                .as("no state to choose for tokens").doesNotContain("id=\"filter-state\"");
        assertThat(rows(console.get("/console/tokens?q=DEPLOY").body(), "token")).hasSize(13);
        assertThat(console.get("/console/tokens?q=deploy+1").body()).contains("deploy 10").contains("deploy 18").doesNotContain("deploy 2<");
        assertThat(console.get("/console/tokens?q=nothing-like-it").body()).contains("No token matches this name.");
        assertThat(console.get("/console/tokens?q=" + "x".repeat(101)).body()).contains("Type at most 100 characters");

        String people = console.get("/console/users").body();
        assertThat(people).contains("Page 1 of 2 (26 pending invitations)").contains("href=\"/console/users?invitationsPage=2\"");
        assertThat(console.get("/console/users?page=1").body()).as("the members' page is kept").contains("href=\"/console/users?page=1&amp;invitationsPage=2\"");
        assertThat(console.get("/console/users?page=x%3Cb%3E").body()).as("but only a number").contains("href=\"/console/users?invitationsPage=2\"")
                .doesNotContain("x%3Cb").doesNotContain("x<b");
        String invitedOnly = console.get("/console/users?state=invited&invitationsPage=2").body();
        assertThat(Pattern.compile("<tr data-email=\"guest-").matcher(invitedOnly).results().count()).isEqualTo(1);
        assertThat(invitedOnly).contains("No member matches these filters.");
        String guest7 = console.get("/console/users?q=guest-7-").body();
        assertThat(Pattern.compile("<tr data-email=\"guest-").matcher(guest7).results().count()).isEqualTo(1);
        assertThat(console.get("/console/users?state=active").body()).contains("No pending invitation matches these filters.");
    }

    @Test
    void aRefusedTokenNameIsMarkedAtItsField() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Token Form Org");
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        String page = console.submit("/console/tokens", "/console/tokens", java.util.Map.of("name", " ", "scopes", "read", "expiresInDays", "30")).body();
        assertThat(page).contains("id=\"name-error\"").containsPattern("id=\"name\"[^>]*aria-invalid=\"true\"")
                .containsPattern("id=\"name\"[^>]*aria-describedby=\"name-error\"").containsPattern("id=\"name\"[^>]*autofocus");
        assertThat(TestDatabase.count("select count(*) from personal_access_tokens where tenant_id = ?", t.tenantId())).isZero();
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static List<String> rows(String html, String kind) {
        Matcher m = Pattern.compile("data-" + kind + "-id=\"([0-9a-f-]{36})\"").matcher(html);
        List<String> ids = new java.util.ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }
}
