package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Invitations and password resets end to end: real SMTP (GreenMail), real tokens, real database. */
class InvitationAndResetTest extends IntegrationTest {

    @Autowired
    MeterRegistry meters;

    /** "I was hacked, I reset my password": whoever else holds a session or token of the account is out. */
    @Test
    void aPasswordResetEndsEverySessionAndTokenAndLiftsALockout() {
        Api.Tenant t = api.signUpAndSignIn("Hacked Org");
        String pat = api.post("/api/v1/tokens", Map.of("name", "attacker's", "scopes", List.of("read"),
                "expiresAt", Instant.now().plusSeconds(86_400).toString()), t.token()).json().get("token").asString();
        ConsoleClient console = new ConsoleClient(port).signIn(t.email(), Api.PASSWORD);
        assertThat(console.get("/console").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/me", pat).status()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            api.post("/api/v1/sessions", Map.of("email", t.email(), "password", "a-wrong-guess-number-" + i), null);
        }
        assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD), null).status()).isEqualTo(429);

        api.post("/api/v1/password-resets", Map.of("email", t.email()), null);
        String token = TestMail.token(TestMail.awaitNthMessageTo(t.email(), 2), "cwr_");
        assertThat(api.post("/api/v1/password-resets/confirm", Map.of("token", token, "password", "a-brand-new-passphrase-7"), null).status())
                .isEqualTo(204);

        assertThat(api.get("/api/v1/me", t.token()).status()).as("API session").isEqualTo(401);
        assertThat(api.get("/api/v1/me", pat).status()).as("personal access token").isEqualTo(401);
        Api.Response page = console.get("/console");
        assertThat(page.status()).as("console session").isEqualTo(302);
        assertThat(page.header("Location")).contains("/login");
        assertThat(api.signIn(t.email(), "a-brand-new-passphrase-7")).as("the lockout is lifted").isNotBlank();
    }

    /** Forged links that carry a real tenant id are refused before any new password is hashed. */
    @Test
    void forgedInvitationAndResetTokensCostNoPasswordHash() {
        Api.Tenant t = api.signUpAndSignIn("Forged Org");
        double hashes = counter("cloudwarden.password.hashes");
        double verifications = counter("cloudwarden.password.verifications");
        for (String prefix : new String[] {"cwi_", "cwr_"}) {
            String path = prefix.equals("cwi_") ? "/api/v1/invitations/accept" : "/api/v1/password-resets/confirm";
            for (int i = 0; i < 10; i++) {
                Api.Response r = api.post(path, Map.of("token", forged(prefix, t.tenantId()), "password", "a-fine-long-passphrase-" + i), null);
                assertThat(r.status()).as(path).isEqualTo(400);
                assertThat(r.json().get("field").asString()).isEqualTo("token");
            }
        }
        assertThat(counter("cloudwarden.password.hashes")).isEqualTo(hashes);
        assertThat(counter("cloudwarden.password.verifications")).isEqualTo(verifications);
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }

    private static String forged(String prefix, UUID tenant) {
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(48).putLong(tenant.getMostSignificantBits())
                .putLong(tenant.getLeastSignificantBits()).put(UUID.randomUUID().toString().substring(0, 32).getBytes());
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(raw.array());
    }

    @Test
    void anInvitedUserAcceptsThroughTheEmailedLinkOnceAndSignsIn() {
        Api.Tenant owner = api.signUpAndSignIn("Inviting Org");
        String email = Api.uniqueEmail("invitee");
        Api.Response invited = api.post("/api/v1/users", Map.of("email", email, "role", "OPERATOR"), owner.token());
        assertThat(invited.status()).isEqualTo(201);
        assertThat(invited.json().get("status").asString()).isEqualTo("INVITED");
        assertThat(invited.json().get("role").asString()).isEqualTo("OPERATOR");
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null).status())
                .as("no password yet").isEqualTo(401);

        String mail = TestMail.awaitMessageTo(email);
        assertThat(mail).contains(owner.email() + " invited you to join Inviting Org on Cloudwarden as Operator.").contains("/invitations/accept#cwi_");
        String token = TestMail.token(mail, "cwi_");

        Api.Response weak = api.post("/api/v1/invitations/accept", Map.of("token", token, "password", "password1234"), null);
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.json().get("field").asString()).isEqualTo("password");
        Api.Response accepted = api.post("/api/v1/invitations/accept", Map.of("token", token, "password", Api.PASSWORD), null);
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(accepted.json().get("tenantId").asString()).isEqualTo(owner.tenantId().toString());

        String session = api.signIn(email, Api.PASSWORD);
        assertThat(api.get("/api/v1/me", session).json().get("role").asString()).isEqualTo("OPERATOR");
        Api.Response again = api.post("/api/v1/invitations/accept", Map.of("token", token, "password", "another-long-pass-99"), null);
        assertThat(again.status()).as("single use").isEqualTo(400);
        assertThat(again.json().get("field").asString()).isEqualTo("token");
        assertThat(api.signIn(email, Api.PASSWORD)).as("the second attempt changed nothing").isNotBlank();
    }

    @Test
    void invitationRulesAndBadTokens() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Rules Org");
        assertThat(api.post("/api/v1/users", Map.of("email", owner.email(), "role", "VIEWER"), owner.token()).status()).isEqualTo(409);
        assertThat(api.post("/api/v1/users", Map.of("email", "not-an-email", "role", "VIEWER"), owner.token()).json().get("field").asString())
                .isEqualTo("email");
        assertThat(api.post("/api/v1/users", Map.of("email", Api.uniqueEmail("x"), "role", "EMPEROR"), owner.token()).json().get("field").asString())
                .isEqualTo("role");
        assertThat(api.post("/api/v1/users", Map.of("email", Api.uniqueEmail("x")), owner.token()).json().get("field").asString())
                .isEqualTo("role");

        // an expired invitation is refused like an unknown one
        String email = Api.uniqueEmail("late");
        api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner.token());
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwi_");
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(
                "update one_time_tokens set created_at = now() - interval '4 days', expires_at = now() - interval '1 day' where tenant_id = ?")) {
            ps.setObject(1, owner.tenantId());
            assertThat(ps.executeUpdate()).isGreaterThanOrEqualTo(1);
        }
        for (String bad : new String[] {token, "cwi_garbage", "", "x".repeat(2000), token.replace("cwi_", "cwr_")}) {
            Api.Response r = api.post("/api/v1/invitations/accept", Map.of("token", bad, "password", Api.PASSWORD), null);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("field").asString()).isEqualTo("token");
        }
    }

    @Test
    void anInvitationNeitherBlocksNorRevealsAnAddressElsewhere() {
        Api.Tenant inviter = api.signUpAndSignIn("Pushy Org");
        Api.Tenant other = api.signUpAndSignIn("Other Org");
        Api.Response existing = api.post("/api/v1/users", Map.of("email", other.email(), "role", "VIEWER"), inviter.token());
        assertThat(existing.status()).as("an address in another tenant looks like any other").isEqualTo(201);
        String email = Api.uniqueEmail("wanted");
        assertThat(api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), inviter.token()).status()).isEqualTo(201);
        String token = TestMail.token(TestMail.awaitMessageTo(email), "cwi_");
        assertThat(api.signUp("Own Org", email, Api.PASSWORD).status()).as("the invited address can still sign up on its own").isEqualTo(201);
        Api.Response late = api.post("/api/v1/invitations/accept", Map.of("token", token, "password", "another-long-pass-99"), null);
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.json().get("error").asString()).isEqualTo("email_taken");
        assertThat(api.signIn(email, Api.PASSWORD)).as("the account that signed up is untouched").isNotBlank();
        assertThat(api.signIn(other.email(), Api.PASSWORD)).isNotBlank();
    }

    @Test
    void passwordResetNeverRevealsAccountsAndWorksOnceThroughEmail() {
        Api.Tenant t = api.signUpAndSignIn("Reset Org");
        String unknown = Api.uniqueEmail("nobody");
        Api.Response forKnown = api.post("/api/v1/password-resets", Map.of("email", t.email()), null);
        Api.Response forUnknown = api.post("/api/v1/password-resets", Map.of("email", unknown), null);
        assertThat(forKnown.status()).isEqualTo(202);
        assertThat(forUnknown.status()).isEqualTo(202);
        assertThat(forKnown.body()).isEqualTo(forUnknown.body());

        String mail = TestMail.awaitNthMessageTo(t.email(), 2); // after the sign-up's verification link
        String token = TestMail.token(mail, "cwr_");
        assertThat(TestMail.countTo(unknown)).isZero();

        Api.Response confirmed = api.post("/api/v1/password-resets/confirm", Map.of("token", token, "password", "a-brand-new-passphrase-7"), null);
        assertThat(confirmed.status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", t.token()).status()).as("old sessions revoked").isEqualTo(401);
        assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", Api.PASSWORD), null).status()).isEqualTo(401);
        assertThat(api.signIn(t.email(), "a-brand-new-passphrase-7")).isNotBlank();
        Api.Response reused = api.post("/api/v1/password-resets/confirm", Map.of("token", token, "password", "yet-another-passphrase-8"), null);
        assertThat(reused.status()).isEqualTo(400);
        assertThat(api.signIn(t.email(), "a-brand-new-passphrase-7")).isNotBlank();
        assertThat(api.post("/api/v1/password-resets", Map.of("email", "not an email"), null).status()).isEqualTo(400);
    }

    @Test
    void aDisabledUserIsReEnabledByAnAdmin() {
        Api.Tenant owner = api.signUpAndSignIn("Enable Org");
        String email = Api.uniqueEmail("member");
        String id = api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner.token()).json().get("id").asString();
        api.post("/api/v1/invitations/accept", Map.of("token", TestMail.token(TestMail.awaitMessageTo(email), "cwi_"), "password", Api.PASSWORD), null);
        assertThat(api.delete("/api/v1/users/" + id, owner.token()).status()).isEqualTo(204);
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null).status()).isEqualTo(401);
        Api.Response enabled = api.patch("/api/v1/users/" + id, Map.of("status", "ACTIVE"), owner.token());
        assertThat(enabled.status()).isEqualTo(200);
        assertThat(enabled.json().get("status").asString()).isEqualTo("ACTIVE");
        assertThat(api.signIn(email, Api.PASSWORD)).isNotBlank();
        assertThat(api.patch("/api/v1/users/" + id, Map.of("status", "DISABLED"), owner.token()).status()).isEqualTo(400);
    }
}
