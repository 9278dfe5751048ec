package dev.cloudwarden.web;

import dev.cloudwarden.abuse.RateLimit;
import dev.cloudwarden.identity.Role;
import dev.cloudwarden.identity.TokenScope;
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
 */
public record Route(HttpMethod method, String path, Set<Role> roles, RateLimit rateLimit, boolean beforeMfa, TokenScope tokenScope) {

    private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();

    public Route {
        roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
        if (roles.isEmpty() && tokenScope != null) {
            throw new IllegalArgumentException(path + ": a public route needs no token");
        }
    }

    /** A route anyone may call without signing in. */
    static Route open(HttpMethod method, String path) {
        return new Route(method, path, Set.of(), null, false, null);
    }

    /** A route for signed-in users of these roles. */
    static Route signedIn(HttpMethod method, String path, Set<Role> roles) {
        if (roles.isEmpty()) {
            throw new IllegalArgumentException(path + ": name the roles that may call it");
        }
        return new Route(method, path, roles, null, false, null);
    }

    Route limit(RateLimit limit) {
        return new Route(method, path, roles, limit, beforeMfa, tokenScope);
    }

    Route beforeMfaEnrollment() {
        return new Route(method, path, roles, rateLimit, true, tokenScope);
    }

    Route token(TokenScope scope) {
        return new Route(method, path, roles, rateLimit, beforeMfa, scope);
    }

    public boolean isPublic() {
        return roles.isEmpty();
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
