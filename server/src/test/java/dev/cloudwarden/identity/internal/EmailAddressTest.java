package dev.cloudwarden.identity.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Addresses the plain shape check lets through but the Mailer's parser refuses (issue 7, finding 6)
 * are refused up front, as a 400 naming the field, everywhere an address comes in: they used to
 * create accounts that could never receive a reset, and invitations to them answered 500.
 */
class EmailAddressTest extends IntegrationTest {

    /** Each of these passed the old check and fails {@code new InternetAddress(to, true)}. */
    static final List<String> UNMAILABLE = List.of("a<b@x.yz", "a,b@x.yz", "a\"b@x.yz", "a;b@x.yz");

    @Test
    void signUpRefusesAnAddressTheMailerCannotTakeAndCreatesNothing() throws Exception {
        long tenants = count("select count(*) from tenants", null);
        for (String email : UNMAILABLE) {
            Api.Response r = api.post("/api/v1/signup", Map.of("organization", "Bad address", "email", email, "password", Api.PASSWORD), null);
            assertThat(r.status()).as(email).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isEqualTo("validation_failed");
            assertThat(r.json().get("field").asString()).isEqualTo("email");
            assertThat(r.body()).doesNotContain(email);

            ConsoleClient console = new ConsoleClient(port);
            Api.Response page = console.submit("/signup", "/signup", Map.of("organization", "Bad address", "email", email, "password", Api.PASSWORD));
            assertThat(page.status()).as("console sign-up with " + email).isEqualTo(200);
            assertThat(page.body()).contains("This is not an email address we can write to.");

            assertThat(count("select count(*) from users where email = ?", email)).as("no account for " + email).isZero();
            assertThat(count("select count(*) from login_directory where email = ?", email)).isZero();
        }
        assertThat(count("select count(*) from tenants", null)).as("no organisation either").isEqualTo(tenants);
    }

    @Test
    void anInvitationToSuchAnAddressIsA400NotA500AndCreatesNothing() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Inviting bad addresses");
        ConsoleClient console = new ConsoleClient(port).signIn(owner.email(), Api.PASSWORD);
        for (String email : UNMAILABLE) {
            Api.Response r = api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner.token());
            assertThat(r.status()).as(email).isEqualTo(400);
            assertThat(r.json().get("error").asString()).isEqualTo("validation_failed");
            assertThat(r.json().get("field").asString()).isEqualTo("email");

            Api.Response form = console.submit("/console/users", "/console/users/invite", Map.of("email", email, "role", "VIEWER"));
            assertThat(form.status()).as("console invitation of " + email).isEqualTo(302);
            assertThat(form.header("Location")).endsWith("/console/users");
            assertThat(console.get("/console/users").body()).contains("This is not an email address we can write to.");
        }
        assertThat(count("select count(*) from users where tenant_id = ?", owner.tenantId())).as("only the owner").isEqualTo(1);
        assertThat(count("select count(*) from one_time_tokens where tenant_id = ?", owner.tenantId())).isZero();

        // the control: a plain address with characters the old and the new check both allow is invited
        String fine = "o'brien+" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        assertThat(api.post("/api/v1/users", Map.of("email", fine, "role", "VIEWER"), owner.token()).status()).isEqualTo(201);
        assertThat(TestMail.awaitMessageTo(fine)).contains("/invitations/accept#cwi_");
    }

    @Test
    void aResetRequestRefusesSuchAnAddressAndSignInSimplyFails() {
        for (String email : UNMAILABLE) {
            Api.Response reset = api.post("/api/v1/password-resets", Map.of("email", email), null);
            assertThat(reset.status()).as(email).isEqualTo(400);
            assertThat(reset.json().get("field").asString()).isEqualTo("email");

            Api.Response signIn = api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), null);
            assertThat(signIn.status()).as(email).isEqualTo(401);
            assertThat(signIn.json().get("error").asString()).isEqualTo("invalid_credentials");
        }
    }

    private static long count(String sql, Object parameter) throws Exception {
        try (Connection c = TestDatabase.asAdmin(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
                ps.setObject(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
