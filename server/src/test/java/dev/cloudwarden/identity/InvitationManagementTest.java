package dev.cloudwarden.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestUsers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Pending invitations over HTTP: the API's list, resend and cancel and their bad inputs (another
 * tenant's invitation, a VIEWER, a missing CSRF token, a member's id), the console's forms for the
 * same, re-inviting, and the accept page's answers. Real server, real database, real SMTP.
 */
class InvitationManagementTest extends IntegrationTest {

    private record Invited(UUID id, String email, String token) {
    }

    private Invited invite(Api.Tenant t, String role) {
        String email = Api.uniqueEmail("invitee");
        Api.Response r = api.post("/api/v1/users", Map.of("email", email, "role", role), t.token());
        assertThat(r.status()).isEqualTo(201);
        return new Invited(UUID.fromString(r.json().get("id").asString()), email, TestMail.token(TestMail.awaitMessageTo(email), "cwi_"));
    }

    private JsonNode pending(Api.Tenant t, UUID id) {
        for (JsonNode invitation : api.get("/api/v1/invitations", t.token()).json()) {
            if (invitation.get("id").asString().equals(id.toString())) {
                return invitation;
            }
        }
        return null;
    }

    private int accept(String token) {
        return api.post("/api/v1/invitations/accept", Map.of("token", token, "password", Api.PASSWORD), null).status();
    }

    @Test
    void theApiListsResendsAndCancelsPendingInvitations() {
        Api.Tenant owner = api.signUpAndSignIn("Api Invitations Org");
        Invited ann = invite(owner, "OPERATOR");
        JsonNode listed = pending(owner, ann.id());
        assertThat(listed.get("email").asString()).isEqualTo(ann.email());
        assertThat(listed.get("role").asString()).isEqualTo("OPERATOR");
        assertThat(listed.get("invitedBy").asString()).isEqualTo(owner.email());
        assertThat(listed.get("expired").asBoolean()).isFalse();
        Instant sent = Instant.parse(listed.get("sentAt").asString());
        assertThat(Duration.between(sent, Instant.parse(listed.get("expiresAt").asString()))).isEqualTo(Duration.ofHours(72));
        assertThat(listed.toString()).doesNotContain(ann.token()).doesNotContain(ann.token().substring(4));

        Api.Response resent = api.post("/api/v1/invitations/" + ann.id() + "/resend", "", owner.token());
        assertThat(resent.status()).isEqualTo(200);
        assertThat(resent.body()).doesNotContain("cwi_");
        String second = TestMail.awaitNewTokenTo(ann.email(), "cwi_", 1);
        assertThat(accept(ann.token())).as("the link before the resend").isEqualTo(400);

        Api.Response cancelled = api.delete("/api/v1/invitations/" + ann.id(), owner.token());
        assertThat(cancelled.status()).isEqualTo(204);
        assertThat(pending(owner, ann.id())).isNull();
        Api.Response late = api.post("/api/v1/invitations/accept", Map.of("token", second, "password", Api.PASSWORD), null);
        assertThat(late.status()).as("a cancelled invitation's link").isEqualTo(400);
        assertThat(late.json().get("field").asString()).isEqualTo("token");
        assertThat(api.post("/api/v1/sessions", Map.of("email", ann.email(), "password", Api.PASSWORD), null).status()).isEqualTo(401);

        // nothing is pending any more: both refused with 409, and nothing changes
        Api.Response again = api.delete("/api/v1/invitations/" + ann.id(), owner.token());
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").asString()).isEqualTo("not_invited");
        assertThat(api.post("/api/v1/invitations/" + ann.id() + "/resend", "", owner.token()).status()).isEqualTo(409);
        assertThat(TestMail.countTo(ann.email())).isEqualTo(2);
        assertThat(api.delete("/api/v1/invitations/" + owner.userId(), owner.token()).status()).as("a member").isEqualTo(409);

        // invited again after the cancel: the same user, a link that works
        Api.Response reinvited = api.post("/api/v1/users", Map.of("email", ann.email(), "role", "VIEWER"), owner.token());
        assertThat(reinvited.status()).isEqualTo(201);
        assertThat(reinvited.json().get("id").asString()).isEqualTo(ann.id().toString());
        assertThat(reinvited.json().get("role").asString()).isEqualTo("VIEWER");
        assertThat(accept(TestMail.awaitNewTokenTo(ann.email(), "cwi_", 2))).isEqualTo(200);
    }

