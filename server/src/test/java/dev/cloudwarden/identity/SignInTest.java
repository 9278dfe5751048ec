package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestUsers;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class SignInTest extends IntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Test
    void signUpSignInMeAndSignOut() {
        String email = Api.uniqueEmail("Mixed.Case");
        Api.Response signup = api.signUp("Acme", email, Api.PASSWORD);
        assertThat(signup.json().propertyNames()).containsExactlyInAnyOrder("tenantId", "userId");

        Api.Response session = api.post("/api/v1/sessions", Map.of("email", email.toUpperCase(), "password", Api.PASSWORD), null);
        assertThat(session.status()).isEqualTo(201);
        String token = session.json().get("token").asString();
        Instant expiresAt = Instant.parse(session.json().get("expiresAt").asString());
        assertThat(expiresAt).isAfter(Instant.now()).isBefore(Instant.now().plus(Duration.ofHours(12)).plusSeconds(5));

        Api.Response me = api.get("/api/v1/me", token);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().propertyNames()).containsExactlyInAnyOrder("userId", "tenantId", "email", "role", "mfaEnabled");
        assertThat(me.json().get("email").asString()).isEqualTo(email.toLowerCase());
        assertThat(me.json().get("role").asString()).isEqualTo("OWNER");
        assertThat(me.json().get("tenantId").asString()).isEqualTo(signup.json().get("tenantId").asString());
        assertThat(me.json().get("mfaEnabled").asBoolean()).isFalse();

        assertThat(api.delete("/api/v1/sessions/current", token).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", token).status()).isEqualTo(401);
        assertThat(api.delete("/api/v1/sessions/current", token).status()).isEqualTo(401);
    }

    @Test
    void theEmailIsUniqueAcrossThePlatformIgnoringCase() {
        String email = Api.uniqueEmail("taken");
        api.signUp("One", email, Api.PASSWORD);
        Api.Response again = api.post("/api/v1/signup", Map.of("organization", "Two", "email", " " + email.toUpperCase() + " ", "password", Api.PASSWORD), null);
        assertThat(again.status()).as("the same answer as for a fresh address").isEqualTo(202);
        assertThat(TestMail.awaitNthMessageTo(email, 2)).as("a notice, not a second link").doesNotContain("cwv_");
    }

    @Test
    void wrongEmailAndWrongPasswordLookTheSameAndCostTheSameWork() {
        Api.Tenant t = api.signUpAndSignIn("Enumeration");
        double before = verifications();
        Api.Response wrongPassword = api.post("/api/v1/sessions", Map.of("email", t.email(), "password", "not-the-right-one-42"), null);
        double afterWrongPassword = verifications();
        Api.Response unknownEmail = api.post("/api/v1/sessions", Map.of("email", Api.uniqueEmail("nobody"), "password", "not-the-right-one-42"), null);
        double afterUnknown = verifications();
        Api.Response invalidEmail = api.post("/api/v1/sessions", Map.of("email", "not an email", "password", "not-the-right-one-42"), null);

        for (Api.Response r : new Api.Response[] {wrongPassword, unknownEmail, invalidEmail}) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"error\":\"invalid_credentials\",\"message\":\"Invalid email or password.\"}");
        }
        // one Argon2id verification each: an unknown account is checked against a dummy hash
        assertThat(afterWrongPassword - before).isEqualTo(1.0);
        assertThat(afterUnknown - afterWrongPassword).isEqualTo(1.0);
    }

    @Test
    void hugePasswordsAreRefusedWithoutHashing() {
        Api.Tenant t = api.signUpAndSignIn("Huge password");
        double before = verifications();
        String oneMegabyte = "p".repeat(1024 * 1024);
        Api.Response huge = api.send(api.request("/api/v1/sessions", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + t.email() + "\",\"password\":\"" + oneMegabyte + "\"}")).build());
        assertThat(huge.status()).isEqualTo(413);
        Api.Response long60k = api.post("/api/v1/sessions", Map.of("email", t.email(), "password", "p".repeat(60_000)), null);
        assertThat(long60k.status()).isEqualTo(401);
        assertThat(long60k.json().get("error").asString()).isEqualTo("invalid_credentials");
        assertThat(verifications()).as("no Argon2id work for refused passwords").isEqualTo(before);
    }

    @Test
    void passwordsAreStoredAsArgon2idWithOwaspParametersAndARandomSalt() throws Exception {
        Api.Tenant one = api.signUpAndSignIn("Hash one");
        Api.Tenant two = api.signUpAndSignIn("Hash two");
        String h1 = storedHash(one);
        String h2 = storedHash(two);
        assertThat(h1).startsWith("p1:$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(Api.PASSWORD);
        assertThat(h2).startsWith("p1:$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(h1).as("same password, different salt").isNotEqualTo(h2);
        assertThat(h1.split("\\$")[4]).as("salt").isNotEqualTo(h2.split("\\$")[4]);
    }

    @Test
    void hashesFromBeforeThePepperOrWithWeakerParametersUpgradeAtTheNextSignIn() throws Exception {
        for (String legacy : new String[] {
                new org.springframework.security.crypto.argon2.Argon2PasswordEncoder(16, 32, 1, 19456, 2).encode(Api.PASSWORD),
                new org.springframework.security.crypto.argon2.Argon2PasswordEncoder(16, 32, 1, 4096, 1).encode(Api.PASSWORD)}) {
            Api.Tenant t = api.signUpAndSignIn("Legacy hash");
            try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("update users set password_hash = ? where id = ?")) {
                ps.setString(1, legacy);
                ps.setObject(2, t.userId());
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            assertThat(api.post("/api/v1/sessions", Map.of("email", t.email(), "password", "wrong-password-1234"), null).status()).isEqualTo(401);
            assertThat(storedHash(t)).as("a failed sign-in changes nothing").isEqualTo(legacy);
            assertThat(api.signIn(t.email(), Api.PASSWORD)).isNotBlank();
            assertThat(storedHash(t)).startsWith("p1:$argon2id$v=19$m=19456,t=2,p=1$");
            assertThat(api.signIn(t.email(), Api.PASSWORD)).as("the upgraded hash works").isNotBlank();
        }
    }

    @Test
    void tokensAreStoredOnlyAsHashes() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Token hash");
        try (Connection c = TestDatabase.asAdmin();
             PreparedStatement ps = c.prepareStatement("select encode(token_hash, 'escape'), length(token_hash) from api_sessions where user_id = ?")) {
            ps.setObject(1, t.userId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).doesNotContain(t.token().substring(4, 20));
                assertThat(rs.getInt(2)).isEqualTo(32);
            }
        }
    }

    @Test
    void theLastOwnerCannotBeDisabledOrDemoted() {
        Api.Tenant t = api.signUpAndSignIn("Last owner");
        Api.Response disable = api.delete("/api/v1/users/" + t.userId(), t.token());
        assertThat(disable.status()).isEqualTo(409);
        assertThat(disable.json().get("error").asString()).isEqualTo("last_owner");
        Api.Response demote = api.patch("/api/v1/users/" + t.userId(), Map.of("role", "VIEWER"), t.token());
        assertThat(demote.status()).isEqualTo(409);
        assertThat(api.get("/api/v1/me", t.token()).json().get("role").asString()).isEqualTo("OWNER");
    }

    @Test
    void disablingAUserKillsTheirLiveSessionsInTheSameRequest() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Disable");
        String email = TestUsers.add(t, "ADMIN").email();
        String adminToken = api.signIn(email, Api.PASSWORD);
        String adminId = api.get("/api/v1/me", adminToken).json().get("userId").asString();
        assertThat(api.get("/api/v1/users", adminToken).json().size()).isEqualTo(2);

        assertThat(api.delete("/api/v1/users/" + adminId, t.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", adminToken).status()).isEqualTo(401);
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null).status()).isEqualTo(401);
        assertThat(api.get("/api/v1/users/" + adminId, t.token()).json().get("status").asString()).isEqualTo("DISABLED");
    }

    @Test
    void rolesDecideWhoMayChangeUsers() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Roles");
        String viewerToken = api.signIn(TestUsers.add(t, "VIEWER").email(), Api.PASSWORD);
        String adminToken = api.signIn(TestUsers.add(t, "ADMIN").email(), Api.PASSWORD);
        String viewerId = api.get("/api/v1/me", viewerToken).json().get("userId").asString();

        Api.Response byViewer = api.patch("/api/v1/users/" + t.userId(), Map.of("role", "VIEWER"), viewerToken);
        assertThat(byViewer.status()).isEqualTo(403);
        assertThat(byViewer.json().get("error").asString()).isEqualTo("forbidden");
        assertThat(api.delete("/api/v1/users/" + t.userId(), viewerToken).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/users", viewerToken).status()).isEqualTo(200);

        assertThat(api.patch("/api/v1/users/" + viewerId, Map.of("role", "OWNER"), adminToken).status())
                .as("an ADMIN cannot make an OWNER").isEqualTo(403);
        Api.Response promoted = api.patch("/api/v1/users/" + viewerId, Map.of("role", "OPERATOR"), adminToken);
        assertThat(promoted.status()).isEqualTo(200);
        assertThat(promoted.json().get("role").asString()).isEqualTo("OPERATOR");
        assertThat(api.get("/api/v1/me", viewerToken).json().get("role").asString()).isEqualTo("OPERATOR");
    }

    @Test
    void garbageTokensAre401() {
        for (String token : new String[] {"", "cws_", "cws_!!!!", "cws_" + "A".repeat(64), "Basic abc", "x".repeat(5000)}) {
            Api.Response r = api.get("/api/v1/me", token);
            assertThat(r.status()).as(token).isEqualTo(401);
            assertThat(r.json().get("error").asString()).isEqualTo("unauthorized");
        }
    }

    private double verifications() {
        return meters.get("cloudwarden.password.verifications").counter().count();
    }

    private static String storedHash(Api.Tenant t) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement("select password_hash from users where id = ?")) {
            ps.setObject(1, t.userId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
