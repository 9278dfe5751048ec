package dev.cloudwarden.web;


import static dev.cloudwarden.web.Route.open;
import static dev.cloudwarden.web.Route.operators;
import static dev.cloudwarden.web.Route.signedIn;
import static org.springframework.http.HttpMethod.DELETE;
import static org.springframework.http.HttpMethod.GET;
import static org.springframework.http.HttpMethod.PATCH;
import static org.springframework.http.HttpMethod.POST;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.identity.TokenScope;
import dev.cloudwarden.operator.AccessScope;
import dev.cloudwarden.operator.OperatorRole;
import jakarta.servlet.http.HttpServletRequest;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The route table: every route the server answers, with who may call it, the rate limit it counts
 * against, whether the MFA enrolment gate lets it through and which token scope it needs (see
 * {@link Route}). Every mechanism reads its facts from here and nowhere else; a route served by a
 * controller but missing here stops the server at start ((RouteTableCheck)), and
 * docs/permissions.md is checked against this table by a test.
 *
 * <p>The first matching entry decides, so a literal path comes before a pattern that would also
 * match it ({@code /api/v1/sessions/current} before {@code /api/v1/sessions/{id}}).
 */
public final class Routes {

    public static final Set<Role> ANYONE = EnumSet.allOf(Role.class);
    public static final Set<Role> ADMINS = EnumSet.of(Role.OWNER, Role.ADMIN);
    /** Who reads the activity history: everyone but OPERATOR, whose work is running jobs. */
    public static final Set<Role> AUDITORS = EnumSet.of(Role.OWNER, Role.ADMIN, Role.VIEWER);
    /** Who runs jobs (an inventory sync is one): everyone but VIEWER. */
    public static final Set<Role> OPERATORS = EnumSet.of(Role.OWNER, Role.ADMIN, Role.OPERATOR);
    /** Every platform operator (never a tenant user). */
    public static final Set<OperatorRole> STAFF = EnumSet.allOf(OperatorRole.class);
    /** Platform administrators: approvals, lifecycle and key actions. */
    public static final Set<OperatorRole> PLATFORM_ADMINS = EnumSet.of(OperatorRole.PLATFORM_ADMIN);