    @Test
    void aLinkVoidedBeforeItsTimeShowsWhenItStoppedWorkingNotAnExpiryStillAhead() throws Exception {
        Api.Tenant owner = api.signUpAndSignIn("Voided Invitation Org");
        Invited cleo = invite(owner, "VIEWER");
        Instant before = Instant.now();
        // what CredentialRevocation does to a person's unused links
        try (java.sql.Connection c = dev.cloudwarden.support.TestDatabase.asAdmin();
             java.sql.PreparedStatement ps = c.prepareStatement("update one_time_tokens set used_at = now() where user_id = ?")) {
            ps.setObject(1, cleo.id());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        JsonNode listed = pending(owner, cleo.id());
        assertThat(listed.get("expired").asBoolean()).isTrue();
        assertThat(Instant.parse(listed.get("expiresAt").asString())).as("when it was voided, not 72 hours on")
                .isBetween(before.minusSeconds(5), Instant.now().plusSeconds(5));
        assertThat(accept(cleo.token())).isEqualTo(400);
    }

    @Test
    void reInvitingAnswersWithACodeForEachCaseInTheSameErrorShapeAndNamesNoAddress() {
        Api.Tenant owner = api.signUpAndSignIn("Reinvite Codes Org");
        Invited bob = invite(owner, "VIEWER");
        Api.Response pendingAgain = api.post("/api/v1/users", Map.of("email", bob.email().toUpperCase(), "role", "ADMIN"), owner.token());
        assertThat(pendingAgain.status()).isEqualTo(409);
        assertThat(pendingAgain.json().get("error").asString()).isEqualTo("invitation_pending");
        assertThat(pendingAgain.json().propertyNames()).containsExactlyInAnyOrder("error", "message");
        assertThat(pendingAgain.body()).doesNotContain(bob.email()).doesNotContain("already exists");
        assertThat(TestMail.countTo(bob.email())).as("no second mail").isEqualTo(1);
        assertThat(pending(owner, bob.id()).get("role").asString()).as("unchanged").isEqualTo("VIEWER");

        Api.Response member = api.post("/api/v1/users", Map.of("email", owner.email(), "role", "VIEWER"), owner.token());
        assertThat(member.status()).isEqualTo(409);
        assertThat(member.json().get("error").asString()).isEqualTo("email_taken");
        assertThat(member.body()).doesNotContain(owner.email());

        // another organisation's member: invited like anyone, so nothing tells this tenant the address is known elsewhere
        Api.Tenant other = api.signUpAndSignIn("Other Tenant Org");
        Api.Response elsewhere = api.post("/api/v1/users", Map.of("email", other.email(), "role", "VIEWER"), owner.token());
        Api.Response nowhere = api.post("/api/v1/users", Map.of("email", Api.uniqueEmail("nobody"), "role", "VIEWER"), owner.token());
        assertThat(elsewhere.status()).isEqualTo(201).isEqualTo(nowhere.status());
        assertThat(elsewhere.json().propertyNames()).isEqualTo(nowhere.json().propertyNames());
        assertThat(elsewhere.json().get("status").asString()).isEqualTo(nowhere.json().get("status").asString()).isEqualTo("INVITED");
        JsonNode listed = pending(owner, UUID.fromString(elsewhere.json().get("id").asString()));
        assertThat(listed.get("expired").asBoolean()).isFalse();
        assertThat(listed.toString()).doesNotContain("Other Tenant Org").doesNotContain(other.tenantId().toString());
    }

    @Test
    void anotherTenantsInvitationIsNotFoundAndAViewerOrAMissingCsrfTokenChangesNothing() throws Exception {
        Api.Tenant mine = api.signUpAndSignIn("Mine Org");
        Api.Tenant theirs = api.signUpAndSignIn("Theirs Org");
        Invited foreign = invite(theirs, "VIEWER");
        Invited own = invite(mine, "VIEWER");
        ConsoleClient admin = new ConsoleClient(port).signIn(mine.email(), Api.PASSWORD);

        // another tenant's invitation id: the same 404 as an unknown one, by the API and the console
        Api.Response apiCancel = api.delete("/api/v1/invitations/" + foreign.id(), mine.token());
        Api.Response unknown = api.delete("/api/v1/invitations/" + UUID.randomUUID(), mine.token());
        assertThat(apiCancel.status()).isEqualTo(404).isEqualTo(unknown.status());
        assertThat(apiCancel.body()).isEqualTo(unknown.body());
        assertThat(api.post("/api/v1/invitations/" + foreign.id() + "/resend", "", mine.token()).status()).isEqualTo(404);
        assertThat(api.delete("/api/v1/invitations/not-a-uuid", mine.token()).status()).isEqualTo(404);
        for (String action : new String[] {"cancel", "resend"}) {
            Api.Response page = admin.submit("/console/users", "/console/invitations/" + foreign.id() + "/" + action, Map.of());
            assertThat(page.status()).as(action).isEqualTo(404);
            assertThat(page.body()).doesNotContain(foreign.email()).doesNotContain("Theirs Org");
        }
        assertThat(pending(theirs, foreign.id())).as("still pending in its own tenant").isNotNull();
        assertThat(TestMail.countTo(foreign.email())).as("no mail was sent").isEqualTo(1);

        // a VIEWER may neither cancel nor resend, by the API or the console
        TestUsers.User viewer = TestUsers.add(mine, "VIEWER");
        String viewerToken = api.signIn(viewer.email(), Api.PASSWORD);
        assertThat(api.delete("/api/v1/invitations/" + own.id(), viewerToken).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/invitations/" + own.id() + "/resend", "", viewerToken).status()).isEqualTo(403);
        assertThat(api.get("/api/v1/invitations", viewerToken).status()).isEqualTo(403);
        ConsoleClient viewerConsole = new ConsoleClient(port).signIn(viewer.email(), Api.PASSWORD);
        Api.Response refused = viewerConsole.submit("/console", "/console/invitations/" + own.id() + "/cancel", Map.of());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(viewerConsole.get("/console/users").status()).isEqualTo(403);

        // the admin's own console without its CSRF token: refused
        assertThat(admin.post("/console/invitations/" + own.id() + "/cancel", Map.of(), null).status()).isEqualTo(403);
        assertThat(admin.post("/console/invitations/" + own.id() + "/resend", Map.of(), "not-the-token").status()).isEqualTo(403);
        assertThat(pending(mine, own.id())).as("still pending").isNotNull();
        assertThat(TestMail.countTo(own.email())).isEqualTo(1);
        assertThat(accept(own.token())).as("the link still works").isEqualTo(200);

        // an ADMIN may not cancel or resend an OWNER's invitation
        Invited futureOwner = invite(mine, "OWNER");
        TestUsers.User adminUser = TestUsers.add(mine, "ADMIN");
        String adminToken = api.signIn(adminUser.email(), Api.PASSWORD);
        assertThat(api.delete("/api/v1/invitations/" + futureOwner.id(), adminToken).status()).isEqualTo(403);
        assertThat(api.post("/api/v1/invitations/" + futureOwner.id() + "/resend", "", adminToken).status()).isEqualTo(403);
        assertThat(pending(mine, futureOwner.id())).isNotNull();
    }

    @Test
    void theConsoleCancelsAndRefusesWithSentencesThatNameThePerson() {
        Api.Tenant owner = api.signUpAndSignIn("Console Cancel Org");
        Invited cara = invite(owner, "VIEWER");
        ConsoleClient console = new ConsoleClient(port).signIn(owner.email(), Api.PASSWORD);
        Api.Response page = console.get("/console/users");
        assertThat(page.body()).contains("aria-label=\"Cancel the invitation to " + cara.email() + "\"")
                .contains("aria-label=\"Resend the invitation to " + cara.email() + "\"")
                .contains("data-confirm=\"Cancel the invitation to " + cara.email() + "? Its link stops working.\"");
        Api.Response cancelled = console.submit("/console/users", "/console/invitations/" + cara.id() + "/cancel", Map.of());
        assertThat(cancelled.status()).isEqualTo(302);
        assertThat(console.get("/console/users").body()).contains("The invitation to " + cara.email() + " is cancelled.");
        console.submit("/console/users", "/console/invitations/" + cara.id() + "/cancel", Map.of());
        assertThat(console.get("/console/users").body()).contains(cara.email() + " has no pending invitation any more");
        assertThat(accept(cara.token())).isEqualTo(400);

        // bad input on the invite form: a sentence next to the field, nothing invited
        console.submit("/console/users", "/console/users/invite", Map.of("email", "not an address", "role", "VIEWER"));
        String form = console.get("/console/users").body();
        assertThat(form).contains("id=\"email-error\"").contains("This is not an email address we can write to.")
                .contains("aria-describedby=\"email-error\"").contains("aria-invalid=\"true\"");
        console.submit("/console/users", "/console/users/invite", Map.of("email", Api.uniqueEmail("x"), "role", "EMPEROR"));
        assertThat(console.get("/console/users").body()).contains("id=\"role-error\"").contains("Choose a role: Owner, Admin, Operator or Viewer.");
    }

    @Test
    void theAcceptPageSaysWhatTheInvitationIsForWithoutWritingTheCodeAndAnyBadLinkGetsAHumanPage() {
        Api.Tenant owner = api.signUpAndSignIn("Accept Page Org");
        Invited dan = invite(owner, "OPERATOR");
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response details = browser.submit("/invitations/accept", "/invitations/accept", Map.of("token", dan.token()));
        assertThat(details.status()).isEqualTo(200);
        assertThat(details.body()).contains(owner.email()).contains("Accept Page Org").contains("Operator").contains(dan.email())
                .contains("name=\"password\"")
                .doesNotContain(dan.token()).doesNotContain(dan.token().substring(4));
        assertThat(TestMail.countTo(dan.email())).isEqualTo(1);
        assertThat(accept(dan.token())).as("showing the invitation did not use it up").isEqualTo(200);

        for (String bad : new String[] {dan.token(), "cwi_garbage", "", "x".repeat(3000), dan.token().replace("cwi_", "cwr_")}) {
            for (Map<String, String> fields : java.util.List.of(Map.of("token", bad), Map.of("token", bad, "password", Api.PASSWORD))) {
                Api.Response r = browser.submit("/invitations/accept", "/invitations/accept", fields);
                assertThat(r.status()).as(bad).isEqualTo(200);
                assertThat(r.body()).contains("This invitation link does not work")
                        .contains("Ask the person who invited you to send you a new invitation.")
                        .doesNotContain("Exception").doesNotContain("at dev.cloudwarden").doesNotContain("Accept Page Org");
            }
        }
    }
}
