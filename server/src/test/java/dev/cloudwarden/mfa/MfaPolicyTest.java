package dev.cloudwarden.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.identity.Role;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The tenant policy "MFA required for everyone" through the API: who may set it, and what it confines. */
class MfaPolicyTest extends IntegrationTest {

    private static final String ENROLMENT_REQUIRED = "mfa_enrollment_required";

    @Test
    void everyoneMayReadThePolicyOnlyOwnersAndAdminsChangeIt() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Policy roles");
        String viewer = api.signIn(TestUsers.add(t, "VIEWER").email(), Api.PASSWORD);
        String operator = api.signIn(TestUsers.add(t, "OPERATOR").email(), Api.PASSWORD);
        String admin = api.signIn(TestUsers.add(t, "ADMIN").email(), Api.PASSWORD);

        for (String token : new String[] {t.token(), viewer, operator, admin}) {
            Api.Response r = api.get("/api/v1/settings/security", token);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"mfaRequired\":false}");
        }
        for (String token : new String[] {viewer, operator}) {
            Api.Response r = api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), token);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.json().get("error").asString()).isEqualTo("forbidden");
        }
        assertThat(api.get("/api/v1/settings/security", t.token()).json().get("mfaRequired").asBoolean()).isFalse();
        assertThat(api.get("/api/v1/settings/security", null).status()).isEqualTo(401);

        for (Object bad : new Object[] {Map.of(), Map.of("mfaRequired", "yes"), Map.of("mfaRequired", "true"), Map.of("mfaRequired", 1),
                Map.of("mfaRequired", java.util.List.of(true)), Map.of("mfaRequired", Map.of()), Map.of("mfaRequired", true, "other", 1)}) {
            Api.Response r = api.patch("/api/v1/settings/security", bad, admin);
            assertThat(r.status()).as(bad.toString()).isEqualTo(400);
            assertThat(api.get("/api/v1/settings/security", admin).json().get("mfaRequired").asBoolean()).as("unchanged").isFalse();
        }
        assertThat(api.patch("/api/v1/settings/security", Map.of(), admin).json().get("field").asString()).isEqualTo("mfaRequired");

        Api.Response on = api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), admin);
        assertThat(on.status()).isEqualTo(200);
        assertThat(on.body()).isEqualTo("{\"mfaRequired\":true}");

        Api.Tenant other = api.signUpAndSignIn("Policy bystander");
        assertThat(api.get("/api/v1/settings/security", other.token()).json().get("mfaRequired").asBoolean())
                .as("another tenant is untouched").isFalse();
        assertThat(api.get("/api/v1/users", other.token()).status()).isEqualTo(200);
    }

    @Test
    void untilTheyEnrolUsersReachOnlyEnrolmentMeAndSignOut() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Policy enforced");
        String viewerEmail = TestUsers.add(t, "VIEWER").email();
        String viewer = api.signIn(viewerEmail, Api.PASSWORD);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), t.token()).status()).isEqualTo(200);

        // at once, for sessions opened before the change (the owner's own included) and after it
        String fresh = api.signIn(viewerEmail, Api.PASSWORD);
        for (String token : new String[] {t.token(), viewer, fresh}) {
            for (Api.Response r : new Api.Response[] {
                    api.get("/api/v1/users", token),
                    api.get("/api/v1/users/" + t.userId(), token),
                    api.patch("/api/v1/users/" + t.userId(), Map.of("role", "VIEWER"), token),
                    api.delete("/api/v1/users/" + t.userId(), token),
                    api.get("/api/v1/settings/security", token),
                    api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), token),
                    api.get("/api/v1/no-such-endpoint", token),
                    api.send(api.request("/api/v1/mfa/totp", token).header("Content-Type", "application/json")
                            .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{\"code\":\"123456\"}")).build())}) {
                assertThat(r.status()).as(r.body()).isEqualTo(403);
                assertThat(r.json().get("error").asString()).isEqualTo(ENROLMENT_REQUIRED);
                assertThat(r.json().get("message").asString()).contains("/api/v1/mfa/totp");
            }
            Api.Response me = api.get("/api/v1/me", token);
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.json().get("mfaEnabled").asBoolean()).isFalse();
        }
        assertThat(api.get("/api/v1/users/" + t.userId(), t.token()).status()).as("the policy was not turned off").isEqualTo(403);
        assertThat(api.get("/api/v1/users", null).status()).as("anonymous is still 401").isEqualTo(401);

        // the viewer enrols with the confined session and is let through on the same token
        String secret = api.post("/api/v1/mfa/totp", "", viewer).json().get("secret").asString();
        assertThat(api.get("/api/v1/users", viewer).status()).as("pending is not enrolled").isEqualTo(403);
        long step = clock.freezeTotpStep();
        assertThat(api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, step)), viewer).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/users", viewer).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/settings/security", viewer).json().get("mfaRequired").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/users", fresh).status()).as("every session of the viewer").isEqualTo(200);
        assertThat(api.get("/api/v1/users", t.token()).status()).as("the owner still has to enrol").isEqualTo(403);

        // signing out stays possible while confined
        assertThat(api.delete("/api/v1/sessions/current", t.token()).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/me", t.token()).status()).isEqualTo(401);

        // only an OWNER or ADMIN turns the policy off, and a confined one has to enrol first
        String viewerSignedIn = signInWithCode(viewerEmail, TestTotp.code(secret, step + 1));
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), viewerSignedIn).status())
                .as("a VIEWER may not, even with MFA").isEqualTo(403);
        String owner = api.signIn(t.email(), Api.PASSWORD);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), owner).json().get("error").asString())
                .isEqualTo(ENROLMENT_REQUIRED);
        String ownerSecret = api.post("/api/v1/mfa/totp", "", owner).json().get("secret").asString();
        assertThat(api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(ownerSecret, clock.freezeTotpStep())), owner)
                .status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), owner).body()).isEqualTo("{\"mfaRequired\":false}");

        // with the policy off, a user without MFA is free again
        String plain = api.signIn(TestUsers.add(t, "OPERATOR").email(), Api.PASSWORD);
        assertThat(api.get("/api/v1/users", plain).status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), owner).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/users", plain).status()).isEqualTo(403);
    }

    private String signInWithCode(String email, String code) {
        Api.Response r = api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD, "otp", code), null);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("token").asString();
    }
}
