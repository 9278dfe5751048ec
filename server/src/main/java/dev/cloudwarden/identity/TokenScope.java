package dev.cloudwarden.identity;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * What a personal access token may do, on top of what its user's role allows (a token never
 * exceeds its user). The mapping to endpoints lives here and nowhere else; docs/api-tokens.md
 * describes it.
 *
 * <ul>
 *   <li>{@code read}: GET and HEAD on the API.</li>
 *   <li>{@code write}: every method on the API (includes {@code read} and {@code jobs:run}).</li>
 *   <li>{@code jobs:run}: POST /api/v1/jobs/{id}/runs only (start a job run).</li>
 * </ul>
 * No scope reaches the credential endpoints ({@code /api/v1/sessions/**}, {@code /api/v1/tokens/**}):
 * a token cannot list or end sessions, nor mint, list or revoke tokens, so a leaked token cannot
 * make itself a longer-lived or broader one.
 */
public enum TokenScope {
    READ("read"), WRITE("write"), JOBS_RUN("jobs:run");

    private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();
    private static final RequestMatcher CREDENTIALS = new OrRequestMatcher(
            PATHS.matcher("/api/v1/sessions/**"), PATHS.matcher("/api/v1/tokens/**"));
    private static final RequestMatcher JOB_RUN = PATHS.matcher(HttpMethod.POST, "/api/v1/jobs/*/runs");

    private final String value;

    TokenScope(String value) {
        this.value = value;
    }

    /** The scope's name in the API and in the database. */
    public String value() {
        return value;
    }

    public static Optional<TokenScope> of(String value) {
        return Arrays.stream(values()).filter(s -> s.value.equals(value)).findFirst();
    }

    /** Whether a token with these scopes may make this request (the role is checked separately). */
    static boolean permits(Set<TokenScope> scopes, HttpServletRequest request) {
        if (CREDENTIALS.matches(request)) {
            return false;
        }
        if (scopes.contains(WRITE)) {
            return true;
        }
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return scopes.contains(READ);
        }
        return scopes.contains(JOBS_RUN) && JOB_RUN.matches(request);
    }
}
