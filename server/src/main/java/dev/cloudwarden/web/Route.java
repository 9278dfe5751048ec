package dev.cloudwarden.web;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.identity.TokenScope;
import dev.cloudwarden.operator.AccessScope;
import dev.cloudwarden.operator.OperatorRole;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * One route the server answers and every security fact about it, declared once in {@link Routes}
 * and read by each mechanism: authorization (who), the per-address rate limit, the MFA enrolment
 * gate, the personal-access-token scope check and the API document.
 *
 * @param method      the HTTP method, or null for any (the error page)
 * @param path        a Spring path pattern ({@code /api/v1/users/{id}}, {@code /css/**})
 * @param roles       who may call it once signed in; empty for a public route (no sign-in needed)
 * @param rateLimit   the per-address limit it counts against, if any
 * @param beforeMfa   reachable by a signed-in user who still has to enrol in the MFA their organisation requires
 * @param tokenScope  the scope a personal access token needs to call it; null: no token may call it
 * @param staff       the platform operators' roles that may call it (an {@code /ops} route); a route is for
 *                    tenant users or for operators, never both
 * @param grant       the access-grant scope an operator needs to call it: it reads one tenant's data, whose id
 *                    is the path's {@code {tenantId}}; null: it reads none
 */
public record Route(HttpMethod method, String path, Set<Role> roles, RateLimit rateLimit, boolean beforeMfa, TokenScope tokenScope,
                    Set<OperatorRole> staff, AccessScope grant) {

    /** Where the operators' console and API live; nothing else is served to operators, and nothing there to tenant users. */
    public static final String OPS = "/ops";

    private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();

    public Route {
        roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
        staff = staff.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(staff));
        boolean opsPath = path.equals(OPS) || path.startsWith(OPS + "/");
        if (!roles.isEmpty() && !staff.isEmpty()) {
            throw new IllegalArgumentException(path + ": a route is for tenant users or for operators, not both");
        }
        if (roles.isEmpty() && staff.isEmpty() && tokenScope != null) {
            throw new IllegalArgumentException(path + ": a public route needs no token");
        }
        if (opsPath ? !roles.isEmpty() || tokenScope != null || beforeMfa : !staff.isEmpty()) {
            throw new IllegalArgumentException(path + ": operators' routes, and only they, live under " + OPS);
        }
        if (grant != null && (staff.isEmpty() || !path.contains("{tenantId}"))) {
            throw new IllegalArgumentException(path + ": a grant scope belongs to an operators' route that names {tenantId}");
        }
    }

    /** A route anyone may call without signing in. */
    static Route open(HttpMethod method, String path) {
        return new Route(method, path, Set.of(), null, false, null, Set.of(), null);
    }

    /** A route for signed-in users of these roles. */
    static Route signedIn(HttpMethod method, String path, Set<Role> roles) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException(path + ": name the roles that may call it");
        }
        return new Route(method, path, roles, null, false, null, Set.of(), null);
    }

    /** A route for signed-in platform operators of these roles. */
    static Route operators(HttpMethod method, String path, Set<OperatorRole> staff) {
        if (staff.isEmpty()) {
            throw new IllegalArgumentException(path + ": name the operator roles that may call it");
        }
        return new Route(method, path, Set.of(), null, false, null, staff, null);
    }

    Route limit(RateLimit limit) {
        return new Route(method, path, roles, limit, beforeMfa, tokenScope, staff, grant);
    }

    Route beforeMfaEnrollment() {
        return new Route(method, path, roles, rateLimit, true, tokenScope, staff, grant);
    }

    Route token(TokenScope scope) {
        return new Route(method, path, roles, rateLimit, beforeMfa, scope, staff, grant);
    }

    /** An operators' route that reads one tenant's data: only under an active grant with this scope. */
    Route underGrant(AccessScope scope) {
        return new Route(method, path, roles, rateLimit, beforeMfa, tokenScope, staff, scope);
    }

    public boolean isPublic() {
        return roles.isEmpty() && staff.isEmpty();
    }

    /** Served to operators (under {@code /ops}), signed in or not. */
    public boolean isOps() {
        return path.equals(OPS) || path.startsWith(OPS + "/");
    }

    public Optional<AccessScope> grantScope() {
        return Optional.ofNullable(grant);
    }

    public Optional<RateLimit> limit() {
        return Optional.ofNullable(rateLimit);
    }

    public Optional<TokenScope> scope() {
        return Optional.ofNullable(tokenScope);
    }

    public RequestMatcher matcher() {
        return method == null ? PATHS.matcher(path) : PATHS.matcher(method, path);
    }

    /** {@code GET /api/v1/me}, or {@code * /error} for any method. */
    @Override
    public String toString() {
        return (method == null ? "*" : method.name()) + " " + path;
    }
}