    public static final List<Route> ALL = List.of(
            // --- JSON API: sign-up, sign-in, one-time links ---
            open(POST, "/api/v1/signup").limit(RateLimit.SIGN_UP),
            open(POST, "/api/v1/email-verifications").limit(RateLimit.SIGN_UP),
            open(POST, "/api/v1/sessions").limit(RateLimit.SIGN_IN),
            open(POST, "/api/v1/invitations/accept").limit(RateLimit.INVITATION_ACCEPT),
            open(POST, "/api/v1/password-resets").limit(RateLimit.PASSWORD_RESET),
            open(POST, "/api/v1/password-resets/confirm").limit(RateLimit.PASSWORD_RESET),
            open(POST, "/api/v1/security-reports").limit(RateLimit.SECURITY_REPORT),
            // --- JSON API: the signed-in user's own credentials (never with a token) ---
            signedIn(GET, "/api/v1/me", ANYONE).beforeMfaEnrollment().token(TokenScope.READ),
            signedIn(DELETE, "/api/v1/sessions/current", ANYONE).beforeMfaEnrollment(),
            signedIn(GET, "/api/v1/sessions", ANYONE),
            signedIn(DELETE, "/api/v1/sessions/others", ANYONE),
            signedIn(DELETE, "/api/v1/sessions/{id}", ANYONE),
            signedIn(GET, "/api/v1/tokens", ANYONE),
            signedIn(POST, "/api/v1/tokens", ANYONE),
            signedIn(DELETE, "/api/v1/tokens/{id}", ANYONE),
            signedIn(POST, "/api/v1/mfa/totp", ANYONE).beforeMfaEnrollment().limit(RateLimit.MFA),
            signedIn(POST, "/api/v1/mfa/totp/confirm", ANYONE).beforeMfaEnrollment().limit(RateLimit.MFA),
            signedIn(DELETE, "/api/v1/mfa/totp", ANYONE).limit(RateLimit.MFA),
            signedIn(POST, "/api/v1/mfa/recovery-codes", ANYONE).limit(RateLimit.MFA),
            // --- JSON API: the organisation ---
            signedIn(GET, "/api/v1/settings/security", ANYONE).token(TokenScope.READ),
            signedIn(PATCH, "/api/v1/settings/security", ADMINS),
            signedIn(GET, "/api/v1/subscription", ANYONE).token(TokenScope.READ),
            signedIn(GET, "/api/v1/users", ANYONE).token(TokenScope.READ),
            signedIn(GET, "/api/v1/users/{id}", ANYONE).token(TokenScope.READ),
            // inviting or re-enabling creates a credential that would outlive the token: people only
            signedIn(POST, "/api/v1/users", ADMINS).limit(RateLimit.INVITATION_SEND),
            signedIn(PATCH, "/api/v1/users/{id}", ADMINS),
            signedIn(DELETE, "/api/v1/users/{id}", ADMINS).token(TokenScope.WRITE),
            // pending invitations ({id}: the invited user's); a resend mails a new link, like an invitation: people only
            signedIn(GET, "/api/v1/invitations", ADMINS).token(TokenScope.READ),
            signedIn(POST, "/api/v1/invitations/{id}/resend", ADMINS).limit(RateLimit.INVITATION_SEND),
            signedIn(DELETE, "/api/v1/invitations/{id}", ADMINS).token(TokenScope.WRITE),
            // --- JSON API: the activity history ---
            signedIn(GET, "/api/v1/activity", AUDITORS).token(TokenScope.READ),
            signedIn(GET, "/api/v1/activity/export", AUDITORS).token(TokenScope.READ).limit(RateLimit.ACTIVITY_EXPORT),
            // --- JSON API: cloud accounts ---
            // the setup makes the organisation's external ID the first time: a write
            signedIn(GET, "/api/v1/cloud-accounts/setup", ADMINS).token(TokenScope.WRITE),
            signedIn(GET, "/api/v1/cloud-accounts", ANYONE).token(TokenScope.READ),
            signedIn(POST, "/api/v1/cloud-accounts", ADMINS).token(TokenScope.WRITE),
            signedIn(GET, "/api/v1/cloud-accounts/{id}", ANYONE).token(TokenScope.READ),
            signedIn(DELETE, "/api/v1/cloud-accounts/{id}", ADMINS).token(TokenScope.WRITE),
            signedIn(POST, "/api/v1/cloud-accounts/{id}/verify", ADMINS).token(TokenScope.WRITE).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(POST, "/api/v1/cloud-accounts/{id}/sync", OPERATORS).token(TokenScope.JOBS_RUN).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(GET, "/api/v1/cloud-accounts/{id}/resources", ANYONE).token(TokenScope.READ),
            // --- JSON API: automation jobs ---
            signedIn(GET, "/api/v1/jobs", ANYONE).token(TokenScope.READ),
            signedIn(POST, "/api/v1/jobs", ADMINS).token(TokenScope.WRITE),
            signedIn(GET, "/api/v1/jobs/{id}", ANYONE).token(TokenScope.READ),
            signedIn(PATCH, "/api/v1/jobs/{id}", ADMINS).token(TokenScope.WRITE),
            signedIn(DELETE, "/api/v1/jobs/{id}", ADMINS).token(TokenScope.WRITE),
            signedIn(POST, "/api/v1/jobs/{id}/runs", OPERATORS).token(TokenScope.JOBS_RUN).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(GET, "/api/v1/jobs/{id}/runs", ANYONE).token(TokenScope.READ),
            signedIn(GET, "/api/v1/jobs/{id}/runs/{runId}", ANYONE).token(TokenScope.READ),
            // --- JSON API: host agents (docs/agents.md) ---
            // an enrolment token lets a host into the organisation: people only
            signedIn(POST, "/api/v1/agents/enrollment-tokens", ADMINS),
            signedIn(GET, "/api/v1/agents", ANYONE).token(TokenScope.READ),
            signedIn(DELETE, "/api/v1/agents/{id}", ADMINS).token(TokenScope.WRITE),
            signedIn(POST, "/api/v1/agents/{id}/commands", ADMINS).token(TokenScope.WRITE),
            signedIn(GET, "/api/v1/agents/{id}/commands", ANYONE).token(TokenScope.READ),
            // --- JSON API: platform access (operators' requests to read this organisation's data) ---
            signedIn(GET, "/api/v1/access-requests", AUDITORS).token(TokenScope.READ),
            // deciding about the platform's access is for people, never a token
            signedIn(POST, "/api/v1/access-requests/{id}/approve", ADMINS),
            signedIn(POST, "/api/v1/access-requests/{id}/deny", ADMINS),
            signedIn(POST, "/api/v1/access-requests/{id}/revoke", ADMINS),
            signedIn(GET, "/api/v1/settings/platform-access", ANYONE).token(TokenScope.READ),
            signedIn(PATCH, "/api/v1/settings/platform-access", ADMINS),

            // --- console: public pages and forms ---
            open(GET, "/").beforeMfaEnrollment(),
            open(GET, "/signup"),
            open(POST, "/signup").limit(RateLimit.SIGN_UP),
            open(GET, "/signup/check-inbox"),
            open(GET, "/verify-email"),
            open(POST, "/verify-email").limit(RateLimit.SIGN_UP),
            open(GET, "/login"),
            open(POST, "/login").limit(RateLimit.SIGN_IN), // Spring Security's form login
            open(GET, "/login/mfa"),
            open(POST, "/login/mfa").limit(RateLimit.MFA),
            open(GET, "/invitations/accept"),
            open(POST, "/invitations/accept").limit(RateLimit.INVITATION_ACCEPT),
            open(GET, "/password-reset"),
            open(POST, "/password-reset").limit(RateLimit.PASSWORD_RESET),
            open(GET, "/password-reset/confirm"),
            open(POST, "/password-reset/confirm").limit(RateLimit.PASSWORD_RESET),
            open(GET, "/security-policy"),
            open(GET, "/security/report"),
            open(POST, "/security/report").limit(RateLimit.SECURITY_REPORT),
            open(GET, "/css/**").beforeMfaEnrollment(),
            open(GET, "/js/**").beforeMfaEnrollment(),
            open(GET, "/favicon.svg").beforeMfaEnrollment(),
            open(GET, "/favicon.ico").beforeMfaEnrollment(),
            open(null, "/error").beforeMfaEnrollment(),
            // --- console: signed in ---
            signedIn(POST, "/logout", ANYONE).beforeMfaEnrollment(), // Spring Security's logout
            signedIn(GET, "/console", ANYONE),
            signedIn(GET, "/console/sessions", ANYONE),
            signedIn(POST, "/console/sessions/others/revoke", ANYONE),
            signedIn(POST, "/console/sessions/{id}/revoke", ANYONE),
            signedIn(GET, "/console/tokens", ANYONE),
            signedIn(POST, "/console/tokens", ANYONE),
            signedIn(POST, "/console/tokens/{id}/revoke", ANYONE),
            signedIn(GET, "/mfa", ANYONE).beforeMfaEnrollment(),
            // the form addresses opened as pages (a reload after a POST) lead back to /mfa
            signedIn(GET, "/mfa/totp", ANYONE).beforeMfaEnrollment(),
            signedIn(GET, "/mfa/totp/confirm", ANYONE).beforeMfaEnrollment(),
            signedIn(GET, "/mfa/totp/disable", ANYONE),
            signedIn(GET, "/mfa/recovery-codes", ANYONE),
            signedIn(POST, "/mfa/totp", ANYONE).beforeMfaEnrollment().limit(RateLimit.MFA),
            signedIn(POST, "/mfa/totp/confirm", ANYONE).beforeMfaEnrollment().limit(RateLimit.MFA),
            signedIn(POST, "/mfa/totp/disable", ANYONE).limit(RateLimit.MFA),
            signedIn(POST, "/mfa/recovery-codes", ANYONE).limit(RateLimit.MFA),
            signedIn(GET, "/console/users", ADMINS),
            signedIn(POST, "/console/users/invite", ADMINS).limit(RateLimit.INVITATION_SEND),
            signedIn(POST, "/console/users/{id}/role", ADMINS),
            signedIn(POST, "/console/users/{id}/disable", ADMINS),
            signedIn(POST, "/console/users/{id}/enable", ADMINS),
            signedIn(POST, "/console/invitations/{id}/resend", ADMINS).limit(RateLimit.INVITATION_SEND),
            signedIn(POST, "/console/invitations/{id}/cancel", ADMINS),
            signedIn(GET, "/console/settings", ADMINS),
            signedIn(POST, "/console/settings", ADMINS),
            signedIn(GET, "/console/activity", AUDITORS),
            signedIn(POST, "/console/activity/verify", AUDITORS).limit(RateLimit.ACTIVITY_EXPORT),
            signedIn(GET, "/console/activity/export", AUDITORS).limit(RateLimit.ACTIVITY_EXPORT),
            signedIn(GET, "/console/cloud-accounts", ANYONE),
            signedIn(POST, "/console/cloud-accounts", ADMINS),
            signedIn(GET, "/console/cloud-accounts/setup", ADMINS),
            signedIn(GET, "/console/cloud-accounts/{id}", ANYONE),
            signedIn(POST, "/console/cloud-accounts/{id}/verify", ADMINS).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(POST, "/console/cloud-accounts/{id}/sync", OPERATORS).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(POST, "/console/cloud-accounts/{id}/delete", ADMINS),
            signedIn(GET, "/console/jobs", ANYONE),
            signedIn(POST, "/console/jobs", ADMINS),
            signedIn(GET, "/console/jobs/{id}", ANYONE),
            signedIn(POST, "/console/jobs/{id}/runs", OPERATORS).limit(RateLimit.CLOUD_SESSIONS),
            signedIn(POST, "/console/jobs/{id}/pause", ADMINS),
            signedIn(POST, "/console/jobs/{id}/delete", ADMINS),
            signedIn(GET, "/console/agents", ANYONE),
            signedIn(POST, "/console/agents/enrollment-tokens", ADMINS),
            signedIn(POST, "/console/agents/{id}/commands", ADMINS),
            signedIn(POST, "/console/agents/{id}/revoke", ADMINS),
            signedIn(GET, "/console/platform-access", ADMINS),
            signedIn(POST, "/console/platform-access/settings", ADMINS),
            signedIn(POST, "/console/platform-access/{id}/approve", ADMINS),
            signedIn(POST, "/console/platform-access/{id}/deny", ADMINS),
            signedIn(POST, "/console/platform-access/{id}/revoke", ADMINS),

            // --- host agents: enrolment with a single-use token; every other call signed by the agent's key (checked by
            // the agent gateway itself, before anything of the agent is read: docs/agents.md) ---
            open(POST, "/agent/v1/enroll").limit(RateLimit.AGENT_ENROLL),
            open(POST, "/agent/v1/heartbeat"),
            open(GET, "/agent/v1/commands"),
            open(POST, "/agent/v1/commands/{id}/result"),

            // --- operators' JSON API (bearer operator session tokens; no cookie is read there) ---
            open(POST, "/ops/api/v1/sessions").limit(RateLimit.SIGN_IN),
            open(POST, "/ops/api/v1/enrolments/offer").limit(RateLimit.MFA),
            open(POST, "/ops/api/v1/enrolments").limit(RateLimit.MFA),
            operators(DELETE, "/ops/api/v1/sessions/current", STAFF),
            operators(GET, "/ops/api/v1/me", STAFF),
            operators(GET, "/ops/api/v1/operators", STAFF),
            operators(GET, "/ops/api/v1/tenants", STAFF),
            operators(GET, "/ops/api/v1/tenants/{tenantId}", STAFF),
            operators(GET, "/ops/api/v1/tenants/{tenantId}/users", STAFF).underGrant(AccessScope.USERS),
            operators(GET, "/ops/api/v1/tenants/{tenantId}/cloud-accounts", STAFF).underGrant(AccessScope.CLOUD_ACCOUNTS),
            operators(GET, "/ops/api/v1/tenants/{tenantId}/jobs", STAFF).underGrant(AccessScope.JOBS),
            operators(GET, "/ops/api/v1/tenants/{tenantId}/activity", STAFF).underGrant(AccessScope.ACTIVITY),
            operators(POST, "/ops/api/v1/tenants/{tenantId}/terminate", PLATFORM_ADMINS),
            operators(POST, "/ops/api/v1/tenants/{tenantId}/renew", PLATFORM_ADMINS),
            operators(POST, "/ops/api/v1/tenants/{tenantId}/keys/rotate", PLATFORM_ADMINS),
            operators(POST, "/ops/api/v1/keys/rewrap", PLATFORM_ADMINS),
            operators(GET, "/ops/api/v1/tombstones", STAFF),
            operators(GET, "/ops/api/v1/access-requests", STAFF),
            operators(POST, "/ops/api/v1/access-requests", STAFF).limit(RateLimit.ACCESS_REQUEST),
            operators(GET, "/ops/api/v1/access-requests/{id}", STAFF),
            operators(POST, "/ops/api/v1/access-requests/{id}/approve", PLATFORM_ADMINS),
            operators(POST, "/ops/api/v1/access-requests/{id}/deny", PLATFORM_ADMINS),
            operators(POST, "/ops/api/v1/access-requests/{id}/revoke", STAFF),
            operators(GET, "/ops/api/v1/security-reports", STAFF),
            operators(GET, "/ops/api/v1/security-reports/{id}", STAFF),
            operators(PATCH, "/ops/api/v1/security-reports/{id}", STAFF),
            // --- operators' console (its own session cookie, CSRF on every form) ---
            open(GET, "/ops/login"),
            open(POST, "/ops/login").limit(RateLimit.SIGN_IN),
            open(GET, "/ops/enrol"),
            open(POST, "/ops/enrol/offer").limit(RateLimit.MFA),
            open(POST, "/ops/enrol").limit(RateLimit.MFA),
            operators(POST, "/ops/logout", STAFF),
            operators(GET, "/ops", STAFF),
            operators(GET, "/ops/tombstones", STAFF),
            operators(GET, "/ops/tenants/{tenantId}/users", STAFF).underGrant(AccessScope.USERS),
            operators(GET, "/ops/tenants/{tenantId}/cloud-accounts", STAFF).underGrant(AccessScope.CLOUD_ACCOUNTS),
            operators(GET, "/ops/tenants/{tenantId}/jobs", STAFF).underGrant(AccessScope.JOBS),
            operators(GET, "/ops/tenants/{tenantId}/activity", STAFF).underGrant(AccessScope.ACTIVITY),
            operators(POST, "/ops/tenants/{tenantId}/terminate", PLATFORM_ADMINS),
            operators(POST, "/ops/tenants/{tenantId}/renew", PLATFORM_ADMINS),
            operators(POST, "/ops/tenants/{tenantId}/keys/rotate", PLATFORM_ADMINS),
            operators(POST, "/ops/keys/rewrap", PLATFORM_ADMINS),
            operators(GET, "/ops/access-requests", STAFF),
            operators(POST, "/ops/access-requests", STAFF).limit(RateLimit.ACCESS_REQUEST),
            operators(POST, "/ops/access-requests/{id}/approve", PLATFORM_ADMINS),
            operators(POST, "/ops/access-requests/{id}/deny", PLATFORM_ADMINS),
            operators(POST, "/ops/access-requests/{id}/revoke", STAFF),
            operators(GET, "/ops/security-reports", STAFF),
            operators(GET, "/ops/security-reports/{id}", STAFF),
            operators(POST, "/ops/security-reports/{id}/status", STAFF),

            // --- public files ---
            open(GET, "/.well-known/security.txt"),
            open(GET, "/.well-known/cloudwarden-audit-keys.json"),
            // the API document (no data in it: the same for everyone) and, where enabled, its Swagger UI page
            open(GET, "/v3/api-docs").beforeMfaEnrollment(),
            open(GET, "/v3/api-docs.yaml").beforeMfaEnrollment(),
            open(GET, "/v3/api-docs/swagger-config").beforeMfaEnrollment(),
            open(GET, "/swagger-ui.html").beforeMfaEnrollment(),
            open(GET, "/swagger-ui/**").beforeMfaEnrollment());

    private record Entry(Route route, RequestMatcher matcher) {
    }

    private static final List<Entry> ENTRIES = ALL.stream().map(r -> new Entry(r, r.matcher())).toList();

    private Routes() {
    }

    /** The route a request is for: the first entry that matches; empty when none does. */
    public static Optional<Route> find(HttpServletRequest request) {
        for (Entry entry : ENTRIES) {
            if (entry.matcher().matches(request)) {
                return Optional.of(entry.route());
            }
        }
        return Optional.empty();
    }

    /** The entries whose path starts with {@code prefix}, in table order. */
    public static List<Route> under(String prefix) {
        return ALL.stream().filter(r -> r.path().startsWith(prefix)).toList();
    }
}
