package dev.cloudwarden.activity;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstanceId;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import dev.cloudwarden.CloudwardenApplication;
import dev.cloudwarden.crypto.KeyMaintenance;
import dev.cloudwarden.agentgateway.internal.TestAgents;
import dev.cloudwarden.operator.internal.TestOperators;
import org.springframework.context.ApplicationContext;
import dev.cloudwarden.support.Api;
import dev.cloudwarden.support.ConsoleClient;
import dev.cloudwarden.support.IntegrationTest;
import dev.cloudwarden.support.TestCloud;
import dev.cloudwarden.support.TestDatabase;
import dev.cloudwarden.support.TestMail;
import dev.cloudwarden.support.TestTotp;
import dev.cloudwarden.support.TestUsers;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Drives every action of the catalogue ({@link Action}, docs/activity.md) the way users and operators
 * cause it (the API, the console, the key maintenance and the key commands) and finds its event:
 * action, actor, target, the expected clear details, and the other details only as keyed hashes.
 * Fails when an action of the catalogue was never found, and when any event in the database carries
 * an action the catalogue does not have or a non-clear detail in the clear.
 */
class ActivityCompletenessTest extends IntegrationTest {

    private static final UUID PLATFORM = ActivityLog.PLATFORM;
    /** An expected clear detail whose value the test cannot know (an instant, a key id): present, any value. */
    private static final String ANY = "<any>";
    private static final String KEYED_HASH = "hmac:[0-9a-f]{64}";

    @Autowired
    KeyMaintenance maintenance;

    @Autowired
    Scheduler scheduler;

    @Autowired
    ApplicationContext context;

    /** The server's tasks: its queue's name is random in tests (and read once), so it is taken from them. */
    @Autowired
    List<Task<?>> tasks;

    /** The actions whose event this test found. */
    private final Set<Action> found = EnumSet.noneOf(Action.class);

    /** An event as stored (read as the superuser, behind row-level security). */
    record Stored(long seq, String action, String actorType, String actorId, String targetType, String targetId,
                  Map<String, String> details) {
    }

    /** The tenant under test and its owner. */
    private record Org(UUID tenant, UUID owner, String email) {
    }

    /** Operators' sign-ins move the clock a TOTP step each, and grants expire by it: the next tests start from the wall clock. */
    @org.junit.jupiter.api.AfterEach
    void wallClock() {
        clock.reset();
    }

    @Test
    void everyActionOfTheCatalogueIsRecordedWhereItHappens() throws Exception {
        Org org = signUpAndSignIn();
        signInFailuresAndLockout(org);
        consoleSignInAndSignOut(org);
        ownSessionsAndTokens(org);
        cloudAccounts(org);
        jobs(org);
        invitationsAndUserChanges(org);
        mfa(org);
        passwordReset(org);
        dataKeyRotation(org);
        keyCommands();
        agents();
        UUID report = securityReport();
        lifecycle();
        operators(org, report);

        assertThat(found).as("actions of the catalogue that produced no event").containsExactlyInAnyOrder(Action.values());
        everyStoredEventIsInTheCatalogueWithItsSecretsHashed(TestDatabase.NAME);
    }

    private Org signUpAndSignIn() throws SQLException {
        String email = Api.uniqueEmail("activity");
        JsonNode verified = api.signUp("Completeness Org", email, Api.PASSWORD).json();
        Org org = new Org(UUID.fromString(verified.get("tenantId").asString()), UUID.fromString(verified.get("userId").asString()), email);
        Stored first = expect(org.tenant(), 0, Action.USER_SIGNED_UP, user(org.owner()), "user", org.owner(), Map.of());
        assertThat(first.seq()).as("the first event of the tenant's chain").isEqualTo(1);

        long mark = head(org.tenant());
        api.signIn(email, Api.PASSWORD);
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "api", "second_factor", "none"));

        // signed in elsewhere (another organisation's token on the request): the one signing in acts, not the caller
        Api.Tenant elsewhere = api.signUpAndSignIn("Completeness Elsewhere");
        mark = head(org.tenant());
        assertThat(api.post("/api/v1/sessions", Map.of("email", email, "password", Api.PASSWORD), elsewhere.token()).status()).isEqualTo(201);
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "api", "second_factor", "none"));
        return org;
    }

    private void signInFailuresAndLockout(Org org) throws SQLException {
        TestUsers.User victim = TestUsers.add(new Api.Tenant(org.tenant(), org.owner(), org.email(), null), "VIEWER");
        long mark = head(org.tenant());
        for (int i = 0; i < 5; i++) {
            Api.Response r = api.post("/api/v1/sessions", Map.of("email", victim.email(), "password", "wrong-password-" + i), null);
            assertThat(r.status()).isIn(401, 429);
        }
        expect(org.tenant(), mark, Action.USER_SIGN_IN_FAILED, ANONYMOUS, "user", victim.id(), Map.of("reason", "invalid_credentials"));
        Stored lockout = expect(org.tenant(), mark, Action.USER_LOCKED_OUT, ANONYMOUS, "user", victim.id(),
                Map.of("failures", "5", "until", ANY));
        assertThat(Instant.parse(lockout.details().get("until"))).isAfter(Instant.now());

        long platformMark = head(PLATFORM);
        String nobody = Api.uniqueEmail("nobody");
        api.post("/api/v1/sessions", Map.of("email", nobody, "password", "wrong-password-x"), null);
        Stored unknown = expect(PLATFORM, platformMark, Action.PLATFORM_SIGN_IN_FAILED, ANONYMOUS, null, null,
                Map.of("reason", "unknown_account"));
        assertThat(unknown.toString()).as("the platform log keeps no address").doesNotContain(nobody);
    }

    private void consoleSignInAndSignOut(Org org) throws SQLException {
        long mark = head(org.tenant());
        ConsoleClient browser = new ConsoleClient(port).signIn(org.email(), Api.PASSWORD);
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "console", "second_factor", "none"));

        String token = api.signIn(org.email(), Api.PASSWORD);
        UUID consoleSession = sessionIds(token, "console").get(0);
        mark = head(org.tenant());
        Api.Response signedOut = browser.submit("/console", "/logout", Map.of());
        assertThat(signedOut.header("Location")).endsWith("/login?signedOut");
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", org.owner(),
                Map.of("kind", "console", "reason", "logout", "session", consoleSession.toString()));
        assertThat(sessionIds(token, "console")).as("the stored session is gone").doesNotContain(consoleSession);
    }

    private void cloudAccounts(Org org) throws Exception {
        String token = api.signIn(org.email(), Api.PASSWORD);
        long mark = head(org.tenant());
        JsonNode account = TestCloud.addSandboxAccount(api, token, List.of("us-east-1", "eu-west-1"));
        UUID id = UUID.fromString(account.get("id").asString());
        expect(org.tenant(), mark, Action.CLOUD_EXTERNAL_ID_CREATED, user(org.owner()), "tenant", org.tenant(), Map.of());
        expect(org.tenant(), mark, Action.CLOUD_ACCOUNT_ADDED, user(org.owner()), "cloud_account", id,
                Map.of("provider", "aws", "regions", "us-east-1,eu-west-1"));
        String verifySession = api.post("/api/v1/cloud-accounts/" + id + "/verify", "", token).json()
                .at("/verification/roleSessionName").asString();
        expect(org.tenant(), mark, Action.CLOUD_ACCOUNT_VERIFIED, user(org.owner()), "cloud_account", id,
                Map.of("outcome", "verified", "role_session_name", verifySession));
        String syncSession = TestCloud.syncAndWait(api, token, id.toString()).at("/sync/roleSessionName").asString();
        expect(org.tenant(), mark, Action.CLOUD_ACCOUNT_SYNC_STARTED, user(org.owner()), "cloud_account", id, Map.of());
        expect(org.tenant(), mark, Action.CLOUD_ACCOUNT_SYNCED, SYSTEM, "cloud_account", id, Map.of("outcome", "succeeded",
                "role_session_name", syncSession, "instances", ANY, "volumes", ANY, "snapshots", ANY));
        assertThat(api.delete("/api/v1/cloud-accounts/" + id, token).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.CLOUD_ACCOUNT_DELETED, user(org.owner()), "cloud_account", id, Map.of());
    }

    private void jobs(Org org) throws Exception {
        String token = api.signIn(org.email(), Api.PASSWORD);
        long mark = head(org.tenant());
        String account = TestCloud.addSandboxAccount(api, token, List.of("us-east-1")).get("id").asString();
        JsonNode stop = TestCloud.createJob(api, token, account, Map.of("name", "stop dev", "type", "stop_instances",
                "parameters", Map.of("tags", Map.of("env", "dev"))));
        UUID stopId = UUID.fromString(stop.get("id").asString());
        expect(org.tenant(), mark, Action.JOB_CREATED, user(org.owner()), "job", stopId, Map.of("type", "stop_instances"));
        assertThat(api.patch("/api/v1/jobs/" + stopId, Map.of("name", "stop dev at night"), token).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.JOB_CHANGED, user(org.owner()), "job", stopId, Map.of("changes", "definition"));
        JsonNode start = TestCloud.createJob(api, token, account, Map.of("name", "start dev", "type", "start_instances",
                "parameters", Map.of("tags", Map.of("env", "dev"))));
        JsonNode snapshot = TestCloud.createJob(api, token, account, Map.of("name", "snapshots", "type", "snapshot_volumes",
                "parameters", Map.of("tags", Map.of("env", "dev"), "retain", Map.of("count", 1))));
        api.get("/api/v1/cloud-accounts/setup", token); // the sandbox's role takes the setup's policy, now with the jobs' statements

        JsonNode stopped = TestCloud.runAndWait(api, token, stopId.toString(), false);
        assertThat(stopped.get("status").asString()).as(stopped.toString()).isEqualTo("succeeded");
        String run = stopped.get("id").asString();
        expect(org.tenant(), mark, Action.JOB_RUN_STARTED, SYSTEM, "job", stopId, Map.of("dry_run", "false", "trigger", "manual",
                "role_session_name", stopped.get("roleSessionName").asString()));
        expect(org.tenant(), mark, Action.JOB_RUN_FINISHED, SYSTEM, "job", stopId, Map.of("outcome", "succeeded", "resources", ANY,
                "role_session_name", stopped.get("roleSessionName").asString()));
        expect(org.tenant(), mark, Action.INSTANCE_STOPPED, SYSTEM, "instance", null, Map.of("region", "us-east-1", "job", stopId.toString(),
                "run", run));
        JsonNode started = TestCloud.runAndWait(api, token, start.get("id").asString(), false);
        assertThat(started.get("status").asString()).as(started.toString()).isEqualTo("succeeded");
        expect(org.tenant(), mark, Action.INSTANCE_STARTED, SYSTEM, "instance", null, Map.of("region", "us-east-1",
                "job", start.get("id").asString(), "run", started.get("id").asString()));
        for (int i = 0; i < 2; i++) {
            JsonNode snapped = TestCloud.runAndWait(api, token, snapshot.get("id").asString(), false);
            assertThat(snapped.get("status").asString()).as(snapped.toString()).isEqualTo("succeeded");
            Thread.sleep(1_100); // snapshots' start times are whole seconds
        }
        expect(org.tenant(), mark, Action.SNAPSHOT_CREATED, SYSTEM, "snapshot", null, Map.of("region", "us-east-1",
                "job", snapshot.get("id").asString(), "run", ANY));
        expect(org.tenant(), mark, Action.SNAPSHOT_DELETED, SYSTEM, "snapshot", null, Map.of("region", "us-east-1",
                "job", snapshot.get("id").asString(), "run", ANY));
        assertThat(api.delete("/api/v1/jobs/" + stopId, token).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.JOB_DELETED, user(org.owner()), "job", stopId, Map.of());
    }

    private void ownSessionsAndTokens(Org org) throws SQLException {
        String token = api.signIn(org.email(), Api.PASSWORD);
        UUID current = currentSession(token);
        long mark = head(org.tenant());
        assertThat(api.delete("/api/v1/sessions/current", token).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", org.owner(),
                Map.of("kind", "api", "reason", "logout", "session", current.toString()));

        String mine = api.signIn(org.email(), Api.PASSWORD);
        String other = api.signIn(org.email(), Api.PASSWORD);
        UUID otherSession = currentSession(other);
        mark = head(org.tenant());
        assertThat(api.delete("/api/v1/sessions/" + otherSession, mine).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", org.owner(),
                Map.of("kind", "api", "reason", "revoked", "session", otherSession.toString()));

        mark = head(org.tenant());
        String name = "activity token name";
        Instant expiresAt = Instant.now().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS);
        Api.Response created = api.post("/api/v1/tokens", Map.of("name", name, "scopes", List.of("read", "write"),
                "expiresAt", expiresAt.toString()), mine);
        assertThat(created.status()).isEqualTo(201);
        UUID tokenId = UUID.fromString(created.json().get("id").asString());
        Stored tokenCreated = expect(org.tenant(), mark, Action.TOKEN_CREATED, user(org.owner()), "token", tokenId,
                Map.of("scopes", "read write", "expires_at", expiresAt.toString()), "name");
        assertThat(tokenCreated.toString()).as("the name only hashed").doesNotContain(name);

        mark = head(org.tenant());
        assertThat(api.delete("/api/v1/tokens/" + tokenId, mine).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.TOKEN_REVOKED, user(org.owner()), "token", tokenId, Map.of("reason", "revoked"));
    }

    /** Invites, accepts, changes the role, disables (ending the invitee's sessions and token) and re-enables; resends and cancels another invitation. */
    private void invitationsAndUserChanges(Org org) throws SQLException {
        String owner = api.signIn(org.email(), Api.PASSWORD);
        String email = Api.uniqueEmail("invitee");
        long mails = TestMail.countTo(email);
        long mark = head(org.tenant());
        Api.Response invited = api.post("/api/v1/users", Map.of("email", email, "role", "VIEWER"), owner);
        assertThat(invited.status()).isEqualTo(201);
        UUID invitee = UUID.fromString(invited.json().get("id").asString());
        Stored invitation = expect(org.tenant(), mark, Action.USER_INVITED, user(org.owner()), "user", invitee, Map.of("role", "VIEWER"));
        assertThat(invitation.toString()).doesNotContain(email);

        String invitationToken = TestMail.awaitNewTokenTo(email, "cwi_", mails);
        mark = head(org.tenant());
        assertThat(api.post("/api/v1/invitations/accept", Map.of("token", invitationToken, "password", Api.PASSWORD), null).status())
                .isEqualTo(200);
        expect(org.tenant(), mark, Action.USER_INVITATION_ACCEPTED, user(invitee), "user", invitee, Map.of());

        mark = head(org.tenant());
        assertThat(api.patch("/api/v1/users/" + invitee, Map.of("role", "OPERATOR"), owner).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.USER_ROLE_CHANGED, user(org.owner()), "user", invitee, Map.of("from", "VIEWER", "to", "OPERATOR"));
        mark = head(org.tenant());
        assertThat(api.patch("/api/v1/users/" + invitee, Map.of("role", "OPERATOR"), owner).status()).isEqualTo(200);
        assertThat(events(TestDatabase.NAME, org.tenant(), mark, Action.USER_ROLE_CHANGED)).as("the same role again: no change").isEmpty();

        // the invitee is signed in three ways, and each ends with the disable
        String inviteeToken = api.signIn(email, Api.PASSWORD);
        UUID apiSession = currentSession(inviteeToken);
        new ConsoleClient(port).signIn(email, Api.PASSWORD);
        UUID consoleSession = sessionIds(inviteeToken, "console").get(0);
        Api.Response pat = api.post("/api/v1/tokens", Map.of("name", "invitee token", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), inviteeToken);
        UUID patId = UUID.fromString(pat.json().get("id").asString());

        mark = head(org.tenant());
        assertThat(api.delete("/api/v1/users/" + invitee, owner).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.USER_DISABLED, user(org.owner()), "user", invitee, Map.of());
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", invitee,
                Map.of("kind", "api", "reason", "user_disabled", "session", apiSession.toString()));
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", invitee,
                Map.of("kind", "console", "reason", "user_disabled", "session", consoleSession.toString()));
        expect(org.tenant(), mark, Action.TOKEN_REVOKED, user(org.owner()), "token", patId, Map.of("reason", "user_disabled"));
        assertThat(events(TestDatabase.NAME, org.tenant(), mark, Action.SESSION_ENDED)).as("one event per ended session").hasSize(2);

        mark = head(org.tenant());
        assertThat(api.patch("/api/v1/users/" + invitee, Map.of("status", "ACTIVE"), owner).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.USER_ENABLED, user(org.owner()), "user", invitee, Map.of());

        // a second invitation: sent again (a new link), then cancelled
        UUID second = UUID.fromString(api.post("/api/v1/users", Map.of("email", Api.uniqueEmail("invitee-two"), "role", "VIEWER"), owner)
                .json().get("id").asString());
        mark = head(org.tenant());
        assertThat(api.post("/api/v1/invitations/" + second + "/resend", "", owner).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.USER_INVITATION_RESENT, user(org.owner()), "user", second, Map.of());
        mark = head(org.tenant());
        assertThat(api.delete("/api/v1/invitations/" + second, owner).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.USER_INVITATION_CANCELLED, user(org.owner()), "user", second, Map.of());
    }

    private void mfa(Org org) throws SQLException {
        String token = api.signIn(org.email(), Api.PASSWORD);
        Api.Response enrolment = api.post("/api/v1/mfa/totp", "", token);
        assertThat(enrolment.status()).isEqualTo(201);
        String secret = enrolment.json().get("secret").asString();
        long mark = head(org.tenant());
        Api.Response confirmed = api.post("/api/v1/mfa/totp/confirm", Map.of("code", TestTotp.code(secret, clock.freezeTotpStep())), token);
        assertThat(confirmed.status()).isEqualTo(200);
        List<String> recoveryCodes = new ArrayList<>();
        confirmed.json().get("recoveryCodes").forEach(c -> recoveryCodes.add(c.asString()));
        expect(org.tenant(), mark, Action.MFA_ENROLLED, user(org.owner()), "user", org.owner(), Map.of("method", "totp"));

        mark = head(org.tenant());
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), token).status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", true), token).status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/settings/security", Map.of("mfaRequired", false), token).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.MFA_POLICY_CHANGED, user(org.owner()), "tenant", org.tenant(), Map.of("required", "true"));
        expect(org.tenant(), mark, Action.MFA_POLICY_CHANGED, user(org.owner()), "tenant", org.tenant(), Map.of("required", "false"));
        assertThat(events(TestDatabase.NAME, org.tenant(), mark, Action.MFA_POLICY_CHANGED)).as("setting it again is no change").hasSize(2);

        mark = head(org.tenant());
        api.post("/api/v1/sessions", Map.of("email", org.email(), "password", Api.PASSWORD,
                "otp", TestTotp.code(secret, clock.nextTotpStep())), null);
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "api", "second_factor", "totp"));

        mark = head(org.tenant());
        assertThat(api.post("/api/v1/sessions", Map.of("email", org.email(), "password", Api.PASSWORD, "otp", recoveryCodes.get(0)), null)
                .status()).isEqualTo(201);
        expect(org.tenant(), mark, Action.MFA_RECOVERY_CODE_USED, user(org.owner()), "user", org.owner(), Map.of("remaining", "9"));
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "api", "second_factor", "recovery_code"));

        mark = head(org.tenant());
        Api.Response regenerated = api.post("/api/v1/mfa/recovery-codes", Map.of("code", TestTotp.code(secret, clock.nextTotpStep())), token);
        assertThat(regenerated.status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.MFA_RECOVERY_CODES_REGENERATED, user(org.owner()), "user", org.owner(), Map.of("replaced", "9"));

        mark = head(org.tenant());
        ConsoleClient browser = new ConsoleClient(port);
        Api.Response password = browser.submit("/login", "/login", Map.of("email", org.email(), "password", Api.PASSWORD));
        assertThat(password.header("Location")).endsWith("/login/mfa");
        assertThat(events(TestDatabase.NAME, org.tenant(), mark, Action.USER_SIGNED_IN)).as("the password alone signs nobody in").isEmpty();
        Api.Response code = browser.submit("/login/mfa", "/login/mfa", Map.of("code", TestTotp.code(secret, clock.nextTotpStep())));
        assertThat(code.header("Location")).endsWith("/console");
        expect(org.tenant(), mark, Action.USER_SIGNED_IN, user(org.owner()), "user", org.owner(),
                Map.of("channel", "console", "second_factor", "totp"));

        mark = head(org.tenant());
        Api.Response disabled = api.send(api.request("/api/v1/mfa/totp", token).header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"code\":\"" + TestTotp.code(secret, clock.nextTotpStep()) + "\"}"))
                .build());
        assertThat(disabled.status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.MFA_DISABLED, user(org.owner()), "user", org.owner(), Map.of("method", "totp"));
    }

    /** A reset ends every live session and token of the owner, each with its event, after the reset's own. */
    private void passwordReset(Org org) throws SQLException {
        String token = api.signIn(org.email(), Api.PASSWORD);
        UUID session = currentSession(token);
        Api.Response pat = api.post("/api/v1/tokens", Map.of("name", "before the reset", "scopes", List.of("read"),
                "expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()), token);
        UUID patId = UUID.fromString(pat.json().get("id").asString());
        new ConsoleClient(port).signIn(org.email(), Api.PASSWORD);
        UUID consoleSession = sessionIds(token, "console").get(0);

        long mails = TestMail.countTo(org.email());
        long mark = head(org.tenant());
        assertThat(api.post("/api/v1/password-resets", Map.of("email", org.email()), null).status()).isEqualTo(202);
        String resetToken = TestMail.awaitNewTokenTo(org.email(), "cwr_", mails);
        // background work: no request, so the system is the actor, and no address is known
        Stored requested = expect(org.tenant(), mark, Action.PASSWORD_RESET_REQUESTED, SYSTEM, "user", org.owner(), Map.of());
        assertThat(requested.toString()).doesNotContain(org.email());

        mark = head(org.tenant());
        String newPassword = "activity-new-password-93";
        assertThat(api.post("/api/v1/password-resets/confirm", Map.of("token", resetToken, "password", newPassword), null).status())
                .isEqualTo(204);
        Stored completed = expect(org.tenant(), mark, Action.PASSWORD_RESET_COMPLETED, user(org.owner()), "user", org.owner(), Map.of());
        Stored apiEnded = expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", org.owner(),
                Map.of("kind", "api", "reason", "password_reset", "session", session.toString()));
        expect(org.tenant(), mark, Action.SESSION_ENDED, user(org.owner()), "user", org.owner(),
                Map.of("kind", "console", "reason", "password_reset", "session", consoleSession.toString()));
        // a token is the target of its own events; with nobody signed in its revocation here has an anonymous actor
        expect(org.tenant(), mark, Action.TOKEN_REVOKED, ANONYMOUS, "token", patId, Map.of("reason", "password_reset"));
        assertThat(apiEnded.seq()).as("the cause before its effects").isGreaterThan(completed.seq());
    }

    private void dataKeyRotation(Org org) throws Exception {
        long mark = head(org.tenant());
        KeyMaintenance.Progress done = maintenance.rotateDataKey(org.tenant()).get(30, TimeUnit.SECONDS);
        assertThat(done.failure()).isNull();
        expect(org.tenant(), mark, Action.DATA_KEY_ROTATION_STARTED, SYSTEM, "tenant", org.tenant(), Map.of());
        expect(org.tenant(), mark, Action.DATA_KEY_ROTATION_FINISHED, SYSTEM, "tenant", org.tenant(),
                Map.of("outcome", "succeeded", "reencrypted", String.valueOf(done.reencrypted())));
    }

    /**
     * {@code ./cloudwarden keys rotate-kek} and {@code rotate-audit-key}, run as the launcher runs them
     * (the server's main class, no web server), against a database and data directory of their own:
     * rotating the local KEK of the shared test database would leave the running server unable to
     * unwrap its tenants' keys.
     */
    /** A report from anyone, then its triage (here by the service, as the operators' console calls it: no request, so `system`). */
    /**
     * A host agent: its enrolment token, its enrolment (before it has a key: anonymous), a command to it (a key
     * rotation: issued by the owner, carried out and reported by the agent, which acts as itself), its revocation.
     */
    private void agents() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Completeness Agents");
        Org org = new Org(t.tenantId(), t.userId(), t.email());
        String token = t.token();
        long mark = head(org.tenant());
        TestAgents.Enrolled enrolled = TestAgents.enrol(api, token, "completeness-host");
        UUID agent = enrolled.id();
        expect(org.tenant(), mark, Action.AGENT_ENROLLMENT_TOKEN_CREATED, user(org.owner()), "agent_enrollment_token", null,
                Map.of("expires_at", ANY));
        expect(org.tenant(), mark, Action.AGENT_ENROLLED, ANONYMOUS, "agent", agent, Map.of("token", ANY));
        TestAgents.rotateKey(api, token, enrolled, clock.instant());
        Actor itself = new Actor("agent", agent);
        expect(org.tenant(), mark, Action.AGENT_COMMAND_ISSUED, user(org.owner()), "agent_command", null,
                Map.of("agent", agent.toString(), "type", "rotate_key", "expires_at", ANY));
        expect(org.tenant(), mark, Action.AGENT_KEY_ROTATED, itself, "agent", agent, Map.of("command", ANY));
        expect(org.tenant(), mark, Action.AGENT_COMMAND_COMPLETED, itself, "agent_command", null,
                Map.of("agent", agent.toString(), "type", "rotate_key", "outcome", "succeeded"));
        assertThat(api.delete("/api/v1/agents/" + agent, token).status()).isEqualTo(204);
        expect(org.tenant(), mark, Action.AGENT_REVOKED, user(org.owner()), "agent", agent, Map.of("reason", "revoked"));
    }

    /** The report's intake; its triage is an operator's (see {@link #operators}). */
    private UUID securityReport() throws SQLException {
        long platformMark = head(PLATFORM);
        Api.Response sent = api.post("/api/v1/security-reports", Map.of("title", "Completeness report", "description", "Found it"), null);
        assertThat(sent.status()).isEqualTo(202);
        String reference = sent.json().get("reference").asString();
        Stored received = expect(PLATFORM, platformMark, Action.SECURITY_REPORT_RECEIVED, ANONYMOUS, "security_report", null,
                Map.of("reference", reference));
        return UUID.fromString(received.targetId());
    }

    /**
     * Platform operators: created, enrolled, signed in (and failing to), asking for access to the tenant with
     * its customer approval on, approved by another administrator and by the tenant, reading, revoked, denied,
     * expired; their lifecycle and key actions, tombstones, a report's triage, and signing out.
     */
    private void operators(Org org, UUID report) throws Exception {
        long platformMark = head(PLATFORM);
        TestOperators.Operator alice = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        expect(PLATFORM, platformMark, Action.OPERATOR_CREATED, SYSTEM, "operator", alice.id(),
                Map.of("operator", alice.id().toString(), "role", "PLATFORM_ADMIN"));
        expect(PLATFORM, platformMark, Action.OPERATOR_ENROLLED, ANONYMOUS, "operator", alice.id(), Map.of("operator", alice.id().toString()));
        TestOperators.Operator bob = TestOperators.create(context, api, clock, "PLATFORM_ADMIN");
        platformMark = head(PLATFORM);
        String aliceToken = TestOperators.signIn(api, clock, alice);
        expect(PLATFORM, platformMark, Action.OPERATOR_SIGNED_IN, ANONYMOUS, "operator", alice.id(),
                Map.of("operator", alice.id().toString(), "channel", "api"));
        assertThat(api.post("/ops/api/v1/sessions", Map.of("email", alice.email(), "password", "not-alice-password-1", "otp", "000000"), null)
                .status()).isEqualTo(401);
        expect(PLATFORM, platformMark, Action.OPERATOR_SIGN_IN_FAILED, ANONYMOUS, null, null, Map.of("reason", "bad_password"));
        String bobToken = TestOperators.signIn(api, clock, bob);
        Actor aliceActs = new Actor("operator", alice.id());
        Actor bobActs = new Actor("operator", bob.id());

        // an organisation of its own: the one under test has MFA and a new password by now
        Api.Tenant customer = api.signUpAndSignIn("Completeness Platform Access");
        org = new Org(customer.tenantId(), customer.userId(), customer.email());
        String owner = customer.token();
        long mark = head(org.tenant());
        assertThat(api.patch("/api/v1/settings/platform-access", Map.of("customerApprovalRequired", true), owner).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.LOCKBOX_CHANGED, user(org.owner()), "tenant", org.tenant(), Map.of("required", "true"));

        Map<String, Object> ask = Map.of("tenantId", org.tenant().toString(), "scopes", List.of("users:read"),
                "reason", "Checking why an invitation failed", "ticket", "SUP-7", "durationMinutes", 15);
        platformMark = head(PLATFORM);
        UUID first = UUID.fromString(api.post("/ops/api/v1/access-requests", ask, aliceToken).json().get("id").asString());
        expect(org.tenant(), mark, Action.ACCESS_REQUESTED, aliceActs, "access_request", first, Map.of("request", first.toString(),
                "scopes", "users:read", "duration_minutes", "15", "ticket", "SUP-7", "reason", "Checking why an invitation failed",
                "customer_approval", "required"));
        expect(PLATFORM, platformMark, Action.OPERATOR_ACCESS_CHANGED, aliceActs, "access_request", first,
                Map.of("request", first.toString(), "tenant", org.tenant().toString(), "change", "requested"));
        api.post("/ops/api/v1/access-requests/" + first + "/approve", Map.of(), bobToken);
        expect(org.tenant(), mark, Action.ACCESS_APPROVED, bobActs, "access_request", first,
                Map.of("request", first.toString(), "by", "platform_admin", "active", "false"));
        api.post("/api/v1/access-requests/" + first + "/approve", Map.of(), owner);
        expect(org.tenant(), mark, Action.ACCESS_APPROVED, user(org.owner()), "access_request", first,
                Map.of("request", first.toString(), "by", "customer", "active", "true", "expires_at", ANY));
        assertThat(api.get("/ops/api/v1/tenants/" + org.tenant() + "/users", aliceToken).status()).isEqualTo(200);
        expect(org.tenant(), mark, Action.ACCESS_READ, aliceActs, "access_request", first, Map.of("request", first.toString(),
                "scope", "users:read", "route", "GET /ops/api/v1/tenants/{tenantId}/users"));
        api.post("/api/v1/access-requests/" + first + "/revoke", Map.of(), owner);
        expect(org.tenant(), mark, Action.ACCESS_REVOKED, user(org.owner()), "access_request", first,
                Map.of("request", first.toString(), "by", "customer"));

        UUID second = UUID.fromString(api.post("/ops/api/v1/access-requests", ask, aliceToken).json().get("id").asString());
        api.post("/ops/api/v1/access-requests/" + second + "/deny", Map.of(), bobToken);
        expect(org.tenant(), mark, Action.ACCESS_DENIED, bobActs, "access_request", second,
                Map.of("request", second.toString(), "by", "platform_admin"));

        assertThat(api.patch("/api/v1/settings/platform-access", Map.of("customerApprovalRequired", false), owner).status()).isEqualTo(200);
        UUID third = UUID.fromString(api.post("/ops/api/v1/access-requests", ask, aliceToken).json().get("id").asString());
        assertThat(api.post("/ops/api/v1/access-requests/" + third + "/approve", Map.of(), bobToken).json().get("status").asString())
                .isEqualTo("ACTIVE");
        clock.advance(java.time.Duration.ofMinutes(16));
        assertThat(TestOperators.expireDue(context)).isGreaterThanOrEqualTo(1);
        expect(org.tenant(), mark, Action.ACCESS_EXPIRED, SYSTEM, "access_request", third, Map.of("request", third.toString(), "expired_at", ANY));

        // lifecycle and key actions, and tombstones, in the platform's history as the operator's
        aliceToken = TestOperators.signIn(api, clock, alice);
        Api.Tenant ending = api.signUpAndSignIn("Completeness Operator Ending");
        platformMark = head(PLATFORM);
        assertThat(api.post("/ops/api/v1/tenants/" + ending.tenantId() + "/terminate", Map.of(), aliceToken).status()).isEqualTo(200);
        expect(PLATFORM, platformMark, Action.OPERATOR_TENANT_LIFECYCLE, aliceActs, "tenant", ending.tenantId(),
                Map.of("tenant", ending.tenantId().toString(), "change", "terminated"));
        assertThat(api.post("/ops/api/v1/tenants/" + org.tenant() + "/keys/rotate", Map.of(), aliceToken).status()).isEqualTo(202);
        expect(PLATFORM, platformMark, Action.OPERATOR_TENANT_KEY_ROTATED, aliceActs, "tenant", org.tenant(),
                Map.of("tenant", org.tenant().toString()));
        assertThat(api.get("/ops/api/v1/tombstones", aliceToken).status()).isEqualTo(200);
        expect(PLATFORM, platformMark, Action.OPERATOR_TOMBSTONES_VIEWED, aliceActs, null, null, Map.of("count", ANY));
        Api.Response triaged = api.patch("/ops/api/v1/security-reports/" + report, Map.of("status", "TRIAGED"), aliceToken);
        assertThat(triaged.status()).isEqualTo(200);
        expect(PLATFORM, platformMark, Action.SECURITY_REPORT_TRIAGED, aliceActs, "security_report", report,
                Map.of("reference", triaged.json().get("reference").asString(), "status", "TRIAGED"));
        expect(PLATFORM, platformMark, Action.SECURITY_REPORT_READ, aliceActs, "security_report", report,
                Map.of("reference", triaged.json().get("reference").asString()));
        assertThat(api.delete("/ops/api/v1/sessions/current", aliceToken).status()).isEqualTo(204);
        expect(PLATFORM, platformMark, Action.OPERATOR_SIGNED_OUT, aliceActs, "operator", alice.id(), Map.of("operator", alice.id().toString()));
        assertThat(TestOperators.disable(context, bob.email())).isTrue();
        expect(PLATFORM, platformMark, Action.OPERATOR_DISABLED, SYSTEM, "operator", bob.id(), Map.of("operator", bob.id().toString()));
    }

    private void keyCommands() throws Exception {
        String database = TestDatabase.NAME + "_keys";
        Path dataDir = Files.createTempDirectory("cloudwarden-key-commands");
        try {
            for (String command : List.of("keys-rotate-kek", "keys-rotate-audit-key")) {
                new SpringApplicationBuilder(CloudwardenApplication.class).web(WebApplicationType.NONE).run(
                        "--cloudwarden.command=" + command,
                        "--cloudwarden.data-dir=" + dataDir,
                        "--cloudwarden.database.host=" + TestDatabase.HOST,
                        "--cloudwarden.database.port=" + TestDatabase.PORT,
                        "--cloudwarden.database.name=" + database,
                        "--spring.mail.host=127.0.0.1",
                        "--spring.mail.port=" + TestMail.port());
            }
            Stored kek = expectIn(database, PLATFORM, 0, Action.PLATFORM_KEK_ROTATED, SYSTEM, "key", null,
                    Map.of("kek", ANY, "keysets", ANY));
            assertThat(kek.details().get("kek")).startsWith("local");
            expectIn(database, PLATFORM, kek.seq(), Action.PLATFORM_AUDIT_KEY_ROTATED, SYSTEM, "key", null, Map.of("previous", ANY));
            everyStoredEventIsInTheCatalogueWithItsSecretsHashed(database);
        } finally {
            try (Connection admin = DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.ADMIN, null);
                 Statement st = admin.createStatement()) {
                st.execute("drop database if exists " + database + " with (force)");
            }
        }
    }

    /**
     * The subscription lifecycle as operators cause it: {@code ./cloudwarden tenant terminate} and
     * {@code renew} (the server's main class without a web server, against the running server's
     * database, data directory and queue), and the daily lifecycle pass (the scheduler's recurring
     * task, brought forward to now) for the purge notice and, past the window, the purge.
     */
    private void lifecycle() throws Exception {
        Api.Tenant t = api.signUpAndSignIn("Completeness Ending");
        long mark = head(t.tenantId());
        tenantCommand("terminate", t.tenantId(), "--cloudwarden.tenant-command.retention=P3D");
        expect(t.tenantId(), mark, Action.TENANT_TERMINATED, SYSTEM, "tenant", t.tenantId(), Map.of("retention", "PT72H", "purge_after", ANY));
        UUID session = UUID.fromString(events(TestDatabase.NAME, t.tenantId(), mark, Action.SESSION_ENDED).getFirst().details().get("session"));
        expect(t.tenantId(), mark, Action.SESSION_ENDED, SYSTEM, "user", t.userId(),
                Map.of("kind", "api", "reason", "subscription_ended", "session", session.toString()));

        mark = head(t.tenantId());
        tenantCommand("renew", t.tenantId());
        expect(t.tenantId(), mark, Action.TENANT_RENEWED, SYSTEM, "tenant", t.tenantId(), Map.of());

        tenantCommand("terminate", t.tenantId(), "--cloudwarden.tenant-command.retention=P3D");
        mark = head(t.tenantId());
        runTheDailyLifecyclePass();
        expect(t.tenantId(), mark, Action.TENANT_PURGE_NOTICE_SENT, SYSTEM, "tenant", t.tenantId(),
                Map.of("purge_after", ANY, "recipients", "1"));

        try (Connection c = TestDatabase.asAdmin(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("update tenants set terminated_at = now() - interval '61 days', purge_after = now() - interval '1 day'"
                    + " where id = '" + t.tenantId() + "'")).isEqualTo(1);
        }
        long platformMark = head(PLATFORM);
        runTheDailyLifecyclePass();
        expect(PLATFORM, platformMark, Action.PLATFORM_TENANT_PURGED, SYSTEM, "tenant", t.tenantId(),
                Map.of("rows", ANY, "activity_seq", ANY, "activity_head_hash", ANY));
    }

    private void tenantCommand(String command, UUID tenant, String... options) {
        List<String> args = new ArrayList<>(List.of("--cloudwarden.command=tenant-" + command, "--cloudwarden.tenant-command.tenant=" + tenant,
                "--cloudwarden.database.host=" + TestDatabase.HOST, "--cloudwarden.database.port=" + TestDatabase.PORT,
                "--cloudwarden.database.name=" + TestDatabase.NAME, "--cloudwarden.database.pool-size=2",
                "--cloudwarden.jobs.queue=" + task(".tick").replaceFirst("[.]tick$", ""), "--spring.mail.host=127.0.0.1", "--spring.mail.port=" + TestMail.port()));
        args.addAll(List.of(options));
        new SpringApplicationBuilder(CloudwardenApplication.class).web(WebApplicationType.NONE).run(args.toArray(String[]::new));
    }

    private String task(String suffix) {
        return tasks.stream().map(Task::getName).filter(n -> n.endsWith(suffix)).findFirst().orElseThrow();
    }

    private void runTheDailyLifecyclePass() {
        scheduler.reschedule(TaskInstanceId.of(task(".lifecycle"), RecurringTask.INSTANCE), clock.instant());
        scheduler.triggerCheckForDueExecutions();
    }

    /** Every event stored so far: its action is in the catalogue, and each detail outside the action's clear keys is a keyed hash. */
    private static void everyStoredEventIsInTheCatalogueWithItsSecretsHashed(String database) throws SQLException {
        Set<String> unknown = new HashSet<>();
        List<String> inClear = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(TestDatabase.url(database), TestDatabase.ADMIN, null);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select tenant_id, seq, action, details::text from activity_events")) {
            while (rs.next()) {
                Action action = Action.byId(rs.getString(3)).orElse(null);
                if (action == null) {
                    unknown.add(rs.getString(3));
                    continue;
                }
                details(rs.getString(4)).forEach((key, value) -> {
                    if (!action.clearKeys().contains(key) && !value.matches(KEYED_HASH)) {
                        inClear.add(action.id() + " " + key);
                    }
                });
            }
        }
        assertThat(unknown).as("actions in activity_events that the catalogue does not have").isEmpty();
        assertThat(inClear).as("details outside their action's clear keys, stored in the clear").isEmpty();
    }

    // --- finding events ---

    private record Actor(String type, UUID id) {
    }

    private static final Actor ANONYMOUS = new Actor("anonymous", null);
    private static final Actor SYSTEM = new Actor("system", null);

    private static Actor user(UUID id) {
        return new Actor("user", id);
    }

    private Stored expect(UUID chain, long after, Action action, Actor actor, String targetType, UUID targetId,
                          Map<String, String> clear, String... hashed) throws SQLException {
        return expectIn(TestDatabase.NAME, chain, after, action, actor, targetType, targetId, clear, hashed);
    }

    /**
     * The event of {@code action} after seq {@code after} in a chain, with this actor, target (null
     * type: none; null id: any) and details: {@code clear} exactly as given, each of {@code hashed}
     * as a keyed hash, no other key. Waits a little for work that runs in the background.
     */
    private Stored expectIn(String database, UUID chain, long after, Action action, Actor actor, String targetType, Object targetId,
                            Map<String, String> clear, String... hashed) throws SQLException {
        Instant deadline = Instant.now().plusSeconds(10);
        List<Stored> candidates;
        while (true) {
            candidates = events(database, chain, after, action);
            for (Stored e : candidates) {
                if (matches(e, actor, targetType, targetId, clear, hashed)) {
                    found.add(action);
                    return e;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no " + action.id() + " by " + actor + " on " + targetType + " " + targetId + " with " + clear
                        + " and hashed " + List.of(hashed) + " after seq " + after + "; found " + candidates);
            }
            sleep();
        }
    }

    private static boolean matches(Stored e, Actor actor, String targetType, Object targetId, Map<String, String> clear, String... hashed) {
        boolean actorMatches = e.actorType().equals(actor.type()) && (actor.id() == null ? e.actorId() == null : actor.id().toString().equals(e.actorId()));
        boolean targetMatches = targetType == null ? e.targetType() == null
                : targetType.equals(e.targetType()) && (targetId == null || targetId.toString().equals(e.targetId()));
        Set<String> keys = new HashSet<>(clear.keySet());
        keys.addAll(List.of(hashed));
        boolean detailsMatch = e.details().keySet().equals(keys)
                && clear.entrySet().stream().allMatch(d -> d.getValue().equals(ANY) || d.getValue().equals(e.details().get(d.getKey())))
                && Arrays.stream(hashed).allMatch(k -> e.details().get(k).matches(KEYED_HASH));
        return actorMatches && targetMatches && detailsMatch;
    }

    static List<Stored> events(String database, UUID chain, long after, Action action) throws SQLException {
        try (Connection c = DriverManager.getConnection(TestDatabase.url(database), TestDatabase.ADMIN, null);
             PreparedStatement ps = c.prepareStatement("""
                     select seq, action, actor_type, actor_id::text, target_type, target_id, details::text
                     from activity_events where tenant_id = ? and seq > ? and action = ? order by seq""")) {
            ps.setObject(1, chain);
            ps.setLong(2, after);
            ps.setString(3, action.id());
            List<Stored> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Stored(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            details(rs.getString(7))));
                }
            }
            return out;
        }
    }

    /** The last seq of a chain so far (0 for none): a mark after which a step's events are looked for. */
    private static long head(UUID chain) throws SQLException {
        return TestDatabase.count("select coalesce(max(seq), 0) from activity_events where tenant_id = ?", chain);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> details(String json) {
        return Api.JSON.readValue(json, Map.class);
    }

    // --- the caller's sessions, as the API lists them ---

    private UUID currentSession(String token) {
        for (JsonNode s : api.get("/api/v1/sessions", token).json()) {
            if (s.get("current").asBoolean()) {
                return UUID.fromString(s.get("id").asString());
            }
        }
        throw new AssertionError("no current session");
    }

    private List<UUID> sessionIds(String token, String kind) {
        List<UUID> ids = new ArrayList<>();
        for (JsonNode s : api.get("/api/v1/sessions", token).json()) {
            if (s.get("kind").asString().equals(kind)) {
                ids.add(UUID.fromString(s.get("id").asString()));
            }
        }
        return ids;
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
